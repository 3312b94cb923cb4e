/**
 * Metric families each exporter really exposes, typed, so that alert rules and Grafana panels can be
 * checked against them (test/monitoring/families.test.ts). A rule or panel that queries a name not
 * listed here for its exporter is a defect: it would silently never fire / always be empty.
 *
 * Sources (re-checked when an exporter image is bumped):
 * - haproxy: HAProxy 2.6 built-in `prometheus-exporter` service; the list is verified against a real
 *   haproxy in test/monitoring/prometheus-server.test.ts.
 * - nats: prometheus-nats-exporter run with `-varz -healthz -leafz -routez -jsz=all`; `gnatsd_varz_*`
 *   are the numeric keys of nats-server's /varz (verified against the real nats-server in tests),
 *   `gnatsd_healthz_status` (0 = ok), `gnatsd_leafz_conn_nodes_total`, and the `jetstream_server_*`
 *   gauges of collector/jsz.go, which carry `meta_leader` and `is_meta_leader` labels.
 * - postgres: prometheus-community/postgres_exporter >= 0.15 default collectors
 *   (`replication` collector: pg_replication_lag_seconds is 0 while a replica has replayed all it
 *   received, so an idle primary does not look like lag).
 * - redis: oliver006/redis_exporter; the `redis_sentinel_*` families appear when it scrapes a sentinel.
 * - node: prometheus/node_exporter default collectors. cadvisor: google/cadvisor container metrics.
 * - minio: MinIO metrics v2 (`/minio/v2/metrics/cluster`), still served by the last community releases.
 * - qdrant: Qdrant `/metrics` (docs "Monitoring & Telemetry"; cluster_* only in distributed mode).
 * - neo4j: Neo4j 5 Enterprise Prometheus endpoint (`server.metrics.prometheus.enabled`); per-database
 *   names embed the database name (`neo4j_database_<db>_...`), counters get `_total`.
 *   Neo4j Community has no metrics at all.
 * - daedalus: seed 004 names the prefixes only; the concrete names below are the ones this platform
 *   expects the Daedalus backend to expose (configurable in `DaedalusMetricNames`).
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary";

export interface MetricFamily {
    readonly name: string;
    readonly type: MetricType;
}

/** Every exporter this platform scrapes. A scrape target names exactly one of them. */
export const EXPORTERS = [
    "prometheus",
    "alertmanager",
    "grafana",
    "node",
    "cadvisor",
    "nats",
    "postgres",
    "redis",
    "qdrant",
    "neo4j",
    "minio",
    "haproxy",
    "daedalus",
    /** blackbox_exporter probes of services that expose no metrics of their own. */
    "blackbox",
    /** An application's own /metrics whose families are not catalogued: only `up` & co are relied on. */
    "app",
    /** The node agent (components/agent/), names fixed by the agent contract (issue 12). */
    "agent",
] as const;
export type ExporterKind = (typeof EXPORTERS)[number];

const g = (name: string): MetricFamily => ({ name, type: "gauge" });
const c = (name: string): MetricFamily => ({ name, type: "counter" });
const h = (name: string): MetricFamily => ({ name, type: "histogram" });

/** Series Prometheus itself attaches to every target, whatever the exporter. */
export const SYNTHETIC_SERIES: readonly string[] = ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"];

/** Names of the Daedalus metrics the rules use; seed 004 only fixes their prefixes. */
export interface DaedalusMetricNames {
    readonly up: string;
    readonly httpRequests: string;
    readonly httpDuration: string;
    readonly mcpConnectionsActive: string;
    readonly mcpDuration: string;
    readonly clientExceptions: string;
    readonly s3Operations: string;
    readonly s3Errors: string;
    /** Label of `httpRequests` holding the status code (`500`) or class (`5xx`). */
    readonly statusLabel: string;
}

export const DEFAULT_DAEDALUS_METRICS: DaedalusMetricNames = {
    up: "daedalus_up",
    httpRequests: "daedalus_http_requests_total",
    httpDuration: "daedalus_http_request_duration_seconds",
    mcpConnectionsActive: "daedalus_mcp_connections_active",
    mcpDuration: "daedalus_mcp_request_duration_seconds",
    clientExceptions: "daedalus_client_exceptions_total",
    s3Operations: "daedalus_s3_operations_total",
    s3Errors: "daedalus_s3_errors_total",
    statusLabel: "status",
};

export function daedalusFamilies(m: DaedalusMetricNames = DEFAULT_DAEDALUS_METRICS): MetricFamily[] {
    return [
        g(m.up),
        g("daedalus_build_info"),
        c(m.httpRequests),
        h(m.httpDuration),
        g(m.mcpConnectionsActive),
        h(m.mcpDuration),
        c("daedalus_mcp_requests_total"),
        c("daedalus_agent_requests_total"),
        c(m.clientExceptions),
        c(m.s3Operations),
        c(m.s3Errors),
        c("daedalus_file_uploads_total"),
        c("daedalus_feature_usage_total"),
    ];
}

