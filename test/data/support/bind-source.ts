/**
 * Builds the LD_PRELOAD shim of bind-source.c once per test run and returns the env that makes a
 * process (and its children) connect from a given per-node loopback address.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { makeTempDir, requireBinary, run } from "../../support/process";

let built: string | undefined;

export function bindSourceShim(): string {
    if (built && fs.existsSync(built)) return built;
    // A C compiler is a CI requirement of this suite (gcc/libc6-dev, installed by scripts/test-servers.ts), never a reason to skip.
    const cc = requireBinary("cc");
    const dir = makeTempDir("bindshim");
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, "bind-source.so");
    run(cc, ["-shared", "-fPIC", "-O2", "-o", out, path.join(__dirname, "bind-source.c"), "-ldl"]);
    fs.chmodSync(dir, 0o755);
    built = out;
    return out;
}

export function nodeEnv(sourceIp: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, LD_PRELOAD: bindSourceShim(), DAARION_BIND_ADDR: sourceIp, ...extra };
}
