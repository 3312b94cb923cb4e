/**
 * (Over 400 lines on purpose: both providers, streams and KV buckets, with the plain functions
 * their serialized closures call (see below), which share the connection and diff helpers.)
 *
 * JetStream streams and KV buckets as Pulumi resources (`daarion:nats:Stream`,
 * `daarion:nats:KeyValue`) through a dynamic provider built on the official NATS JS client.
 *
 * Dynamic providers are serialized into the state with their closures. So:
 * - the provider objects only call the plain functions below (serialized with them);
 * - those functions never touch the `pulumi` import and hold no connection between calls;
 * - the NATS client is `require`d inside the functions, at run time, from the program's
 *   node_modules (the official client is CommonJS-compatible).
 * The plain functions are exported so tests drive create/diff/update/delete/read against a real
 * nats-server without the Pulumi engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { changesOf, containsUnknown, diffKeys, isUnknown, valueAtPath } from "../dynamic/unknowns";

export interface NatsConnectionArgs {
    /** Client URLs (`nats://10.0.0.11:4222`); any reachable server of the target domain's supercluster. */
    readonly servers: string[];
    readonly user?: string;
    readonly password?: string;
    /** JetStream domain that holds the asset; absent = the domain of the server connected to. */
    readonly domain?: string;
    /** API request timeout in ms. @default 10000 */
    readonly timeoutMs?: number;
}

export type NatsStorageType = "file" | "memory";

export interface NatsStreamProps {
    readonly connection: NatsConnectionArgs;
    readonly name: string;
    readonly subjects: string[];
    readonly description?: string;
    /** @default "file" */
    readonly storage?: NatsStorageType;
    /** @default "limits" */
    readonly retention?: "limits" | "interest" | "workqueue";
    /** @default 1 */
    readonly replicas?: number;
    /** 0 = unlimited. @default 0 */
    readonly maxAgeSeconds?: number;
    /** -1 = unlimited. @default -1 */
    readonly maxBytes?: number;
    /** -1 = unlimited. @default -1 */
    readonly maxMsgs?: number;
    /** @default "old" */
    readonly discard?: "old" | "new";
    /** @default 120 */
    readonly duplicateWindowSeconds?: number;
}

export interface NatsKeyValueProps {
    readonly connection: NatsConnectionArgs;
    readonly bucket: string;
    readonly description?: string;
    /** @default 1 */
    readonly history?: number;
    /** 0 = no expiry. @default 0 */
    readonly ttlSeconds?: number;
    /** @default 1 */
    readonly replicas?: number;
    /** @default "file" */
    readonly storage?: NatsStorageType;
    /** -1 = unlimited. @default -1 */
    readonly maxBytes?: number;
}

export interface NatsDiff {
    /** DiffResult.changes: undefined (DIFF_UNKNOWN) when only unknown values may differ. */
    readonly changes: boolean | undefined;
    /** Properties whose change needs a new stream (JetStream rejects them in an update). */
    readonly replaces: string[];
    /** Properties applied in place by a stream update. */
    readonly updates: string[];
    /** Properties not known yet (preview, components/dynamic/unknowns.ts): never a replacement. */
    readonly unknowns: string[];
    /** Same name in the same domain: the old asset must be gone before the new one is created. */
    readonly deleteBeforeReplace: boolean;
}

const NS_PER_SECOND = 1_000_000_000;

/**
 * What the server rejects in a stream update (nats-server 2.9 `stream configuration update can
 * not change ...`): the name, storage type and retention policy. A different domain (or bucket
 * name) is a different asset altogether.
 */
const STREAM_REPLACE_KEYS = ["name", "storage", "retention", "connection.domain"];
const STREAM_UPDATE_KEYS = ["subjects", "description", "replicas", "maxAgeSeconds", "maxBytes", "maxMsgs", "discard", "duplicateWindowSeconds"];
const KV_REPLACE_KEYS = ["bucket", "storage", "connection.domain"];
const KV_UPDATE_KEYS = ["description", "history", "ttlSeconds", "replicas", "maxBytes"];
/**
 * Connection details change nothing on the server: state-only updates. A new server list
 * (`replication.nats.adminServers`, e.g. an SSH tunnel) reaches the same JetStream domain, so it
 * must never replace a stream (issue 11 finding 4); the domain is the identity, not the address.
 */
