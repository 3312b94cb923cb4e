/**
 * Alert rules as typed values, grouped per service, rendered into Prometheus rule files by
 * `renderRuleFile` (render-rules.ts). Every rule points at a section of docs/runbooks.md.
 *
 * Target labels every scrape target carries (see scrape.ts): `job`, `instance`, `node`, `service`,
 * `service_role`. They are deliberately not called `role`: redis_exporter exports its own `role`
 * label and a clash would rename it to `exported_role`.
 */
import { DaedalusMetricNames, DEFAULT_DAEDALUS_METRICS, ExporterKind } from "./families";

export type Severity = "critical" | "warning" | "info" | "none";

export interface AlertAnnotations {
    readonly summary: string;
    readonly description: string;
    /** `<runbookBaseUrl>#<anchor>`; the anchor is a heading of docs/runbooks.md. */
    readonly runbook_url: string;
}

export interface AlertRule {
    /** Prometheus `alert:` name (CamelCase). Two rules may share a name at different severities. */
    readonly name: string;
    readonly expr: string;
    /** Prometheus duration; omitted means the alert fires on the first failing evaluation. */
    readonly for?: string;
    readonly severity: Severity;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: AlertAnnotations;
}

export interface RuleGroup {
    /** Group name and rule file stem: `daedalus` -> `daedalus.rules.yml`. */
    readonly name: string;
    /** Deployed services (WorkloadSpec.service) this group covers. */
    readonly services: readonly string[];
    /** Exporters whose metrics the expressions may use (checked by tests). */
    readonly exporters: readonly ExporterKind[];
    readonly interval?: string;
    readonly rules: readonly AlertRule[];
}

/** A rule before its runbook URL is known. */
interface RuleDef {
    readonly name: string;
    readonly expr: string;
    readonly for?: string;
    readonly severity: Severity;
    readonly labels?: Record<string, string>;
    readonly summary: string;
    readonly description: string;
}

export interface NatsClusterExpectation {
    /** NATS cluster name (the `cluster` label of the jsz metrics). */
    readonly name: string;
    /** Node names of the cluster's servers; each should hold `nodes.length - 1` routes. */
    readonly nodes: readonly string[];
    /** The cluster runs a JetStream meta group (servers with JetStream enabled). */
    readonly jetstream: boolean;
}

export interface AlertRulesOptions {
    /** Absolute URL of docs/runbooks.md, e.g. `https://github.com/org/repo/blob/main/docs/runbooks.md`. */
    readonly runbookBaseUrl: string;
    /** Packs to include; a pack is included only when its options are present. */
    readonly daedalus?: { readonly metrics?: DaedalusMetricNames };
    readonly nats?: {
        readonly clusters: readonly NatsClusterExpectation[];
        /** Node names whose NATS server is a leafnode (each must keep >= 1 leaf connection). */
        readonly leafNodes: readonly string[];
        /** Names of the leaf clusters (the `service_role` of their servers' targets). */
        readonly leafClusters?: readonly string[];
    };
    readonly postgres?: { readonly expectedReplicas: number };
    readonly redis?: { readonly expectedSentinels: number };
    readonly qdrant?: { readonly expectedPeers: number };
    readonly neo4j?: { readonly database?: string; readonly clustered: boolean };
    readonly minio?: Record<string, never>;
    /** Services without metrics of their own, probed by blackbox_exporter (health endpoint or TCP). */
    readonly probes?: { readonly services: readonly string[] };
    /** Application services exposing their own /metrics (job = service name). */
    readonly apps?: { readonly services: readonly string[] };
    readonly haproxy?: Record<string, never>;
    /** The node agent on every node (components/agent/): failover, fencing, leases, lag. */
    readonly agent?: Record<string, never>;
    /** Host (node_exporter) and container (cAdvisor) packs; on by default. */
    readonly host?: boolean;
    readonly containers?: boolean;
    readonly grafana?: boolean;
}

/** Anchor of a rule's runbook section: GitHub lowercases heading text. */
export function runbookAnchor(alertName: string): string {
    return alertName.toLowerCase();
}

