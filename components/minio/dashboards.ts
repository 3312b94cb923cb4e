/**
 * The Grafana dashboard of MinIO: panels query only the `minio` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function minioDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-minio",
            title: "MinIO",
            exporter: "minio",
            job: "minio",
            panels: [
                { title: "Nodes offline", expr: `max(minio_cluster_nodes_offline_total{${N}})`, unit: "short" },
                { title: "Drives offline", expr: `max(minio_cluster_drive_offline_total{${N}})`, unit: "short" },
                { title: "Usable capacity free", expr: `max(minio_cluster_capacity_usable_free_bytes{${N}}) / max(minio_cluster_capacity_usable_total_bytes{${N}})`, unit: "percentunit" },
                { title: "Data stored", expr: `max(minio_cluster_usage_total_bytes{${N}})`, unit: "bytes" },
                { title: "S3 requests / s", expr: `sum by (api) (rate(minio_s3_requests_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{api}}" },
                { title: "S3 5xx / s", expr: `sum by (api) (rate(minio_s3_requests_5xx_errors_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{api}}" },
            ],
        },
    ];
}
