/**
 * The Grafana dashboard of the NATS servers and JetStream: panels query only the `nats` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function natsDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-nats",
            title: "NATS",
            exporter: "nats",
            job: "nats",
            panels: [
                { title: "Health (0 = ok)", expr: `gnatsd_healthz_status{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Connections", expr: `gnatsd_varz_connections{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Routes", expr: `gnatsd_varz_routes{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Leafnodes", expr: `gnatsd_varz_leafnodes{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Messages in / s", expr: `rate(gnatsd_varz_in_msgs{${N}}[${RI}])`, unit: "short", legend: "{{node}}" },
                { title: "Slow consumers", expr: `gnatsd_varz_slow_consumers{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "JetStream storage used", expr: `jetstream_server_total_message_bytes{${N}} / jetstream_server_max_storage{${N}}`, unit: "percentunit", legend: "{{server_name}}" },
                { title: "JetStream meta leader", expr: `count by (meta_leader) (jetstream_server_jetstream_disabled{${N}})`, unit: "short", legend: "{{meta_leader}}" },
                { title: "Consumer pending", expr: `sum by (stream_name, consumer_name) (jetstream_consumer_num_pending{${N}})`, unit: "short", legend: "{{stream_name}}/{{consumer_name}}" },
            ],
        },
    ];
}