function finish(defs: RuleDef[], runbookBaseUrl: string): AlertRule[] {
    return defs.map((d) => ({
        name: d.name,
        expr: d.expr,
        ...(d.for ? { for: d.for } : {}),
        severity: d.severity,
        labels: { ...(d.labels ?? {}), severity: d.severity },
        annotations: {
            summary: d.summary,
            description: d.description,
            runbook_url: `${runbookBaseUrl}#${runbookAnchor(d.name)}`,
        },
    }));
}

const ratio = (num: string, den: string, by: string) => `sum by (${by}) (${num}) / sum by (${by}) (${den})`;

/** Seed 004's seven Daedalus rules, with exactly its conditions and severities. */
function daedalusDefs(m: DaedalusMetricNames): RuleDef[] {
    const by = "job, instance";
    const status5xx = `${m.statusLabel}=~"5.."`;
    return [
        {
            name: "DaedalusDown",
            expr: `${m.up} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Daedalus reports itself down on {{ $labels.instance }}",
            description: `${m.up} has been 0 for 1 minute.`,
        },
        {
            name: "DaedalusMCPDisconnected",
            expr: `${m.mcpConnectionsActive} == 0`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus has no active MCP connection on {{ $labels.instance }}",
            description: "No MCP server connection has been active for 5 minutes; agent tools are unavailable.",
        },
        {
            name: "DaedalusHighErrorRate",
            expr: `${ratio(`rate(${m.httpRequests}{${status5xx}}[5m])`, `rate(${m.httpRequests}[5m])`, by)} > 0.05`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus HTTP 5xx ratio above 5% on {{ $labels.instance }}",
            description: "{{ $value | humanizePercentage }} of HTTP responses were 5xx over the last 5 minutes.",
        },
        {
            name: "DaedalusClientExceptionSpike",
            expr: `sum by (${by}) (rate(${m.clientExceptions}[2m])) * 60 > 10`,
            severity: "warning",
            summary: "Browser exceptions above 10/min for Daedalus",
            description: "Clients report {{ $value | humanize }} exceptions per minute.",
        },
        {
            name: "DaedalusSlowResponses",
            expr: `histogram_quantile(0.95, sum by (${by}, le) (rate(${m.httpDuration}_bucket[5m]))) > 5`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus HTTP p95 latency above 5s on {{ $labels.instance }}",
            description: "p95 response time is {{ $value | humanizeDuration }}.",
        },
        {
            name: "DaedalusMCPLatency",
            expr: `histogram_quantile(0.95, sum by (${by}, le) (rate(${m.mcpDuration}_bucket[5m]))) > 30`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus MCP p95 latency above 30s on {{ $labels.instance }}",
            description: "p95 MCP request time is {{ $value | humanizeDuration }}.",
        },
        {
            name: "DaedalusS3Errors",
            expr: `${ratio(`rate(${m.s3Errors}[5m])`, `rate(${m.s3Operations}[5m])`, by)} > 0.01`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus S3 error rate above 1% on {{ $labels.instance }}",
            description: "{{ $value | humanizePercentage }} of S3 operations failed over the last 5 minutes.",
        },
    ];
}

function natsDefs(o: NonNullable<AlertRulesOptions["nats"]>): RuleDef[] {
    const defs: RuleDef[] = [
        {
            name: "NatsServerUnreachable",
            // The exporter keeps answering when nats-server is gone, it just stops emitting gnatsd_*.
            expr: `up{job="nats"} == 1 unless on (instance) gnatsd_healthz_status`,
            for: "1m",
            severity: "critical",
            summary: "NATS server behind {{ $labels.instance }} is unreachable",
            description: "prometheus-nats-exporter is up but gets no /healthz answer from its nats-server.",
        },
        {
            name: "NatsServerUnhealthy",
            expr: `gnatsd_healthz_status != 0`,
            for: "2m",
            severity: "critical",
            summary: "NATS server {{ $labels.node }} reports unhealthy",
            description: "/healthz has not returned ok for 2 minutes (JetStream not current or server starting).",
        },
        {
            name: "NatsSlowConsumers",
            expr: `increase(gnatsd_varz_slow_consumers[5m]) > 0`,
            severity: "warning",
            summary: "NATS server {{ $labels.node }} disconnected slow consumers",
            description: "{{ $value | humanize }} slow consumers in the last 5 minutes; a subscriber cannot keep up.",
        },
        {
            name: "NatsConnectionsNearLimit",
            expr: `gnatsd_varz_connections / gnatsd_varz_max_connections > 0.8`,
            for: "5m",
            severity: "warning",
            summary: "NATS server {{ $labels.node }} above 80% of max_connections",
            description: "{{ $value | humanizePercentage }} of max_connections are in use.",
        },
    ];
    for (const cluster of o.clusters) {
        if (cluster.nodes.length > 1) {
            defs.push({
                name: "NatsClusterRouteMissing",
                // service_role is the server's cluster (plan.ts): node3 runs a core server AND an
                // edge leaf, and the leaf has no routes by design.
                expr: `gnatsd_varz_routes{service_role="${cluster.name}", node=~"${cluster.nodes.join("|")}"} < ${cluster.nodes.length - 1}`,
                for: "2m",
                severity: "critical",
                labels: { nats_cluster: cluster.name },
                summary: `NATS server {{ $labels.node }} lost a route in cluster ${cluster.name}`,
                description: `Each server of cluster ${cluster.name} needs at least ${cluster.nodes.length - 1} route(s); it has {{ $value }}.`,
            });
        }
    }
    if (o.leafNodes.length > 0) {
        defs.push({
            name: "NatsLeafnodeDown",
            expr: `gnatsd_varz_leafnodes{${o.leafClusters?.length ? `service_role=~"${o.leafClusters.join("|")}", ` : ""}node=~"${o.leafNodes.join("|")}"} < 1`,
            for: "2m",
            severity: "critical",
            summary: "NATS leafnode on {{ $labels.node }} is disconnected from the hub",
            description: "The leaf server has no leafnode connection: edge messages are not reaching the core cluster.",
        });
    }
    if (o.clusters.some((c) => c.jetstream)) {
        defs.push(
            {
                name: "JetStreamNoMetaLeader",
                // jsz reports meta_leader="" on every server of a clustered JetStream without a leader.
                expr: `jetstream_server_jetstream_disabled{meta_leader="", is_meta_leader="false"} == 0`,
                for: "1m",
                severity: "critical",
                summary: "JetStream cluster {{ $labels.cluster }} has no meta leader",
                description: "Server {{ $labels.server_name }} sees no JetStream meta leader: streams and consumers cannot be created or changed.",
            },
            {
                name: "JetStreamMetaLeaderDisagreement",
                expr: `count by (cluster) (count by (cluster, meta_leader) (jetstream_server_jetstream_disabled{meta_leader!=""} == 0)) > 1`,
                for: "5m",
                severity: "warning",
                summary: "JetStream servers of {{ $labels.cluster }} disagree on the meta leader",
                description: "Servers report different meta leaders for 5 minutes: the cluster is partitioned.",
            },
            {
                name: "JetStreamStorageNearFull",
                expr: `jetstream_server_total_message_bytes / jetstream_server_max_storage > 0.85 and jetstream_server_max_storage > 0`,
                for: "10m",
                severity: "warning",
                summary: "JetStream storage on {{ $labels.server_name }} above 85%",
                description: "{{ $value | humanizePercentage }} of max_file_store is used; publishes will be rejected when full.",
            },
        );
        for (const cluster of o.clusters.filter((c) => c.jetstream)) {
            defs.push({
                name: "JetStreamClusterServersMissing",
                expr: `count by (cluster) (jetstream_server_jetstream_disabled{cluster="${cluster.name}"} == 0) < ${cluster.nodes.length}`,
                for: "2m",
                severity: "critical",
                labels: { nats_cluster: cluster.name },
                summary: `JetStream cluster ${cluster.name} has fewer than ${cluster.nodes.length} servers`,
                description: `Only {{ $value }} of ${cluster.nodes.length} JetStream servers of ${cluster.name} report in; replicated streams may have lost quorum.`,
            });
        }
    }
    return defs;
}

function postgresDefs(o: NonNullable<AlertRulesOptions["postgres"]>): RuleDef[] {
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

function redisDefs(o: NonNullable<AlertRulesOptions["redis"]>): RuleDef[] {
    // The edge cache (service_role="cache") is a standalone master by design.
    const ha = `redis_mode!="sentinel", service_role!="cache"`;
    return [
        {
            name: "RedisDown",
            expr: `redis_up == 0`,
            for: "1m",
            severity: "critical",
            summary: "Redis {{ $labels.node }} ({{ $labels.service_role }}) is down",
            description: "redis_exporter cannot connect to the Redis (or Sentinel) server.",
        },
        {
            name: "RedisNoMaster",
            expr: `(count(redis_instance_info{role="master", ${ha}}) or on () vector(0)) < 1 and on () count(redis_up == 1) > 0`,
            for: "1m",
            severity: "critical",
            summary: "No Redis master",
            description: "No replicated Redis instance reports role master: writes fail until Sentinel promotes one.",
        },
        {
            name: "RedisMultipleMasters",
            expr: `count(redis_instance_info{role="master", ${ha}}) > 1`,
            for: "1m",
            severity: "critical",
            summary: "{{ $value }} Redis masters",
            description: "More than one replicated Redis instance reports role master (split brain).",
        },
        {
            name: "RedisReplicationBroken",
            expr: `redis_master_link_up == 0`,
            for: "1m",
            severity: "warning",
            summary: "Redis replica {{ $labels.node }} lost its master link",
            description: "master_link_status is down: the replica serves stale data.",
        },
        {
            name: "RedisSentinelCountLow",
            expr: `redis_sentinel_master_ok_sentinels < ${o.expectedSentinels}`,
            for: "2m",
            severity: "warning",
            summary: "Sentinel on {{ $labels.node }} sees {{ $value }} of ${o.expectedSentinels} sentinels",
            description: "Fewer sentinels than deployed agree on master {{ $labels.master_name }}; failover quorum is at risk.",
        },
        {
            name: "RedisSentinelMasterNotOk",
            expr: `redis_sentinel_master_status == 0`,
            for: "1m",
            severity: "critical",
            summary: "Sentinel reports master {{ $labels.master_name }} as {{ $labels.master_status }}",
            description: "Sentinel on {{ $labels.node }} considers the master down.",
        },
        {
            name: "RedisMemoryHigh",
            expr: `redis_memory_used_bytes / redis_memory_max_bytes > 0.9 and redis_memory_max_bytes > 0`,
            for: "5m",
            severity: "warning",
            summary: "Redis {{ $labels.node }} uses {{ $value | humanizePercentage }} of maxmemory",
            description: "Evictions or OOM write errors follow when maxmemory is reached.",
        },
    ];
}

function qdrantDefs(o: NonNullable<AlertRulesOptions["qdrant"]>): RuleDef[] {
    const by = "job, instance, node";
    return [
        {
            name: "QdrantDown",
            expr: `up{job="qdrant"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape Qdrant's /metrics.",
        },
        {
            name: "QdrantRecoveryMode",
            expr: `app_status_recovery_mode == 1`,
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} started in recovery mode",
            description: "Collections are not loaded; only snapshot recovery works.",
        },
        {
            name: "QdrantRestErrorRate",
            expr: `${ratio("rate(rest_responses_fail_total[5m])", "rate(rest_responses_total[5m])", by)} > 0.05 and sum by (${by}) (rate(rest_responses_total[5m])) > 0`,
            for: "5m",
            severity: "warning",
            summary: "Qdrant REST failure ratio above 5% on {{ $labels.node }}",
            description: "{{ $value | humanizePercentage }} of REST responses failed.",
        },
        {
            name: "QdrantClusterPeersMissing",
            expr: `cluster_peers_total{job="qdrant"} < ${o.expectedPeers}`,
            for: "2m",
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} sees {{ $value }} of ${o.expectedPeers} peers",
            description: "A Qdrant peer left the Raft cluster; shards with replication_factor 2 run on one copy.",
        },
        {
            name: "QdrantPendingOperations",
            expr: `cluster_pending_operations_total > 0`,
            for: "10m",
            severity: "warning",
            summary: "Qdrant consensus on {{ $labels.node }} has pending operations",
            description: "{{ $value }} consensus operations have been pending for 10 minutes: the cluster cannot commit.",
        },
        {
            name: "QdrantLeaderElections",
            expr: `changes(cluster_term[15m]) > 3`,
            severity: "warning",
            summary: "Qdrant Raft term changed {{ $value }} times in 15m",
            description: "Frequent elections point at an unstable network between the peers.",
        },
    ];
}