const CONNECTION_KEYS = ["connection.servers", "connection.user", "connection.password", "connection.timeoutMs"];

/** Defaults with `??`, which keeps an unknown (a string sentinel) unknown instead of defaulting it. */
function streamDefaults(p: NatsStreamProps) {
    return {
        name: p.name,
        subjects: Array.isArray(p.subjects) ? [...p.subjects] : p.subjects,
        description: p.description ?? "",
        storage: p.storage ?? "file",
        retention: p.retention ?? "limits",
        replicas: p.replicas ?? 1,
        maxAgeSeconds: p.maxAgeSeconds ?? 0,
        maxBytes: p.maxBytes ?? -1,
        maxMsgs: p.maxMsgs ?? -1,
        discard: p.discard ?? "old",
        duplicateWindowSeconds: p.duplicateWindowSeconds ?? 120,
    };
}

function kvDefaults(p: NatsKeyValueProps) {
    return {
        bucket: p.bucket,
        description: p.description ?? "",
        history: p.history ?? 1,
        ttlSeconds: p.ttlSeconds ?? 0,
        replicas: p.replicas ?? 1,
        storage: p.storage ?? "file",
        maxBytes: p.maxBytes ?? -1,
    };
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

function diffProps(olds: object, news: object, replaceKeys: string[], updateKeys: string[]): NatsDiff {
    const d = diffKeys(olds, news, replaceKeys, [...updateKeys, ...CONNECTION_KEYS], sameValue);
    return { changes: changesOf(d), replaces: d.replaces, updates: d.updates, unknowns: d.unknowns, deleteBeforeReplace: d.replaces.length > 0 };
}

/** Diff of two stream states, defaults applied (so an omitted default is not a change). */
export function diffNatsStream(olds: NatsStreamProps, news: NatsStreamProps): NatsDiff {
    return diffProps({ ...streamDefaults(olds), connection: olds.connection }, { ...streamDefaults(news), connection: news.connection }, STREAM_REPLACE_KEYS, STREAM_UPDATE_KEYS);
}

export function diffNatsKeyValue(olds: NatsKeyValueProps, news: NatsKeyValueProps): NatsDiff {
    return diffProps({ ...kvDefaults(olds), connection: olds.connection }, { ...kvDefaults(news), connection: news.connection }, KV_REPLACE_KEYS, KV_UPDATE_KEYS);
}

const ASSET_NAME = /^[A-Za-z0-9_-]+$/;

type Failure = { property: string; reason: string };

/**
 * Each rule runs only on a known value: during a preview any input may be the unknown sentinel
 * (components/dynamic/unknowns.ts), and `pulumi up` checks again once it is known.
 */
function checkServers(p: { connection?: NatsConnectionArgs }, f: Failure[]): void {
    const servers = valueAtPath(p, "connection.servers");
    if (isUnknown(servers)) return;
    if (!Array.isArray(servers) || servers.length === 0) f.push({ property: "connection.servers", reason: "at least one server URL is required" });
}

function checkReplicas(replicas: unknown, f: Failure[]): void {
    if (isUnknown(replicas)) return;
    const r = replicas ?? 1;
    if (!(Number.isInteger(r) && (r as number) >= 1 && (r as number) <= 5)) f.push({ property: "replicas", reason: "replicas must be 1..5" });
}

/** Input check shared by `check` and tests: returns failures naming the property. */
export function checkNatsStream(p: NatsStreamProps): Failure[] {
    const f: Failure[] = [];
    if (!isUnknown(p.name) && !ASSET_NAME.test(p.name ?? "")) f.push({ property: "name", reason: `stream name '${p.name}' must match ${ASSET_NAME}` });
    if (!containsUnknown(p.subjects) && (!Array.isArray(p.subjects) || p.subjects.length === 0)) f.push({ property: "subjects", reason: "at least one subject is required" });
    checkReplicas(p.replicas, f);
    checkServers(p, f);
    return f;
}

export function checkNatsKeyValue(p: NatsKeyValueProps): Failure[] {
    const f: Failure[] = [];
    if (!isUnknown(p.bucket) && !ASSET_NAME.test(p.bucket ?? "")) f.push({ property: "bucket", reason: `bucket name '${p.bucket}' must match ${ASSET_NAME}` });
    if (!isUnknown(p.history)) {
        const h = p.history ?? 1;
        if (!(Number.isInteger(h) && h >= 1 && h <= 64)) f.push({ property: "history", reason: "history must be 1..64" });
    }
    checkReplicas(p.replicas, f);
    checkServers(p, f);
    return f;
}

// ---- server calls (client required at run time, one connection per operation) ----

/**
 * How long a call waits for JetStream to answer before it fails. The core's containers are created
 * without waiting for health (a lone core server's /healthz fails until the meta group has a
 * quorum, so `wait` would fail the first node's `up`), so the stack that completes the core sends
 * its first request while the servers are still starting and electing a meta leader: seconds.
 */
const JETSTREAM_READY_WITHIN_MS = 60_000;
const JETSTREAM_RETRY_EVERY_MS = 2_000;

/* eslint-disable @typescript-eslint/no-require-imports */
async function withJsm<T>(connection: NatsConnectionArgs, fn: (jsm: any, nc: any) => Promise<T>): Promise<T> {
    const { connect } = require("@nats-io/transport-node");
    const { jetstreamManager } = require("@nats-io/jetstream");
    const timeout = connection.timeoutMs ?? 10_000;
    const deadline = Date.now() + JETSTREAM_READY_WITHIN_MS;
    for (;;) {
        let nc: any;
        let jsm: any;
        try {
            nc = await connect({
                servers: connection.servers,
                user: connection.user,
                pass: connection.password,
                name: "daarion-pulumi-jetstream-provider",
                timeout,
                maxReconnectAttempts: 2,
            });
            jsm = await jetstreamManager(nc, { domain: connection.domain, timeout });
        } catch (err) {
            await nc?.close().catch(() => undefined);
            // A refused login never heals by waiting.
            if (Date.now() + JETSTREAM_RETRY_EVERY_MS < deadline && !/authorization/i.test((err as Error).message)) {
                await new Promise((resolve) => setTimeout(resolve, JETSTREAM_RETRY_EVERY_MS));
                continue;
            }
            // The usual cause on a first deployment: the primary's stack runs before the other core
            // nodes exist, so the JetStream meta group has no quorum and nobody answers.
            throw new Error(
                `JetStream${connection.domain ? ` domain '${connection.domain}'` : ""} did not answer via ${connection.servers.join(", ")} within ${JETSTREAM_READY_WITHIN_MS / 1000} s: ${(err as Error).message}. ` +
                    "A multi-server core has no meta leader until a majority of its servers run: deploy the other core nodes' stacks, then re-run `pulumi up` on the primary's stack.",
            );
        }
        try {
            return await fn(jsm, nc);
        } finally {
            await nc.close();
        }
    }
}

function isNotFound(err: unknown): boolean {
    const e = err as { code?: number; message?: string; apiError?: () => { err_code?: number } };
    const errCode = typeof e?.apiError === "function" ? e.apiError().err_code : undefined;
    return errCode === 10059 || /stream not found/i.test(e?.message ?? "");
}

function streamConfig(p: NatsStreamProps): Record<string, unknown> {
    const d = streamDefaults(p);
    return {
        name: d.name,
        subjects: d.subjects,
        description: d.description === "" ? undefined : d.description,
        storage: d.storage,
        retention: d.retention,
        num_replicas: d.replicas,
        max_age: d.maxAgeSeconds * NS_PER_SECOND,
        max_bytes: d.maxBytes,
        max_msgs: d.maxMsgs,
        discard: d.discard,
        duplicate_window: d.duplicateWindowSeconds * NS_PER_SECOND,
    };
}

function streamPropsFromConfig(connection: NatsConnectionArgs, c: any): NatsStreamProps {
    return {
        connection,
        name: c.name,
        subjects: [...(c.subjects ?? [])],
        description: c.description ?? "",
        storage: c.storage,
        retention: c.retention,
        replicas: c.num_replicas,
        maxAgeSeconds: Math.round((c.max_age ?? 0) / NS_PER_SECOND),
        maxBytes: c.max_bytes,
        maxMsgs: c.max_msgs,
        discard: c.discard,
        duplicateWindowSeconds: Math.round((c.duplicate_window ?? 0) / NS_PER_SECOND),
    };
}

/** Creates the stream. An existing stream with the same config is adopted; a different one fails loudly. */
export async function createNatsStream(p: NatsStreamProps): Promise<NatsStreamProps> {
    return withJsm(p.connection, async (jsm) => {
        const info = await jsm.streams.add(streamConfig(p));
        return streamPropsFromConfig(p.connection, info.config);
    });
}

export async function readNatsStream(connection: NatsConnectionArgs, name: string): Promise<NatsStreamProps | undefined> {
    return withJsm(connection, async (jsm) => {
        try {
            const info = await jsm.streams.info(name);
            return streamPropsFromConfig(connection, info.config);
        } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
        }
    });
}

