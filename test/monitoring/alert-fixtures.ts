/**
 * Per-rule promtool fixtures: for every alert rule (keyed `Name/severity`) a series that fires it and
 * series that must not. Seed 004's Daedalus thresholds are tested just over and just under.
 *
 * Series are written in promtool's expanding notation at a 1m interval: `0+51x20` is a counter
 * growing by 51 per minute (rate 51/60 per second), `0x15` a constant 0 for 15 minutes.
 */
import { AlertRulesOptions } from "../../components/monitoring/alerts";
import { AlertFixture, ExpectedAlert } from "./promtool-tests";

/** The options the fixtures were written for (expected counts appear in the thresholds below). */
export const FIXTURE_OPTIONS: AlertRulesOptions = {
    runbookBaseUrl: "https://github.com/daarion/infra/blob/main/docs/runbooks.md",
    daedalus: {},
    nats: {
        clusters: [
            // The committed topology's 3-server core (node3 runs a core server beside its edge leaf).
            { name: "core", nodes: ["node1", "node2", "node3"], jetstream: true },
            { name: "edge", nodes: ["node3"], jetstream: false },
        ],
        leafNodes: ["node3"],
        leafClusters: ["edge"],
    },
    postgres: { expectedReplicas: 1 },
    redis: { expectedSentinels: 3 },
    qdrant: { expectedPeers: 2 },
    neo4j: { clustered: true },
    minio: {},
    haproxy: {},
    agent: {},
    probes: { services: ["gateway", "router", "neo4j"] },
    apps: { services: ["postgrest", "memory-service"] },
};

type Labels = Record<string, string>;
const IP: Record<string, string> = { node1: "10.0.0.2", node2: "10.0.0.3", node3: "10.0.0.4" };

/** Target labels as scrape.ts attaches them. */
function T(job: string, port: number, node = "node1", role = "primary", service = job): Labels {
    return { job, instance: `${IP[node]}:${port}`, node, service, service_role: role };
}
function sel(metric: string, labels: Labels): string {
    const inner = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    return `${metric}{${inner}}`;
}
function pick(labels: Labels, ...keys: string[]): Labels {
    return Object.fromEntries(keys.filter((k) => k in labels).map((k) => [k, labels[k]]));
}
const A = (labels: Labels, value: number, severity?: string): ExpectedAlert => ({ labels, value, ...(severity ? { severity } : {}) });

const DAE = T("daedalus", 22181);
const DAE_JI = pick(DAE, "job", "instance");

/** Histogram buckets as counters growing per minute by the given cumulative counts. */
function buckets(metric: string, labels: Labels, perMinute: Record<string, number>): Array<[string, string]> {
    return Object.entries(perMinute).map(([le, n]) => [sel(`${metric}_bucket`, { ...labels, le }), `0+${n}x20`]);
}

const daedalus: Record<string, AlertFixture> = {
    "DaedalusDown/critical": {
        fire: { series: [[sel("daedalus_up", DAE), "0x15"]], alerts: [A(DAE, 0)] },
        // Down for less than `for: 1m` (only the 10m sample is 0): pending, not firing.
        quiet: [{ series: [[sel("daedalus_up", DAE), "1x9 0x5"]], alerts: [] }, { series: [[sel("daedalus_up", DAE), "1x15"]], alerts: [] }],
    },
    "DaedalusMCPDisconnected/warning": {
        fire: { series: [[sel("daedalus_mcp_connections_active", DAE), "0x15"]], alerts: [A(DAE, 0)] },
        quiet: [{ series: [[sel("daedalus_mcp_connections_active", DAE), "2x15"]], alerts: [] }],
    },
    "DaedalusHighErrorRate/warning": {
        // 51 of 1000 requests per minute are 5xx: 5.1% > 5%.
        fire: {
            series: [
                [sel("daedalus_http_requests_total", { ...DAE, status: "200" }), "0+949x20"],
                [sel("daedalus_http_requests_total", { ...DAE, status: "500" }), "0+51x20"],
            ],
            alerts: [A(DAE_JI, 0.051)],
        },
        // 49 of 1000: 4.9%.
        quiet: [
            {
                series: [
                    [sel("daedalus_http_requests_total", { ...DAE, status: "200" }), "0+951x20"],
                    [sel("daedalus_http_requests_total", { ...DAE, status: "500" }), "0+49x20"],
                ],
                alerts: [],
            },
        ],
    },
    "DaedalusClientExceptionSpike/warning": {
        fire: { series: [[sel("daedalus_client_exceptions_total", DAE), "0+11x20"]], alerts: [A(DAE_JI, 11)] },
        quiet: [{ series: [[sel("daedalus_client_exceptions_total", DAE), "0+9x20"]], alerts: [] }],
    },
    "DaedalusSlowResponses/warning": {
        // p95 rank 95 falls in (5,10] holding 6 of 100: 5 + 5 * 1/6 = 5.833s.
        fire: {
            series: buckets("daedalus_http_request_duration_seconds", DAE, { "1": 50, "5": 94, "10": 100, "+Inf": 100 }),
            alerts: [A(DAE_JI, 5 + 5 / 6)],
        },
        // rank 95 falls in (1,5]: 1 + 4 * 45/46 = 4.91s.
        quiet: [{ series: buckets("daedalus_http_request_duration_seconds", DAE, { "1": 50, "5": 96, "10": 100, "+Inf": 100 }), alerts: [] }],
    },
    "DaedalusMCPLatency/warning": {
        fire: {
            series: buckets("daedalus_mcp_request_duration_seconds", DAE, { "10": 50, "30": 94, "60": 100, "+Inf": 100 }),
            alerts: [A(DAE_JI, 35)],
        },
        quiet: [{ series: buckets("daedalus_mcp_request_duration_seconds", DAE, { "10": 50, "30": 96, "60": 100, "+Inf": 100 }), alerts: [] }],
    },
    "DaedalusS3Errors/warning": {
        // 11 errors per 1000 operations: 1.1% > 1%.
        fire: {
            series: [
                [sel("daedalus_s3_operations_total", DAE), "0+1000x20"],
                [sel("daedalus_s3_errors_total", DAE), "0+11x20"],
            ],
            alerts: [A(DAE_JI, 0.011)],
        },
        quiet: [
            {
                series: [
                    [sel("daedalus_s3_operations_total", DAE), "0+1000x20"],
                    [sel("daedalus_s3_errors_total", DAE), "0+9x20"],
                ],
                alerts: [],
            },
        ],
    },
};

