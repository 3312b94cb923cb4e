/**
 * Subject routing of seed 000 (plus the agent subjects of seed 001 and the KV buckets of seed 002)
 * as typed data. The renderer turns the local subjects into route/leaf permissions; the component
 * turns streams and buckets into `daarion:nats:Stream` / `daarion:nats:KeyValue` resources.
 */
import { NatsClusterSpec, NatsSuperclusterSpec, fullClusters } from "./types";

/**
 * Seed 000 writes `message.*`; streams capture `message.>` so deeper subjects
 * (`message.<chat>.<id>`) are replicated too. A `*` stream would silently drop them.
 */
export const CORE_SUBJECTS = Object.freeze({
    message: "message.>",
    attachment: "attachment.>",
    agentRun: "agent.run.>",
});

/**
 * Seed 001: WHOOSH broadcasts council opportunities on `chorus.councils.forming`; its broadcaster
 * variant uses `chorus.councils.<councilId>.forming`, and status updates go to
 * `chorus.councils.<councilId>.status`. All three are captured so a late agent can replay them.
 */
export const CHORUS_SUBJECTS = Object.freeze({
    forming: "chorus.councils.forming",
    councilForming: "chorus.councils.*.forming",
    councilStatus: "chorus.councils.*.status",
});

/** `node.<id>.local.>` for every id: never leaves the server it was published on. */
export const NODE_LOCAL_SUBJECTS: readonly string[] = Object.freeze(["node.*.local.>"]);

/** Cache invalidation is only meaningful for the edge's own Redis cache (seed 000 "local only"). */
export const EDGE_LOCAL_SUBJECTS: readonly string[] = Object.freeze(["cache.invalidate.>"]);

export function nodeLocalSubject(nodeId: string): string {
    return `node.${nodeId}.local.>`;
}

export type NatsStorage = "file" | "memory";

export interface NatsStreamDef {
    /** Stream name (no dots, spaces or wildcards). */
    readonly name: string;
    readonly description: string;
    readonly subjects: readonly string[];
    readonly storage: NatsStorage;
    readonly retention: "limits" | "interest" | "workqueue";
    /** 0 = unlimited. */
    readonly maxAgeSeconds: number;
    /** -1 = unlimited. */
    readonly maxBytes: number;
    readonly replicas: number;
    /** JetStream domain the stream lives in. */
    readonly domain: string;
    /**
     * Cluster whose servers store it (a gateway-joined domain spans several clusters; a stream is
     * placed in the cluster of the server that created it).
     */
    readonly cluster?: string;
    /** Window for `Nats-Msg-Id` de-duplication of retried publishes. @default 120 */
    readonly duplicateWindowSeconds?: number;
}

export interface NatsKeyValueDef {
    /** Bucket name; the backing stream is `KV_<bucket>`. */
    readonly bucket: string;
    readonly description: string;
    /** Values kept per key. */
    readonly history: number;
    /** Entry time-to-live in seconds; 0 = none. A lease or leadership expires unless renewed. */
    readonly ttlSeconds: number;
    readonly replicas: number;
    readonly storage: NatsStorage;
    /** -1 = unlimited. */
    readonly maxBytes: number;
    readonly domain: string;
    /** See NatsStreamDef.cluster. */
    readonly cluster?: string;
}

export interface NatsSubjectRouting {
    /** The full JetStream cluster that holds the replicated streams and buckets. */
    readonly coreCluster: string;
    readonly coreDomain: string;
    readonly streams: readonly NatsStreamDef[];
    readonly keyValues: readonly NatsKeyValueDef[];
    /** Per node: its node-local subject. */
    readonly nodeLocal: Readonly<Record<string, string>>;
    /** Per edge (leaf) cluster: subjects that stay inside it. */
    readonly edgeLocal: Readonly<Record<string, readonly string[]>>;
}

/**
 * R = min(3, core size). R3 survives one loss; more replicas only add write latency. Note R2
 * (a 2-server core) needs both replicas for a write: the validator warns about it.
 */
export function coreReplicas(coreSize: number): number {
    return Math.max(1, Math.min(3, coreSize));
}

const DAY = 24 * 3600;

