// Harness for tests on the real Pulumi engine (issue 15 item 3): a file backend in a temp dir, the
// passphrase secrets provider, a private PULUMI_HOME, the stand-in plugins and shims on PATH
// (test/engine/bin: providers, the dynamic-provider host, the policy analyzer), and the
// project's own program (index.ts's export) run as an automation-API inline program with the
// committed Pulumi.yaml / Pulumi.<stack>.yaml. Every CLI call goes through `cli()` so a step can
// assert what the engine printed; `exportState()` returns what it kept.
//
// Why inline programs: the Node.js language host cannot be built here (tools/engine/README.md), so
// LocalWorkspace passes the engine `--client <addr>` of the language runtime server @pulumi/pulumi
// ships (@pulumi/pulumi 3.248.0 automation/stack.js, automation/server.js).
import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { EngineEvent, LocalWorkspace, OpType, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { engineBin, engineEnv, ROOT } from "./support";
import type { ExportedResource } from "../../scripts/local-reset";

const run = promisify(execFile);

/** The project's policy pack, as `--policy-pack` takes it. */
export const POLICY_PACK = path.join(ROOT, "policy");


/** The placeholder the committed stack files carry in their `secure:` slots (not a ciphertext). */
const SECURE_SLOT = /^SET-WITH-/;

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** One temp project on its own file backend. */
export class EngineProject {
    private constructor(
        readonly tmp: string,
        readonly bin: string,
        readonly env: Record<string, string>,
        readonly workDir: string,
        readonly backendDir: string,
        private readonly command: PulumiCommand,
        readonly projectName: string,
    ) {}

    /**
     * A fresh backend and home. `projectFile` is the Pulumi.yaml to use (default: the repository's),
     * copied into the work dir; the inline program replaces its `main`.
     */
    static async create(label: string, opts: { projectFile?: string; projectName?: string } = {}): Promise<EngineProject> {
        const bin = engineBin();
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `engine-${label}-`));
        // engineEnv puts test/engine/bin (STANDIN_BIN) on PATH after the CLI.
        const env = engineEnv(bin, path.join(tmp, "home"));
        const backendDir = path.join(tmp, "state");
        const workDir = path.join(tmp, "project");
        fs.mkdirSync(backendDir);
        fs.mkdirSync(workDir);
        // A checkout has node_modules beside Pulumi.yaml, and the engine starts plugins in the project
        // directory: the dynamic-provider host's serialized NATS/Qdrant providers `require` their
        // client libraries (@nats-io/*) from there. Without it their create fails with "Cannot find
        // module '@nats-io/transport-node'" (measured).
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(workDir, "node_modules"));
        const projectName = opts.projectName ?? (opts.projectFile === undefined ? parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name : label);
        if (opts.projectFile !== undefined || opts.projectName === undefined) {
            fs.copyFileSync(opts.projectFile ?? path.join(ROOT, "Pulumi.yaml"), path.join(workDir, "Pulumi.yaml"));
        } else {
            fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), stringifyYaml({ name: projectName, runtime: "nodejs" }));
        }
        const command = await PulumiCommand.get({ root: path.dirname(bin) });
        const project = new EngineProject(tmp, bin, env, workDir, backendDir, command, projectName);
        if (opts.projectFile === undefined && opts.projectName === undefined) project.keepAdminTrafficOnLoopback();
        const login = await project.cli(["login", `file://${backendDir}`]);
        assert.equal(login.code, 0, login.stderr);
        assert.ok(login.stdout.includes(`(file://${backendDir})`), login.stdout);
        return project;
    }

    /** Run the CLI in the work dir with the test environment; never throws on a non-zero exit. */
    async cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
        try {
            const { stdout, stderr } = await run(path.join(this.bin, "pulumi"), ["--non-interactive", ...args], {
                cwd: this.workDir,
                env: { ...process.env, ...this.env, ...extraEnv },
                maxBuffer: 64 * 1024 * 1024,
            });
            return { code: 0, stdout, stderr };
        } catch (e) {
            const err = e as { code?: number; stdout?: string; stderr?: string };
            if (typeof err.code !== "number") throw e;
            return { code: err.code, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
        }
    }

    /**
     * Create (or select) a stack running `program` inline. With `stackFile`, the committed
     * Pulumi.<stack>.yaml is copied in first, minus its unfilled `secure:` slots; `secrets` are then
     * set with `pulumi config set --secret --path` as the README tells users to.
     */
    async stack(
        stackName: string,
        program: PulumiFn,
        opts: { stackFile?: string; secrets?: Record<string, string>; envVars?: Record<string, string> } = {},
    ): Promise<Stack> {
        if (opts.stackFile !== undefined) {
            const doc = parseYaml(fs.readFileSync(opts.stackFile, "utf8")) as { config?: Record<string, unknown> };
            doc.config = dropSecureSlots(doc.config ?? {}) as Record<string, unknown>;
            fs.writeFileSync(path.join(this.workDir, `Pulumi.${stackName}.yaml`), stringifyYaml(doc));
        }
        const stack = await LocalWorkspace.createOrSelectStack(
            { projectName: this.projectName, stackName, program },
            { workDir: this.workDir, envVars: { ...this.env, ...opts.envVars }, pulumiCommand: this.command },
        );
        for (const [key, value] of Object.entries(opts.secrets ?? {})) {
            await stack.setConfig(key, { value, secret: true }, true);
        }
        return stack;
    }

    /** `pulumi stack export` (secrets stay ciphertext): what the engine kept. */
    async exportState(stackName: string): Promise<StateExport> {
        const res = await this.cli(["stack", "export", "--stack", stackName]);
        assert.equal(res.code, 0, res.stderr);
        return JSON.parse(res.stdout) as StateExport;
    }

    /** The raw checkpoint file the file backend wrote for the stack. */
    stateFile(stackName: string): string {
        const file = path.join(this.backendDir, ".pulumi", "stacks", this.projectName, `${stackName}.json`);
        assert.ok(fs.existsSync(file), `no state file ${file}`);
        return fs.readFileSync(file, "utf8");
    }

    /**
     * Edit the work dir's Pulumi.yaml as a pull request would (the topology is project config, and a
     * stack value for `daarion:topology` would replace it whole, not merge into it).
     */
    editProjectConfig(edit: (config: Record<string, { value: unknown }>) => void): void {
        const file = path.join(this.workDir, "Pulumi.yaml");
        const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, { value: unknown }> };
        edit(doc.config);
        fs.writeFileSync(file, stringifyYaml(doc));
    }

    /** Put the repository's Pulumi.yaml back (with the admin endpoints on loopback). */
    resetProjectConfig(): void {
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(this.workDir, "Pulumi.yaml"));
        this.keepAdminTrafficOnLoopback();
    }

    /**
     * Where the NATS and Qdrant dynamic providers connect during `up`. With the committed topology
     * they would dial the nodes' private addresses (10.10.x.x), which a test must never contact.
     * Default: loopback ports where nothing listens (a refused connection, at once);
     * `useAdminEndpoints` points them at servers a test runs (test/engine/containers.ts). The PR
     * change "admin endpoints to the README's SSH tunnels" still moves them (to 14222 and 16333).
     * `local` ignores `adminEndpoint`: its Qdrant admin port is published on 127.0.0.1:16333
     * (components/qdrant/module.ts LOCAL_QDRANT_ADMIN_PORT).
     */
    private admin = { nats: ["nats://127.0.0.1:14229"], qdrant: "127.0.0.1:16339" };

    useAdminEndpoints(admin: { nats: string[]; qdrant: string }): void {
        for (const url of [...admin.nats, `http://${admin.qdrant}`]) assert.match(new URL(url).hostname, /^127\./, `admin endpoint ${url} is not loopback`);
        this.admin = { nats: [...admin.nats], qdrant: admin.qdrant };
        this.keepAdminTrafficOnLoopback();
    }

    keepAdminTrafficOnLoopback(): void {
        this.editProjectConfig((c) => {
            const replication = (c["daarion:topology"]!.value as { replication: { nats: Record<string, unknown>; qdrant: Record<string, unknown> } }).replication;
            replication.nats.adminServers = [...this.admin.nats];
            replication.qdrant.adminEndpoint = this.admin.qdrant;
        });
    }

    dispose(): void {
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

export type StateResource = ExportedResource;

export interface StateExport {
    readonly version: number;
    readonly deployment: { readonly resources?: readonly StateResource[]; readonly secrets_providers?: { readonly type: string } };
}

function dropSecureSlots(value: unknown): unknown {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string") {
            if (SECURE_SLOT.test((v as { secure: string }).secure)) continue;
        }
        out[k] = dropSecureSlots(v);
    }
    return out;
}

