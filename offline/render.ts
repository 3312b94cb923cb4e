/**
 * (Over 400 lines on purpose: the mock monitor and the recording of each registration are one
 * protocol with the SDK; the config reading and writing already live elsewhere.)
 *
 * Offline render: evaluate index.ts for one stack under Pulumi's mock runtime, with no cloud
 * account and no Pulumi CLI, and return every resource it declares (like `helm template`).
 *
 * Config comes from Pulumi.yaml and Pulumi.<stack>.yaml exactly as the CLI would read it;
 * `secure:` values and generated passwords become placeholders, so nothing real is ever rendered.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig, rawConfigOf, readConfigFile, STACK_FILE_KEYS } from "../stacks/config";
import { MODULES } from "../stacks/modules";
import { requiredStackSecretKeys, secretCatalogue } from "../stacks/program";
import { isSecretEnvelope } from "../components/secrets/signature";
import { withProviderCache } from "./provider-cache";

/** Every placeholder contains this, so a leak into a non-secret input can be found by search. */
export const PLACEHOLDER_MARK = "RENDERSECRET";

export interface RecordedResource {
    /** The mock id, so references between resources (serverId, networkId) can be followed. */
    readonly id: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly custom: boolean;
    /** Inputs as the provider would receive them; secrets still wrapped (see `sanitize`). */
    readonly inputs: Record<string, unknown>;
    /** Resource options that matter for review: protect, retainOnDelete, ignoreChanges, deleteBeforeReplace. */
    readonly options: Record<string, unknown>;
    /** This resource's URN in the engine's form (`urn:pulumi:<stack>::<project>::<parent types, $-joined>$<type>::<name>`, see `recordRequests`). */
    readonly urn: string;
    /**
     * URNs of the resources this one waits for, exactly as the engine receives them: the
     * `dependencies` of its RegisterResourceRequest, sorted. @pulumi/pulumi@3.248.0
     * runtime/resource.js `prepareResource` (l. 699-711) fills it with the explicit `dependsOn`
     * resources plus every resource whose Output flows into an input (the union of
     * `propertyDependencies`), a component standing for its custom children; resource.js l. 371
     * sends it with `req.setDependenciesList`. The mock's `newResource` does not receive it
     * (runtime/mocks.js l. 90-99 passes type, name, inputs, provider, custom, id), so the render
     * reads it from the request itself (see `recordRequests`).
     */
    readonly dependencies: string[];
    /**
     * The subset of `dependencies` that carries data: URNs in the request's `propertyDependencies`
     * (resources whose Outputs flow into an input, resource.js l. 705-711 and l. 453-458). The
     * rest came from `dependsOn` alone.
     */
    readonly dataDependencies: string[];
    /** URN of the provider resource serving this one (the part before `::<id>` of the request's provider reference), if any. */
    readonly provider: string | null;
}

export interface RenderResult {
    readonly stack: string;
    /** The config the program was evaluated with (secure values as placeholders). */
    readonly config: Readonly<Record<string, unknown>>;
    readonly resources: RecordedResource[];
    /** Stack outputs, with secret outputs replaced by "[secret]". */
    readonly outputs: Record<string, unknown>;
    /** Advisory findings printed during evaluation. */
    readonly warnings: string[];
}

export interface RenderOptions {
    /** Directory holding Pulumi.yaml. @default the repository root */
    readonly projectDir?: string;
    /** Edit the parsed config before evaluation (tests use it to break things on purpose). */
    readonly editConfig?: (config: Record<string, unknown>) => void;
}

export class RenderError extends Error {}

/** A secret as the mock runtime records it (components/secrets/signature.ts). */
export const isSecretValue = isSecretEnvelope;

/** Replace every secret with "[secret]". */
export function sanitize(value: unknown): unknown {
    if (isSecretValue(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(sanitize);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitize(v)]));
    return value;
}

