// A throwaway file-backend stack around an inline program, for the per-provider real-engine tests of
// the stand-ins (test/engine/standin-engine.test.ts). The program runs in the test's process through
// LocalWorkspace (`--client`, tools/engine/README.md); the engine starts the stand-in plugins from
// test/engine/bin on PATH.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { engineBin, engineEnv } from "../support";

export interface EngineStack {
    readonly stack: Stack;
    readonly tmp: string;
    readonly env: Record<string, string>;
    /** The stack's state file under the file backend. */
    stateFile(): string;
    dispose(): void;
}

function findFile(dir: string, name: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? findFile(p, name) : e.name === name ? [p] : [];
    });
}

export async function engineStack(project: string, program: PulumiFn, extraEnv: Record<string, string> = {}): Promise<EngineStack> {
    const bin = engineBin();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `standin-${project}-`));
    const env = { ...engineEnv(bin, path.join(tmp, "home")), ...extraEnv };
    const state = path.join(tmp, "state");
    fs.mkdirSync(state);
    execFileSync(path.join(bin, "pulumi"), ["login", `file://${state}`], { env: { ...process.env, ...env }, encoding: "utf8" });
    const work = path.join(tmp, "project");
    fs.mkdirSync(work);
    const stack = await LocalWorkspace.createStack(
        { projectName: project, stackName: "test", program },
        { workDir: work, envVars: env, pulumiCommand: await PulumiCommand.get({ root: path.dirname(bin) }), projectSettings: { name: project, runtime: "nodejs" } },
    );
    return {
        stack,
        tmp,
        env,
        stateFile() {
            const [file] = findFile(state, "test.json");
            assert.ok(file, "no state file for the stack under the file backend");
            return file;
        },
        dispose() {
            fs.rmSync(tmp, { recursive: true, force: true });
        },
    };
}

/** The resources of the stack's state, by type. */
export function stateResources(s: EngineStack, type: string): { urn: string; id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] {
    const state = JSON.parse(fs.readFileSync(s.stateFile(), "utf8"));
    return state.checkpoint.latest.resources.filter((r: { type: string }) => r.type === type);
}