// ---- the project's own program ----------------------------------------------------------------

/** The program `pulumi up` runs: index.ts's export (an async function returning the stack outputs). */
export function projectProgram(): PulumiFn {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(ROOT, "index.ts")) as PulumiFn;
    assert.equal(typeof program, "function", "index.ts must export the program function");
    return program;
}

/** The committed stack file of `stack`. */
export function stackFile(stack: string): string {
    return path.join(ROOT, `Pulumi.${stack}.yaml`);
}

/** Stack secrets the program itself says are missing (its ConfigError lines, stacks/program.ts). */
export function missingSecrets(engineOutput: string, stack: string): string[] {
    const re = new RegExp(`Pulumi\\.${stack}\\.yaml: daarion:secrets\\.([A-Za-z0-9_.-]+): missing secret; set it with: pulumi config set --secret --path 'daarion:secrets\\.\\1' --stack ${stack} -- <value>`, "g");
    return [...new Set([...engineOutput.matchAll(re)].map((m) => m[1]!))].sort();
}

/**
 * A real certificate chain and key for a stack secret: a self-signed P-256 certificate made by
 * openssl (the program stores the PEM as given; the README sets `fullchain.pem` + `privkey.pem`).
 */
export async function selfSignedPem(dir: string, cn: string): Promise<string> {
    const key = path.join(dir, `${cn}.key.pem`);
    const crt = path.join(dir, `${cn}.crt.pem`);
    await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", `/CN=${cn}`]);
    return fs.readFileSync(crt, "utf8") + fs.readFileSync(key, "utf8");
}

