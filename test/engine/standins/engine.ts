// One small generic stand-in provider (issue 15 item 2). Each provider the program uses is a DATA table
// (test/engine/standins/<name>.ts): per type token, the inputs that force replacement (each with its
// upstream source), defaults, and how the computed outputs are produced. This file turns a table into
// a `provider.Provider` for `@pulumi/pulumi/provider` `main(...)`, which the real engine loads from
// PATH as `pulumi-resource-<name>` (test/engine/bin/).
//
// What the stand-ins do NOT do: talk to any API. Docker containers are not run (no image can be
// pulled on this machine), remote.Command does not SSH anywhere, and no Hetzner, PostgreSQL or MinIO
// server is contacted. The state they return is what a real provider would store for the same inputs.
//
// Protocol facts this relies on (@pulumi/pulumi@3.248.0 node_modules/@pulumi/pulumi/provider/server.js):
// - Diff receives the old OUTPUTS (state), not the old inputs: the node provider server passes only
//   `olds` and `news` (Server.diff). Outputs here are inputs plus computed
//   values, so the old inputs are the old outputs minus the computed keys.
// - The node provider server does not implement preview for Create/Update (no `supportsPreview`
//   in its Configure response, Server.configure), so during `preview` the
//   engine never calls create and the computed outputs stay unknown, as a real provider's would.
// - Configure answers acceptSecrets: secret inputs arrive wrapped with the secret signature and are
//   returned wrapped, so they stay secret in state.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as provider from "@pulumi/pulumi/provider";
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY, unknownValue as UNKNOWN } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

/** Context a computed output is produced from. */
export interface OutputContext {
    /** Checked inputs with secrets unwrapped. */
    readonly inputs: Props;
    readonly id: string;
    /** The outputs stored before an update (undefined at create). */
    readonly olds?: Props;
}

/** A replacement rule: the upstream source, and optionally a condition (default: any change replaces). */
export type ReplaceRule = string | { readonly source: string; readonly when: (olds: Props, news: Props) => boolean };

export interface ResourceTable {
    /** Where the rules of this table come from (repo@pin:file). */
    readonly source: string;
    /** Pulumi input property -> why a change to it replaces the resource. */
    readonly replaceOn: Readonly<Record<string, ReplaceRule>>;
    /** Defaults applied in check (Terraform `Default:`), with the same source as the table. */
    readonly defaults?: Readonly<Props>;
    /** Defaults that depend on other inputs (upstream plan modifiers), applied after `defaults`. */
    readonly derive?: (inputs: Props) => Props;
    /** Inputs check requires. */
    readonly required?: readonly string[];
    /**
     * Computed outputs. An output whose key is also an input (Terraform Optional+Computed) keeps
     * the user's value when given; when the input is unset it never produces a diff.
     */
    readonly computed?: Readonly<Record<string, (ctx: OutputContext) => unknown>>;
    /** Computed outputs recomputed on every update (default: kept from the old state). */
    readonly recomputeOnUpdate?: readonly string[];
    /**
     * Values produced once at create (a generated key), merged into the outputs and passed to `id`;
     * kept from the old state on update.
     */
    readonly generate?: { readonly keys: readonly string[]; readonly make: (inputs: Props) => Props };
    /** The resource id the provider would return; `name` is the resource's name in its URN. */
    readonly id: (inputs: Props, ctx: { readonly name: string; readonly generated: Props }) => string;
    /** Extra validation in check (upstream ValidateFunc), returning failures. */
    readonly validate?: (inputs: Props) => provider.CheckFailure[];
    /**
     * Input changes that are not changes (upstream DiffSuppressFunc / a native provider skipping a
     * key); returns true when the difference between old and new values of `key` is suppressed.
     */
    readonly suppress?: (key: string, olds: Props, news: Props) => boolean;
}

