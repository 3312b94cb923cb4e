/**
 * A small Pulumi engine for the rehearsal: runs index.ts for one stack under Pulumi's mocks the
 * way `pulumi preview` / `pulumi up` would, with state carried between steps and between stacks,
 * and a model of what exists on the servers (the "world"). Modelled behaviours, each named:
 *
 * - PREVIEW_UNKNOWNS: in a preview, outputs of resources not yet created (or being replaced) are
 *   unknown (`setMocks(..., preview = true)`; rpc.ts resolveProperties marks absent keys unknown).
 * - OUTPUTS_OF_A_FAILED_UPDATE: a failed update keeps the resources it created and writes every
 *   exported value that resolved (one depending on a failed resource is left out); outputs it did
 *   not register stay as they were (pulumi/pulumi#15754, in v3.248.0). Measured on the real engine:
 *   test/engine/flows.test.ts "stack outputs after a failed update" (the earlier model, "no outputs
 *   after a failed update", cited pulumi/pulumi#16289 and was wrong for this engine).
 * - STACK_REFERENCE_REQUIRES_OUTPUT: `requireOutput` of a missing output fails the program
 *   (@pulumi/pulumi stackReference.ts: "Required output ... does not exist").
 * - PROTECT: a protected resource is neither deleted nor replaced; the step fails
 *   (www.pulumi.com/docs/iac/concepts/options/protect/). The protect flag of a resource being
 *   deleted is the one in state: the program no longer declares it.
 * - RETAIN_ON_DELETE: the resource leaves the state, the server keeps the object
 *   (www.pulumi.com/docs/iac/concepts/options/retainondelete/).
 * - CREATE_BEFORE_DELETE: a replacement creates the new object first unless `deleteBeforeReplace`
 *   (option or the provider's diff) (www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/).
 * - PLAN: create / update / replace / delete / same from diffing the program's resources against the
 *   state, with the per-type rules and dynamic providers' diffs of engine-rules.ts.
 * - NAME_COLLISION: creating an object whose server-side name exists fails unless the server adopts it
 *   (engine-rules.ts SERVER_NAME).
 * - JETSTREAM_QUORUM: a JetStream stream/KV is created only when the meta group of its cluster has a
 *   quorum (more than half its configured servers running) and `replicas` servers run
 *   (docs.nats.io running-a-nats-service/configuration/clustering/jetstream_clustering: RAFT
 *   meta group needs a quorum; nats-server errors.json JSClusterNotAvailErr 10008,
 *   JSInsufficientResourcesErr 10023). STOOD IN: no nats-server runs here; the check is this model.
 * - QDRANT_PLACEMENT: a collection is created on the peers that run; replicas beyond them are
 *   reported as `missingReplicas` (components/qdrant/collection.ts createCollection). STOOD IN.
 * - HCLOUD_DELETE_PROTECTION: the Hetzner API refuses to delete a server whose delete protection is
 *   on (docs.hetzner.cloud, Server Actions "Change Server Protection"; issue 11 finding 7).
 * Dynamic providers are not run: their create/update is stood in by the two rules above, their diff
 * is their own function (engine-rules.ts DYNAMIC_DIFF). Live servers take part nowhere here.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope } from "../../components/secrets/signature";
import { readStackConfig } from "../../offline/render";
import { changedKeys, DYNAMIC_DIFF, replacingKeys, SERVER_NAME } from "./engine-rules";
import { fakeState } from "../../offline/render";

/** What the dynamic-provider host passes for an unknown value (pulumi/pulumi#6310; components/dynamic/unknowns.ts). */
import { UNKNOWN } from "../../components/dynamic/unknowns";
export { UNKNOWN };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OUTPUT_UNKNOWN = (require("@pulumi/pulumi/output") as { unknown: unknown }).unknown;