function neo4jDefs(o: NonNullable<AlertRulesOptions["neo4j"]>): RuleDef[] {
    const db = `neo4j_database_${(o.database ?? "neo4j").replace(/[^a-zA-Z0-9_]/g, "_")}`;
    const defs: RuleDef[] = [
        {
            name: "Neo4jDown",
            expr: `up{job="neo4j"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Neo4j on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape Neo4j's metrics endpoint.",
        },
        {
            name: "Neo4jHeapHigh",
            expr: `neo4j_dbms_vm_heap_used / neo4j_dbms_vm_heap_max > 0.9 and neo4j_dbms_vm_heap_max > 0`,
            for: "10m",
            severity: "warning",
            summary: "Neo4j on {{ $labels.node }} uses {{ $value | humanizePercentage }} of its heap",
            description: "Long GC pauses and OutOfMemoryError follow a full heap.",
        },
        {
            name: "Neo4jPageCacheHitRatioLow",
            expr: `neo4j_dbms_page_cache_hit_ratio < 0.98`,
            for: "15m",
            severity: "warning",
            summary: "Neo4j page cache hit ratio {{ $value | humanizePercentage }} on {{ $labels.node }}",
            description: "Reads go to disk; the page cache is too small for the working set.",
        },
    ];
    if (o.clustered) {
        defs.push({
            name: "Neo4jNoLeader",
            expr: `max(${db}_cluster_raft_is_leader) == 0`,
            for: "1m",
            severity: "critical",
            summary: `Neo4j database ${o.database ?? "neo4j"} has no Raft leader`,
            description: "No primary is leader for the database: writes are rejected.",
        });
    }
    return defs;
}

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

function haproxyDefs(): RuleDef[] {
    const by = "job, instance, node, proxy";
    const total = `sum by (${by}) (rate(haproxy_backend_http_responses_total[5m]))`;
    return [
        {
            name: "HaproxyDown",
            expr: `up{job="haproxy"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "HAProxy on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape HAProxy's built-in exporter.",
        },
        {
            name: "HaproxyBackendDown",
            expr: `haproxy_backend_active_servers + haproxy_backend_backup_servers == 0`,
            for: "1m",
            severity: "critical",
            summary: "HAProxy backend {{ $labels.proxy }} has no server up on {{ $labels.node }}",
            description: "Every server of the backend fails its health check: requests get 503.",
        },
        {
            name: "HaproxyServerDown",
            expr: `haproxy_server_status{state="DOWN"} == 1`,
            for: "2m",
            severity: "warning",
            summary: "HAProxy server {{ $labels.proxy }}/{{ $labels.server }} is DOWN",
            description: "The server fails its health check; the backend runs with reduced capacity.",
        },
        {
            name: "HaproxyHigh5xxRatio",
            // Without `and ... > 0` an idle backend gives 0/0 = NaN, and a restart can give spurious ratios.
            expr: `sum by (${by}) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / ${total} > 0.05 and ${total} > 0`,
            for: "5m",
            severity: "warning",
            summary: "HAProxy backend {{ $labels.proxy }} returns more than 5% 5xx",
            description: "{{ $value | humanizePercentage }} of responses from {{ $labels.proxy }} were 5xx over 5 minutes.",
        },
    ];
}

/**
 * The node agent's rules (issue 12). Metric names are the agent contract's; a replica of an
 * AbsoluteConsistency group is always fenced (it may not accept writes), so "a fenced node" means
 * a node that held the lease within the last 10 minutes and is fenced now: the primary fenced itself.
 */
function agentDefs(): RuleDef[] {
    const on = "on (job, instance, group)";
    return [
        {
            name: "AgentDown",
            expr: `up{job="agent"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "The node agent on {{ $labels.node }} is down",
            description: "Nothing renews or takes over this node's leases; its PostgreSQL fences itself when its write window ends.",
        },
        {
            name: "AgentFailoverHappened",
            expr: `increase(daarion_agent_failovers_total[15m]) > 0`,
            severity: "warning",
            summary: "Failover of {{ $labels.group }}: {{ $labels.node }} took over the lease",
            description: "The agent on {{ $labels.node }} took the {{ $labels.group }} lease from another node in the last 15 minutes. Find out why the old holder lost it.",
        },
        {
            name: "AgentNodeFenced",
            expr: `daarion_agent_fenced == 1 and ${on} max_over_time(daarion_agent_lease_held[10m]) == 1`,
            severity: "critical",
            summary: "{{ $labels.node }} fenced its {{ $labels.group }} primary",
            description: "The node held the {{ $labels.group }} lease within 10 minutes and now refuses writes: it could not renew the lease (partition, NATS quorum lost, or the agent stalled).",
        },
        {
            name: "AgentLeaseLost",
            expr: `max by (group) (daarion_agent_lease_held) == 0`,
            for: "1m",
            severity: "critical",
            summary: "No node holds the {{ $labels.group }} lease",
            description: "Every agent reports that it does not hold the lease: the group has no primary/active member.",
        },
        {
            name: "AgentReplicationLagAboveBound",
            // Both series carry the same labels (job, instance, node, group...): one-to-one matching keeps them.
            expr: `daarion_agent_replication_lag_bytes > daarion_agent_lag_bound_bytes`,
            for: "1m",
            severity: "critical",
            summary: "{{ $labels.node }} lags behind the {{ $labels.group }} primary by more than its bound",
            description: "This replica will not be promoted if the primary dies now (maxLagBytes): a failover would lose committed writes.",
        },
    ];
}

const FS = `fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"`;

function hostDefs(): RuleDef[] {
    return [
        {
            name: "HostDown",
            expr: `up{job="node"} == 0`,
            for: "2m",
            severity: "critical",
            summary: "Node {{ $labels.node }} is unreachable",
            description: "node_exporter on {{ $labels.instance }} has not answered for 2 minutes: the host or its private network is down.",
        },
        {
            name: "HostOutOfMemory",
            expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1`,
            for: "5m",
            severity: "warning",
            summary: "Node {{ $labels.node }} has {{ $value | humanizePercentage }} memory available",
            description: "The kernel OOM killer will start killing containers.",
        },
        {
            name: "HostOutOfDiskSpace",
            expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.1 and node_filesystem_readonly{${FS}} == 0`,
            for: "5m",
            severity: "warning",
            summary: "{{ $labels.mountpoint }} on {{ $labels.node }} has {{ $value | humanizePercentage }} free",
            description: "Databases stop accepting writes when their volume is full.",
        },
        {
            name: "HostOutOfDiskSpace",
            expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.03 and node_filesystem_readonly{${FS}} == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.mountpoint }} on {{ $labels.node }} is almost full",
            description: "Less than 3% free: writes are about to fail.",
        },
        {
            name: "HostHighCpuLoad",
            expr: `1 - avg by (job, instance, node) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9`,
            for: "15m",
            severity: "warning",
            summary: "Node {{ $labels.node }} CPU busy {{ $value | humanizePercentage }}",
            description: "CPU has been above 90% for 15 minutes.",
        },
        {
            name: "HostClockSkew",
            expr: `abs(node_timex_offset_seconds) > 0.05`,
            for: "10m",
            severity: "warning",
            summary: "Clock on {{ $labels.node }} is off by {{ $value | humanizeDuration }}",
            description: "Raft-based services (NATS JetStream, Qdrant, Neo4j) and TLS depend on synchronised clocks.",
        },
        {
            name: "HostOomKill",
            expr: `increase(node_vmstat_oom_kill[5m]) > 0`,
            severity: "warning",
            summary: "The kernel OOM killer ran on {{ $labels.node }}",
            description: "{{ $value | humanize }} process(es) were killed for lack of memory in the last 5 minutes.",
        },
    ];
}

function containerDefs(): RuleDef[] {
    const named = `name!=""`;
    return [
        {
            name: "ContainerAbsent",
            expr: `time() - container_last_seen{${named}} > 60`,
            for: "1m",
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} disappeared",
            description: "cAdvisor has not seen the container for over a minute.",
        },
        {
            name: "ContainerRestarting",
            expr: `changes(container_start_time_seconds{${named}}[15m]) > 2`,
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} restarted {{ $value }} times in 15m",
            description: "The container is crash-looping.",
        },
        {
            name: "ContainerOomKilled",
            expr: `increase(container_oom_events_total{${named}}[5m]) > 0`,
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} hit its memory limit",
            description: "An OOM event occurred inside the container's cgroup.",
        },
        {
            name: "ContainerMemoryNearLimit",
            expr: `container_memory_working_set_bytes{${named}} / container_spec_memory_limit_bytes{${named}} > 0.9 and container_spec_memory_limit_bytes{${named}} > 0`,
            for: "10m",
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} uses {{ $value | humanizePercentage }} of its memory limit",
            description: "The container will be OOM-killed if its usage keeps growing.",
        },
    ];
}