/** Neo4j per-database family names embed the database name. */
export function neo4jFamilies(database = "neo4j"): MetricFamily[] {
    const db = `neo4j_database_${database.replace(/[^a-zA-Z0-9_]/g, "_")}`;
    return [
        g("neo4j_dbms_vm_heap_used"),
        g("neo4j_dbms_vm_heap_max"),
        g("neo4j_dbms_vm_heap_committed"),
        g("neo4j_dbms_page_cache_hit_ratio"),
        g("neo4j_dbms_page_cache_usage_ratio"),
        c("neo4j_dbms_page_cache_page_faults_total"),
        g("neo4j_dbms_vm_thread_count"),
        c("neo4j_dbms_bolt_connections_opened_total"),
        g("neo4j_dbms_bolt_connections_running"),
        g(`${db}_transaction_active`),
        c(`${db}_transaction_committed_total`),
        c(`${db}_transaction_rollbacks_total`),
        g(`${db}_cluster_raft_is_leader`),
        g(`${db}_check_point_duration`),
        g(`${db}_store_size_total`),
    ];
}

const STATIC_FAMILIES: Record<Exclude<ExporterKind, "daedalus" | "neo4j">, MetricFamily[]> = {
    app: [],
    agent: [
        g("daarion_agent_up"),
        g("daarion_agent_lease_held"),
        g("daarion_agent_lease_age_seconds"),
        g("daarion_agent_fenced"),
        c("daarion_agent_failovers_total"),
        g("daarion_agent_replication_lag_bytes"),
        g("daarion_agent_lag_bound_bytes"),
        g("daarion_agent_primary"),
        g("daarion_agent_peer_up"),
    ],
    blackbox: [g("probe_success"), g("probe_duration_seconds"), g("probe_http_status_code")],
    prometheus: [
        c("prometheus_rule_evaluation_failures_total"),
        c("prometheus_notifications_errors_total"),
        c("prometheus_notifications_sent_total"),
        g("prometheus_notifications_alertmanagers_discovered"),
        g("prometheus_config_last_reload_successful"),
        c("prometheus_tsdb_compactions_failed_total"),
        g("prometheus_tsdb_head_series"),
        c("prometheus_target_scrapes_exceeded_sample_limit_total"),
        g("prometheus_build_info"),
    ],
    alertmanager: [
        g("alertmanager_config_last_reload_successful"),
        c("alertmanager_notifications_total"),
        c("alertmanager_notifications_failed_total"),
        g("alertmanager_alerts"),
        g("alertmanager_build_info"),
    ],
    grafana: [g("grafana_build_info"), h("grafana_http_request_duration_seconds"), g("grafana_stat_totals_dashboard")],
    node: [
        c("node_cpu_seconds_total"),
        g("node_load1"),
        g("node_load5"),
        g("node_memory_MemAvailable_bytes"),
        g("node_memory_MemTotal_bytes"),
        g("node_filesystem_avail_bytes"),
        g("node_filesystem_size_bytes"),
        g("node_filesystem_readonly"),
        c("node_network_receive_bytes_total"),
        c("node_network_transmit_bytes_total"),
        c("node_disk_io_time_seconds_total"),
        g("node_timex_offset_seconds"),
        g("node_timex_sync_status"),
        g("node_boot_time_seconds"),
        g("node_vmstat_oom_kill"),
    ],
    cadvisor: [
        c("container_cpu_usage_seconds_total"),
        g("container_memory_working_set_bytes"),
        g("container_spec_memory_limit_bytes"),
        g("container_last_seen"),
        c("container_oom_events_total"),
        g("container_start_time_seconds"),
        c("container_network_receive_bytes_total"),
        c("container_network_transmit_bytes_total"),
        c("container_fs_writes_bytes_total"),
    ],
    nats: [
        // /varz numeric keys (the exporter turns all of them into gauges, cumulative ones included).
        g("gnatsd_varz_connections"),
        g("gnatsd_varz_total_connections"),
        g("gnatsd_varz_max_connections"),
        g("gnatsd_varz_routes"),
        g("gnatsd_varz_remotes"),
        g("gnatsd_varz_leafnodes"),
        g("gnatsd_varz_subscriptions"),
        g("gnatsd_varz_slow_consumers"),
        g("gnatsd_varz_in_msgs"),
        g("gnatsd_varz_out_msgs"),
        g("gnatsd_varz_in_bytes"),
        g("gnatsd_varz_out_bytes"),
        g("gnatsd_varz_mem"),
        g("gnatsd_varz_cpu"),
        g("gnatsd_healthz_status"),
        g("gnatsd_leafz_conn_nodes_total"),
        g("jetstream_server_jetstream_disabled"),
        g("jetstream_server_total_streams"),
        g("jetstream_server_total_consumers"),
        g("jetstream_server_total_messages"),
        g("jetstream_server_total_message_bytes"),
        g("jetstream_server_max_memory"),
        g("jetstream_server_max_storage"),
        g("jetstream_stream_total_messages"),
        g("jetstream_consumer_num_pending"),
        g("jetstream_consumer_num_ack_pending"),
    ],
    postgres: [
        g("pg_up"),
        g("pg_replication_lag_seconds"),
        g("pg_replication_is_replica"),
        g("pg_stat_replication_pg_wal_lsn_diff"),
        g("pg_stat_replication_pg_current_wal_lsn_bytes"),
        g("pg_stat_database_numbackends"),
        c("pg_stat_database_xact_commit"),
        c("pg_stat_database_xact_rollback"),
        c("pg_stat_database_deadlocks"),
        c("pg_stat_database_blks_hit"),
        c("pg_stat_database_blks_read"),
        g("pg_settings_max_connections"),
        g("pg_stat_activity_count"),
        g("pg_database_size_bytes"),
        g("pg_postmaster_start_time_seconds"),
    ],
    redis: [
        g("redis_up"),
        g("redis_instance_info"),
        g("redis_connected_slaves"),
        g("redis_master_link_up"),
        g("redis_connected_clients"),
        g("redis_memory_used_bytes"),
        g("redis_memory_max_bytes"),
        c("redis_rejected_connections_total"),
        c("redis_commands_processed_total"),
        c("redis_keyspace_hits_total"),
        c("redis_keyspace_misses_total"),
        g("redis_db_keys"),
        g("redis_sentinel_masters"),
        g("redis_sentinel_master_status"),
        g("redis_sentinel_master_ok_sentinels"),
        g("redis_sentinel_master_ok_slaves"),
        g("redis_sentinel_master_sentinels"),
        g("redis_sentinel_tilt"),
    ],
    qdrant: [
        c("app_info"),
        g("app_status_recovery_mode"),
        g("collections_total"),
        g("collections_vector_total"),
        c("rest_responses_total"),
        c("rest_responses_fail_total"),
        g("rest_responses_avg_duration_seconds"),
        g("rest_responses_max_duration_seconds"),
        c("grpc_responses_total"),
        c("grpc_responses_fail_total"),
        g("cluster_enabled"),
        g("cluster_peers_total"),
        c("cluster_term"),
        c("cluster_commit"),
        g("cluster_pending_operations_total"),
        g("cluster_voter"),
    ],
    minio: [
        g("minio_cluster_nodes_online_total"),
        g("minio_cluster_nodes_offline_total"),
        g("minio_cluster_drive_online_total"),
        g("minio_cluster_drive_offline_total"),
        g("minio_cluster_capacity_usable_free_bytes"),
        g("minio_cluster_capacity_usable_total_bytes"),
        g("minio_cluster_usage_total_bytes"),
        g("minio_cluster_bucket_total"),
        c("minio_s3_requests_total"),
        c("minio_s3_requests_errors_total"),
        c("minio_s3_requests_5xx_errors_total"),
        c("minio_s3_requests_4xx_errors_total"),
        c("minio_s3_traffic_received_bytes"),
        c("minio_s3_traffic_sent_bytes"),
        g("minio_node_process_uptime_seconds"),
    ],
    haproxy: [
        g("haproxy_process_uptime_seconds"),
        g("haproxy_process_current_connections"),
        g("haproxy_frontend_status"),
        g("haproxy_frontend_current_sessions"),
        c("haproxy_frontend_http_requests_total"),
        c("haproxy_frontend_http_responses_total"),
        g("haproxy_backend_status"),
        g("haproxy_backend_active_servers"),
        g("haproxy_backend_backup_servers"),
        c("haproxy_backend_http_responses_total"),
        g("haproxy_backend_response_time_average_seconds"),
        g("haproxy_backend_current_queue"),
        c("haproxy_backend_connection_errors_total"),
        g("haproxy_server_status"),
        c("haproxy_server_check_failures_total"),
    ],
};

export interface FamilyOptions {
    readonly daedalus?: DaedalusMetricNames;
    readonly neo4jDatabase?: string;
}

export function familiesOf(exporter: ExporterKind, options: FamilyOptions = {}): MetricFamily[] {
    if (exporter === "daedalus") return daedalusFamilies(options.daedalus);
    if (exporter === "neo4j") return neo4jFamilies(options.neo4jDatabase);
    return STATIC_FAMILIES[exporter];
}

/** Series names a family produces: a histogram `x` is `x_bucket`, `x_sum`, `x_count`. */
export function seriesNames(family: MetricFamily): string[] {
    if (family.type === "histogram") return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`];
    if (family.type === "summary") return [family.name, `${family.name}_sum`, `${family.name}_count`];
    return [family.name];
}

/** Every series name a target of this exporter can expose, synthetic `up` & co included. */
export function exposedSeries(exporter: ExporterKind, options: FamilyOptions = {}): Set<string> {
    const names = new Set<string>(SYNTHETIC_SERIES);
    for (const family of familiesOf(exporter, options)) for (const n of seriesNames(family)) names.add(n);
    return names;
}