export interface ProviderTable {
    /** The plugin name: the engine runs `pulumi-resource-<name>`. */
    readonly name: string;
    /** The @pulumi/<name> version in package-lock.json; the engine asks for a plugin of this version. */
    readonly version: string;
    readonly resources: Readonly<Record<string, ResourceTable>>;
}

export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Props;
        if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** Order-insensitive for object keys; null, undefined and a missing key are the same. */
function canonical(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") {
        return Object.fromEntries(
            Object.keys(v as Props)
                .filter((k) => (v as Props)[k] !== undefined && (v as Props)[k] !== null)
                .sort()
                .map((k) => [k, canonical((v as Props)[k])]),
        );
    }
    return v ?? null;
}

export function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The type token of a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function typeOf(urn: string): string {
    return urn.split("::")[2]?.split("$").pop() ?? "";
}

function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/**
 * Drift injected by a test: `DAARION_STANDIN_DRIFT` names a JSON file mapping a URN, or
 * `<type>::<name>`, to the properties `read` reports changed (a refresh then sees them), or to
 * `null` for a resource that no longer exists. Read fresh on every call, so a test can write it
 * between engine runs.
 */
export function driftFor(urn: string): Props | null | undefined {
    const file = process.env.DAARION_STANDIN_DRIFT;
    if (!file || !fs.existsSync(file)) return undefined;
    const drift = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Props | null>;
    for (const key of [urn, `${typeOf(urn)}::${nameOf(urn)}`]) if (key in drift) return drift[key];
    return undefined;
}

/**
 * What a created or deleted resource would start or stop outside the state, told to a test: with
 * `DAARION_STANDIN_HOOK` set to an http://127.0.0.1 URL, create and delete POST
 * `{op, urn, type, id, inputs}` (inputs with secrets unwrapped) and wait for the answer; a non-2xx
 * answer fails the step with its body. test/engine/containers.ts answers it and runs the servers
 * the program's containers would run (real nats-server, the Qdrant double) on loopback. Unset, the
 * stand-ins touch nothing outside the state.
 */