function probeDefs(): RuleDef[] {
    return [
        {
            name: "ServiceProbeFailed",
            expr: `probe_success == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.service }} on {{ $labels.node }} fails its health probe",
            description: "blackbox_exporter cannot get a healthy answer from {{ $labels.instance }} for 2 minutes.",
        },
        {
            name: "ServiceProbeSlow",
            expr: `probe_duration_seconds > 2 and probe_success == 1`,
            for: "10m",
            severity: "warning",
            summary: "{{ $labels.service }} on {{ $labels.node }} answers its health probe in {{ $value | humanizeDuration }}",
            description: "The health endpoint has been slower than 2s for 10 minutes.",
        },
    ];
}

function appDefs(services: readonly string[]): RuleDef[] {
    return [
        {
            name: "AppServiceDown",
            expr: `up{job=~"${services.join("|")}"} == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.job }} on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape the service's /metrics for 2 minutes.",
        },
    ];
}

function monitoringDefs(includeGrafana: boolean): RuleDef[] {
    const defs: RuleDef[] = [
        {
            name: "Watchdog",
            expr: `vector(1)`,
            severity: "none",
            summary: "Alerting pipeline heartbeat",
            description: "Always firing. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is broken.",
        },
        {
            name: "TargetDown",
            expr: `up == 0`,
            for: "5m",
            severity: "warning",
            summary: "Scrape target {{ $labels.job }}/{{ $labels.instance }} is down",
            description: "Prometheus has failed to scrape the target for 5 minutes.",
        },
        {
            name: "PrometheusRuleEvaluationFailures",
            expr: `increase(prometheus_rule_evaluation_failures_total[5m]) > 0`,
            severity: "critical",
            summary: "Prometheus failed to evaluate rules",
            description: "{{ $value | humanize }} rule evaluations failed in 5 minutes: alerts may be missed.",
        },
        {
            name: "PrometheusNotificationsFailing",
            expr: `rate(prometheus_notifications_errors_total[5m]) > 0`,
            for: "5m",
            severity: "critical",
            summary: "Prometheus cannot send alerts to Alertmanager",
            description: "Notification errors towards {{ $labels.alertmanager }}.",
        },
        {
            name: "PrometheusAlertmanagerMissing",
            expr: `prometheus_notifications_alertmanagers_discovered < 1`,
            for: "5m",
            severity: "critical",
            summary: "Prometheus knows no Alertmanager",
            description: "Alerts fire but reach nobody.",
        },
        {
            name: "PrometheusConfigReloadFailed",
            expr: `prometheus_config_last_reload_successful == 0`,
            for: "5m",
            severity: "warning",
            summary: "Prometheus configuration reload failed",
            description: "Prometheus keeps running the previous configuration.",
        },
        {
            name: "AlertmanagerConfigReloadFailed",
            expr: `alertmanager_config_last_reload_successful == 0`,
            for: "5m",
            severity: "warning",
            summary: "Alertmanager configuration reload failed",
            description: "Alertmanager keeps running the previous configuration.",
        },
        {
            name: "AlertmanagerNotificationsFailing",
            expr: `rate(alertmanager_notifications_failed_total[5m]) > 0`,
            for: "5m",
            severity: "critical",
            summary: "Alertmanager cannot deliver to {{ $labels.integration }}",
            description: "Notifications through {{ $labels.integration }} fail: check the receiver's credentials and reachability.",
        },
    ];
    if (includeGrafana) {
        defs.push({
            name: "GrafanaDown",
            expr: `up{job="grafana"} == 0`,
            for: "5m",
            severity: "warning",
            summary: "Grafana is down",
            description: "Dashboards are unavailable; alerting is not affected.",
        });
    }
    return defs;
}

