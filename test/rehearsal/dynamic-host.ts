/**
 * The rehearsal's view of how the engine drives a dynamic provider: serialize it the way
 * `pulumi.dynamic.Resource` does, call it in a FRESH Node process the way the dynamic-provider host
 * does (dynamic-host.cjs), and turn the answer into the step the engine plans.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

const ROOT = path.resolve(__dirname, "../..");
const HOST = path.join(__dirname, "dynamic-host.cjs");

/** The host's unknown sentinel, read from the SDK itself (runtime/rpc.js `unknownValue`). */
export const UNKNOWN: string = unknownValue;

/**
 * What `pulumi.dynamic.Resource` stores as `__provider` (@pulumi/pulumi 3.248.0 dynamic/index.js
 * `serializeFunctionMaybeSecret`: `serializeFunction(() => provider, { allowSecrets: true })`).
 */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

export type HostMethod = "check" | "diff" | "create" | "update" | "read" | "delete";

export interface HostCall {
    readonly method: HostMethod;
    readonly id?: string;
    /** Old inputs (check) or old state (diff/update), `__provider` included. */
    readonly olds?: Record<string, unknown>;
    /** New inputs (check/diff/update) or the resource's properties (create/read/delete), `__provider` included. */
    readonly news?: Record<string, unknown>;
}

export interface CheckAnswer {
    readonly inputs: Record<string, unknown>;
    readonly failures: { property: string; reason: string }[];
}

export interface DiffAnswer {
    readonly changes: "DIFF_SOME" | "DIFF_NONE" | "DIFF_UNKNOWN";
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

export type HostResult = { ok: any; error?: undefined } | { ok?: undefined; error: string };

/** Run the calls, in order, in one fresh `node` process (one host process per provider, as the engine does). */
export async function runInFreshHost(calls: readonly HostCall[]): Promise<HostResult[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamic-host-"));
    const file = path.join(dir, "calls.json");
    fs.writeFileSync(file, JSON.stringify(calls), { mode: 0o600 });
    try {
        // cwd = the project: the host runs in the program's directory, and require-from-string
        // resolves the provider's run-time `require`s (the NATS client) from there.
        const child = spawn(process.execPath, [HOST, file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        if (code !== 0) throw new Error(`dynamic-provider host exited with ${code}: ${stderr.slice(-2000)}`);
        return JSON.parse(stdout) as HostResult[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** One call; throws with the provider's message if it failed. */
export async function callFreshHost(call: HostCall): Promise<any> {
    const [result] = await runInFreshHost([call]);
    if (result.error !== undefined) throw new Error(`${call.method}: ${result.error}`);
    return result.ok;
}

export type PlannedStep = "same" | "update" | "replace";

/**
 * The step the engine plans from a diff (pulumi/pulumi pkg/resource/deploy/step_generator.go):
 * - `diffResource`: DIFF_UNKNOWN becomes DIFF_SOME when the old and new inputs differ, else DIFF_NONE;
 * - a replacement needs a non-empty `replaces` (sdk/go/common/resource/plugin/provider.go
 *   `DiffResult.Replace()`: a replace kind in DetailedDiff or `len(r.ReplaceKeys) > 0`; the dynamic
 *   host sends no DetailedDiff). With `protect` set the engine refuses it and the update fails.
 */
export function plannedStep(diff: DiffAnswer, oldInputs: unknown, newInputs: unknown): PlannedStep {
    if (diff.replaces.length > 0) return "replace";
    if (diff.changes === "DIFF_SOME") return "update";
    if (diff.changes === "DIFF_UNKNOWN") return JSON.stringify(oldInputs) === JSON.stringify(newInputs) ? "same" : "update";
    return "same";
}

/** Set `value` at a dotted path of a deep copy (the tests mark single fields unknown with it). */
export function withValueAt<T>(obj: T, dotted: string, value: unknown): T {
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
    const keys = dotted.split(".");
    let cur: Record<string, unknown> = copy;
    for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    cur[keys[keys.length - 1]!] = value;
    return copy as T;
}