export async function updateNatsStream(olds: NatsStreamProps, news: NatsStreamProps): Promise<NatsStreamProps> {
    const d = diffNatsStream(olds, news);
    if (d.replaces.length > 0) throw new Error(`stream '${news.name}': ${d.replaces.join(", ")} cannot be updated in place (replace required)`);
    if (!d.updates.some((k) => !k.startsWith("connection."))) return { ...news };
    return withJsm(news.connection, async (jsm) => {
        const current = (await jsm.streams.info(olds.name)).config;
        const info = await jsm.streams.update(olds.name, { ...current, ...streamConfig(news) });
        return streamPropsFromConfig(news.connection, info.config);
    });
}

/** Deletes the stream; already gone counts as deleted. */
export async function deleteNatsStream(p: NatsStreamProps): Promise<void> {
    await withJsm(p.connection, async (jsm) => {
        try {
            await jsm.streams.delete(p.name);
        } catch (err) {
            if (!isNotFound(err)) throw err;
        }
    });
}

function kvStreamName(bucket: string): string {
    return `KV_${bucket}`;
}

function kvPropsFromConfig(connection: NatsConnectionArgs, c: any): NatsKeyValueProps {
    return {
        connection,
        bucket: String(c.name).replace(/^KV_/, ""),
        description: c.description ?? "",
        history: c.max_msgs_per_subject,
        ttlSeconds: Math.round((c.max_age ?? 0) / NS_PER_SECOND),
        replicas: c.num_replicas,
        storage: c.storage,
        maxBytes: c.max_bytes,
    };
}

