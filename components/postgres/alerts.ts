/**
 * The postgres module's alert rules (group `postgres`): servers, streaming replicas, split brain.
 * Promtool fixtures in test/monitoring/fixtures/postgres.ts.
 */
import type { Topology } from "../../stacks/schema";
import type { AlertPack, RuleDef } from "../monitoring/alerts";

export interface PostgresAlertOptions {
    readonly expectedReplicas: number;
}

export function postgresAlertOptions(t: Topology): PostgresAlertOptions {
    return { expectedReplicas: t.replication.postgresql.replicas.length };
}

function postgresDefs(o: PostgresAlertOptions): RuleDef[] {
    return [
        {
            name: "PostgresDown",
            expr: `pg_up == 0`,
            for: "1m",
            severity: "critical",
            summary: "PostgreSQL on {{ $labels.node }} is down",
            description: "postgres_exporter cannot connect to PostgreSQL.",
        },
        {
            name: "PostgresReplicationLag",
            expr: `pg_replication_lag_seconds > 30`,
            for: "5m",
            severity: "warning",
            summary: "PostgreSQL replica {{ $labels.node }} lags {{ $value | humanizeDuration }}",
            description: "The replica has received WAL it has not replayed for more than 30s.",
        },
        {
            name: "PostgresReplicationLag",
            expr: `pg_replication_lag_seconds > 300`,
            for: "5m",
            severity: "critical",
            summary: "PostgreSQL replica {{ $labels.node }} lags {{ $value | humanizeDuration }}",
            description: "The replica is more than 5 minutes behind; a failover now would lose data.",
        },
        {
            name: "PostgresReplicaDown",
            // count() of nothing is no series, so `or on() vector(0)` turns "no replica" into 0.
            expr: `(count(pg_stat_replication_pg_wal_lsn_diff{state="streaming"}) or on () vector(0)) < ${o.expectedReplicas} and on () count(pg_replication_is_replica == 0) > 0`,
            for: "2m",
            severity: "critical",
            summary: `PostgreSQL primary has fewer than ${o.expectedReplicas} streaming replica(s)`,
            description: "The primary streams to {{ $value }} replica(s): a replica is down or disconnected.",
        },
        {
            name: "PostgresNoPrimary",
            expr: `count(pg_up == 1) > 0 unless on () count(pg_replication_is_replica == 0) > 0`,
            for: "2m",
            severity: "critical",
            summary: "No PostgreSQL primary",
            description: "Every reachable PostgreSQL server is in recovery: writes are impossible until one is promoted.",
        },
        {
            name: "PostgresMultiplePrimaries",
            expr: `count(pg_replication_is_replica == 0) > 1`,
            for: "1m",
            severity: "critical",
            summary: "{{ $value }} PostgreSQL servers accept writes",
            description: "More than one server is out of recovery (split brain after a failover).",
        },
        {
            name: "PostgresTooManyConnections",
            expr: `sum by (job, instance, node) (pg_stat_activity_count) / max by (job, instance, node) (pg_settings_max_connections) > 0.8`,
            for: "5m",
            severity: "warning",
            summary: "PostgreSQL on {{ $labels.node }} above 80% of max_connections",
            description: "{{ $value | humanizePercentage }} of max_connections are in use.",
        },
    ];
}

export function postgresAlerts(o: PostgresAlertOptions): AlertPack {
    return { name: "postgres", services: ["postgres"], exporters: ["postgres"], rules: postgresDefs(o) };
}
