/**
 * Runs the pack's policies without the Pulumi engine, over resources recorded by the offline
 * render (offline/render.ts: `{type, name, parent, inputs, options}`), exactly through the same
 * validateResource / validateStack functions the engine calls.
 *
 * One thing the render knows that the engine never tells a policy: which inputs are secret. The
 * credential-env policy uses it here to reject credentials that would land in the state in plaintext.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, PolicyPackConfig, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isSecretEnvelope } from "../components/secrets/signature";
import { makeView, ResourceView, TYPES } from "./lib/resource";
import { daarionPolicies } from "./policies";
import { checkCredentialEnvs } from "./rules/secrets";

/** Shape of offline/render.ts's RecordedResource (kept structural: the pack imports nothing outside policy/). */
export interface RecordedResourceLike {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly inputs: Record<string, unknown>;
    readonly options: Record<string, unknown>;
    /** Provider id the mock returned, when the render records it (links attachments to servers). */
    readonly id?: string;
}

export interface OfflineViolation {
    readonly policy: string;
    readonly level: EnforcementLevel;
    readonly message: string;
    readonly urn?: string;
}

function reveal(value: unknown): unknown {
    if (isSecretEnvelope(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

/** Per-entry secretness of a container's `envs` input. */
export function envSecretness(inputs: Record<string, unknown>): boolean[] {
    const envs = inputs["envs"];
    if (isSecretEnvelope(envs)) return Array.isArray(envs.value) ? envs.value.map(() => true) : [];
    return Array.isArray(envs) ? envs.map(isSecretEnvelope) : [];
}

function urnOf(stack: string, r: RecordedResourceLike): string {
    return `urn:pulumi:${stack}::daarion::${r.type}::${r.name}`;
}

/** Scalars (numbers, strings) anywhere under each top-level input. */
function scalarsByKey(inputs: Record<string, unknown>): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const walk = (v: unknown, into: Set<string>) => {
        if (typeof v === "number" || typeof v === "string") into.add(String(v));
        else if (Array.isArray(v)) v.forEach((x) => walk(x, into));
        else if (v !== null && typeof v === "object") Object.values(v).forEach((x) => walk(x, into));
    };
    for (const [k, v] of Object.entries(inputs)) {
        const set = new Set<string>();
        walk(v, set);
        out.set(k, set);
    }
    return out;
}

/** Attachments whose link to a server the engine would know from property dependencies. */
const SERVER_LINKS: Record<string, string> = {
    [TYPES.hcloudServerNetwork]: "serverId",
    [TYPES.hcloudFirewallAttachment]: "serverIds",
    "hcloud:index/volumeAttachment:VolumeAttachment": "serverId",
};

/**
 * ResourceViews of a render. Property dependencies are rebuilt from provider ids when the render
 * records them; without ids, an attachment depends on the server declared by the same component
 * (the only way components/node declares them).
 */
export function viewsFromRecords(stack: string, records: readonly RecordedResourceLike[]): ResourceView[] {
    const urns = records.map((r) => urnOf(stack, r));
    const byId = new Map<string, string>();
    records.forEach((r, i) => r.id !== undefined && byId.set(r.id, urns[i]));
    const servers = records.map((r, i) => ({ r, urn: urns[i] })).filter((x) => x.r.type === TYPES.hcloudServer);
    return records.map((r, i) => {
        const propertyDependencies: Record<string, string[]> = {};
        if (byId.size > 0) {
            for (const [key, values] of scalarsByKey(r.inputs)) {
                const deps = [...values].map((v) => byId.get(v)).filter((u): u is string => u !== undefined && u !== urns[i]);
                if (deps.length > 0) propertyDependencies[key] = deps;
            }
        } else if (SERVER_LINKS[r.type]) {
            const sameParent = servers.filter((s) => s.r.parent !== null && s.r.parent === r.parent).map((s) => s.urn);
            if (sameParent.length > 0) propertyDependencies[SERVER_LINKS[r.type]] = sameParent;
        }
        return makeView({
            type: r.type,
            name: r.name,
            urn: urns[i],
            props: reveal(r.inputs) as Record<string, unknown>,
            protect: r.options["protect"] === true,
            ignoreChanges: Array.isArray(r.options["ignoreChanges"]) ? (r.options["ignoreChanges"] as string[]) : [],
            dependencies: [...new Set(Object.values(propertyDependencies).flat())],
            propertyDependencies,
        });
    });
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return "validateStack" in p;
}

function levelOf(p: ResourceValidationPolicy | StackValidationPolicy, config: PolicyPackConfig): EnforcementLevel {
    const c = config[p.name];
    if (typeof c === "string") return c;
    return c?.enforcementLevel ?? p.enforcementLevel ?? "advisory";
}

function configOf(name: string, config: PolicyPackConfig): object {
    const c = config[name];
    if (c === undefined || typeof c === "string") return {};
    const { enforcementLevel: _level, ...rest } = c;
    return rest;
}

function policyResource(v: ResourceView, all: Map<string, PolicyResource>): PolicyResource {
    return {
        type: v.type,
        name: v.name,
        urn: v.urn,
        props: v.props,
        opts: { protect: v.protect, ignoreChanges: [...v.ignoreChanges], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        get dependencies() {
            return v.dependencies.map((u) => all.get(u)).filter((x): x is PolicyResource => x !== undefined);
        },
        get propertyDependencies() {
            return Object.fromEntries(
                Object.entries(v.propertyDependencies).map(([k, us]) => [k, us.map((u) => all.get(u)).filter((x): x is PolicyResource => x !== undefined)]),
            );
        },
        isType: () => false,
        asType: () => undefined,
    };
}

export interface OfflineOptions {
    readonly policies?: (ResourceValidationPolicy | StackValidationPolicy)[];
    /** Same shape as `--policy-pack-config`. */
    readonly config?: PolicyPackConfig;
    /** Run resource policies (per resource). @default true */
    readonly resourcePolicies?: boolean;
    /** Run stack policies (once over all views). @default true */
    readonly stackPolicies?: boolean;
    /** Per-URN env secretness (from `envSecretness`), for the credential-env policy. */
    readonly envSecretness?: ReadonlyMap<string, readonly boolean[]>;
}

/** The committed `--policy-pack-config` of a stack (policy/config/<stack>.json), or none. */
export function packConfigFor(stack: string): PolicyPackConfig {
    const file = path.join(__dirname, "config", `${stack}.json`);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig) : {};
}

/** Every violation the pack reports for these resources, with its effective enforcement level. */
export async function runPolicies(views: readonly ResourceView[], options: OfflineOptions = {}): Promise<OfflineViolation[]> {
    const policies = options.policies ?? daarionPolicies();
    const config = options.config ?? {};
    const out: OfflineViolation[] = [];
    const notApplicable = (reason?: string): never => {
        throw new Error(`notApplicable is not supported offline (${reason ?? ""})`);
    };
    for (const p of policies) {
        const level = levelOf(p, config);
        if (level === "disabled") continue;
        const getConfig = <T extends object>() => configOf(p.name, config) as T;
        if (isStackPolicy(p)) {
            if (options.stackPolicies === false) continue;
            const all = new Map<string, PolicyResource>();
            for (const v of views) all.set(v.urn, policyResource(v, all));
            await p.validateStack({ resources: [...all.values()], stackTags: new Map(), getConfig, notApplicable }, (message, urn) =>
                out.push({ policy: p.name, level, message, urn }),
            );
            continue;
        }
        if (options.resourcePolicies === false || !p.validateResource) continue;
        const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
        for (const v of views) {
            if (p.name === "docker-credential-env" && v.type === TYPES.container && options.envSecretness?.has(v.urn)) {
                const cfg = { ...configOf(p.name, config), envIsSecret: options.envSecretness.get(v.urn) };
                for (const violation of checkCredentialEnvs(v, cfg)) out.push({ policy: p.name, level, message: violation.message, urn: v.urn });
                continue;
            }
            for (const validate of validations) {
                await validate(
                    {
                        type: v.type,
                        name: v.name,
                        urn: v.urn,
                        props: v.props,
                        opts: { protect: v.protect, ignoreChanges: [...v.ignoreChanges], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
                        stackTags: new Map(),
                        isType: () => false,
                        asType: () => undefined,
                        getConfig,
                        notApplicable,
                    },
                    (message) => out.push({ policy: p.name, level, message, urn: v.urn }),
                );
            }
        }
    }
    return out;
}

/** Render records of one stack -> violations (resource and stack policies). */
export async function checkRecordedStack(stack: string, records: readonly RecordedResourceLike[], options: Omit<OfflineOptions, "envSecretness"> = {}): Promise<OfflineViolation[]> {
    const views = viewsFromRecords(stack, records);
    const envSecretnessMap = new Map<string, boolean[]>();
    records.forEach((r, i) => r.type === TYPES.container && envSecretnessMap.set(views[i].urn, envSecretness(r.inputs)));
    return runPolicies(views, { ...options, envSecretness: envSecretnessMap });
}
