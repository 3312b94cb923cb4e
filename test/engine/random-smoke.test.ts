// The real Pulumi engine (built by tools/engine/build.sh) on a file backend with the stand-in random
// plugin (test/engine/standins/random.ts): stack init, preview, up, up --expect-no-changes, and the
// password encrypted in the state file (issue 15, first proof of item 2).
//
// The program runs as an automation-API inline program: the Node.js language host
// (pulumi-language-nodejs) cannot be built here (tools/engine/README.md), so the engine is pointed
// with `--client` at the language runtime server that @pulumi/pulumi itself ships
// (@pulumi/pulumi/automation/server.js, used by LocalWorkspace for inline programs).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as random from "@pulumi/random";
import { engineBin, engineEnv, STANDIN_BIN } from "./support";

const PROJECT = "engine-smoke";
const STACK = "smoke";
const PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

function findFile(dir: string, name: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? findFile(p, name) : e.name === name ? [p] : [];
    });
}

describe("real engine: stand-in random provider on a file backend", function () {
    // Each CLI step starts the engine and a tsx-run plugin on 2 shared cores.
    this.timeout(300_000);

    let tmp: string;
    let env: Record<string, string>;
    let stack: Stack;
    let workspaceOpts: Parameters<typeof LocalWorkspace.createStack>[1] & object;
    /** Values the program's apply callbacks saw, per run: none while `result` is unknown. */
    let seen: string[] = [];

    const program = async () => {
        const a = new random.RandomPassword("a", { length: 24, special: false });
        const b = new random.RandomPassword("b", { length: 24, special: false });
        a.result.apply((v) => seen.push(v));
        return { a: a.result, b: b.result, dryRun: pulumi.runtime.isDryRun() };
    };

    before(async () => {
        const bin = engineBin();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engine-smoke-"));
        env = engineEnv(bin, path.join(tmp, "home"));
        const backend = `file://${path.join(tmp, "state")}`;
        fs.mkdirSync(path.join(tmp, "state"));
        const login = execFileSync(path.join(bin, "pulumi"), ["login", backend], { env: { ...process.env, ...env }, encoding: "utf8" });
        assert.match(login, new RegExp(`Logged in to .* \\(${backend.replace(/[/.]/g, "\\$&")}\\)`));
        const work = path.join(tmp, "project");
        fs.mkdirSync(work);
        workspaceOpts = {
            workDir: work,
            envVars: env,
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(bin) }),
            projectSettings: { name: PROJECT, runtime: "nodejs" },
        };
        stack = await LocalWorkspace.createStack({ projectName: PROJECT, stackName: STACK, program }, workspaceOpts);
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("preview plans the creates and leaves the passwords unknown", async () => {
        seen = [];
        const res = await stack.preview();
        assert.deepEqual(res.changeSummary, { create: 3 });
        assert.match(res.stdout, /\+\s+random:index:RandomPassword\s+a\s+create/);
        // The engine says where an ambient plugin came from (sdk/go/common/workspace/plugins.go).
        assert.ok(res.stdout.includes(`using pulumi-resource-random from $PATH at ${STANDIN_BIN}/pulumi-resource-random`), res.stdout);
        assert.deepEqual(seen, [], "an apply on `result` ran during preview: the value was known");
    });

    it("up creates real random passwords, kept secret", async () => {
        seen = [];
        const res = await stack.up();
        assert.equal(res.summary.result, "succeeded");
        assert.deepEqual(res.summary.resourceChanges, { create: 3 });
        const { a, b, dryRun } = res.outputs;
        assert.equal(dryRun.value, false);
        assert.equal(a.secret, true);
        assert.equal(b.secret, true);
        assert.match(a.value, /^[A-Za-z0-9]{24}$/);
        assert.match(b.value, /^[A-Za-z0-9]{24}$/);
        assert.notEqual(a.value, b.value);
        assert.deepEqual(seen, [a.value]);
    });

    it("a second up plans no change (--expect-no-changes)", async () => {
        const before = await stack.outputs();
        const res = await stack.up({ expectNoChanges: true });
        assert.equal(res.summary.result, "succeeded");
        assert.deepEqual(res.summary.resourceChanges, { same: 3 });
        assert.equal(res.outputs.a.value, before.a.value, "the password was regenerated");
    });

    it("the state file holds the passwords only as passphrase ciphertext", async () => {
        const outputs = await stack.outputs();
        const [file] = findFile(path.join(tmp, "state"), `${STACK}.json`);
        assert.ok(file, "no state file for the stack under the file backend");
        const text = fs.readFileSync(file, "utf8");
        for (const k of ["a", "b"]) assert.ok(!text.includes(outputs[k].value), `password ${k} is in the state file in clear`);
        const state = JSON.parse(text);
        assert.equal(state.checkpoint.latest.secrets_providers.type, "passphrase");
        const passwords = state.checkpoint.latest.resources.filter((r: { type: string }) => r.type === PASSWORD_TYPE);
        assert.equal(passwords.length, 2);
        for (const r of passwords) {
            assert.equal(r.id, "none");
            assert.equal(r.outputs.result[specialSigKey], specialSecretSig);
            assert.match(r.outputs.result.ciphertext, /^v1:/);
        }
    });

    it("with ambient plugins ignored, the engine finds no random plugin and downloads none", async () => {
        const ignoring = await LocalWorkspace.createStack(
            { projectName: PROJECT, stackName: "ignored", program },
            { ...workspaceOpts, envVars: { ...env, PULUMI_IGNORE_AMBIENT_PLUGINS: "true" } },
        );
        await assert.rejects(ignoring.preview(), /no resource plugin 'pulumi-resource-random' found in the workspace at version v4\.21\.2/);
        assert.ok(!fs.existsSync(path.join(env.PULUMI_HOME, "plugins")), "the engine installed plugins into PULUMI_HOME");
    });
});
