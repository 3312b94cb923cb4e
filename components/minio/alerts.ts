/**
 * The minio module's alert rules (group `minio`). Promtool fixtures in
 * test/monitoring/fixtures/minio.ts.
 */
import { AlertPack, ratio, RuleDef } from "../monitoring/alerts";

function minioDefs(): RuleDef[] {
    return [
        {
            name: "MinioDown",
            expr: `up{job="minio"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "MinIO on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape /minio/v2/metrics/cluster.",
        },
        {
            name: "MinioNodesOffline",
            expr: `minio_cluster_nodes_offline_total > 0`,
            for: "1m",
            severity: "critical",
            summary: "{{ $value }} MinIO node(s) offline",
            description: "MinIO reports offline nodes in its cluster.",
        },
        {
            name: "MinioDrivesOffline",
            expr: `minio_cluster_drive_offline_total > 0`,
            for: "1m",
            severity: "warning",
            summary: "{{ $value }} MinIO drive(s) offline",
            description: "A drive of the MinIO deployment is offline.",
        },
        {
            name: "MinioCapacityLow",
            expr: `minio_cluster_capacity_usable_free_bytes / minio_cluster_capacity_usable_total_bytes < 0.1 and minio_cluster_capacity_usable_total_bytes > 0`,
            for: "15m",
            severity: "warning",
            summary: "MinIO has {{ $value | humanizePercentage }} usable capacity left",
            description: "Uploads fail once the data volume is full.",
        },
        {
            name: "MinioS3ErrorRate",
            expr: `${ratio("rate(minio_s3_requests_5xx_errors_total[5m])", "rate(minio_s3_requests_total[5m])", "job, instance, node")} > 0.05 and sum by (job, instance, node) (rate(minio_s3_requests_total[5m])) > 0`,
            for: "5m",
            severity: "warning",
            summary: "MinIO 5xx ratio above 5% on {{ $labels.node }}",
            description: "{{ $value | humanizePercentage }} of S3 requests failed with 5xx.",
        },
    ];
}

export function minioAlerts(): AlertPack {
    return { name: "minio", services: ["minio"], exporters: ["minio"], rules: minioDefs() };
}
