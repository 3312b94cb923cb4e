/**
 * scripts/drift.ts as a user runs it (`npx tsx scripts/drift.ts ...`), in a subprocess whose PATH
 * and HOME hold no Pulumi CLI.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { committedStacks, findPulumiCli } from "../../scripts/drift";
import { makeTempDir } from "../support/process";

const REPO = path.resolve(__dirname, "..", "..");

/** PATH without any directory that holds a `pulumi` executable, but with node/npx. */
function pathWithoutPulumi(): string {
    const dirs = [path.dirname(process.execPath), ...(process.env.PATH ?? "").split(path.delimiter)];
    return [...new Set(dirs)].filter((d) => d && !fs.existsSync(path.join(d, "pulumi"))).join(path.delimiter);
}

function drift(args: string[], cwd = REPO): { status: number | null; stdout: string; stderr: string } {
    const home = makeTempDir("drift-home");
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutPulumi(), HOME: home, npm_config_cache: path.join(process.env.HOME ?? home, ".npm") };
    delete env.PULUMI_HOME;
    const r = spawnSync("npx", ["tsx", "scripts/drift.ts", ...args], { cwd, env, encoding: "utf8", timeout: 60_000 });
    fs.rmSync(home, { recursive: true, force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("drift CLI", function () {
    this.timeout(120_000);

    it("exits 2 with install instructions when the Pulumi CLI is missing", () => {
        const stack = committedStacks(REPO)[0] ?? "node1";
        const r = drift([stack]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /Pulumi CLI was not found/);
        assert.match(r.stderr, /get\.pulumi\.com/);
        assert.match(r.stderr, /npx -p pulumi/);
        assert.equal(r.stdout, "");
    });

    it("--all without the CLI also exits 2", () => {
        const r = drift(["--all"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /Pulumi CLI was not found/);
    });

    it("usage errors exit 2, never 1 (1 means drift)", () => {
        const unknownOption = drift(["--no-such-option"]);
        assert.equal(unknownOption.status, 2);
        assert.match(unknownOption.stderr, /unknown option/);
        const none = drift([]);
        assert.equal(none.status, 2);
        assert.match(none.stderr, /name at least one stack or pass --all/);
        const unknownStack = drift(["node9"]);
        assert.equal(unknownStack.status, 2);
        assert.match(unknownStack.stderr, /no Pulumi\.<stack>\.yaml for node9/);
    });

    it("finds stacks from Pulumi.<stack>.yaml and the CLI in ~/.pulumi/bin", () => {
        const dir = makeTempDir("drift-stacks");
        for (const f of ["Pulumi.yaml", "Pulumi.node1.yaml", "Pulumi.local.yaml", "Pulumi.node2.yml", "README.md"]) fs.writeFileSync(path.join(dir, f), "");
        assert.deepEqual(committedStacks(dir), ["local", "node1", "node2"]);
        assert.equal(findPulumiCli({ PATH: "", HOME: dir }), undefined);
        fs.mkdirSync(path.join(dir, ".pulumi", "bin"), { recursive: true });
        fs.writeFileSync(path.join(dir, ".pulumi", "bin", "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        assert.equal(findPulumiCli({ PATH: "", HOME: dir }), path.join(dir, ".pulumi", "bin", "pulumi"));
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
