/**
 * Per-rule promtool fixtures: for every alert rule (keyed `Name/severity`) a series that fires it and
 * series that must not. Each rule group's fixtures live in test/monitoring/fixtures/<module>.ts,
 * beside the tests, one file per module that owns the rules (components/<module>/alerts.ts).
 *
 * Series are written in promtool's expanding notation at a 1m interval: `0+51x20` is a counter
 * growing by 51 per minute (rate 51/60 per second), `0x15` a constant 0 for 15 minutes.
 */
import { agentAlerts } from "../../components/agent/alerts";
import { daedalusAlerts } from "../../components/apps/daedalus-alerts";
import { haproxyAlerts } from "../../components/ingress/alerts";
import { minioAlerts } from "../../components/minio/alerts";
import { AlertPack, buildRuleGroups, MonitoringAlertOptions, RuleGroup } from "../../components/monitoring/alerts";
import { NatsAlertOptions, natsAlerts } from "../../components/nats/alerts";
import { Neo4jAlertOptions, neo4jAlerts } from "../../components/neo4j/alerts";
import { PostgresAlertOptions, postgresAlerts } from "../../components/postgres/alerts";
import { QdrantAlertOptions, qdrantAlerts } from "../../components/qdrant/alerts";
import { RedisAlertOptions, redisAlerts } from "../../components/redis/alerts";
import { AGENT_FIXTURES } from "./fixtures/agent";
import { CONTAINERS_FIXTURES } from "./fixtures/containers";
import { DAEDALUS_FIXTURES } from "./fixtures/daedalus";
import { HOST_FIXTURES } from "./fixtures/host";
import { HAPROXY_FIXTURES } from "./fixtures/ingress";
import { MINIO_FIXTURES } from "./fixtures/minio";
import { MONITORING_FIXTURES } from "./fixtures/monitoring";
import { NATS_FIXTURES } from "./fixtures/nats";
import { NEO4J_FIXTURES } from "./fixtures/neo4j";
import { POSTGRES_FIXTURES } from "./fixtures/postgres";
import { PROBES_FIXTURES } from "./fixtures/probes";
import { QDRANT_FIXTURES } from "./fixtures/qdrant";
import { REDIS_FIXTURES } from "./fixtures/redis";
import { AlertFixture } from "./promtool-tests";

/** Monitoring's options plus each module's, as the fixtures were written for them. */
export interface FixtureOptions extends MonitoringAlertOptions {
    readonly daedalus?: Record<string, never>;
    readonly nats?: NatsAlertOptions;
    readonly postgres?: PostgresAlertOptions;
    readonly redis?: RedisAlertOptions;
    readonly qdrant?: QdrantAlertOptions;
    readonly neo4j?: Neo4jAlertOptions;
    readonly minio?: Record<string, never>;
    readonly haproxy?: Record<string, never>;
    readonly agent?: Record<string, never>;
}

/** The options the fixtures were written for (expected counts appear in the thresholds below). */
export const FIXTURE_OPTIONS: FixtureOptions = {
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

/** The module packs these options select, in module order (stacks/modules.ts). */
export function fixturePacks(o: FixtureOptions): AlertPack[] {
    return [
        ...(o.nats ? [natsAlerts(o.nats)] : []),
        ...(o.postgres ? [postgresAlerts(o.postgres)] : []),
        ...(o.redis ? [redisAlerts(o.redis)] : []),
        ...(o.qdrant ? [qdrantAlerts(o.qdrant)] : []),
        ...(o.neo4j ? [neo4jAlerts(o.neo4j)] : []),
        ...(o.minio ? [minioAlerts()] : []),
        ...(o.daedalus ? [daedalusAlerts()] : []),
        ...(o.haproxy ? [haproxyAlerts()] : []),
        ...(o.agent ? [agentAlerts()] : []),
    ];
}

/** Every rule group for `o`, as monitoring renders them. */
export function fixtureRuleGroups(o: FixtureOptions = FIXTURE_OPTIONS): RuleGroup[] {
    return buildRuleGroups(o, fixturePacks(o));
}

export const ALERT_FIXTURES: Record<string, AlertFixture> = {
    ...AGENT_FIXTURES,
    ...PROBES_FIXTURES,
    ...DAEDALUS_FIXTURES,
    ...NATS_FIXTURES,
    ...POSTGRES_FIXTURES,
    ...REDIS_FIXTURES,
    ...QDRANT_FIXTURES,
    ...NEO4J_FIXTURES,
    ...MINIO_FIXTURES,
    ...HAPROXY_FIXTURES,
    ...HOST_FIXTURES,
    ...CONTAINERS_FIXTURES,
    ...MONITORING_FIXTURES,
};