// service_role of a NATS target is its cluster's name (components/monitoring/plan.ts).
const NATS1 = T("nats", 7777, "node1", "core");
const NATS2 = T("nats", 7777, "node2", "core");
const NATS3 = T("nats", 7777, "node3", "edge");
/** node3's core server: its own exporter on 7778 (components/monitoring/plan.ts). */
const NATS3C = T("nats", 7778, "node3", "core");
const js = (l: Labels, server: string, extra: Labels) => ({ ...l, server_id: `N${server}`, server_name: server, cluster: "core", ...extra });

const nats: Record<string, AlertFixture> = {
    "NatsServerUnreachable/critical": {
        fire: { series: [[sel("up", NATS1), "1x15"]], alerts: [A(NATS1, 1)] },
        quiet: [
            {
                series: [
                    [sel("up", NATS1), "1x15"],
                    [sel("gnatsd_healthz_status", { ...NATS1, server_id: "N1" }), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "NatsServerUnhealthy/critical": {
        fire: { series: [[sel("gnatsd_healthz_status", { ...NATS1, server_id: "N1" }), "1x15"]], alerts: [A({ ...NATS1, server_id: "N1" }, 1)] },
        quiet: [{ series: [[sel("gnatsd_healthz_status", { ...NATS1, server_id: "N1" }), "0x15"]], alerts: [] }],
    },
    "NatsSlowConsumers/warning": {
        fire: { series: [[sel("gnatsd_varz_slow_consumers", { ...NATS1, server_id: "N1" }), "0+1x20"]], alerts: [A({ ...NATS1, server_id: "N1" }, 5)] },
        quiet: [{ series: [[sel("gnatsd_varz_slow_consumers", { ...NATS1, server_id: "N1" }), "3x20"]], alerts: [] }],
    },
    "NatsConnectionsNearLimit/warning": {
        fire: {
            series: [
                [sel("gnatsd_varz_connections", { ...NATS1, server_id: "N1" }), "900x15"],
                [sel("gnatsd_varz_max_connections", { ...NATS1, server_id: "N1" }), "1000x15"],
            ],
            alerts: [A({ ...NATS1, server_id: "N1" }, 0.9)],
        },
        quiet: [
            {
                series: [
                    [sel("gnatsd_varz_connections", { ...NATS1, server_id: "N1" }), "700x15"],
                    [sel("gnatsd_varz_max_connections", { ...NATS1, server_id: "N1" }), "1000x15"],
                ],
                alerts: [],
            },
        ],
    },
    "NatsClusterRouteMissing/critical": {
        fire: { series: [[sel("gnatsd_varz_routes", { ...NATS1, server_id: "N1" }), "0x15"]], alerts: [A({ ...NATS1, server_id: "N1" }, 0)] },
        // The edge cluster has one server and needs no route, even on node3 beside its core server.
        quiet: [
            {
                series: [
                    [sel("gnatsd_varz_routes", { ...NATS1, server_id: "N1" }), "2x15"],
                    [sel("gnatsd_varz_routes", { ...NATS3C, server_id: "N3C" }), "2x15"],
                    [sel("gnatsd_varz_routes", { ...NATS3, server_id: "N3" }), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "NatsLeafnodeDown/critical": {
        fire: { series: [[sel("gnatsd_varz_leafnodes", { ...NATS3, server_id: "N3" }), "0x15"]], alerts: [A({ ...NATS3, server_id: "N3" }, 0)] },
        quiet: [
            {
                series: [
                    [sel("gnatsd_varz_leafnodes", { ...NATS3, server_id: "N3" }), "1x15"],
                    [sel("gnatsd_varz_leafnodes", { ...NATS2, server_id: "N2" }), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "JetStreamNoMetaLeader/critical": {
        fire: {
            series: [[sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { is_meta_leader: "false" })), "0x15"]],
            alerts: [A(js(NATS1, "n1", { is_meta_leader: "false" }), 0)],
        },
        quiet: [{ series: [[sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "0x15"]], alerts: [] }],
    },
    "JetStreamMetaLeaderDisagreement/warning": {
        fire: {
            series: [
                [sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "0x15"],
                [sel("jetstream_server_jetstream_disabled", js(NATS2, "n2", { meta_leader: "n2", is_meta_leader: "true" })), "0x15"],
            ],
            alerts: [A({ cluster: "core" }, 2)],
        },
        quiet: [
            {
                series: [
                    [sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "0x15"],
                    [sel("jetstream_server_jetstream_disabled", js(NATS2, "n2", { meta_leader: "n1", is_meta_leader: "false" })), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "JetStreamStorageNearFull/warning": {
        fire: {
            series: [
                [sel("jetstream_server_total_message_bytes", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "900x15"],
                [sel("jetstream_server_max_storage", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "1000x15"],
            ],
            evalTime: "12m",
            alerts: [A(js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" }), 0.9)],
        },
        quiet: [
            {
                series: [
                    [sel("jetstream_server_total_message_bytes", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "500x15"],
                    [sel("jetstream_server_max_storage", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "1000x15"],
                ],
                evalTime: "12m",
                alerts: [],
            },
        ],
    },
    "JetStreamClusterServersMissing/critical": {
        fire: {
            series: [[sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "0x15"]],
            alerts: [A({ cluster: "core" }, 1)],
        },
        quiet: [
            {
                series: [
                    [sel("jetstream_server_jetstream_disabled", js(NATS1, "n1", { meta_leader: "n1", is_meta_leader: "true" })), "0x15"],
                    [sel("jetstream_server_jetstream_disabled", js(NATS2, "n2", { meta_leader: "n1", is_meta_leader: "false" })), "0x15"],
                    [sel("jetstream_server_jetstream_disabled", js(NATS3C, "n3", { meta_leader: "n1", is_meta_leader: "false" })), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
};

const PG1 = T("postgres", 9187, "node1", "primary");
const PG2 = T("postgres", 9187, "node2", "replica");

const postgres: Record<string, AlertFixture> = {
    "PostgresDown/critical": {
        fire: { series: [[sel("pg_up", PG1), "0x15"]], alerts: [A(PG1, 0)] },
        quiet: [{ series: [[sel("pg_up", PG1), "1x15"]], alerts: [] }],
    },
    "PostgresReplicationLag/warning": {
        fire: { series: [[sel("pg_replication_lag_seconds", PG2), "100x15"]], alerts: [A(PG2, 100)] },
        quiet: [{ series: [[sel("pg_replication_lag_seconds", PG2), "10x15"]], alerts: [] }],
    },
    "PostgresReplicationLag/critical": {
        fire: { series: [[sel("pg_replication_lag_seconds", PG2), "400x15"]], alerts: [A(PG2, 400, "warning"), A(PG2, 400)] },
        quiet: [{ series: [[sel("pg_replication_lag_seconds", PG2), "100x15"]], alerts: [A(PG2, 100, "warning")] }],
    },
    "PostgresReplicaDown/critical": {
        fire: { series: [[sel("pg_replication_is_replica", PG1), "0x15"]], alerts: [A({}, 0)] },
        quiet: [
            {
                series: [
                    [sel("pg_replication_is_replica", PG1), "0x15"],
                    [sel("pg_stat_replication_pg_wal_lsn_diff", { ...PG1, application_name: "node2", client_addr: "10.0.0.3", state: "streaming" }), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "PostgresNoPrimary/critical": {
        fire: {
            series: [
                [sel("pg_up", PG2), "1x15"],
                [sel("pg_replication_is_replica", PG2), "1x15"],
            ],
            alerts: [A({}, 1)],
        },
        quiet: [
            {
                series: [
                    [sel("pg_up", PG1), "1x15"],
                    [sel("pg_replication_is_replica", PG1), "0x15"],
                    [sel("pg_up", PG2), "1x15"],
                    [sel("pg_replication_is_replica", PG2), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "PostgresMultiplePrimaries/critical": {
        fire: {
            series: [
                [sel("pg_replication_is_replica", PG1), "0x15"],
                [sel("pg_replication_is_replica", PG2), "0x15"],
            ],
            alerts: [A({}, 2)],
        },
        quiet: [
            {
                series: [
                    [sel("pg_replication_is_replica", PG1), "0x15"],
                    [sel("pg_replication_is_replica", PG2), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "PostgresTooManyConnections/warning": {
        fire: {
            series: [
                [sel("pg_stat_activity_count", { ...PG1, datname: "daedalus", state: "active" }), "90x15"],
                [sel("pg_settings_max_connections", PG1), "100x15"],
            ],
            alerts: [A(pick(PG1, "job", "instance", "node"), 0.9)],
        },
        quiet: [
            {
                series: [
                    [sel("pg_stat_activity_count", { ...PG1, datname: "daedalus", state: "active" }), "50x15"],
                    [sel("pg_settings_max_connections", PG1), "100x15"],
                ],
                alerts: [],
            },
        ],
    },
};

const R1 = T("redis", 9121, "node1", "master");
const R2 = T("redis", 9121, "node2", "replica");
const R3 = T("redis", 9121, "node3", "cache");
const S1 = T("redis", 9122, "node1", "sentinel");
const info = (l: Labels, role: string) => ({ ...l, role, redis_mode: "standalone", redis_version: "7.0.15" });
const sentinelMaster = { master_name: "daarion", master_address: "10.0.0.2:6379" };

const redis: Record<string, AlertFixture> = {
    "RedisDown/critical": {
        fire: { series: [[sel("redis_up", R2), "0x15"]], alerts: [A(R2, 0)] },
        quiet: [{ series: [[sel("redis_up", R2), "1x15"]], alerts: [] }],
    },
    "RedisNoMaster/critical": {
        // The node3 cache is a master but not part of the replicated set.
        fire: {
            series: [
                [sel("redis_up", R2), "1x15"],
                [sel("redis_instance_info", info(R2, "slave")), "1x15"],
                [sel("redis_instance_info", info(R3, "master")), "1x15"],
            ],
            alerts: [A({}, 0)],
        },
        quiet: [
            {
                series: [
                    [sel("redis_up", R1), "1x15"],
                    [sel("redis_instance_info", info(R1, "master")), "1x15"],
                    [sel("redis_instance_info", info(R2, "slave")), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "RedisMultipleMasters/critical": {
        fire: {
            series: [
                [sel("redis_instance_info", info(R1, "master")), "1x15"],
                [sel("redis_instance_info", info(R2, "master")), "1x15"],
            ],
            alerts: [A({}, 2)],
        },
        quiet: [
            {
                series: [
                    [sel("redis_instance_info", info(R1, "master")), "1x15"],
                    [sel("redis_instance_info", info(R3, "master")), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "RedisReplicationBroken/warning": {
        fire: { series: [[sel("redis_master_link_up", R2), "0x15"]], alerts: [A(R2, 0)] },
        quiet: [{ series: [[sel("redis_master_link_up", R2), "1x15"]], alerts: [] }],
    },
    "RedisSentinelCountLow/warning": {
        fire: { series: [[sel("redis_sentinel_master_ok_sentinels", { ...S1, ...sentinelMaster }), "2x15"]], alerts: [A({ ...S1, ...sentinelMaster }, 2)] },
        quiet: [{ series: [[sel("redis_sentinel_master_ok_sentinels", { ...S1, ...sentinelMaster }), "3x15"]], alerts: [] }],
    },
    "RedisSentinelMasterNotOk/critical": {
        fire: {
            series: [[sel("redis_sentinel_master_status", { ...S1, ...sentinelMaster, master_status: "odown" }), "0x15"]],
            alerts: [A({ ...S1, ...sentinelMaster, master_status: "odown" }, 0)],
        },
        quiet: [{ series: [[sel("redis_sentinel_master_status", { ...S1, ...sentinelMaster, master_status: "ok" }), "1x15"]], alerts: [] }],
    },
    "RedisMemoryHigh/warning": {
        fire: {
            series: [
                [sel("redis_memory_used_bytes", R1), "95x15"],
                [sel("redis_memory_max_bytes", R1), "100x15"],
            ],
            alerts: [A(R1, 0.95)],
        },
        // maxmemory 0 means "no limit": 95/0 = +Inf must not fire.
        quiet: [
            {
                series: [
                    [sel("redis_memory_used_bytes", R1), "95x15"],
                    [sel("redis_memory_max_bytes", R1), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
};

const Q1 = T("qdrant", 6333, "node1", "shard");
const Q_JIN = pick(Q1, "job", "instance", "node");

const qdrant: Record<string, AlertFixture> = {
    "QdrantDown/critical": {
        fire: { series: [[sel("up", Q1), "0x15"]], alerts: [A(Q1, 0)] },
        quiet: [{ series: [[sel("up", Q1), "1x15"]], alerts: [] }],
    },
    "QdrantRecoveryMode/critical": {
        fire: { series: [[sel("app_status_recovery_mode", Q1), "1x15"]], alerts: [A(Q1, 1)] },
        quiet: [{ series: [[sel("app_status_recovery_mode", Q1), "0x15"]], alerts: [] }],
    },
    "QdrantRestErrorRate/warning": {
        fire: {
            series: [
                [sel("rest_responses_total", { ...Q1, endpoint: "/collections/{name}/points/search", method: "POST", status: "200" }), "0+100x20"],
                [sel("rest_responses_fail_total", { ...Q1, endpoint: "/collections/{name}/points/search", method: "POST", status: "200" }), "0+10x20"],
            ],
            alerts: [A(Q_JIN, 0.1)],
        },
        // An idle server: 0/0 must not fire.
        quiet: [
            {
                series: [
                    [sel("rest_responses_total", Q1), "0x20"],
                    [sel("rest_responses_fail_total", Q1), "0x20"],
                ],
                alerts: [],
            },
        ],
    },
    "QdrantClusterPeersMissing/critical": {
        fire: { series: [[sel("cluster_peers_total", Q1), "1x15"]], alerts: [A(Q1, 1)] },
        quiet: [{ series: [[sel("cluster_peers_total", Q1), "2x15"]], alerts: [] }],
    },
    "QdrantPendingOperations/warning": {
        fire: { series: [[sel("cluster_pending_operations_total", Q1), "3x15"]], evalTime: "12m", alerts: [A(Q1, 3)] },
        quiet: [{ series: [[sel("cluster_pending_operations_total", Q1), "0x15"]], evalTime: "12m", alerts: [] }],
    },
    "QdrantLeaderElections/warning": {
        fire: { series: [[sel("cluster_term", Q1), "1+1x20"]], evalTime: "20m", alerts: [A(Q1, 15)] },
        quiet: [{ series: [[sel("cluster_term", Q1), "5x20"]], evalTime: "20m", alerts: [] }],
    },
};

const N1 = T("neo4j", 2004, "node1", "core");
const N2 = T("neo4j", 2004, "node2", "core");

const neo4j: Record<string, AlertFixture> = {
    "Neo4jDown/critical": {
        fire: { series: [[sel("up", N1), "0x15"]], alerts: [A(N1, 0)] },
        quiet: [{ series: [[sel("up", N1), "1x15"]], alerts: [] }],
    },
    "Neo4jHeapHigh/warning": {
        fire: {
            series: [
                [sel("neo4j_dbms_vm_heap_used", N1), "95x15"],
                [sel("neo4j_dbms_vm_heap_max", N1), "100x15"],
            ],
            evalTime: "12m",
            alerts: [A(N1, 0.95)],
        },
        quiet: [
            {
                series: [
                    [sel("neo4j_dbms_vm_heap_used", N1), "50x15"],
                    [sel("neo4j_dbms_vm_heap_max", N1), "100x15"],
                ],
                evalTime: "12m",
                alerts: [],
            },
        ],
    },
    "Neo4jPageCacheHitRatioLow/warning": {
        fire: { series: [[sel("neo4j_dbms_page_cache_hit_ratio", N1), "0.9x20"]], evalTime: "17m", alerts: [A(N1, 0.9)] },
        quiet: [{ series: [[sel("neo4j_dbms_page_cache_hit_ratio", N1), "0.99x20"]], evalTime: "17m", alerts: [] }],
    },
    "Neo4jNoLeader/critical": {
        fire: {
            series: [
                [sel("neo4j_database_neo4j_cluster_raft_is_leader", N1), "0x15"],
                [sel("neo4j_database_neo4j_cluster_raft_is_leader", N2), "0x15"],
            ],
            alerts: [A({}, 0)],
        },
        quiet: [
            {
                series: [
                    [sel("neo4j_database_neo4j_cluster_raft_is_leader", N1), "1x15"],
                    [sel("neo4j_database_neo4j_cluster_raft_is_leader", N2), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
};

const M1 = T("minio", 9000, "node1", "server");
const M1S = { ...M1, server: "10.0.0.2:9000" };

const minio: Record<string, AlertFixture> = {
    "MinioDown/critical": {
        fire: { series: [[sel("up", M1), "0x15"]], alerts: [A(M1, 0)] },
        quiet: [{ series: [[sel("up", M1), "1x15"]], alerts: [] }],
    },
    "MinioNodesOffline/critical": {
        fire: { series: [[sel("minio_cluster_nodes_offline_total", M1S), "1x15"]], alerts: [A(M1S, 1)] },
        quiet: [{ series: [[sel("minio_cluster_nodes_offline_total", M1S), "0x15"]], alerts: [] }],
    },
    "MinioDrivesOffline/warning": {
        fire: { series: [[sel("minio_cluster_drive_offline_total", M1S), "1x15"]], alerts: [A(M1S, 1)] },
        quiet: [{ series: [[sel("minio_cluster_drive_offline_total", M1S), "0x15"]], alerts: [] }],
    },
    "MinioCapacityLow/warning": {
        fire: {
            series: [
                [sel("minio_cluster_capacity_usable_free_bytes", M1S), "5x20"],
                [sel("minio_cluster_capacity_usable_total_bytes", M1S), "100x20"],
            ],
            evalTime: "17m",
            alerts: [A(M1S, 0.05)],
        },
        quiet: [
            {
                series: [
                    [sel("minio_cluster_capacity_usable_free_bytes", M1S), "50x20"],
                    [sel("minio_cluster_capacity_usable_total_bytes", M1S), "100x20"],
                ],
                evalTime: "17m",
                alerts: [],
            },
        ],
    },
    "MinioS3ErrorRate/warning": {
        fire: {
            series: [
                [sel("minio_s3_requests_total", { ...M1S, api: "putobject" }), "0+100x20"],
                [sel("minio_s3_requests_5xx_errors_total", { ...M1S, api: "putobject" }), "0+10x20"],
            ],
            alerts: [A(pick(M1, "job", "instance", "node"), 0.1)],
        },
        quiet: [
            {
                series: [
                    [sel("minio_s3_requests_total", { ...M1S, api: "putobject" }), "0+100x20"],
                    [sel("minio_s3_requests_5xx_errors_total", { ...M1S, api: "putobject" }), "0+1x20"],
                ],
                alerts: [],
            },
        ],
    },
};

const H1 = T("haproxy", 8405, "node1", "edge");
const HB = { ...H1, proxy: "daedalus" };

const haproxy: Record<string, AlertFixture> = {
    "HaproxyDown/critical": {
        fire: { series: [[sel("up", H1), "0x15"]], alerts: [A(H1, 0)] },
        quiet: [{ series: [[sel("up", H1), "1x15"]], alerts: [] }],
    },
    "HaproxyBackendDown/critical": {
        fire: {
            series: [
                [sel("haproxy_backend_active_servers", HB), "0x15"],
                [sel("haproxy_backend_backup_servers", HB), "0x15"],
            ],
            alerts: [A(HB, 0)],
        },
        quiet: [
            {
                series: [
                    [sel("haproxy_backend_active_servers", HB), "0x15"],
                    [sel("haproxy_backend_backup_servers", HB), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "HaproxyServerDown/warning": {
        fire: { series: [[sel("haproxy_server_status", { ...HB, server: "puck", state: "DOWN" }), "1x15"]], alerts: [A({ ...HB, server: "puck", state: "DOWN" }, 1)] },
        quiet: [
            {
                series: [
                    [sel("haproxy_server_status", { ...HB, server: "puck", state: "DOWN" }), "0x15"],
                    [sel("haproxy_server_status", { ...HB, server: "puck", state: "UP" }), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "HaproxyHigh5xxRatio/warning": {
        fire: {
            series: [
                [sel("haproxy_backend_http_responses_total", { ...HB, code: "2xx" }), "0+940x20"],
                [sel("haproxy_backend_http_responses_total", { ...HB, code: "5xx" }), "0+60x20"],
            ],
            alerts: [A(pick(HB, "job", "instance", "node", "proxy"), 0.06)],
        },
        quiet: [
            {
                series: [
                    [sel("haproxy_backend_http_responses_total", { ...HB, code: "2xx" }), "0+960x20"],
                    [sel("haproxy_backend_http_responses_total", { ...HB, code: "5xx" }), "0+40x20"],
                ],
                alerts: [],
            },
            // Idle backend: 0/0 is NaN, and the `and rate > 0` guard keeps it quiet.
            {
                series: [
                    [sel("haproxy_backend_http_responses_total", { ...HB, code: "2xx" }), "0x20"],
                    [sel("haproxy_backend_http_responses_total", { ...HB, code: "5xx" }), "0x20"],
                ],
                alerts: [],
            },
        ],
    },
};

const NODE1 = T("node", 9100, "node1", "host", "node-exporter");
const FS1 = { ...NODE1, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" };
const disk = (avail: number): Array<[string, string]> => [
    [sel("node_filesystem_avail_bytes", FS1), `${avail}x15`],
    [sel("node_filesystem_size_bytes", FS1), "100x15"],
    [sel("node_filesystem_readonly", FS1), "0x15"],
];

const host: Record<string, AlertFixture> = {
    "HostDown/critical": {
        fire: { series: [[sel("up", NODE1), "0x15"]], alerts: [A(NODE1, 0)] },
        quiet: [{ series: [[sel("up", NODE1), "1x15"]], alerts: [] }],
    },
    "HostOutOfMemory/warning": {
        fire: {
            series: [
                [sel("node_memory_MemAvailable_bytes", NODE1), "5x15"],
                [sel("node_memory_MemTotal_bytes", NODE1), "100x15"],
            ],
            alerts: [A(NODE1, 0.05)],
        },
        quiet: [
            {
                series: [
                    [sel("node_memory_MemAvailable_bytes", NODE1), "50x15"],
                    [sel("node_memory_MemTotal_bytes", NODE1), "100x15"],
                ],
                alerts: [],
            },
        ],
    },
    "HostOutOfDiskSpace/warning": {
        fire: { series: disk(5), alerts: [A(FS1, 0.05)] },
        quiet: [
            { series: disk(50), alerts: [] },
            // tmpfs filling up is not a disk problem.
            {
                series: [
                    [sel("node_filesystem_avail_bytes", { ...FS1, fstype: "tmpfs", mountpoint: "/run" }), "1x15"],
                    [sel("node_filesystem_size_bytes", { ...FS1, fstype: "tmpfs", mountpoint: "/run" }), "100x15"],
                    [sel("node_filesystem_readonly", { ...FS1, fstype: "tmpfs", mountpoint: "/run" }), "0x15"],
                ],
                alerts: [],
            },
        ],
    },
    "HostOutOfDiskSpace/critical": {
        fire: { series: disk(2), alerts: [A(FS1, 0.02, "warning"), A(FS1, 0.02)] },
        quiet: [{ series: disk(5), alerts: [A(FS1, 0.05, "warning")] }],
    },
    "HostHighCpuLoad/warning": {
        // idle 3s of every 60s: 95% busy.
        fire: { series: [[sel("node_cpu_seconds_total", { ...NODE1, cpu: "0", mode: "idle" }), "0+3x30"]], evalTime: "20m", alerts: [A(pick(NODE1, "job", "instance", "node"), 0.95)] },
        quiet: [{ series: [[sel("node_cpu_seconds_total", { ...NODE1, cpu: "0", mode: "idle" }), "0+30x30"]], evalTime: "20m", alerts: [] }],
    },
    "HostClockSkew/warning": {
        fire: { series: [[sel("node_timex_offset_seconds", NODE1), "0.1x15"]], evalTime: "12m", alerts: [A(NODE1, 0.1)] },
        quiet: [{ series: [[sel("node_timex_offset_seconds", NODE1), "0.001x15"]], evalTime: "12m", alerts: [] }],
    },
    "HostOomKill/warning": {
        fire: { series: [[sel("node_vmstat_oom_kill", NODE1), "0x5 1x10"]], evalTime: "7m", alerts: [A(NODE1, 1)] },
        quiet: [{ series: [[sel("node_vmstat_oom_kill", NODE1), "1x15"]], evalTime: "7m", alerts: [] }],
    },
};

const CA = { ...T("cadvisor", 8080, "node1", "host", "cadvisor"), id: "/docker/abc", image: "postgres:16", name: "postgres" };

const containers: Record<string, AlertFixture> = {
    "ContainerAbsent/warning": {
        // last seen at t=0 while evaluated at 600s.
        fire: { series: [[sel("container_last_seen", CA), "0x15"]], alerts: [A(CA, 600)] },
        quiet: [{ series: [[sel("container_last_seen", CA), "0+60x15"]], alerts: [] }],
    },
    "ContainerRestarting/warning": {
        fire: { series: [[sel("container_start_time_seconds", CA), "0+60x20"]], evalTime: "20m", alerts: [A(CA, 15)] },
        quiet: [{ series: [[sel("container_start_time_seconds", CA), "100x20"]], evalTime: "20m", alerts: [] }],
    },
    "ContainerOomKilled/warning": {
        fire: { series: [[sel("container_oom_events_total", CA), "0x5 1x10"]], evalTime: "7m", alerts: [A(CA, 1)] },
        quiet: [{ series: [[sel("container_oom_events_total", CA), "1x15"]], evalTime: "7m", alerts: [] }],
    },
    "ContainerMemoryNearLimit/warning": {
        fire: {
            series: [
                [sel("container_memory_working_set_bytes", CA), "95x15"],
                [sel("container_spec_memory_limit_bytes", CA), "100x15"],
            ],
            evalTime: "12m",
            alerts: [A(CA, 0.95)],
        },
        // No limit set (0): the ratio is +Inf and must not fire.
        quiet: [
            {
                series: [
                    [sel("container_memory_working_set_bytes", CA), "95x15"],
                    [sel("container_spec_memory_limit_bytes", CA), "0x15"],
                ],
                evalTime: "12m",
                alerts: [],
            },
        ],
    },
};

const P = T("prometheus", 9090, "node1", "server");
const AM = T("alertmanager", 9093, "node1", "server");
const G = T("grafana", 3030, "node1", "server");

const monitoring: Record<string, AlertFixture> = {
    // Always firing by design; there is no series that silences it.
    "Watchdog/none": { fire: { series: [], alerts: [A({}, 1)] }, quiet: [] },
    "TargetDown/warning": {
        fire: { series: [[sel("up", DAE), "0x15"]], alerts: [A(DAE, 0)] },
        quiet: [{ series: [[sel("up", DAE), "1x5 0x10"]], evalTime: "8m", alerts: [] }],
    },
    "PrometheusRuleEvaluationFailures/critical": {
        fire: { series: [[sel("prometheus_rule_evaluation_failures_total", { ...P, rule_group: "/etc/prometheus/rules/nats.rules.yml;nats" }), "0x5 1x10"]], evalTime: "7m", alerts: [A({ ...P, rule_group: "/etc/prometheus/rules/nats.rules.yml;nats" }, 1)] },
        quiet: [{ series: [[sel("prometheus_rule_evaluation_failures_total", { ...P, rule_group: "/etc/prometheus/rules/nats.rules.yml;nats" }), "0x15"]], evalTime: "7m", alerts: [] }],
    },
    "PrometheusNotificationsFailing/critical": {
        fire: {
            series: [[sel("prometheus_notifications_errors_total", { ...P, alertmanager: "http://10.0.0.2:9093/api/v2/alerts" }), "0+1x20"]],
            alerts: [A({ ...P, alertmanager: "http://10.0.0.2:9093/api/v2/alerts" }, 1 / 60)],
        },
        quiet: [{ series: [[sel("prometheus_notifications_errors_total", { ...P, alertmanager: "http://10.0.0.2:9093/api/v2/alerts" }), "0x20"]], alerts: [] }],
    },
    "PrometheusAlertmanagerMissing/critical": {
        fire: { series: [[sel("prometheus_notifications_alertmanagers_discovered", P), "0x15"]], alerts: [A(P, 0)] },
        quiet: [{ series: [[sel("prometheus_notifications_alertmanagers_discovered", P), "1x15"]], alerts: [] }],
    },
    "PrometheusConfigReloadFailed/warning": {
        fire: { series: [[sel("prometheus_config_last_reload_successful", P), "0x15"]], alerts: [A(P, 0)] },
        quiet: [{ series: [[sel("prometheus_config_last_reload_successful", P), "1x15"]], alerts: [] }],
    },
    "AlertmanagerConfigReloadFailed/warning": {
        fire: { series: [[sel("alertmanager_config_last_reload_successful", AM), "0x15"]], alerts: [A(AM, 0)] },
        quiet: [{ series: [[sel("alertmanager_config_last_reload_successful", AM), "1x15"]], alerts: [] }],
    },
    "AlertmanagerNotificationsFailing/critical": {
        fire: {
            series: [[sel("alertmanager_notifications_failed_total", { ...AM, integration: "telegram" }), "0+1x20"]],
            alerts: [A({ ...AM, integration: "telegram" }, 1 / 60)],
        },
        quiet: [{ series: [[sel("alertmanager_notifications_failed_total", { ...AM, integration: "telegram" }), "0x20"]], alerts: [] }],
    },
    "GrafanaDown/warning": {
        fire: { series: [[sel("up", G), "0x15"]], alerts: [A(G, 0)] },
        quiet: [{ series: [[sel("up", G), "1x15"]], alerts: [] }],
    },
};

const BB = { job: "blackbox-http", instance: "http://10.0.0.2:9300/health", node: "node1", service: "gateway", service_role: "active" };
// postgrest: the app job the platform topology really scrapes, so the deployed rules pass this fixture too.
const APP = T("postgrest", 3001, "node1", "node-local");

const probes: Record<string, AlertFixture> = {
    "ServiceProbeFailed/critical": {
        fire: { series: [[sel("probe_success", BB), "0x15"]], alerts: [A(BB, 0)] },
        quiet: [{ series: [[sel("probe_success", BB), "1x15"]], alerts: [] }],
    },
    "ServiceProbeSlow/warning": {
        fire: {
            series: [
                [sel("probe_duration_seconds", BB), "3x20"],
                [sel("probe_success", BB), "1x20"],
            ],
            evalTime: "12m",
            alerts: [A(BB, 3)],
        },
        // A failed probe is ServiceProbeFailed's business, however long it took.
        quiet: [
            {
                series: [
                    [sel("probe_duration_seconds", BB), "5x20"],
                    [sel("probe_success", BB), "0x20"],
                ],
                evalTime: "12m",
                alerts: [],
            },
        ],
    },
    "AppServiceDown/critical": {
        fire: { series: [[sel("up", APP), "0x15"]], alerts: [A(APP, 0)] },
        quiet: [{ series: [[sel("up", APP), "1x15"], [sel("up", T("gateway", 9300)), "0x15"]], alerts: [] }],
    },
};

const AG1 = T("agent", 9700, "node1", "agent", "agent");
const AG2 = T("agent", 9700, "node2", "agent", "agent");
const PG_GROUP = { group: "postgres" };

const agent: Record<string, AlertFixture> = {
    "AgentDown/critical": {
        fire: { series: [[sel("up", AG2), "0x15"]], alerts: [A(AG2, 0)] },
        quiet: [{ series: [[sel("up", AG2), "1x15"]], alerts: [] }],
    },
    "AgentFailoverHappened/warning": {
        // node2 took the lease over at minute 5; evaluated at minute 10.
        fire: { series: [[sel("daarion_agent_failovers_total", { ...AG2, ...PG_GROUP }), "0x5 1x10"]], evalTime: "10m", alerts: [A({ ...AG2, ...PG_GROUP }, 1)] },
        quiet: [
            { series: [[sel("daarion_agent_failovers_total", { ...AG2, ...PG_GROUP }), "0x20"]], evalTime: "10m", alerts: [] },
            // A failover 30 minutes ago is history, not an alert.
            { series: [[sel("daarion_agent_failovers_total", { ...AG2, ...PG_GROUP }), "0x5 1x40"]], evalTime: "40m", alerts: [] },
        ],
    },
    "AgentNodeFenced/critical": {
        // node1 held the lease, then lost it and fenced itself at minute 5.
        fire: {
            series: [
                [sel("daarion_agent_fenced", { ...AG1, ...PG_GROUP }), "0x5 1x10"],
                [sel("daarion_agent_lease_held", { ...AG1, ...PG_GROUP }), "1x5 0x10"],
            ],
            evalTime: "8m",
            alerts: [A({ ...AG1, ...PG_GROUP }, 1)],
        },
        quiet: [
            // A replica is always fenced; it never held the lease: no alert.
            {
                series: [
                    [sel("daarion_agent_fenced", { ...AG2, ...PG_GROUP }), "1x15"],
                    [sel("daarion_agent_lease_held", { ...AG2, ...PG_GROUP }), "0x15"],
                ],
                evalTime: "8m",
                alerts: [],
            },
            // The holder renewing its lease is not fenced.
            {
                series: [
                    [sel("daarion_agent_fenced", { ...AG1, ...PG_GROUP }), "0x15"],
                    [sel("daarion_agent_lease_held", { ...AG1, ...PG_GROUP }), "1x15"],
                ],
                evalTime: "8m",
                alerts: [],
            },
        ],
    },
    "AgentLeaseLost/critical": {
        fire: {
            series: [
                [sel("daarion_agent_lease_held", { ...AG1, ...PG_GROUP }), "0x15"],
                [sel("daarion_agent_lease_held", { ...AG2, ...PG_GROUP }), "0x15"],
            ],
            alerts: [A(PG_GROUP, 0)],
        },
        quiet: [
            {
                series: [
                    [sel("daarion_agent_lease_held", { ...AG1, ...PG_GROUP }), "0x15"],
                    [sel("daarion_agent_lease_held", { ...AG2, ...PG_GROUP }), "1x15"],
                ],
                alerts: [],
            },
        ],
    },
    "AgentReplicationLagAboveBound/critical": {
        fire: {
            series: [
                [sel("daarion_agent_replication_lag_bytes", { ...AG2, ...PG_GROUP }), "2097152x15"],
                [sel("daarion_agent_lag_bound_bytes", { ...AG2, ...PG_GROUP }), "1048576x15"],
            ],
            alerts: [A({ ...AG2, ...PG_GROUP }, 2097152)],
        },
        quiet: [
            // Exactly at the bound is still promotable.
            {
                series: [
                    [sel("daarion_agent_replication_lag_bytes", { ...AG2, ...PG_GROUP }), "1048576x15"],
                    [sel("daarion_agent_lag_bound_bytes", { ...AG2, ...PG_GROUP }), "1048576x15"],
                ],
                alerts: [],
            },
        ],
    },
};

export const ALERT_FIXTURES: Record<string, AlertFixture> = {
    ...agent,
    ...probes,
    ...daedalus,
    ...nats,
    ...postgres,
    ...redis,
    ...qdrant,
    ...neo4j,
    ...minio,
    ...haproxy,
    ...host,
    ...containers,
    ...monitoring,
};