/** All rule groups for the deployed services described by `options`. */
export function buildRuleGroups(options: AlertRulesOptions): RuleGroup[] {
    const base = options.runbookBaseUrl;
    const groups: RuleGroup[] = [];
    const add = (name: string, services: string[], exporters: ExporterKind[], defs: RuleDef[]) =>
        groups.push({ name, services, exporters, rules: finish(defs, base) });

    add("monitoring", ["prometheus", "alertmanager", ...(options.grafana === false ? [] : ["grafana"])], ["prometheus", "alertmanager", "grafana"], monitoringDefs(options.grafana !== false));
    if (options.host !== false) add("host", ["node-exporter"], ["node"], hostDefs());
    if (options.containers !== false) add("containers", ["cadvisor"], ["cadvisor"], containerDefs());
    if (options.daedalus) add("daedalus", ["daedalus"], ["daedalus"], daedalusDefs(options.daedalus.metrics ?? DEFAULT_DAEDALUS_METRICS));
    if (options.nats) add("nats", ["nats"], ["nats"], natsDefs(options.nats));
    if (options.postgres) add("postgres", ["postgres"], ["postgres"], postgresDefs(options.postgres));
    if (options.redis) add("redis", ["redis", "redis-sentinel", "redis-cache"], ["redis"], redisDefs(options.redis));
    if (options.qdrant) add("qdrant", ["qdrant"], ["qdrant"], qdrantDefs(options.qdrant));
    if (options.neo4j) add("neo4j", ["neo4j"], ["neo4j"], neo4jDefs(options.neo4j));
    if (options.minio) add("minio", ["minio"], ["minio"], minioDefs());
    if (options.haproxy) add("haproxy", ["ingress", "haproxy"], ["haproxy"], haproxyDefs());
    if (options.agent) add("agent", ["agent"], ["agent"], agentDefs());
    if (options.probes && options.probes.services.length > 0) add("probes", [...options.probes.services], ["blackbox"], probeDefs());
    if (options.apps && options.apps.services.length > 0) add("apps", [...options.apps.services], ["app"], appDefs(options.apps.services));
    return groups;
}