export type Op = "create" | "update" | "replace" | "delete" | "same";
export interface PlanEntry { readonly op: Op; readonly type: string; readonly name: string; readonly keys: readonly string[]; readonly protect: boolean }
export interface StepResult { readonly stack: string; readonly mode: "preview" | "up"; readonly ok: boolean; readonly error?: string; readonly plan: PlanEntry[] }
export interface Stored {
    type: string; name: string; id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown>;
    protect: boolean; retainOnDelete: boolean; deleteBeforeReplace: boolean; ignoreChanges: string[]; scope: string; stack: string;
}
/** An object on a server: a container, a volume, a database, a stream... */
export interface WorldObject { type: string; serverName: string; scope: string; stack: string; labels: Record<string, string>; props: Record<string, unknown> }
interface StackState { resources: Map<string, Stored>; outputs?: Record<string, unknown>; secretOutputs: string[] }

export interface PlatformOptions {
    readonly projectDir?: string;
    /** Edit a stack's config before a step (a PR's change). */
    editConfig?: (stack: string, config: Record<string, unknown>) => void;
    /** `daarion:secrets` the operator set with `pulumi config set --secret` (TLS certificates). */
    readonly stackSecrets?: (stack: string) => Record<string, string>;
    /** A provider error for this create (tests of the engine's failure behaviour). */
    failCreate?: (type: string, name: string) => string | undefined;
}

export interface StepOptions {
    /** `pulumi up --replace <urn>`: resource names to replace although nothing changed. */
    readonly replace?: readonly string[];
    /** Mutation for tests: declare these resources without `deleteBeforeReplace`. */
    readonly withoutDeleteBeforeReplace?: readonly string[];
}

const keyOf = (type: string, name: string) => `${type}::${name}`;
const isSecret = isSecretEnvelope;
export function reveal(v: unknown): unknown {
    if (isSecret(v)) return reveal(v.value);
    if (v === OUTPUT_UNKNOWN) return UNKNOWN;
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}
/** docker labels are [{label, value}], hcloud labels a map. */
function labelsOf(inputs: Record<string, unknown>): Record<string, string> {
    const l = inputs.labels;
    if (Array.isArray(l)) return Object.fromEntries(l.filter((x) => x && typeof x === "object" && "label" in x).map((x) => [String(x.label), String(x.value)]));
    return l && typeof l === "object" ? Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)])) : {};
}

const worldKey = (o: { type: string; scope: string; serverName: string }) => `${o.type}|${o.scope}|${o.serverName}`;
const serverNameOf = (r: { type: string; name: string; inputs: Record<string, unknown> }) =>
    String(reveal(r.inputs[SERVER_NAME[r.type]?.key ?? ""] ?? r.inputs.name ?? r.inputs.bucket ?? r.name));

export class Platform {
    readonly stacks = new Map<string, StackState>();
    /** Objects on the servers, keyed `type|scope|serverName`. */
    readonly world = new Map<string, WorldObject>();
    private serial = 0;
    constructor(readonly options: PlatformOptions = {}) {}

    state(stack: string): StackState {
        let s = this.stacks.get(stack);
        if (!s) this.stacks.set(stack, (s = { resources: new Map(), secretOutputs: [] }));
        return s;
    }
    preview(stack: string, opts: StepOptions = {}): Promise<StepResult> { return this.step(stack, "preview", opts); }
    up(stack: string, opts: StepOptions = {}): Promise<StepResult> { return this.step(stack, "up", opts); }
    worldOf(type: string): WorldObject[] { return [...this.world.values()].filter((o) => o.type === type); }

    /** Delete the server-side object of a resource (HCLOUD_DELETE_PROTECTION applies). */
    removeObject(s: Stored): void {
        const o = this.world.get(worldKey({ type: s.type, scope: s.scope, serverName: serverNameOf(s) }));
        if (o && s.type === "hcloud:index/server:Server" && o.props.deleteProtection === true) {
            throw new Error(`hcloud: server '${o.serverName}' is delete-protected (protected)`);
        }
        if (o) this.world.delete(worldKey(o));
    }