/** Creates the bucket through `Kvm.create`, so the backing stream gets the client's KV settings. */
export async function createNatsKeyValue(p: NatsKeyValueProps): Promise<NatsKeyValueProps> {
    const { jetstream } = require("@nats-io/jetstream");
    const { Kvm } = require("@nats-io/kv");
    const d = kvDefaults(p);
    return withJsm(p.connection, async (jsm, nc) => {
        const js = jetstream(nc, { domain: p.connection.domain, timeout: p.connection.timeoutMs ?? 10_000 });
        await new Kvm(js).create(d.bucket, {
            description: d.description === "" ? undefined : d.description,
            history: d.history,
            ttl: d.ttlSeconds * 1000,
            replicas: d.replicas,
            storage: d.storage,
            max_bytes: d.maxBytes,
        });
        const info = await jsm.streams.info(kvStreamName(d.bucket));
        return kvPropsFromConfig(p.connection, info.config);
    });
}

export async function readNatsKeyValue(connection: NatsConnectionArgs, bucket: string): Promise<NatsKeyValueProps | undefined> {
    return withJsm(connection, async (jsm) => {
        try {
            return kvPropsFromConfig(connection, (await jsm.streams.info(kvStreamName(bucket))).config);
        } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
        }
    });
}

export async function updateNatsKeyValue(olds: NatsKeyValueProps, news: NatsKeyValueProps): Promise<NatsKeyValueProps> {
    const d = diffNatsKeyValue(olds, news);
    if (d.replaces.length > 0) throw new Error(`bucket '${news.bucket}': ${d.replaces.join(", ")} cannot be updated in place (replace required)`);
    if (!d.updates.some((k) => !k.startsWith("connection."))) return { ...news };
    const n = kvDefaults(news);
    return withJsm(news.connection, async (jsm) => {
        const name = kvStreamName(olds.bucket);
        const current = (await jsm.streams.info(name)).config;
        const info = await jsm.streams.update(name, {
            ...current,
            description: n.description === "" ? undefined : n.description,
            max_msgs_per_subject: n.history,
            max_age: n.ttlSeconds * NS_PER_SECOND,
            num_replicas: n.replicas,
            max_bytes: n.maxBytes,
        });
        return kvPropsFromConfig(news.connection, info.config);
    });
}

