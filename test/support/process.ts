/**
 * Helpers for real-server tests: start Debian's servers as child processes on per-node
 * loopback addresses (127.0.1.11, 127.0.1.12, ...), wait for them, and always clean up.
 *
 * A missing server binary is a hard failure, never a skip: CI installs every server in
 * `scripts/test-servers.ts` (the first step of `npm test`), so a missing one means that step is broken.
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** Absolute path of a server binary, or a thrown error that says how to install it. */
export function requireBinary(name: string, extraDirs: string[] = []): string {
    const dirs = [...extraDirs, ...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin"];
    for (const dir of dirs) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            /* keep looking */
        }
    }
    throw new Error(`server binary '${name}' not found: install its Debian package (npm test does, through scripts/test-servers.ts)`);
}

/** Directory of the newest installed PostgreSQL server binaries (Debian keeps them off PATH). */
export function postgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
    versions.sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
        const dir = path.join(root, v, "bin");
        if (fs.existsSync(path.join(dir, "postgres"))) return dir;
    }
    throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql: install 'postgresql' (npm test does, through scripts/test-servers.ts)");
}

export function makeTempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `daarion-${prefix}-`));
}

export interface RunningProcess {
    readonly name: string;
    readonly child: ChildProcess;
    /** Everything the process printed so far (stdout and stderr). */
    output(): string;
    /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
    stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Start a long-running server. Output is captured so a failing test can print it.
 * Processes started here are remembered and killed by `stopAllProcesses()`.
 */
const running = new Set<RunningProcess>();

export function startProcess(name: string, command: string, args: string[], options: SpawnOptions = {}): RunningProcess {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let buffer = "";
    const append = (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.length > 200_000) buffer = buffer.slice(-100_000);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        child.once("exit", () => resolve());
        child.once("error", (err) => {
            buffer += `\n[spawn error] ${err.message}`;
            resolve();
        });
    });
    const proc: RunningProcess = {
        name,
        child,
        output: () => buffer,
        async stop(signal: NodeJS.Signals = "SIGTERM") {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill(signal);
                const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
                await exited;
                clearTimeout(timer);
            }
            running.delete(proc);
        },
    };
    running.add(proc);
    return proc;
}

export async function stopAllProcesses(): Promise<void> {
    await Promise.all([...running].map((p) => p.stop()));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it returns a truthy value or the deadline passes; the last error is rethrown. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value) return value;
        } catch (err) {
            lastError = err;
        }
        await sleep(intervalMs);
    }
    const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}

/** Resolves true once a TCP connection to host:port succeeds. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

export async function waitForTcp(host: string, port: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${host}:${port} to accept connections`, () => tcpOpen(host, port), timeoutMs);
}

/** Run a short command to completion; throws with its output when it exits non-zero. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
    try {
        return execFileSync(command, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...options });
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
}

/** Fetch JSON over HTTP from a loopback address (monitoring endpoints). */
export async function getJson<T = unknown>(url: string): Promise<T> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return (await response.json()) as T;
}
