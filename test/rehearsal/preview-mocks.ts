/**
 * The program evaluated the way `pulumi preview` evaluates it: Pulumi's mock runtime in preview
 * mode, where a resource that does not exist yet has no computed outputs and no id.
 *
 * Modelled engine behaviours, each with its source (@pulumi/pulumi 3.248.0):
 * - preview: `setMocks(mocks, project, stack, true)` makes `runtime.isDryRun()` true
 *   (runtime/mocks.js `setMocks` -> settings `setMockOptions(..., preview)`);
 * - a resource not created yet: the engine answers with its inputs only. An output the answer
 *   lacks resolves as UNKNOWN during a preview (runtime/rpc.js `resolveProperties`:
 *   `resolve(undefined, !isDryRun() && !keepUnknowns)`), and an empty id is an unknown id
 *   (runtime/resource.js: `resolveID(id, id !== undefined)` with `resp.getId() || undefined`).
 *   So a not-yet-created RandomPassword has an unknown `result`, exactly as in a real preview;
 * - a resource that exists: its state, outputs known (a preview reads them from the state);
 * - a StackReference is a read, answered in a preview too with the owner's stored outputs ({} when
 *   the owner never ran; a failed update also writes the outputs that resolved, pulumi/pulumi#15754,
 *   measured in test/engine/flows.test.ts);
 * - unknown inputs reach the mocks as `pulumi.unknown` (runtime/rpc.js `deserializeProperty`:
 *   `isDryRun() || keepUnknowns ? unknown : undefined`), and the dynamic-provider host as the
 *   sentinel string (`toHostWire` converts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { loadConfig, rawConfigOf } from "../../stacks/config";
import { MODULES } from "../../stacks/modules";
import { secretCatalogue } from "../../stacks/program";
import { fakeState } from "../../offline/render";
import { isSecretEnvelope } from "../../components/secrets/signature";
import { UNKNOWN } from "./dynamic-host";
import { operatorSecrets } from "./flows";

const ROOT = path.resolve(__dirname, "../..");

export interface PreviewResource {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** Inputs as the mocks receive them: unknowns are `pulumi.unknown`, secrets wrapped. */
    readonly inputs: Record<string, unknown>;
}

export interface Scenario {
    readonly stack: string;
    /** `pulumi preview` (true) or the update of `pulumi up` (false). */
    readonly preview: boolean;
    /** Whether a resource exists in the stack's state (its outputs are known). */
    readonly exists: (type: string, name: string) => boolean;
    /** The owner stack's outputs as a StackReference reads them. */
    readonly ownerOutputs: Record<string, unknown>;
    /** Edit the parsed config (fully qualified keys) before evaluation: a PR's change. */
    readonly editConfig?: (config: Record<string, unknown>) => void;
}

export interface ScenarioResult {
    readonly resources: PreviewResource[];
    /** The program's error (thrown, or failing a resource registration), if any. */
    readonly error?: string;
}

/** The value a secret placeholder holds: letters only, so encoding (URLs, configs) keeps it findable. */
export function secretValue(resourceName: string): string {
    return `ZZ${resourceName.replace(/[^A-Za-z0-9]/g, "")}QQ`;
}

/** The generated-secret resource of a catalogue name (components/secrets: `${name}-${s.name}`). */
export function secretResourceName(secret: string): string {
    return `shared-secrets-${secret}`;
}

/** The stack's config as the CLI hands it to the program; `secure:` leaves become placeholders. */
export function stackConfig(stack: string, edit?: (config: Record<string, unknown>) => void): { project: string; config: Record<string, string>; secretKeys: string[]; raw: Record<string, unknown> } {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, { value?: unknown; default?: unknown }> };
    const doc = (parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const qualify = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
    const raw: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(project.config ?? {})) {
        if (d && typeof d === "object" && ("value" in d || "default" in d)) raw[qualify(k)] = "value" in d ? d.value : d.default;
        else raw[qualify(k)] = d;
    }
    for (const [k, v] of Object.entries(doc.config ?? {})) raw[qualify(k)] = v;
    // The stack secrets the README has the operator set, as the CLI would hand them over (secret).
    const set = Object.fromEntries(Object.keys(operatorSecrets(stack)).map((k) => [k, { secure: "operator-set" }]));
    raw[qualify("daarion:secrets")] = { ...set, ...((raw[qualify("daarion:secrets")] as Record<string, unknown> | undefined) ?? {}) };
    edit?.(raw);
    const secretKeys: string[] = [];
    const unsecure = (v: unknown, key: string): unknown => {
        if (v && typeof v === "object" && !Array.isArray(v)) {
            const o = v as Record<string, unknown>;
            if (Object.keys(o).length === 1 && typeof o.secure === "string") {
                if (!secretKeys.includes(key.split(".")[0]!)) secretKeys.push(key.split(".")[0]!);
                return secretValue(`config-${key}`);
            }
            return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unsecure(x, `${key}.${k}`)]));
        }
        return Array.isArray(v) ? v.map((x, i) => unsecure(x, `${key}.${i}`)) : v;
    };
    const resolved = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, unsecure(v, k)]));
    const config = Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return { project: project.name, config, secretKeys, raw: resolved };
}

