/**
 * Grafana provisioning: datasources (Prometheus, Loki), a file dashboard provider, and one dashboard
 * per exporter whose panels query only metrics that exporter exposes (tested against families.ts).
 */
import { stringify } from "yaml";
import { DaedalusMetricNames, DEFAULT_DAEDALUS_METRICS, ExporterKind } from "./families";

export interface GrafanaDatasourceSpec {
    /** e.g. `http://10.0.0.2:9090` */
    readonly prometheusUrl: string;
    /** Loki is optional: Daedalus logs go there (seed 004), but the platform may not run one yet. */
    readonly lokiUrl?: string;
    /** @default "15s", matches the scrape interval so $__rate_interval is right. */
    readonly scrapeInterval?: string;
}

export const PROMETHEUS_DATASOURCE_UID = "prometheus";
export const LOKI_DATASOURCE_UID = "loki";

export function renderGrafanaDatasources(spec: GrafanaDatasourceSpec): string {
    const datasources: Record<string, unknown>[] = [
        {
            name: "Prometheus",
            type: "prometheus",
            uid: PROMETHEUS_DATASOURCE_UID,
            access: "proxy",
            url: spec.prometheusUrl,
            isDefault: true,
            editable: false,
            jsonData: { timeInterval: spec.scrapeInterval ?? "15s", httpMethod: "POST" },
        },
    ];
    if (spec.lokiUrl) {
        datasources.push({ name: "Loki", type: "loki", uid: LOKI_DATASOURCE_UID, access: "proxy", url: spec.lokiUrl, editable: false });
    }
    return stringify({ apiVersion: 1, deleteDatasources: [], datasources }, { lineWidth: 0 });
}

/** Dashboards are files in `dashboardsPath` inside the Grafana container. */
export function renderGrafanaDashboardProvider(dashboardsPath: string): string {
    return stringify(
        {
            apiVersion: 1,
            providers: [
                {
                    name: "daarion",
                    orgId: 1,
                    folder: "DAARION",
                    type: "file",
                    // Provisioned dashboards are code: UI edits would be lost on the next deploy.
                    disableDeletion: true,
                    allowUiUpdates: false,
                    updateIntervalSeconds: 60,
                    options: { path: dashboardsPath, foldersFromFilesStructure: false },
                },
            ],
        },
        { lineWidth: 0 },
    );
}

export interface PanelSpec {
    readonly title: string;
    readonly expr: string;
    /** Grafana unit id: `percentunit`, `s`, `bytes`, `reqps`, `short`, ... */
    readonly unit: string;
    readonly legend?: string;
}

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly exporter: ExporterKind;
    /** Prometheus job whose `node` label values fill the node selector. */
    readonly job: string;
    readonly panels: readonly PanelSpec[];
}

const N = `node=~"$node"`;
const RI = "$__rate_interval";

