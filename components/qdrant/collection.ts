/**
 * Qdrant collections as typed resources: a Pulumi dynamic provider over the Qdrant REST API, so the
 * seed's `shards: 2, replication_factor: 2` are enforced per collection instead of being a comment.
 *
 * The request logic is plain functions (tested against a recording HTTP double; Qdrant itself
 * cannot run in CI). Endpoints and bodies follow the Qdrant API reference:
 *   PUT    /collections/{name}          create   {vectors, shard_number, replication_factor, write_consistency_factor, on_disk_payload}
 *   GET    /collections/{name}          read     result.config.params
 *   PATCH  /collections/{name}          update   {params: {replication_factor, write_consistency_factor}}
 *   DELETE /collections/{name}
 *   GET    /cluster                     peers    result.peers {<peer id>: {uri}}
 *   GET    /collections/{name}/cluster  placement (local_shards, remote_shards)
 *   POST   /collections/{name}/cluster  {replicate_shard: {shard_id, from_peer_id, to_peer_id}}
 *
 * Raising replication_factor (or creating a collection before every peer joined) does not add
 * replicas to existing shards by itself, so create/update also place the missing replicas; the
 * count still missing is an output, and a non-zero value makes the next `pulumi up` try again.
 */
import * as pulumi from "@pulumi/pulumi";
import { changesOf, diffKeys, isUnknown, valueAtPath } from "../dynamic/unknowns";

export interface QdrantConnection {
    /** REST base URL of any peer, e.g. http://10.10.1.11:6333. */
    readonly url: string;
    readonly apiKey: string;
}

export type QdrantDistance = "Cosine" | "Dot" | "Euclid" | "Manhattan";

export interface QdrantCollectionProps {
    readonly connection: QdrantConnection;
    readonly name: string;
    readonly vectorSize: number;
    readonly distance: QdrantDistance;
    readonly shardNumber: number;
    readonly replicationFactor: number;
    /** @default 1 */
    readonly writeConsistencyFactor?: number;
    /** @default true */
    readonly onDiskPayload?: boolean;
}

export interface QdrantCollectionOutputs extends QdrantCollectionProps {
    /** Shard replicas still missing to reach replicationFactor (peers not joined yet). */
    readonly missingReplicas: number;
}

export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

/**
 * Input check. Each rule runs only on known values: during a preview any input, the whole
 * `connection` included, may be the unknown sentinel (components/dynamic/unknowns.ts), and
 * `pulumi up` checks again once it is known.
 */
export function checkCollection(p: QdrantCollectionProps, peers?: number): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (v: unknown) => !isUnknown(v);
    if (known(p.name) && !/^[a-zA-Z0-9_-]{1,255}$/.test(p.name)) fail("name", `'${p.name}' must be letters, digits, '_' or '-'`);
    if (known(p.vectorSize) && (!Number.isInteger(p.vectorSize) || p.vectorSize < 1 || p.vectorSize > 65536)) fail("vectorSize", `${p.vectorSize} must be an integer in 1..65536`);
    if (known(p.distance) && !["Cosine", "Dot", "Euclid", "Manhattan"].includes(p.distance)) fail("distance", `'${p.distance}' is not a Qdrant distance`);
    if (known(p.shardNumber) && (!Number.isInteger(p.shardNumber) || p.shardNumber < 1)) fail("shardNumber", `${p.shardNumber} must be an integer >= 1`);
    const rfKnown = known(p.replicationFactor);
    if (rfKnown && (!Number.isInteger(p.replicationFactor) || p.replicationFactor < 1)) fail("replicationFactor", `${p.replicationFactor} must be an integer >= 1`);
    else if (rfKnown && peers !== undefined && p.replicationFactor > peers) fail("replicationFactor", `${p.replicationFactor} exceeds the ${peers} peers of the cluster`);
    const wcf = p.writeConsistencyFactor ?? 1;
    if (known(wcf) && (!Number.isInteger(wcf) || wcf < 1)) fail("writeConsistencyFactor", `${wcf} must be an integer >= 1`);
    else if (known(wcf) && rfKnown && wcf > p.replicationFactor) fail("writeConsistencyFactor", `${wcf} exceeds replicationFactor ${p.replicationFactor}: no write could ever succeed`);
    const url = valueAtPath(p, "connection.url");
    if (known(url) && !(typeof url === "string" && /^https?:\/\/[^/]+$/.test(url.replace(/\/$/, "")))) fail("connection.url", `'${String(url)}' must be http(s)://host:port`);
    return failures;
}