/** Deployed services that no rule group covers; a non-empty result is a deployment defect. */
export function servicesWithoutAlerts(services: Iterable<string>, groups: readonly RuleGroup[]): string[] {
    const covered = new Set(groups.flatMap((g) => g.services));
    return [...new Set(services)].filter((s) => !covered.has(s)).sort();
}

/** Structural validation; errors name the offending path (`groups[nats].rules[3].for`). */
export function validateRuleGroups(groups: readonly RuleGroup[]): string[] {
    const errors: string[] = [];
    const names = new Set<string>();
    for (const g of groups) {
        const at = `groups[${g.name}]`;
        if (!/^[a-z][a-z0-9-]*$/.test(g.name)) errors.push(`${at}.name: must be a lowercase file stem`);
        if (names.has(g.name)) errors.push(`${at}.name: duplicate group name`);
        names.add(g.name);
        if (g.rules.length === 0) errors.push(`${at}.rules: a group without rules alerts on nothing`);
        const seen = new Set<string>();
        g.rules.forEach((r, i) => {
            const rat = `${at}.rules[${i}]`;
            if (!/^[A-Z][A-Za-z0-9]*$/.test(r.name)) errors.push(`${rat}.name: '${r.name}' must be CamelCase`);
            const key = `${r.name}/${r.severity}${JSON.stringify(Object.entries(r.labels).sort())}`;
            if (seen.has(key)) errors.push(`${rat}: duplicate alert ${key}`);
            seen.add(key);
            if (r.for !== undefined && !/^(\d+(ms|s|m|h|d|w|y))+$/.test(r.for)) errors.push(`${rat}.for: '${r.for}' is not a Prometheus duration`);
            if (r.labels.severity !== r.severity) errors.push(`${rat}.labels.severity: must equal severity`);
            if (!/^https?:\/\/[^#]+#[a-z0-9-]+$/.test(r.annotations.runbook_url)) errors.push(`${rat}.annotations.runbook_url: '${r.annotations.runbook_url}' must be <url>#<anchor>`);
            if (!r.annotations.summary || !r.annotations.description) errors.push(`${rat}.annotations: summary and description are required`);
        });
    }
    return errors;
}