    private async step(stack: string, mode: "preview" | "up", stepOptions: StepOptions): Promise<StepResult> {
        const projectDir = this.options.projectDir ?? path.resolve(__dirname, "..", "..");
        const { project, config } = readStackConfig(projectDir, stack);
        const plan: PlanEntry[] = [];
        // The CLI decrypts every `secure:` value before the program runs; a slot that is not a
        // ciphertext of the stack's secrets provider fails here (issue 11 finding 8).
        const undecryptable = Object.entries(config).filter(([, v]) => JSON.stringify(v ?? null).includes('"secure":'));
        if (undecryptable.length > 0) return { stack, mode, ok: false, plan, error: `failed to decrypt config ${undecryptable.map(([k]) => k).join(", ")}` };
        const secrets = this.options.stackSecrets?.(stack);
        if (secrets) config["daarion:secrets"] = secrets;
        this.options.editConfig?.(stack, config);
        const topology = config["daarion:topology"] as { replication: { nats: { clusters: { nodes: string[]; jetstream?: { domain?: string } }[] } } };

        const old = this.state(stack);
        const next = new Map(old.resources); // what the state becomes as steps apply
        const seen = new Set<string>();
        const options = new Map<string, pulumi.CustomResourceOptions>();
        const providerInputs = new Map<string, Record<string, unknown>>();
        const dryRun = mode === "preview";
        const failures: string[] = [];
        // The engine stops the program at the first failed step (the update is cancelled).
        let stopProgram: (reason: unknown) => void = () => undefined;
        /** What the program returned (its stack outputs), once it returned. */
        let programResultOf: () => unknown = () => undefined;

        const scopeOf = (type: string, provider: string | undefined): string => {
            if (type.startsWith("hcloud:")) return "hcloud-project";
            const p = provider ? providerInputs.get(provider.split("::")[3] ?? "") : undefined;
            return p ? String(reveal(p.host ?? p.minioServer ?? "") ) + (p.port ? `:${String(p.port)}` : "") : `${stack}:default`;
        };
        const removeFromWorld = (s: Stored) => this.removeObject(s);
        const addToWorld = (s: Stored) => {
            const o: WorldObject = { type: s.type, serverName: serverNameOf(s), scope: s.scope, stack, labels: labelsOf(s.inputs), props: reveal(s.inputs) as Record<string, unknown> };
            const rule = SERVER_NAME[s.type];
            const existing = this.world.get(worldKey(o));
            if (existing && rule && !rule.adopts) throw new Error(`${s.type} '${o.serverName}' already exists on ${o.scope} (${rule.source})`);
            if (existing) return; // adopted, old data and all
            this.world.set(worldKey(o), o);
        };
        const running = (service: string, nodes: readonly string[]) =>
            new Set(this.worldOf("docker:index/container:Container").filter((c) => c.labels["daarion.service"] === service && nodes.includes(c.labels["daarion.node"] ?? "")).map((c) => c.labels["daarion.node"]));
        /** Stand-ins for the dynamic providers' create against servers that may not run yet. */
        const dynamicCreate = (type: string, props: Record<string, unknown>): Record<string, unknown> => {
            if (type.startsWith("pulumi-nodejs:dynamic/nats:")) {
                const conn = props.connection as { domain?: string };
                const cluster = topology.replication.nats.clusters.find((c) => (c.jetstream?.domain ?? "") === (conn.domain ?? ""));
                const up = cluster ? running("nats", cluster.nodes).size : 0;
                const size = cluster?.nodes.length ?? 0;
                const name = String(props.name ?? props.bucket);
                if (up <= size / 2) throw new Error(`JetStream ${name}: jetstream cluster not available (10008): ${up} of ${size} meta-group servers run`);
                if (Number(props.replicas ?? 1) > up) throw new Error(`JetStream ${name}: insufficient resources (10023): R${String(props.replicas)} with ${up} servers`);
                return props;
            }
            if (type === "pulumi-nodejs:dynamic/qdrant:Collection") {
                const peers = running("qdrant", Object.keys((config["daarion:topology"] as { nodes: Record<string, unknown> }).nodes)).size;
                const rf = Number(props.replicationFactor);
                return { ...props, missingReplicas: Number(props.shardNumber) * Math.max(0, rf - peers) };
            }
            return props;
        };
        const computed = (type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> => {
            this.serial += 1;
            switch (type) {
                case "random:index/randomPassword:RandomPassword": return { ...inputs, result: pulumi.secret(`pw-${name}-${this.serial}`) };
                case "hcloud:index/server:Server": return { ...inputs, ipv4Address: `203.0.113.${10 + (this.serial % 200)}`, status: "running" };
                case "docker:index/remoteImage:RemoteImage": return { ...inputs, imageId: `sha256:${String(inputs.name).length}`, repoDigest: String(inputs.name) };
                case "docker:index/image:Image": return { ...inputs, repoDigest: `${String(inputs.imageName)}@sha256:0` };
                // A real ED25519 key per name, as the offline render makes it (the host key is pinned from it).
                case "tls:index/privateKey:PrivateKey": return fakeState(type, name, inputs, {});
                default: return type.startsWith("pulumi-nodejs:dynamic/") ? dynamicCreate(type, reveal(inputs) as Record<string, unknown>) : { ...inputs };
            }
        };

        await pulumi.runtime.setMocks(
            {
                newResource: (args: pulumi.runtime.MockResourceArgs) => {
                    try {
                        return register(args);
                    } catch (err) {
                        // A failed resource step fails the update even when nothing awaits its outputs.
                        failures.push(err instanceof Error ? err.message : String(err));
                        stopProgram(new Error(failures.join("; ")));
                        throw err;
                    }
                },
                call: (args: pulumi.runtime.MockCallArgs) => { throw new Error(`no mock for invoke ${args.token}`); },
            },
            project, stack, dryRun,
        );
        const register = (args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } => {
            const { type, name, inputs } = args;
            if (type === "pulumi:pulumi:StackReference") {
                // STACK_REFERENCE_REQUIRES_OUTPUT: only what a successful update exported.
                const ref = this.stacks.get(String(inputs.name).split("/").pop()!);
                return { id: String(inputs.name), state: { ...inputs, outputs: ref?.outputs ?? {}, secretOutputNames: ref?.secretOutputs ?? [] } };
            }
            if (type.startsWith("pulumi:providers:")) providerInputs.set(name, inputs);
            if (!args.custom) return { id: undefined, state: {} };
            const key = keyOf(type, name);
            seen.add(key);
            const o = options.get(key) ?? {};
            const stored = old.resources.get(key);
            const mine: Stored = {
                type, name, id: stored?.id ?? "", inputs, outputs: {}, protect: !!o.protect, retainOnDelete: !!o.retainOnDelete,
                deleteBeforeReplace: !!o.deleteBeforeReplace && !stepOptions.withoutDeleteBeforeReplace?.includes(name), ignoreChanges: o.ignoreChanges ?? [], scope: scopeOf(type, args.provider), stack,
            };
            let op: Op = "create";
            let keys: string[] = [];
            if (stored) {
                const changed = changedKeys(reveal(stored.inputs) as Record<string, unknown>, reveal(inputs) as Record<string, unknown>, mine.ignoreChanges);
                const dynamic = DYNAMIC_DIFF[type];
                if (dynamic) {
                    const d = dynamic(reveal(stored.outputs) as Record<string, unknown>, reveal(inputs) as Record<string, unknown>);
                    op = d.replaces.length > 0 ? "replace" : d.changes ? "update" : "same";
                    keys = d.replaces.length > 0 ? [...d.replaces] : changed;
                    mine.deleteBeforeReplace ||= d.deleteBeforeReplace;
                } else {
                    const replaces = stepOptions.replace?.includes(name) ? ["--replace"] : replacingKeys(type, changed);
                    op = replaces.length > 0 ? "replace" : changed.length > 0 ? "update" : "same";
                    keys = replaces.length > 0 ? replaces : changed;
                }
            }
            const protect = mine.protect || !!stored?.protect;
            plan.push({ op, type, name, keys, protect });
            if (op === "replace" && protect) {
                throw new Error(`unable to replace resource ${name} (${type}) as it is currently marked for protection; changed: ${keys.join(", ")}`);
            }
            if (op === "same") { next.set(key, { ...mine, id: stored!.id, outputs: stored!.outputs }); return { id: stored!.id, state: stored!.outputs }; }
            if (op === "update") {
                const outputs = { ...stored!.outputs, ...(type.startsWith("pulumi-nodejs:dynamic/") && !dryRun ? computed(type, name, inputs) : inputs) };
                if (!dryRun) {
                    next.set(key, { ...mine, id: stored!.id, outputs });
                    const w = this.world.get(worldKey({ type, scope: mine.scope, serverName: serverNameOf(stored!) }));
                    if (w) Object.assign(w, { serverName: serverNameOf(mine), props: reveal(inputs) as Record<string, unknown> });
                }
                return { id: stored!.id, state: outputs };
            }
            // create or replace
            if (dryRun) return { id: undefined, state: { ...inputs } }; // PREVIEW_UNKNOWNS
            if (op === "replace" && mine.deleteBeforeReplace) removeFromWorld(stored!);
            const injected = this.options.failCreate?.(type, name);
            if (injected) throw new Error(injected);
            const outputs = computed(type, name, inputs);
            const created: Stored = { ...mine, id: `${name}-${this.serial}`, outputs };
            addToWorld(created); // CREATE_BEFORE_DELETE: the old object still exists here
            if (op === "replace" && !mine.deleteBeforeReplace) removeFromWorld(stored!);
            next.set(key, created);
            return { id: created.id, state: outputs };
        };
        const runtimeConfig: Record<string, string> = {};
        for (const [k, v] of Object.entries(config)) runtimeConfig[k] = typeof v === "string" ? v : JSON.stringify(v);
        pulumi.runtime.setAllConfig(runtimeConfig, secrets ? ["daarion:secrets"] : []);
        const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
        const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
        const warn = pulumi.log.warn;
        const logError = pulumi.log.error;
        (pulumi.log as { warn: unknown }).warn = async () => undefined;
        // An error logged by the program fails the step, as the engine fails an update with errors.
        (pulumi.log as { error: unknown }).error = async (msg: string) => stopProgram(new Error(msg));
        try {
            let raw: unknown;
            programResultOf = () => raw;
            let outputs: { values: Record<string, unknown>; secret: string[] } | undefined;
            // The nodejs language host ends the program on an unhandled rejection and reports it
            // (@pulumi/pulumi cmd/run/run.ts): a failed apply (e.g. requireOutput) fails the step.
            const rejected = new Promise<never>((_, reject) => (stopProgram = reject));
            const onRejection = (reason: unknown) => stopProgram(reason);
            process.on("unhandledRejection", onRejection);
            // Watchdog: a program whose Outputs never settle (a rejected apply nothing awaits) would
            // hang; the real language host exits with the error instead.
            const watchdog = setTimeout(() => stopProgram(new Error("the program did not finish within 60s (an Output never settled)")), 60_000);
            try {
                await Promise.race([
                    rejected,
                    (async () => {
                        await stackModule.runInPulumiStack(async () => {
                            pulumi.runtime.registerStackTransformation((a) => { options.set(keyOf(a.type, a.name), a.opts as pulumi.CustomResourceOptions); return undefined; });
                            // eslint-disable-next-line @typescript-eslint/no-require-imports
                            raw = await (require(path.join(projectDir, "index.ts")) as () => Promise<unknown>)();
                            return raw;
                        });
                        outputs = dryRun ? undefined : await resolveOutputs(raw as Record<string, unknown>);
                        await settings.waitForRPCs();
                    })(),
                ]);
            } finally {
                clearTimeout(watchdog);
                // Rejections of this program that arrive late belong to this step, not the next one.
                await new Promise((r) => setTimeout(r, 50));
                process.off("unhandledRejection", onRejection);
            }
            if (failures.length > 0) throw new Error(failures.join("; "));
            // Resources in state the program no longer declares are deleted, last created first.
            for (const [key, s] of [...old.resources].reverse()) {
                if (seen.has(key)) continue;
                plan.push({ op: "delete", type: s.type, name: s.name, keys: [], protect: s.protect });
                if (s.protect) throw new Error(`unable to delete resource ${s.name} (${s.type}): it is protected`);
                if (!dryRun) { if (!s.retainOnDelete) removeFromWorld(s); next.delete(key); }
            }
            if (!dryRun) { old.resources = next; old.outputs = outputs!.values; old.secretOutputs = outputs!.secret; }
            return { stack, mode, ok: true, plan };
        } catch (err) {
            if (!dryRun) {
                old.resources = next;
                // OUTPUTS_OF_A_FAILED_UPDATE: the exported values that resolve are written over the old outputs.
                const resolved = await resolvedOutputs(programResultOf());
                old.outputs = { ...(old.outputs ?? {}), ...resolved.values };
                old.secretOutputs = [...new Set([...old.secretOutputs.filter((k) => !(k in resolved.values)), ...resolved.secret])];
            }
            const message = err instanceof Error ? err.message : String(err);
            return { stack, mode, ok: false, plan, error: message.replace(/^Running program .* failed with an unhandled exception:\s*/s, "") };
        } finally {
            (pulumi.log as { warn: unknown }).warn = warn;
            (pulumi.log as { error: unknown }).error = logError;
        }
    }
}

/**
 * The exported values of a failed update that resolve, each on its own: one depending on a failed
 * resource rejects or never settles (the mock runtime stopped the program) and is left out.
 */
async function resolvedOutputs(raw: unknown): Promise<{ values: Record<string, unknown>; secret: string[] }> {
    const values: Record<string, unknown> = {};
    const secret: string[] = [];
    if (raw === null || typeof raw !== "object") return { values, secret };
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        let timer: NodeJS.Timeout | undefined;
        const settled = await Promise.race([
            resolveOutputs({ [k]: v }).then((r) => r, () => undefined),
            new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 1000))),
        ]);
        clearTimeout(timer);
        if (settled === undefined || !(k in settled.values)) continue;
        values[k] = settled.values[k];
        secret.push(...settled.secret);
    }
    return { values, secret };
}