/**
 * Set every secret the program names as missing (its ConfigError lines), as the README has the
 * operator do: certificates as a self-signed PEM, the rest as strings; plus `hcloud:token` on the
 * node stacks. Returns the values set (a test checks none is in the state file in clear).
 */
export async function setProgramSecrets(project: EngineProject, stack: Stack, name: string): Promise<string[]> {
    const first = await stack.preview().then(() => "", failureText);
    const needed = missingSecrets(first, name);
    const pem = await selfSignedPem(project.tmp, `${name}.daarion.city`);
    const values: string[] = [];
    for (const key of needed) {
        const value = key.startsWith("tls-") ? pem : `${key}-${name}-${Date.now()}`;
        values.push(value);
        await stack.setConfig(`daarion:secrets.${key}`, { value, secret: true }, true);
    }
    if (name !== "local") {
        const token = `hcloud-token-${name}-0123456789abcdef0123456789abcdef0123456789abcdef`;
        values.push(token);
        await stack.setConfig("hcloud:token", { value: token, secret: true });
    }
    return values;
}

/** The text of a failed automation-API command (the CLI's stdout and stderr are in its message). */
export function failureText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

// ---- flows ------------------------------------------------------------------------------------

/** Stacks of .github/workflows/deploy.yml in `needs` order, read from the file so CI and tests agree. */
export function deployOrder(): string[] {
    const wf = parseYaml(fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8")) as {
        jobs: Record<string, { needs?: string | string[]; with?: { stack?: string } }>;
    };
    const jobs = Object.entries(wf.jobs).filter(([, j]) => j.with?.stack !== undefined);
    const order: string[] = [];
    const done = new Set<string>();
    while (done.size < jobs.length) {
        const ready = jobs.filter(([id, j]) => !done.has(id) && [j.needs ?? []].flat().every((n) => done.has(n) || !jobs.some(([k]) => k === n)));
        assert.equal(ready.length, 1, `deploy.yml must be one chain; ready at once: ${ready.map(([id]) => id).join(", ") || "none"}`);
        done.add(ready[0]![0]);
        order.push(ready[0]![1].with!.stack!);
    }
    return order;
}

