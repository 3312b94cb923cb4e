/**
 * The Grafana dashboard of Qdrant: panels query only the `qdrant` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function qdrantDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-qdrant",
            title: "Qdrant",
            exporter: "qdrant",
            job: "qdrant",
            panels: [
                { title: "Up", expr: `up{job="qdrant", ${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Collections", expr: `collections_total{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Vectors", expr: `collections_vector_total{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "REST requests / s", expr: `sum by (node) (rate(rest_responses_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{node}}" },
                { title: "REST failures / s", expr: `sum by (node) (rate(rest_responses_fail_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{node}}" },
                { title: "REST max latency", expr: `max by (node) (rest_responses_max_duration_seconds{${N}})`, unit: "s", legend: "{{node}}" },
                { title: "Cluster peers", expr: `cluster_peers_total{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Pending consensus operations", expr: `cluster_pending_operations_total{${N}}`, unit: "short", legend: "{{node}}" },
            ],
        },
    ];
}