/** Body of PUT /collections/{name}. */
export function createCollectionBody(p: QdrantCollectionProps): Record<string, unknown> {
    return {
        vectors: { size: p.vectorSize, distance: p.distance },
        shard_number: p.shardNumber,
        replication_factor: p.replicationFactor,
        write_consistency_factor: p.writeConsistencyFactor ?? 1,
        on_disk_payload: p.onDiskPayload ?? true,
    };
}

/** Body of PATCH /collections/{name}: only what Qdrant can change in place. */
export function updateCollectionBody(p: QdrantCollectionProps): Record<string, unknown> {
    return { params: { replication_factor: p.replicationFactor, write_consistency_factor: p.writeConsistencyFactor ?? 1 } };
}

export interface CollectionDiff {
    /** Properties Qdrant cannot change on an existing collection (the collection is re-created). */
    readonly replaces: string[];
    /** Properties updated in place (PATCH, replica placement). */
    readonly changes: string[];
    /** Properties not known yet (preview); present only when there are some. Never a replacement. */
    readonly unknowns?: string[];
}

/**
 * The collection's identity: what Qdrant cannot change in place. Self-hosted Qdrant cannot reshard
 * an auto-sharded collection, so `shardNumber` is identity too.
 */
const COLLECTION_REPLACE_KEYS = ["name", "vectorSize", "distance", "shardNumber", "onDiskPayload"];
/**
 * Changed in place (PATCH) or kept in state only. The connection is how the program reaches the
 * cluster, not what the collection is: a new URL (another peer, or the SSH tunnel of
 * `replication.qdrant.adminEndpoint`) addresses the same cluster, and a new key is a rotation.
 * Neither may replace a protected collection (issue 11 finding 4).
 */
const COLLECTION_UPDATE_KEYS = ["replicationFactor", "writeConsistencyFactor", "connection.url", "connection.apiKey"];

function withDefaults<T extends Partial<QdrantCollectionProps>>(p: T): T {
    // `??` keeps an unknown (a string sentinel) unknown instead of defaulting it.
    return { ...p, writeConsistencyFactor: p.writeConsistencyFactor ?? 1, onDiskPayload: p.onDiskPayload ?? true };
}

export function diffCollection(olds: QdrantCollectionOutputs, news: QdrantCollectionProps): CollectionDiff {
    const d = diffKeys(withDefaults(olds), withDefaults(news), COLLECTION_REPLACE_KEYS, COLLECTION_UPDATE_KEYS, (a, b) => a === b);
    const changes = [...d.updates];
    if ((olds.missingReplicas ?? 0) > 0) changes.push("missingReplicas");
    return d.unknowns.length > 0 ? { replaces: d.replaces, changes, unknowns: d.unknowns } : { replaces: d.replaces, changes };
}

// Qdrant peer ids are random u64 values, above Number.MAX_SAFE_INTEGER more often than not:
// JSON.parse would round them and replicate_shard would name a peer that does not exist.
const PEER_ID_FIELDS = /("(?:peer_id|from|to|from_peer_id|to_peer_id)"\s*:\s*)(\d+)/g;

export function parseQdrantJson(text: string): unknown {
    return JSON.parse(text.replace(PEER_ID_FIELDS, '$1"$2"'));
}

/** JSON with peer ids (kept as decimal strings) written back as bare integers. */
export function stringifyQdrantJson(body: unknown): string {
    return JSON.stringify(body).replace(/("(?:peer_id|from|to|from_peer_id|to_peer_id)"\s*:\s*)"(\d+)"/g, "$1$2");
}

export class QdrantApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
    }
}

