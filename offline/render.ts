/**
 * Offline render: evaluate index.ts for one stack under Pulumi's mock runtime, with no cloud
 * account and no Pulumi CLI, and return every resource it declares (like `helm template`).
 *
 * Config comes from Pulumi.yaml and Pulumi.<stack>.yaml exactly as the CLI would read it;
 * `secure:` values and generated passwords become placeholders, so nothing real is ever rendered.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { loadConfig, rawConfigOf } from "../stacks/config";
import { MODULES } from "../stacks/modules";
import { secretCatalogue } from "../stacks/program";

/** Pulumi's wire marker of a secret value (runtime/rpc.ts specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
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

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

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
        throw new RenderError(`no stack file Pulumi.${stack}.yaml (stacks: ${known.join(", ")})`);
    }
    const project = parse(fs.readFileSync(projectFile, "utf8")) as { name: string; config?: Record<string, unknown> };
    const stackDoc = (parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
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

/** Outputs a provider would compute, made deterministic for review and tests. */
function fakeState(type: string, name: string, inputs: Record<string, unknown>, stackOutputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: pulumi.secret(placeholderFor(name)) } as Record<string, unknown>;
        case "hcloud:index/server:Server": {
            const n = 10 + (Array.from(name).reduce((a, c) => a + c.charCodeAt(0), 0) % 200);
            // Documentation range (RFC 5737): never a real host.
            return { ...inputs, ipv4Address: `203.0.113.${n}`, ipv6Address: `2001:db8::${n}`, status: "running" };
        }
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: fakeDigest(String(inputs.name)), repoDigest: String(inputs.name) };
        case "docker:index/image:Image":
            return { ...inputs, repoDigest: `${String(inputs.imageName)}@${fakeDigest(String(inputs.imageName))}` };
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
function addStackSecretPlaceholders(stack: string, config: Record<string, unknown>): void {
    let parsed;
    try {
        parsed = loadConfig(stack, rawConfigOf(config));
    } catch {
        return; // the program reports invalid config itself, every key named
    }
    const t = parsed.topology;
    const nodes = parsed.settings.node === "all" ? Object.keys(t.nodes) : [parsed.settings.node];
    const needed = new Set(MODULES.flatMap((m) => nodes.flatMap((n) => m.requiredStackSecrets?.(t, n) ?? [])));
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

    const evaluation = await evaluateUnderMocks({ project, stack, config: runtimeConfig, secretKeys, stackReferenceOutputs: ownerOutputs }, () => {
        const entry = path.join(projectDir, "index.ts");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        return program();
    });
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

/**
 * Run `program` as a Pulumi program under mocks, recording every resource with its parent and
 * options. Unit tests use it directly to evaluate one component; renderStack uses it for index.ts.
 * The mock runtime is process-global: never run two evaluations at once.
 */
export async function evaluateUnderMocks(settings: MockSettings, program: () => Promise<unknown> | unknown): Promise<Evaluation> {
    const { project, stack } = settings;
    const ownerOutputs = settings.stackReferenceOutputs ?? {};
    const resources: RecordedResource[] = [];
    const parents = new Map<string, { parent: string | null; options: Record<string, unknown> }>();
    const warnings: string[] = [];
    counter = 0;

    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const meta = parents.get(`${args.type}::${args.name}`) ?? { parent: null, options: {} };
                const id = fakeId(args.type, args.name);
                const record: RecordedResource = { id, type: args.type, name: args.name, parent: meta.parent, custom: args.custom ?? true, inputs: args.inputs, options: meta.options };
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
    pulumi.runtime.setAllConfig(settings.config ?? {}, settings.secretKeys ?? []);
    const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

    const originalWarn = pulumi.log.warn;
    (pulumi.log as { warn: (msg: string) => Promise<void> }).warn = async (msg: string) => {
        warnings.push(msg);
    };
    let outputs: Record<string, unknown> = {};
    try {
        let raw: unknown;
        await stackModule.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                const parent = args.opts.parent as (pulumi.Resource & { __name?: string }) | undefined;
                const o = args.opts as pulumi.CustomResourceOptions;
                parents.set(`${args.type}::${args.name}`, {
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
        const message = err instanceof Error ? err.message : String(err);
        throw new RenderError(message.replace(/^Running program .* failed with an unhandled exception:\s*/s, ""));
    } finally {
        (pulumi.log as { warn: typeof originalWarn }).warn = originalWarn;
    }
    return { resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs, warnings };
}