/** Unwrap secrets (placeholders only, in a render) to get the text a server would read. */
export function reveal(value: unknown): unknown {
    if (isSecretValue(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

/** Paths of strings that carry a secret placeholder outside a secret wrapper: a leaked credential. */
export function findLeaks(value: unknown, at = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return value.includes(PLACEHOLDER_MARK) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => findLeaks(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => findLeaks(v, at ? `${at}.${k}` : k));
    return [];
}

function placeholderFor(key: string): string {
    return `${PLACEHOLDER_MARK}-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

/** Replace `secure:` leaves with placeholders; returns the value and whether it held a secret. */
function resolveSecure(value: unknown, key: string): { value: unknown; secret: boolean } {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return { value: placeholderFor(key), secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            const r = resolveSecure(v, `${key}.${k}`);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        const items = value.map((v, i) => resolveSecure(v, `${key}[${i}]`));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value, secret: false };
}

/**
 * The config the CLI would hand the program: project-level `config:` of Pulumi.yaml (values under
 * `value:` or `default:`), overridden by the stack file's `config:`. Keys without a namespace get
 * the project's name, as the CLI does.
 */
export function readStackConfig(projectDir: string, stack: string): { project: string; config: Record<string, unknown> } {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const known = fs.readdirSync(projectDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
        throw new ConfigError(stack, [{ severity: "error", path: "", location: `Pulumi.${stack}.yaml`, message: `no such stack file (stacks: ${known.join(", ")})` }]);
    }
    // Unparsable YAML is a ConfigError naming file, line and column.
    const project = readConfigFile(projectFile, stack) as { name: string; config?: Record<string, unknown> };
    const stackDoc = readConfigFile(stackFile, stack, STACK_FILE_KEYS) as { config?: Record<string, unknown> };
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    const config: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const d = decl as Record<string, unknown> | unknown;
        if (d && typeof d === "object" && !Array.isArray(d) && ("value" in d || "default" in d || "type" in d)) {
            const o = d as Record<string, unknown>;
            if ("value" in o) config[qualify(key)] = o.value;
            else if ("default" in o) config[qualify(key)] = o.default;
        } else {
            config[qualify(key)] = d;
        }
    }
    for (const [key, value] of Object.entries(stackDoc.config ?? {})) config[qualify(key)] = value;
    return { project: project.name, config };
}

async function awaitOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown> & { isSecret: Promise<boolean>; promise(): Promise<unknown> };
        if (await o.isSecret) return "[secret]";
        return awaitOutputs(await o.promise());
    }
    if (value instanceof Promise) return awaitOutputs(await value);
    if (Array.isArray(value)) return Promise.all(value.map(awaitOutputs));
    if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await awaitOutputs(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

let counter = 0;
function fakeId(type: string, name: string): string {
    counter += 1;
    // hcloud ids are numeric in its API; the program converts them with Number().
    return type.startsWith("hcloud:") ? String(100000 + counter) : `${name}-id`;
}

function fakeDigest(seed: string): string {
    let h = 0x811c9dc5;
    for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return "sha256:" + h.toString(16).padStart(8, "0").repeat(8);
}

/**
 * A real ED25519 public key derived from the resource name (so ssh accepts it in tests), and a
 * secret placeholder for its private half.
 */
function fakeEd25519(name: string, placeholder: (key: string) => string): Record<string, unknown> {
    const seed = createHash("sha256").update(`daarion-offline-host-key:${name}`).digest();
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "jwk" });
    const field = (b: Buffer) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(b.length);
        return Buffer.concat([length, b]);
    };
    const blob = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(Buffer.from(String(jwk.x), "base64url"))]);
    const publicKeyOpenssh = `ssh-ed25519 ${blob.toString("base64")}\n`;
    return { algorithm: "ED25519", publicKeyOpenssh, privateKeyOpenssh: pulumi.secret(placeholder(name)) };
}

/**
 * Outputs a provider would compute, made deterministic for review and tests. `placeholder` names
 * the value a generated secret holds (the rehearsals use their own, findable in inputs).
 */
export function fakeState(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    stackOutputs: Record<string, unknown>,
    placeholder: (key: string) => string = placeholderFor,
): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: pulumi.secret(placeholder(name)) } as Record<string, unknown>;
        case "hcloud:index/server:Server": {
            const n = 10 + (Array.from(name).reduce((a, c) => a + c.charCodeAt(0), 0) % 200);
            // Documentation range (RFC 5737): never a real host.
            return { ...inputs, ipv4Address: `203.0.113.${n}`, ipv6Address: `2001:db8::${n}`, status: "running" };
        }
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: fakeDigest(String(inputs.name)), repoDigest: String(inputs.name) };
        case "docker:index/image:Image":
            return { ...inputs, repoDigest: `${String(inputs.imageName)}@${fakeDigest(String(inputs.imageName))}` };
        case "tls:index/privateKey:PrivateKey":
            return { ...inputs, ...fakeEd25519(name, placeholder) };
        case "pulumi:pulumi:StackReference":
            // The owner exports its shared secrets as a secret output, the rest in plain text.
            return { ...inputs, outputs: stackOutputs, secretOutputNames: ["sharedSecrets"] };
        default:
            return { ...inputs };
    }
}

/**
 * Stack secrets are set with `pulumi config set --secret`, never committed (a `secure:` slot that is
 * not a ciphertext fails the CLI: issue 11 finding 8). The render stands in a placeholder for each
 * one the stack needs, as a `secure:` leaf, so reviewers see where it goes.
 */
export function addStackSecretPlaceholders(stack: string, config: Record<string, unknown>): void {
    let parsed;
    try {
        parsed = loadConfig(stack, rawConfigOf(config));
    } catch {
        return; // the program reports invalid config itself, every key named
    }
    const t = parsed.topology;
    const nodes = parsed.settings.node === "all" ? Object.keys(t.nodes) : [parsed.settings.node];
    const needed = new Set(requiredStackSecretKeys(t, nodes, MODULES));
    const current = (config["daarion:secrets"] ?? {}) as Record<string, unknown>;
    const filled: Record<string, unknown> = { ...current };
    for (const key of needed) if (!(key in filled)) filled[key] = { secure: "offline-render-placeholder" };
    if (needed.size > 0) config["daarion:secrets"] = filled;
}

/**
 * Evaluate index.ts for `stack` under mocks. Throws RenderError with the program's message when
 * the config is invalid (the message names the file and key).
 */
export async function renderStack(stack: string, options: RenderOptions = {}): Promise<RenderResult> {
    const projectDir = options.projectDir ?? path.resolve(__dirname, "..");
    const { project, config } = readStackConfig(projectDir, stack);
    options.editConfig?.(config);
    addStackSecretPlaceholders(stack, config);

    const runtimeConfig: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        const resolved = resolveSecure(value, key);
        runtimeConfig[key] = typeof resolved.value === "string" ? resolved.value : JSON.stringify(resolved.value);
        if (resolved.secret) secretKeys.push(key);
    }

    // What a non-owner stack reads from the owner's outputs: placeholders for every shared secret.
    const ownerOutputs: Record<string, unknown> = { networkId: 4711, placementGroupId: 4712 };
    try {
        const parsed = loadConfig(stack, rawConfigOf(config));
        ownerOutputs.sharedSecrets = Object.fromEntries(secretCatalogue(parsed.topology, MODULES).map((s) => [s.name, placeholderFor(`shared-secrets-${s.name}`)]));
    } catch {
        // An invalid config is reported by the program itself below, with every key named.
    }

    // The dynamic providers' `__provider` texts come from a disk cache keyed by everything they
    // depend on (offline/provider-cache.ts): serializing them was a third of the local render.
    const evaluation = await withProviderCache(() =>
        evaluateUnderMocks({ project, stack, config: runtimeConfig, secretKeys, stackReferenceOutputs: ownerOutputs }, () => {
            const entry = path.join(projectDir, "index.ts");
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require(entry) as () => Promise<Record<string, unknown>>;
            return program();
        }),
    );
    return { stack, config, ...evaluation };
}

export interface Evaluation {
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    readonly warnings: string[];
}

export interface MockSettings {
    readonly project: string;
    readonly stack: string;
    /** Fully qualified keys (`daarion:node`) to string values (objects as JSON). */
    readonly config?: Record<string, string>;
    readonly secretKeys?: string[];
    /** What every StackReference returns as its outputs. */
    readonly stackReferenceOutputs?: Record<string, unknown>;
}

type RequestRecord = Pick<RecordedResource, "urn" | "dependencies" | "dataDependencies" | "provider">;

interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getProvider(): string;
    /** Absent on a ReadResourceRequest. */
    getPropertydependenciesMap?(): { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
type Monitor = { registerResource(req: RegisterResourceRequest, callback: Callback): unknown; readResource(req: RegisterResourceRequest, callback: Callback): unknown };

/**
 * Record, per `type::name`, the URN and the `dependencies` of every RegisterResourceRequest that
 * reaches the mock monitor set up by `setMocks` (@pulumi/pulumi@3.248.0 runtime/mocks.js l. 162
 * `setMockOptions(new MockMonitor(mocks), ...)`), before the monitor calls `newResource`.
 */
function recordRequests(into: Map<string, RequestRecord>): void {
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): Monitor | undefined };
    const monitor = settings.getMonitor();
    if (!monitor) throw new Error("offline render: setMocks installed no monitor");
    const register = monitor.registerResource.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    // The mock's URNs (runtime/mocks.js `newUrn`) carry only the immediate parent's type, the root
    // stack's included (`...::pulumi:pulumi:Stack$random:...::a`). The engine qualifies a type with
    // the whole chain of parent types and leaves the root stack out (the SDK's own `createUrn`,
    // @pulumi/pulumi@3.248.0 resource.js l. 36-60: "Don't prefix the stack type as a parent type").
    // Parents register before their children, so each mock URN maps to the engine's form here and
    // the recorded URNs match what `pulumi stack export` would show.
    const engineUrns = new Map<string, string>();
    const engineUrn = (mockUrn: string) => engineUrns.get(mockUrn) ?? mockUrn;
    const record = (req: RegisterResourceRequest): string => {
        // The URN the mock will answer with (runtime/mocks.js `newUrn`): known before newResource runs.
        const parent = req.getParent();
        const type = parent ? `${parent.split("::")[2]!.split("$").pop()}$${req.getType()}` : req.getType();
        const prefix = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::`;
        const urn = `${prefix}${type}::${req.getName()}`;
        const parentEngine = parent ? engineUrn(parent) : "";
        const parentType = parentEngine.slice(prefix.length, parentEngine.lastIndexOf("::"));
        const qualified = parent && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${req.getType()}` : req.getType();
        engineUrns.set(urn, `${prefix}${qualified}::${req.getName()}`);
        const data = new Set<string>();
        req.getPropertydependenciesMap?.().forEach((deps) => deps.getUrnsList().forEach((u) => data.add(engineUrn(u))));
        const dependencies = [...new Set(req.getDependenciesList().map(engineUrn))].sort();
        const providerRef = req.getProvider(); // "<provider urn>::<provider id>", or ""
        const provider = providerRef ? engineUrn(providerRef.slice(0, providerRef.lastIndexOf("::"))) : null;
        into.set(`${req.getType()}::${req.getName()}`, { urn: engineUrn(urn), dependencies, dataDependencies: [...data].sort(), provider });
        return urn;
    };
    const checked = (urn: string, callback: Callback): Callback => (err, resp) => {
        if (resp && resp.getUrn() !== urn) return callback(new Error(`offline render: mock URN ${resp.getUrn()} differs from the recorded ${urn}`));
        // The SDK formats every response into a debug line, `resp: ${innerResponse}`
        // (@pulumi/pulumi@3.248.0 runtime/resource.js l. 212, 484, 489), before log.debug drops it
        // (no engine under mocks: log/index.js l. 43-53). google-protobuf's Message.toString
        // renders the whole state, so that discarded text was the render's largest single cost
        // and grew with the size of each resource's state (`--cpu-prof` of the 100-node bench:
        // 8.4 s of 31 s, plus the garbage it left). The line now names the URN.
        if (resp) Object.defineProperty(resp, "toString", { value: () => `response for ${urn}` });
        return callback(err, resp);
    };
    monitor.registerResource = (req, callback) => register(req, checked(record(req), callback));
    // Reads (StackReference) go through readResource (runtime/mocks.js l. 69); their request has
    // `dependencies` but no `propertyDependencies`.
    monitor.readResource = (req, callback) => read(req, checked(record(req), callback));
}

/**
 * Run `program` as a Pulumi program under mocks, recording every resource with its parent and
 * options. Unit tests use it directly to evaluate one component; renderStack uses it for index.ts.
 * The mock runtime is process-global: never run two evaluations at once.
 */
export async function evaluateUnderMocks(settings: MockSettings, program: () => Promise<unknown> | unknown): Promise<Evaluation> {
    const { project, stack } = settings;
    const ownerOutputs = settings.stackReferenceOutputs ?? {};
    const resources: RecordedResource[] = [];
    // `declared` is the order of the resources' constructors (the stack transformation below runs
    // synchronously in each one, @pulumi/pulumi@3.248.0 resource.js l. 182-187); see the sort at the end.
    const parents = new Map<string, { parent: string | null; options: Record<string, unknown>; declared: number }>();
    const warnings: string[] = [];
    counter = 0;

    const requests = new Map<string, RequestRecord>();
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const meta = parents.get(`${args.type}::${args.name}`) ?? { parent: null, options: {}, declared: -1 };
                const request = requests.get(`${args.type}::${args.name}`) ?? { urn: "", dependencies: [], dataDependencies: [], provider: null };
                const id = fakeId(args.type, args.name);
                const record: RecordedResource = { id, type: args.type, name: args.name, parent: meta.parent, custom: args.custom ?? true, inputs: args.inputs, options: meta.options, ...request };
                resources.push(record);
                return { id, state: fakeState(args.type, args.name, args.inputs, ownerOutputs) };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`the offline render has no mock for the invoke ${args.token}`);
            },
        },
        project,
        stack,
        false,
    );
    recordRequests(requests);
    pulumi.runtime.setAllConfig(settings.config ?? {}, settings.secretKeys ?? []);
    const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

    const originalWarn = pulumi.log.warn;
    (pulumi.log as { warn: (msg: string) => Promise<void> }).warn = async (msg: string) => {
        warnings.push(msg);
    };
    let outputs: Record<string, unknown> = {};
    // Pulumi records `new Error().stack` on every promise it creates (@pulumi/pulumi@3.248.0:
    // runtime/debuggable.js:79, `_debugStackTrace`, read only by its leak report), several per
    // resource: with --cpu-prof that was a quarter of the evaluation. The render reports program
    // errors by message (RenderError), never by stack, so no frames are captured while it runs.
    // Resource.callsites (resource.js l. 311-346) lifts the limit itself: for every resource it
    // captures the whole stack and parses each frame, for the request's source position
    // (l. 283-300, shown by the engine in diagnostics). The mock monitor ignores it (runtime/mocks.js
    // l. 90-99) and the render records none, so it is skipped while the render runs: with it, 5% of
    // the 100-node bench's profile.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
    const callsites = resourceClass.callsites;
    resourceClass.callsites = () => [];
    try {
        let raw: unknown;
        await stackModule.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                const parent = args.opts.parent as (pulumi.Resource & { __name?: string }) | undefined;
                const o = args.opts as pulumi.CustomResourceOptions;
                parents.set(`${args.type}::${args.name}`, {
                    declared: parents.size,
                    parent: parent?.__name ?? null,
                    options: Object.fromEntries(
                        Object.entries({ protect: o.protect, retainOnDelete: o.retainOnDelete, ignoreChanges: o.ignoreChanges, deleteBeforeReplace: o.deleteBeforeReplace }).filter(([, v]) => v !== undefined),
                    ),
                });
                return undefined;
            });
            raw = await program();
            return raw;
        });
        outputs = (await awaitOutputs(raw)) as Record<string, unknown>;
        await runtimeSettings.waitForRPCs();
    } catch (err) {
        // A config error keeps its type, so the render CLI can exit with the config-error code.
        if (err instanceof ConfigError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        throw new RenderError(message.replace(/^Running program .* failed with an unhandled exception:\s*/s, ""));
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
        resourceClass.callsites = callsites;
        (pulumi.log as { warn: typeof originalWarn }).warn = originalWarn;
    }
    // The mock sees a resource when its inputs have resolved, an order that moves with the timing
    // of every asynchronous input (a dynamic provider's `__provider` comes from the disk cache or
    // from a serialization several hundred ms long: offline/provider-cache.ts). The render lists
    // resources in the order the program declares them, the same whatever the timing.
    const declared = (r: RecordedResource) => parents.get(`${r.type}::${r.name}`)?.declared ?? Number.MAX_SAFE_INTEGER;
    const ordered = resources.filter((r) => r.type !== "pulumi:pulumi:Stack").sort((a, b) => declared(a) - declared(b));
    return { resources: ordered, outputs, warnings };
}