export async function deleteNatsKeyValue(p: NatsKeyValueProps): Promise<void> {
    await withJsm(p.connection, async (jsm) => {
        try {
            await jsm.streams.delete(kvStreamName(p.bucket));
        } catch (err) {
            if (!isNotFound(err)) throw err;
        }
    });
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Resource id: `<domain>/<name>` (the same stream name may exist in several domains). */
export function natsAssetId(connection: NatsConnectionArgs, name: string): string {
    return `${connection.domain ?? ""}/${name}`;
}

// ---- Pulumi dynamic providers: thin, serializable wrappers ----

export const natsStreamProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: NatsStreamProps, news: NatsStreamProps) {
        return { inputs: news, failures: checkNatsStream(news) };
    },
    async diff(_id: string, olds: NatsStreamProps, news: NatsStreamProps) {
        const d = diffNatsStream(olds, news);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    },
    async create(inputs: NatsStreamProps) {
        const outs = await createNatsStream(inputs);
        return { id: natsAssetId(inputs.connection, inputs.name), outs };
    },
    async read(id: string, props: NatsStreamProps) {
        const outs = await readNatsStream(props.connection, props.name);
        return outs ? { id, props: outs } : {};
    },
    async update(_id: string, olds: NatsStreamProps, news: NatsStreamProps) {
        return { outs: await updateNatsStream(olds, news) };
    },
    async delete(_id: string, props: NatsStreamProps) {
        await deleteNatsStream(props);
    },
};

export const natsKeyValueProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: NatsKeyValueProps, news: NatsKeyValueProps) {
        return { inputs: news, failures: checkNatsKeyValue(news) };
    },
    async diff(_id: string, olds: NatsKeyValueProps, news: NatsKeyValueProps) {
        const d = diffNatsKeyValue(olds, news);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    },
    async create(inputs: NatsKeyValueProps) {
        const outs = await createNatsKeyValue(inputs);
        return { id: natsAssetId(inputs.connection, inputs.bucket), outs };
    },
    async read(id: string, props: NatsKeyValueProps) {
        const outs = await readNatsKeyValue(props.connection, props.bucket);
        return outs ? { id, props: outs } : {};
    },
    async update(_id: string, olds: NatsKeyValueProps, news: NatsKeyValueProps) {
        return { outs: await updateNatsKeyValue(olds, news) };
    },
    async delete(_id: string, props: NatsKeyValueProps) {
        await deleteNatsKeyValue(props);
    },
};

type Inputs<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Connection inputs; the password (and therefore the whole connection) is kept secret in state. */
export type NatsConnectionInputs = Inputs<NatsConnectionArgs>;

export interface NatsStreamArgs extends Omit<Inputs<NatsStreamProps>, "connection"> {
    readonly connection: pulumi.Input<NatsConnectionInputs>;
}

export interface NatsKeyValueArgs extends Omit<Inputs<NatsKeyValueProps>, "connection"> {
    readonly connection: pulumi.Input<NatsConnectionInputs>;
}

/**
 * A JetStream stream, created in `connection.domain`. Dynamic resources must live in the
 * `pulumi-nodejs` package (the engine routes them to the dynamic provider host), so the type
 * token is `pulumi-nodejs:dynamic/nats:Stream`, the closest to `daarion:nats:Stream` Pulumi allows.
 */
export class NatsStream extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;
    public readonly subjects!: pulumi.Output<string[]>;
    public readonly replicas!: pulumi.Output<number>;

    constructor(name: string, args: NatsStreamArgs, opts?: pulumi.CustomResourceOptions) {
        super(natsStreamProvider, name, { ...args, subjects: args.subjects, replicas: args.replicas }, {
            ...opts,
            additionalSecretOutputs: ["connection"],
        }, "nats", "Stream");
    }
}

/** A JetStream KV bucket, created in `connection.domain` (`pulumi-nodejs:dynamic/nats:KeyValue`). */
export class NatsKeyValue extends pulumi.dynamic.Resource {
    public readonly bucket!: pulumi.Output<string>;
    public readonly replicas!: pulumi.Output<number>;

    constructor(name: string, args: NatsKeyValueArgs, opts?: pulumi.CustomResourceOptions) {
        super(natsKeyValueProvider, name, { ...args, replicas: args.replicas }, {
            ...opts,
            additionalSecretOutputs: ["connection"],
        }, "nats", "KeyValue");
    }
}
