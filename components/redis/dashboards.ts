/**
 * The Grafana dashboard of Redis and its sentinels: panels query only the `redis` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function redisDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-redis",
            title: "Redis",
            exporter: "redis",
            job: "redis",
            panels: [
                { title: "Up", expr: `redis_up{${N}}`, unit: "short", legend: "{{node}} {{service_role}}" },
                { title: "Role", expr: `redis_instance_info{${N}, redis_mode!="sentinel"}`, unit: "short", legend: "{{node}} {{role}}" },
                { title: "Connected replicas", expr: `redis_connected_slaves{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Master link up", expr: `redis_master_link_up{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Memory used / max", expr: `redis_memory_used_bytes{${N}} / redis_memory_max_bytes{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Commands / s", expr: `rate(redis_commands_processed_total{${N}}[${RI}])`, unit: "short", legend: "{{node}}" },
                { title: "Sentinels OK", expr: `redis_sentinel_master_ok_sentinels{${N}}`, unit: "short", legend: "{{node}} {{master_name}}" },
                { title: "Sentinel master status", expr: `redis_sentinel_master_status{${N}}`, unit: "short", legend: "{{node}} {{master_status}}" },
            ],
        },
    ];
}