export async function qdrantRequest(conn: QdrantConnection, method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${conn.url.replace(/\/$/, "")}${path}`;
    const response = await fetch(url, {
        method,
        headers: { "api-key": conn.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : stringifyQdrantJson(body),
        signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let parsed: { status?: unknown; result?: unknown } = {};
    try {
        parsed = text ? (parseQdrantJson(text) as typeof parsed) : {};
    } catch {
        parsed = { status: { error: text.slice(0, 500) } };
    }
    if (!response.ok) {
        const status = parsed.status as { error?: string } | string | undefined;
        const detail = typeof status === "object" && status?.error ? status.error : text.slice(0, 500);
        throw new QdrantApiError(response.status, `Qdrant ${method} ${path}: HTTP ${response.status}: ${detail}`);
    }
    return parsed.result;
}

const enc = encodeURIComponent;
/** Operations wait up to this long for the cluster to commit (Qdrant's `timeout` query parameter). */
const COMMIT_TIMEOUT_S = 60;

export interface CollectionClusterInfo {
    readonly peer_id: string;
    readonly local_shards: readonly { shard_id: number; state: string }[];
    readonly remote_shards: readonly { shard_id: number; peer_id: string; state: string }[];
    readonly shard_transfers?: readonly { shard_id: number; from: string; to: string }[];
}

export interface ReplicateShardOp {
    readonly replicate_shard: { readonly shard_id: number; readonly from_peer_id: string; readonly to_peer_id: string };
}

/**
 * Missing replicas and the replicate_shard operations that add them, on the peers holding the
 * fewest shards first. Replicas in transfer count as placed (the transfer finishes on its own).
 * Replicas above the factor are left alone: dropping a copy is an operator's decision.
 */
export function planReplicaRepairs(info: CollectionClusterInfo, peerIds: readonly string[], rf: number): { ops: ReplicateShardOp[]; missing: number } {
    const holders = new Map<number, Set<string>>();
    const hold = (shard: number, peer: string) => {
        if (!holders.has(shard)) holders.set(shard, new Set());
        holders.get(shard)!.add(peer);
    };
    for (const s of info.local_shards) hold(s.shard_id, info.peer_id);
    for (const s of info.remote_shards) hold(s.shard_id, s.peer_id);
    for (const t of info.shard_transfers ?? []) hold(t.shard_id, t.to);
    const load = new Map<string, number>(peerIds.map((p) => [p, 0]));
    for (const set of holders.values()) for (const p of set) load.set(p, (load.get(p) ?? 0) + 1);
    const ops: ReplicateShardOp[] = [];
    let missing = 0;
    for (const shard of [...holders.keys()].sort((a, b) => a - b)) {
        const set = holders.get(shard)!;
        const from = [...set].sort()[0];
        while (set.size < rf) {
            const candidates = peerIds.filter((p) => !set.has(p)).sort((a, b) => (load.get(a)! - load.get(b)!) || (a < b ? -1 : a > b ? 1 : 0));
            if (candidates.length === 0) {
                missing += rf - set.size;
                break;
            }
            const to = candidates[0];
            ops.push({ replicate_shard: { shard_id: shard, from_peer_id: from, to_peer_id: to } });
            set.add(to);
            load.set(to, load.get(to)! + 1);
        }
    }
    return { ops, missing };
}

export async function listPeers(conn: QdrantConnection): Promise<string[]> {
    const result = (await qdrantRequest(conn, "GET", "/cluster")) as { status?: string; peers?: Record<string, unknown> };
    if (result.status !== "enabled") throw new Error(`Qdrant at ${conn.url} does not run in cluster mode (cluster.status=${String(result.status)})`);
    return Object.keys(result.peers ?? {});
}

/** Places missing replicas; returns how many are still missing. */
export async function repairPlacement(conn: QdrantConnection, name: string, rf: number): Promise<number> {
    const peers = await listPeers(conn);
    const info = (await qdrantRequest(conn, "GET", `/collections/${enc(name)}/cluster`)) as CollectionClusterInfo;
    const plan = planReplicaRepairs(info, peers, rf);
    for (const op of plan.ops) {
        await qdrantRequest(conn, "POST", `/collections/${enc(name)}/cluster?timeout=${COMMIT_TIMEOUT_S}`, op);
    }
    return plan.missing;
}

export async function createCollection(p: QdrantCollectionProps): Promise<QdrantCollectionOutputs> {
    const existing = await readCollection(p.connection, p.name);
    if (existing) {
        // Adopting silently would hide a collection with other vectors/shards than declared.
        const d = diffCollection({ ...existing, connection: p.connection, missingReplicas: 0 }, p);
        if (d.replaces.length > 0) throw new Error(`collection '${p.name}' already exists with different ${d.replaces.join(", ")}; import or delete it`);
        if (d.changes.length > 0) await qdrantRequest(p.connection, "PATCH", `/collections/${enc(p.name)}?timeout=${COMMIT_TIMEOUT_S}`, updateCollectionBody(p));
    } else {
        await qdrantRequest(p.connection, "PUT", `/collections/${enc(p.name)}?timeout=${COMMIT_TIMEOUT_S}`, createCollectionBody(p));
    }
    const missingReplicas = await repairPlacement(p.connection, p.name, p.replicationFactor);
    return { ...p, missingReplicas };
}

export async function readCollection(conn: QdrantConnection, name: string): Promise<Omit<QdrantCollectionProps, "connection"> | undefined> {
    let result: { config?: { params?: Record<string, unknown> } };
    try {
        result = (await qdrantRequest(conn, "GET", `/collections/${enc(name)}`)) as typeof result;
    } catch (err) {
        if (err instanceof QdrantApiError && err.status === 404) return undefined;
        throw err;
    }
    const params = result.config?.params ?? {};
    const vectors = (params.vectors ?? {}) as { size?: number; distance?: QdrantDistance };
    return {
        name,
        vectorSize: Number(vectors.size),
        distance: vectors.distance as QdrantDistance,
        shardNumber: Number(params.shard_number ?? 1),
        replicationFactor: Number(params.replication_factor ?? 1),
        writeConsistencyFactor: Number(params.write_consistency_factor ?? 1),
        onDiskPayload: Boolean(params.on_disk_payload ?? true),
    };
}

export async function updateCollection(olds: QdrantCollectionOutputs, news: QdrantCollectionProps): Promise<QdrantCollectionOutputs> {
    const d = diffCollection(olds, news);
    if (d.replaces.length > 0) throw new Error(`cannot update ${d.replaces.join(", ")} in place`);
    if (d.changes.includes("replicationFactor") || d.changes.includes("writeConsistencyFactor")) {
        await qdrantRequest(news.connection, "PATCH", `/collections/${enc(news.name)}?timeout=${COMMIT_TIMEOUT_S}`, updateCollectionBody(news));
    }
    const missingReplicas = await repairPlacement(news.connection, news.name, news.replicationFactor);
    return { ...news, missingReplicas };
}

export async function deleteCollection(p: QdrantCollectionProps): Promise<void> {
    try {
        await qdrantRequest(p.connection, "DELETE", `/collections/${enc(p.name)}?timeout=${COMMIT_TIMEOUT_S}`);
    } catch (err) {
        if (!(err instanceof QdrantApiError && err.status === 404)) throw err;
    }
}

// ---- Pulumi dynamic provider: thin, serializable wrapper ----

export const qdrantCollectionProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: QdrantCollectionProps, news: QdrantCollectionProps) {
        return { inputs: news, failures: checkCollection(news) };
    },
    async diff(_id: string, olds: QdrantCollectionOutputs, news: QdrantCollectionProps) {
        const d = diffCollection(olds, news);
        return { changes: changesOf({ replaces: d.replaces, updates: d.changes, unknowns: d.unknowns ?? [] }), replaces: d.replaces, deleteBeforeReplace: true };
    },
    async create(inputs: QdrantCollectionProps) {
        const outs = await createCollection(inputs);
        return { id: inputs.name, outs };
    },
    async read(id: string, props: QdrantCollectionOutputs) {
        const live = await readCollection(props.connection, props.name ?? id);
        return live ? { id, props: { ...props, ...live } } : {};
    },
    async update(_id: string, olds: QdrantCollectionOutputs, news: QdrantCollectionProps) {
        return { outs: await updateCollection(olds, news) };
    },
    async delete(_id: string, props: QdrantCollectionProps) {
        await deleteCollection(props);
    },
};

type Inputs<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

export interface QdrantCollectionArgs extends Omit<Inputs<QdrantCollectionProps>, "connection"> {
    readonly connection: pulumi.Input<Inputs<QdrantConnection>>;
}

/**
 * A Qdrant collection. Dynamic resources live in the `pulumi-nodejs` package, so the type token is
 * `pulumi-nodejs:dynamic/qdrant:Collection`, the closest to `daarion:qdrant:Collection` Pulumi allows.
 * The connection (API key) is kept secret in the state.
 */
export class QdrantCollection extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;
    public readonly shardNumber!: pulumi.Output<number>;
    public readonly replicationFactor!: pulumi.Output<number>;
    public readonly missingReplicas!: pulumi.Output<number>;

    constructor(name: string, args: QdrantCollectionArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            qdrantCollectionProvider,
            name,
            { ...args, connection: pulumi.secret(args.connection), missingReplicas: undefined },
            { ...opts, additionalSecretOutputs: ["connection"] },
            "qdrant",
            "Collection",
        );
    }
}