/** Stack outputs as the engine stores them: plain values, with the names of secret ones. */
async function resolveOutputs(raw: Record<string, unknown>): Promise<{ values: Record<string, unknown>; secret: string[] }> {
    const values: Record<string, unknown> = {};
    const secret: string[] = [];
    const deep = async (v: unknown): Promise<{ value: unknown; secret: boolean }> => {
        if (pulumi.Output.isInstance(v)) {
            const o = v as unknown as { promise(): Promise<unknown>; isSecret: Promise<boolean> };
            const inner = await deep(await o.promise());
            return { value: inner.value, secret: (await o.isSecret) || inner.secret };
        }
        if (v instanceof Promise) return deep(await v);
        if (Array.isArray(v)) { const xs = await Promise.all(v.map(deep)); return { value: xs.map((x) => x.value), secret: xs.some((x) => x.secret) }; }
        if (v && typeof v === "object" && !(v instanceof pulumi.Resource)) {
            const xs = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await deep(x)] as const));
            return { value: Object.fromEntries(xs.map(([k, x]) => [k, x.value])), secret: xs.some(([, x]) => x.secret) };
        }
        return { value: v, secret: false };
    };
    for (const [k, v] of Object.entries(raw ?? {})) {
        const r = await deep(v);
        values[k] = r.value;
        if (r.secret) secret.push(k);
    }
    return { values, secret };
}

/** Non-empty plan entries: what `pulumi preview` would list as changes. */
export function changes(result: StepResult): PlanEntry[] {
    return result.plan.filter((p) => p.op !== "same");
}