/** A step the engine planned or applied, from its resource events. */
export interface PlannedStep {
    readonly op: OpType;
    readonly urn: string;
    readonly type: string;
    /** Protection of the resource as the state held it before the step. */
    readonly protectedBefore: boolean;
    readonly keys: readonly string[];
}

/** Collects the steps of one operation: pass `collector.onEvent` as the `onEvent` option. */
export class StepCollector {
    readonly steps: PlannedStep[] = [];
    readonly onEvent = (e: EngineEvent): void => {
        const m = e.resourcePreEvent?.metadata;
        if (m === undefined) return;
        this.steps.push({ op: m.op, urn: m.urn, type: m.type, protectedBefore: m.old?.protect === true, keys: m.keys ?? [] });
    };

    /** Replacements and deletions of resources that were protected. */
    protectedLosses(): string[] {
        const losing = new Set<OpType>(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"]);
        return this.steps.filter((s) => s.protectedBefore && losing.has(s.op)).map((s) => `${s.op} ${s.urn} (${s.keys.join(", ")})`);
    }

    ops(op: OpType): string[] {
        return this.steps.filter((s) => s.op === op).map((s) => s.urn);
    }
}

/** The engine's distinct error diagnostics in a command's output, for a short failure message. */
export function engineErrors(text: string): string[] {
    const named: string[] = [];
    const others: string[] = [];
    for (const line of text.split("\n").map((l) => l.trim())) {
        // The progress line of a failed step names the resource: `+  <type> <name> **creating failed** error: <msg>`.
        const failed = /^\S+\s+(\S+)\s+(\S+)\s+\*\*[a-z ]+failed\*\*\s+error: (.*)$/.exec(line);
        if (failed) named.push(`${failed[1]} ${failed[2]}: ${failed[3]}`);
        else if (/(^|\s)error: /.test(line) && !/error: (update|preview) failed$/.test(line)) others.push(line.replace(/^.*?error: /, ""));
    }
    // A named failure is also printed bare (progress and Diagnostics); keep the named form.
    return [...new Set([...named, ...others.filter((o) => !named.some((n) => n.endsWith(`: ${o}`)))])];
}

/** Run an automation-API step; on failure throw one short message naming the engine's errors. */
export async function step<T>(label: string, f: () => Promise<T>): Promise<T> {
    try {
        return await f();
    } catch (e) {
        const errors = engineErrors(failureText(e));
        throw new Error(`${label} failed: ${errors.slice(0, 12).join(" | ") || failureText(e).slice(0, 2000)}`);
    }
}

// ---- the drift command ------------------------------------------------------------------------

export interface DriftRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

/** One of the project's scripts (`tsx scripts/<file>`) in the project's work dir, with the engine's environment. */
export function runScript(project: EngineProject, script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<DriftRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, script), ...args], { cwd: project.workDir, env: { ...process.env, ...project.env, ...extraEnv } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    });
}

/** `npm run drift -- <args>` in its normal mode against the project's work dir and backend. */
export function runDrift(project: EngineProject, args: string[], extraEnv: Record<string, string> = {}): Promise<DriftRun> {
    // The Pulumi side of drift only: no node agent runs here (the data plane is tested in
    // test/drift/data-plane.test.ts), and an agent that cannot be asked is exit 2.
    return runScript(project, "scripts/drift.ts", [...args, "--no-data-plane", "--cwd", project.workDir], extraEnv);
}