/** The core cluster: named explicitly, else the first full cluster that runs JetStream. */
export function coreClusterOf(spec: Pick<NatsSuperclusterSpec, "clusters">, coreCluster?: string): NatsClusterSpec {
    const candidates = fullClusters(spec).filter((c) => c.jetstream !== undefined);
    const found = coreCluster === undefined ? candidates[0] : candidates.find((c) => c.name === coreCluster);
    if (!found) {
        throw new Error(
            coreCluster === undefined
                ? "NATS topology has no full (non-leaf) cluster with JetStream to hold the core streams"
                : `NATS core cluster '${coreCluster}' is not a full cluster with JetStream`,
        );
    }
    return found;
}

/**
 * The node agent's lease bucket (issue 12, components/agent/): R3 in the core cluster. No TTL and
 * history 1: the agents judge a lease's age from the entry's JetStream timestamp and take it over
 * only by `update(key, value, revision)`; a bucket-level max_age would delete a live lease and let
 * any member `create` it. Per-key TTL (Nats-TTL, nats-server >= 2.11) is not used: Debian's 2.9.10
 * ignores it silently (issue 12).
 */
export function failoverBucket(spec: Pick<NatsSuperclusterSpec, "clusters">, bucket: string, coreCluster?: string): NatsKeyValueDef {
    const core = coreClusterOf(spec, coreCluster);
    return {
        bucket,
        description: "Node agent leases (lease.<group>) and heartbeats (heartbeat.<node>), issue 12; written by compare-and-set only",
        history: 1,
        ttlSeconds: 0,
        // R3 needs 3 servers; stacks/validate.ts refuses an AbsoluteConsistency group on fewer.
        replicas: coreReplicas(core.servers.length),
        storage: "file",
        maxBytes: -1,
        domain: core.jetstream!.domain,
        cluster: core.name,
    };
}

/** Seed 000 subject routing for a topology, with R sized to the core cluster. */
export function natsSubjectRouting(spec: Pick<NatsSuperclusterSpec, "clusters" | "edgeLocalSubjects">, coreCluster?: string): NatsSubjectRouting {
    const core = coreClusterOf(spec, coreCluster);
    const domain = core.jetstream!.domain;
    const replicas = coreReplicas(core.servers.length);
    const stream = (name: string, description: string, subjects: string[], maxAgeSeconds: number): NatsStreamDef => ({
        name,
        description,
        subjects,
        storage: "file",
        retention: "limits",
        maxAgeSeconds,
        maxBytes: -1,
        replicas,
        domain,
        cluster: core.name,
        duplicateWindowSeconds: 120,
    });
    const bucket = (name: string, description: string, history: number, ttlSeconds: number): NatsKeyValueDef => ({
        bucket: name,
        description,
        history,
        ttlSeconds,
        replicas,
        storage: "file",
        maxBytes: -1,
        domain,
        cluster: core.name,
    });
    const nodes = [...new Set(spec.clusters.flatMap((c) => c.servers.map((s) => s.node)))];
    const edgeLocalSubjects = spec.edgeLocalSubjects ?? EDGE_LOCAL_SUBJECTS;
    return {
        coreCluster: core.name,
        coreDomain: domain,
        streams: [
            stream("MESSAGES", "Chat messages (seed 000 core subject message.*)", [CORE_SUBJECTS.message], 30 * DAY),
            stream("ATTACHMENTS", "Attachment events (seed 000 core subject attachment.*)", [CORE_SUBJECTS.attachment], 30 * DAY),
            stream("AGENT_RUNS", "Agent run requests and results (seed 000 core subject agent.run.*)", [CORE_SUBJECTS.agentRun], 7 * DAY),
            stream(
                "CHORUS_COUNCILS",
                "CHORUS council opportunities and status (seed 001); short-lived, replayable by late agents",
                [CHORUS_SUBJECTS.forming, CHORUS_SUBJECTS.councilForming, CHORUS_SUBJECTS.councilStatus],
                DAY,
            ),
        ],
        keyValues: [
            // Seed 002: leases and leader election need a TTL so a dead holder's claim expires;
            // history 1 because only the current holder matters (CAS on revision).
            bucket("leases", "Workload leases (seed 002); a holder renews before the TTL", 1, 30),
            bucket("leaders", "Leader election (seed 002); key = role, value = holder", 1, 15),
            bucket("topology", "Cluster state and topology updates agreed through the mesh (seed 002)", 10, 0),
        ],
        nodeLocal: Object.fromEntries(nodes.map((n) => [n, nodeLocalSubject(n)])),
        edgeLocal: Object.fromEntries(spec.clusters.filter((c) => c.leafnodeTo !== undefined).map((c) => [c.name, [...edgeLocalSubjects]])),
    };
}