export function dashboardSpecs(daedalus: DaedalusMetricNames = DEFAULT_DAEDALUS_METRICS): DashboardSpec[] {
    const d = daedalus;
    return [
        {
            uid: "daarion-daedalus",
            title: "Daedalus",
            exporter: "daedalus",
            job: "daedalus",
            panels: [
                { title: "Up", expr: `${d.up}{${N}}`, unit: "short" },
                { title: "HTTP requests", expr: `sum by (${d.statusLabel}) (rate(${d.httpRequests}{${N}}[${RI}]))`, unit: "reqps", legend: `{{${d.statusLabel}}}` },
                { title: "HTTP 5xx ratio", expr: `sum(rate(${d.httpRequests}{${N}, ${d.statusLabel}=~"5.."}[${RI}])) / sum(rate(${d.httpRequests}{${N}}[${RI}]))`, unit: "percentunit" },
                { title: "HTTP p95 latency", expr: `histogram_quantile(0.95, sum by (le) (rate(${d.httpDuration}_bucket{${N}}[${RI}])))`, unit: "s" },
                { title: "Active MCP connections", expr: `${d.mcpConnectionsActive}{${N}}`, unit: "short" },
                { title: "MCP p95 latency", expr: `histogram_quantile(0.95, sum by (le) (rate(${d.mcpDuration}_bucket{${N}}[${RI}])))`, unit: "s" },
                { title: "Client exceptions / min", expr: `sum(rate(${d.clientExceptions}{${N}}[${RI}])) * 60`, unit: "short" },
                { title: "S3 error ratio", expr: `sum(rate(${d.s3Errors}{${N}}[${RI}])) / sum(rate(${d.s3Operations}{${N}}[${RI}]))`, unit: "percentunit" },
            ],
        },
        {
            // The node agent (components/agent/, issue 12): leases, fencing, failovers and lag per group.
            uid: "daarion-agent",
            title: "Node agent (failover)",
            exporter: "agent",
            job: "agent",
            panels: [
                { title: "Agent up", expr: `daarion_agent_up{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Primary per group", expr: `daarion_agent_primary{${N}} == 1`, unit: "short", legend: "{{group}}: {{node}}" },
                { title: "Lease held", expr: `daarion_agent_lease_held{${N}}`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Lease age", expr: `daarion_agent_lease_age_seconds{${N}}`, unit: "s", legend: "{{group}} on {{node}}" },
                { title: "Fenced", expr: `daarion_agent_fenced{${N}}`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Failovers", expr: `increase(daarion_agent_failovers_total{${N}}[${RI}])`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Replication lag vs bound", expr: `daarion_agent_replication_lag_bytes{${N}} / daarion_agent_lag_bound_bytes{${N}}`, unit: "percentunit", legend: "{{group}} on {{node}}" },
                { title: "Peers reachable", expr: `daarion_agent_peer_up{${N}}`, unit: "short", legend: "{{node}} -> {{peer}}" },
            ],
        },
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
        {
            uid: "daarion-neo4j",
            title: "Neo4j",
            exporter: "neo4j",
            job: "neo4j",
            panels: [
                { title: "Up", expr: `up{job="neo4j", ${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Heap used", expr: `neo4j_dbms_vm_heap_used{${N}} / neo4j_dbms_vm_heap_max{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Page cache hit ratio", expr: `neo4j_dbms_page_cache_hit_ratio{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Active transactions", expr: `neo4j_database_neo4j_transaction_active{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Commits / s", expr: `rate(neo4j_database_neo4j_transaction_committed_total{${N}}[${RI}])`, unit: "short", legend: "{{node}}" },
                { title: "Raft leader", expr: `neo4j_database_neo4j_cluster_raft_is_leader{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Bolt connections running", expr: `neo4j_dbms_bolt_connections_running{${N}}`, unit: "short", legend: "{{node}}" },
            ],
        },
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
        {
            uid: "daarion-haproxy",
            title: "HAProxy",
            exporter: "haproxy",
            job: "haproxy",
            panels: [
                { title: "Backend servers up", expr: `haproxy_backend_active_servers{${N}}`, unit: "short", legend: "{{node}} {{proxy}}" },
                { title: "Server state DOWN", expr: `haproxy_server_status{${N}, state="DOWN"}`, unit: "short", legend: "{{proxy}}/{{server}}" },
                { title: "Frontend requests / s", expr: `sum by (proxy) (rate(haproxy_frontend_http_requests_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{proxy}}" },
                { title: "Backend 5xx ratio", expr: `sum by (proxy) (rate(haproxy_backend_http_responses_total{${N}, code="5xx"}[${RI}])) / sum by (proxy) (rate(haproxy_backend_http_responses_total{${N}}[${RI}]))`, unit: "percentunit", legend: "{{proxy}}" },
                { title: "Backend response time", expr: `haproxy_backend_response_time_average_seconds{${N}}`, unit: "s", legend: "{{proxy}}" },
                { title: "Current sessions", expr: `haproxy_frontend_current_sessions{${N}}`, unit: "short", legend: "{{proxy}}" },
            ],
        },
        {
            uid: "daarion-host",
            title: "Hosts",
            exporter: "node",
            job: "node",
            panels: [
                { title: "CPU busy", expr: `1 - avg by (node) (rate(node_cpu_seconds_total{${N}, mode="idle"}[${RI}]))`, unit: "percentunit", legend: "{{node}}" },
                { title: "Load 1m", expr: `node_load1{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Memory available", expr: `node_memory_MemAvailable_bytes{${N}} / node_memory_MemTotal_bytes{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Disk free", expr: `node_filesystem_avail_bytes{${N}, fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{${N}, fstype!~"tmpfs|overlay"}`, unit: "percentunit", legend: "{{node}} {{mountpoint}}" },
                { title: "Network receive", expr: `rate(node_network_receive_bytes_total{${N}, device!="lo"}[${RI}])`, unit: "Bps", legend: "{{node}} {{device}}" },
                { title: "Disk busy", expr: `rate(node_disk_io_time_seconds_total{${N}}[${RI}])`, unit: "percentunit", legend: "{{node}} {{device}}" },
                { title: "Clock offset", expr: `node_timex_offset_seconds{${N}}`, unit: "s", legend: "{{node}}" },
            ],
        },
        {
            uid: "daarion-containers",
            title: "Containers",
            exporter: "cadvisor",
            job: "cadvisor",
            panels: [
                { title: "CPU", expr: `sum by (node, name) (rate(container_cpu_usage_seconds_total{${N}, name!=""}[${RI}]))`, unit: "short", legend: "{{node}} {{name}}" },
                { title: "Memory working set", expr: `container_memory_working_set_bytes{${N}, name!=""}`, unit: "bytes", legend: "{{node}} {{name}}" },
                { title: "Memory vs limit", expr: `container_memory_working_set_bytes{${N}, name!=""} / (container_spec_memory_limit_bytes{${N}, name!=""} > 0)`, unit: "percentunit", legend: "{{node}} {{name}}" },
                { title: "OOM events", expr: `increase(container_oom_events_total{${N}, name!=""}[1h])`, unit: "short", legend: "{{node}} {{name}}" },
                { title: "Network receive", expr: `sum by (node, name) (rate(container_network_receive_bytes_total{${N}, name!=""}[${RI}]))`, unit: "Bps", legend: "{{node}} {{name}}" },
            ],
        },
        {
            uid: "daarion-probes",
            title: "Health probes",
            exporter: "blackbox",
            job: "blackbox-http",
            panels: [
                { title: "Probe success", expr: `probe_success{${N}}`, unit: "short", legend: "{{service}} {{instance}}" },
                { title: "Probe duration", expr: `probe_duration_seconds{${N}}`, unit: "s", legend: "{{service}} {{instance}}" },
                { title: "HTTP status", expr: `probe_http_status_code{${N}}`, unit: "short", legend: "{{service}} {{instance}}" },
            ],
        },
        {
            uid: "daarion-monitoring",
            title: "Monitoring",
            exporter: "prometheus",
            job: "prometheus",
            panels: [
                { title: "Targets up", expr: `sum by (job) (up)`, unit: "short", legend: "{{job}}" },
                { title: "Head series", expr: `prometheus_tsdb_head_series`, unit: "short" },
                { title: "Rule evaluation failures", expr: `increase(prometheus_rule_evaluation_failures_total[1h])`, unit: "short" },
                { title: "Alertmanagers discovered", expr: `prometheus_notifications_alertmanagers_discovered`, unit: "short" },
                { title: "Notifications sent / s", expr: `rate(prometheus_notifications_sent_total[${RI}])`, unit: "short" },
            ],
        },
    ];
}

/** Grafana dashboard JSON (schema 39) for one spec. */
export function renderDashboard(spec: DashboardSpec): string {
    const panels = spec.panels.map((p, i) => ({
        id: i + 1,
        type: "timeseries",
        title: p.title,
        datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID },
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
        targets: [{ refId: "A", datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID }, expr: p.expr, legendFormat: p.legend ?? "__auto", range: true }],
    }));
    const dashboard = {
        uid: spec.uid,
        title: spec.title,
        tags: ["daarion", spec.exporter],
        editable: false,
        schemaVersion: 39,
        version: 1,
        time: { from: "now-6h", to: "now" },
        refresh: "30s",
        templating: {
            list: [
                {
                    name: "node",
                    label: "Node",
                    type: "query",
                    datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID },
                    query: { query: `label_values(up{job="${spec.job}"}, node)`, refId: "PrometheusVariableQueryEditor-VariableQuery" },
                    definition: `label_values(up{job="${spec.job}"}, node)`,
                    includeAll: true,
                    allValue: ".*",
                    multi: true,
                    refresh: 2,
                    current: { selected: true, text: ["All"], value: ["$__all"] },
                },
            ],
        },
        panels,
    };
    return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** File name -> JSON for every dashboard. */
export function renderDashboards(specs: readonly DashboardSpec[] = dashboardSpecs()): Record<string, string> {
    return Object.fromEntries(specs.map((s) => [`${s.uid}.json`, renderDashboard(s)]));
}