/** The shared-secret names every stack computes from the topology (stacks/program.ts). */
export function catalogueOf(stack: string): string[] {
    const { raw } = stackConfig(stack);
    return secretCatalogue(loadConfig(stack, rawConfigOf(raw)).topology, MODULES).map((s) => s.name);
}

/** What the owner (node1) exports after a successful update, every secret included. */
export function deployedOwnerOutputs(stack: string): Record<string, unknown> {
    return {
        networkId: 4711,
        placementGroupId: 4712,
        sharedSecrets: Object.fromEntries(catalogueOf(stack).map((n) => [n, secretValue(secretResourceName(n))])),
    };
}

/** Computed outputs of an existing resource (what its state holds beyond its inputs): the render's. */
function existingState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    return fakeState(type, name, inputs, {}, secretValue);
}

/** A secret as the mocks receive it (components/secrets/signature.ts). */
export const isSecretWrapper = isSecretEnvelope;

/** Paths of unknown values in recorded inputs. */
export function unknownPaths(value: unknown, at = ""): string[] {
    if (pulumi.isUnknown(value)) return [at || "(all)"];
    if (isSecretWrapper(value)) return unknownPaths(value.value, at);
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, at ? `${at}.${k}` : k));
    return [];
}

/** Every string in recorded inputs, secrets revealed (placeholders only). */
export function stringsOf(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (isSecretWrapper(value)) return stringsOf(value.value);
    if (Array.isArray(value)) return value.flatMap(stringsOf);
    if (value && typeof value === "object") return Object.values(value).flatMap(stringsOf);
    return [];
}

/**
 * Inputs as the dynamic-provider host receives them: unknowns as the sentinel string, secrets
 * unwrapped (the host's Configure answers `acceptSecrets: false`, cmd/dynamic-provider/index.js).
 */
export function toHostWire(value: unknown): unknown {
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (isSecretWrapper(value)) return toHostWire(value.value);
    if (Array.isArray(value)) return value.map(toHostWire);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toHostWire(v)]));
    return value;
}

/** Evaluate index.ts for the scenario. The mock runtime is process-global: one at a time. */
export async function runScenario(s: Scenario): Promise<ScenarioResult> {
    const { project, config, secretKeys } = stackConfig(s.stack, s.editConfig);
    const resources: PreviewResource[] = [];
    let counter = 0;
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs });
                if (args.type === "pulumi:pulumi:StackReference") {
                    return { id: String(args.inputs.name), state: { ...args.inputs, outputs: s.ownerOutputs, secretOutputNames: ["sharedSecrets"] } };
                }
                if (!s.preview || s.exists(args.type, args.name)) {
                    counter += 1;
                    const id = args.type.startsWith("hcloud:") ? String(100000 + counter) : `${args.name}-id`;
                    return { id, state: existingState(args.type, args.name, args.inputs) };
                }
                // Not created yet: the engine previews a create with the inputs only.
                return { id: undefined, state: { ...args.inputs } };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`no mock for the invoke ${args.token}`);
            },
        },
        project,
        s.stack,
        s.preview,
    );
    pulumi.runtime.setAllConfig(config, secretKeys);
    const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    const originalWarn = pulumi.log.warn;
    (pulumi.log as { warn: (msg: string) => Promise<void> }).warn = async () => undefined;
    // An error thrown inside an apply rejects a resource registration nobody awaits. The language
    // host fails the program on the first such rejection (@pulumi/pulumi cmd/run/run.js:
    // `process.on("unhandledRejection", uncaughtHandler)`); the mock runtime would wait forever.
    let onRejection: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (onRejection = reject));
    failed.catch(() => undefined);
    process.on("unhandledRejection", onRejection);
    try {
        await Promise.race([
            failed,
            (async () => {
                await stackModule.runInPulumiStack(async () => {
                    // eslint-disable-next-line @typescript-eslint/no-require-imports
                    const program = require(path.join(ROOT, "index.ts")) as () => Promise<Record<string, unknown>>;
                    return program();
                });
                await settings.waitForRPCs();
            })(),
        ]);
        return { resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack") };
    } catch (err) {
        return { resources, error: err instanceof Error ? err.message : String(err) };
    } finally {
        process.removeListener("unhandledRejection", onRejection);
        (pulumi.log as { warn: typeof originalWarn }).warn = originalWarn;
    }
}