export async function notifyHook(op: "create" | "delete", urn: string, id: string, inputs: Props): Promise<void> {
    const url = process.env.DAARION_STANDIN_HOOK;
    if (!url) return;
    if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+\//.test(url)) throw new Error(`DAARION_STANDIN_HOOK must be an http://127.x.x.x:port/ URL, got ${url}`);
    const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ op, urn, type: typeOf(urn), id, inputs }),
        signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${op} ${urn}: ${text}`);
}

export interface DiffDetail {
    changes: boolean;
    replaces: string[];
    /** Changed keys that update in place. */
    updates: string[];
}

/** The table-driven diff, exported for the unit tests. */
export function diffProps(table: ResourceTable, oldOuts: Props, newIns: Props): DiffDetail {
    const olds = unwrapSecrets(oldOuts) as Props;
    const rawNews = newIns;
    const news = unwrapSecrets(newIns) as Props;
    const computed = new Set(Object.keys(table.computed ?? {}));
    const generated = new Set(table.generate?.keys ?? []);
    // Old inputs are the old outputs minus what the provider computed (see the header).
    const keys = new Set([...Object.keys(news), ...Object.keys(olds).filter((k) => !computed.has(k) && !generated.has(k))]);
    const replaces: string[] = [];
    const updates: string[] = [];
    for (const k of [...keys].sort()) {
        // Optional+Computed left unset: the provider's value stands, no diff (Terraform semantics).
        if (computed.has(k) && news[k] === undefined) continue;
        const unknown = containsUnknown(rawNews[k]);
        if (!unknown && sameValue(olds[k], news[k])) continue;
        if (!unknown && table.suppress?.(k, olds, news)) continue;
        const rule = table.replaceOn[k];
        const replacing = rule !== undefined && (typeof rule === "string" || unknown || rule.when(olds, news));
        (replacing ? replaces : updates).push(k);
    }
    return { changes: replaces.length + updates.length > 0, replaces, updates };
}

function tableFor(t: ProviderTable, urn: string): ResourceTable {
    const table = t.resources[typeOf(urn)];
    if (!table) throw new Error(`stand-in ${t.name} provider: no table for type ${typeOf(urn)} (${urn}); add it to test/engine/standins/${t.name}.ts`);
    return table;
}

function computeOutputs(table: ResourceTable, inputs: Props, id: string, olds?: Props, only?: readonly string[]): Props {
    const plain = unwrapSecrets(inputs) as Props;
    const out: Props = {};
    for (const [k, produce] of Object.entries(table.computed ?? {})) {
        if (only && !only.includes(k)) continue;
        // An Optional+Computed input the user set is the output.
        if (inputs[k] !== undefined) continue;
        out[k] = produce({ inputs: plain, id, olds });
    }
    return out;
}

/** Builds the provider served to the engine from a table. */
export function standinProvider(t: ProviderTable): provider.Provider {
    return {
        version: t.version,

        async check(urn, _olds, news) {
            const table = tableFor(t, urn);
            const inputs: Props = { ...(news as Props) };
            for (const [k, d] of Object.entries(table.defaults ?? {})) if (inputs[k] === undefined) inputs[k] = d;
            Object.assign(inputs, table.derive?.(inputs));
            const failures: provider.CheckFailure[] = [];
            for (const k of table.required ?? []) {
                if (inputs[k] === undefined) failures.push({ property: k, reason: `Missing required argument: ${k}` });
            }
            failures.push(...(table.validate?.(unwrapSecrets(inputs) as Props) ?? []));
            return { inputs, failures };
        },

        async diff(_id, urn, olds, news) {
            const d = diffProps(tableFor(t, urn), olds as Props, news as Props);
            return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
        },

        async create(urn, inputs) {
            const table = tableFor(t, urn);
            const plain = unwrapSecrets(inputs) as Props;
            const generated = table.generate?.make(plain) ?? {};
            const id = table.id(plain, { name: nameOf(urn), generated });
            await notifyHook("create", urn, id, plain);
            return { id, outs: { ...(inputs as Props), ...computeOutputs(table, inputs as Props, id), ...generated } };
        },

        async read(id, urn, props) {
            const drift = driftFor(urn);
            // No id: the resource is gone; the engine then plans its delete on refresh (shown in
            // test/engine/standin-engine.test.ts).
            if (drift === null) return { id: "", props: {} };
            return { id, props: { ...(props as Props), ...(drift ?? {}) } };
        },

        async update(id, urn, olds, news) {
            const table = tableFor(t, urn);
            const o = olds as Props;
            const kept: Props = {};
            for (const k of Object.keys(table.computed ?? {})) if (o[k] !== undefined) kept[k] = o[k];
            // Generated values (a key) are never regenerated in place: only a replacement does.
            const generated: Props = {};
            for (const k of table.generate?.keys ?? []) if (o[k] !== undefined) generated[k] = o[k];
            const fresh = computeOutputs(table, news as Props, id, unwrapSecrets(o) as Props, table.recomputeOnUpdate ?? []);
            return { outs: { ...kept, ...(news as Props), ...fresh, ...generated } };
        },

        // Nothing exists outside the state (unless a test's hook runs it); protect and retainOnDelete
        // are the engine's business: the engine never calls delete for a retained resource.
        async delete(id, urn, props) {
            await notifyHook("delete", urn, id, unwrapSecrets(props) as Props);
        },
    };
}

/** Serves a table as the plugin process (called from the table's module when run as the plugin). */
export function serve(t: ProviderTable): void {
    provider.main(standinProvider(t), process.argv.slice(2)).catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}

// Helpers for computed outputs.

/** A Hetzner-style numeric id (hcloud ids are int64, stored as decimal strings by the bridge). */
export const numericId = (): string => String(crypto.randomInt(1_000_000, 2 ** 31 - 1));
/** A Docker-style 64-hex-digit object id. */
export const hexId = (bytes = 32): string => crypto.randomBytes(bytes).toString("hex");
