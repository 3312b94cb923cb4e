/**
 * The Grafana dashboard of PostgreSQL: panels query only the `postgres` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function postgresDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-postgres",
            title: "PostgreSQL",
            exporter: "postgres",
            job: "postgres",
            panels: [
                { title: "Up", expr: `pg_up{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Is replica", expr: `pg_replication_is_replica{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Replication lag", expr: `pg_replication_lag_seconds{${N}}`, unit: "s", legend: "{{node}}" },
                { title: "Replay lag (bytes, primary view)", expr: `pg_stat_replication_pg_wal_lsn_diff{${N}}`, unit: "bytes", legend: "{{application_name}}" },
                { title: "Connections used", expr: `sum by (node) (pg_stat_activity_count{${N}}) / max by (node) (pg_settings_max_connections{${N}})`, unit: "percentunit", legend: "{{node}}" },
                { title: "Commits / s", expr: `sum by (datname) (rate(pg_stat_database_xact_commit{${N}}[${RI}]))`, unit: "short", legend: "{{datname}}" },
                { title: "Cache hit ratio", expr: `sum(rate(pg_stat_database_blks_hit{${N}}[${RI}])) / (sum(rate(pg_stat_database_blks_hit{${N}}[${RI}])) + sum(rate(pg_stat_database_blks_read{${N}}[${RI}])))`, unit: "percentunit" },
                { title: "Database size", expr: `pg_database_size_bytes{${N}}`, unit: "bytes", legend: "{{datname}}" },
            ],
        },
    ];
}
