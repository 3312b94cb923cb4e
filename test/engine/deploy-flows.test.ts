// The documented deploy flow on the real engine with the stand-in plugins (issue 15 item 3, the
// engine run of issue 11's rehearsal): from empty, preview then up for each stack in deploy.yml's
// order, a second up plans no change, node2/node3 read node1 through StackReferences on the same
// file backend, secrets stay ciphertext in the state file, the policy pack passes every stack, and
// PR-style previews on the deployed stacks neither fail nor replace/delete a protected resource.
//
// Needs every provider the program uses as a stand-in on PATH (test/engine/bin, branch "standins");
// a missing one fails the `before` hook with its name, as a missing server would.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import {
    deployOrder,
    EngineProject,
    failureText,
    missingSecrets,
    POLICY_PACK,
    projectProgram,
    runDrift,
    selfSignedPem,
    stackFile,
    step,
    StepCollector,
} from "./harness";
import { ROOT, STANDIN_BIN } from "./support";
import { PR_CHANGES, Topology } from "../rehearsal/pr-changes";

/** Provider packages the program imports; each needs `pulumi-resource-<name>` (package.json dependencies). */
function providerPackages(): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    return Object.keys(pkg.dependencies)
        .filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi")
        .map((d) => d.slice("@pulumi/".length))
        .filter((name) => usedByProgram(name));
}

function usedByProgram(name: string): boolean {
    const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
    const files = ["components", "stacks"].flatMap((d) => walk(path.join(ROOT, d)));
    return files.some((f) => fs.readFileSync(f, "utf8").includes(`from "@pulumi/${name}"`));
}

describe("real engine: deploy flow from empty, in deploy.yml's order", function () {
    this.timeout(1_800_000);
    const timings: string[] = [];
    let project: EngineProject;
    const stacks = new Map<string, Stack>();
    const setSecrets = new Map<string, string[]>();

    async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
        const started = Date.now();
        try {
            return await step(label, f);
        } finally {
            timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
    }

    /** The stack with every secret the program asks for set, as the README has the operator do. */
    async function prepared(name: string): Promise<Stack> {
        const stack = await project.stack(name, projectProgram(), { stackFile: stackFile(name) });
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
        setSecrets.set(name, values);
        stacks.set(name, stack);
        return stack;
    }

    before(async () => {
        const missing = providerPackages().filter((name) => !fs.existsSync(path.join(STANDIN_BIN, `pulumi-resource-${name}`)));
        assert.deepEqual(missing, [], `stand-in plugins missing from ${STANDIN_BIN} (branch "standins"): ${missing.map((n) => `pulumi-resource-${n}`).join(", ")}`);
        project = await EngineProject.create("flows");
    });
    after(() => {
        console.log(`      timings:\n${timings.map((t) => `        ${t}`).join("\n")}`);
        project?.dispose();
    });

    const order = deployOrder();
    it("deploy.yml's order is node1, node2, node3", () => {
        assert.deepEqual(order, ["node1", "node2", "node3"]);
    });

    for (const name of ["node1"]) {
        it(`${name}: preview then up from empty, then a second up plans no change`, async () => {
            const stack = await prepared(name);
            const preview = new StepCollector();
            const pre = await timed(`${name} preview`, () => stack.preview({ onEvent: preview.onEvent }));
            assert.ok((pre.changeSummary.create ?? 0) > 1, `${name}: preview planned no creates: ${JSON.stringify(pre.changeSummary)}`);
            assert.deepEqual(Object.keys(pre.changeSummary).filter((k) => k !== "create"), [], `${name}: ${JSON.stringify(pre.changeSummary)}`);

            const up = await timed(`${name} up`, () => stack.up());
            assert.equal(up.summary.result, "succeeded");
            assert.deepEqual(Object.keys(up.summary.resourceChanges ?? {}), ["create"], `${name}: ${JSON.stringify(up.summary.resourceChanges)}`);
            assert.equal(up.summary.resourceChanges?.create, pre.changeSummary.create, `${name}: up created a different number of resources than preview planned`);

            const again = await timed(`${name} up --expect-no-changes`, () => stack.up({ expectNoChanges: true }));
            assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], `${name}: ${JSON.stringify(again.summary.resourceChanges)}`);
        });
    }

    // What is still out of reach (issue 15, open): the JetStream streams/buckets (node3, local) and
    // the Qdrant collections (node2, local) need live NATS and Qdrant servers at the admin endpoints,
    // and this suite starts none yet. For those stacks the test proves the rest: the engine creates
    // every other resource, and the only failures are those dynamic resources' creates.
    const NEEDS_A_SERVER = /^pulumi-nodejs:dynamic\/(nats:(Stream|KeyValue)|qdrant:Collection) /;
    for (const name of ["node2", "node3", "local"]) {
        it(`${name}: preview then up from empty creates everything but the JetStream and Qdrant objects, which need servers not started here`, async () => {
            const stack = await prepared(name);
            const pre = await timed(`${name} preview`, () => stack.preview());
            assert.ok((pre.changeSummary.create ?? 0) > 1, `${name}: preview planned no creates: ${JSON.stringify(pre.changeSummary)}`);
            const failed = await timed(`${name} up`, () => stack.up()).then(
                () => [] as string[],
                (e: Error) => e.message.replace(/^.*? up failed: /s, "").split(" | "),
            );
            assert.ok(failed.length > 0, `${name}: up succeeded, so this stack belongs in the full flow above`);
            for (const f of failed) assert.match(f, NEEDS_A_SERVER, `${name}: an unexpected failure`);
        });
    }

    it("node2 and node3 read node1 through StackReferences on the backend", async () => {
        for (const name of ["node2", "node3"]) {
            const state = await project.exportState(name);
            const refs = (state.deployment.resources ?? []).filter((r) => r.type === "pulumi:pulumi:StackReference");
            assert.ok(refs.length > 0, `${name}: no StackReference in the state`);
            for (const ref of refs) assert.equal(ref.inputs?.name, "organization/daarion/node1", ref.urn);
        }
        const node1 = await stacks.get("node1")!.outputs();
        assert.ok(Object.values(node1).some((o) => o.secret), "node1 exports no secret output for node2/node3");
    });

    it("secrets stay ciphertext in every state file", async () => {
        for (const name of [...order, "local"]) {
            const text = project.stateFile(name);
            const outputs = await stacks.get(name)!.outputs();
            const secretValues = Object.values(outputs)
                .filter((o) => o.secret)
                .flatMap((o) => (typeof o.value === "string" ? [o.value] : Object.values(o.value ?? {}).filter((v): v is string => typeof v === "string")))
                .filter((v) => v.length >= 8);
            for (const v of [...secretValues, ...(setSecrets.get(name) ?? [])]) {
                assert.ok(!text.includes(v) && !text.includes(JSON.stringify(v).slice(1, -1)), `${name}: a secret is in the state file in clear: ${v.slice(0, 12)}…`);
            }
            assert.equal(JSON.parse(text).checkpoint.latest.secrets_providers.type, "passphrase");
        }
    });

    it("drift: after the docker stand-in reports a changed property, `npm run drift` names exactly that container and exits 1", async () => {
        const state = await project.exportState("node2");
        const container = (state.deployment.resources ?? []).find((r) => r.type === "docker:index/container:Container");
        assert.ok(container, "node2 has no container");
        assert.ok(container.outputs && "restart" in container.outputs, `${container.urn} has no restart output`);
        const changed = container.outputs.restart === "no" ? "always" : "no";
        // The stand-ins' drift hook (test/engine/standins/README.md "Drift"): `read` reports these properties.
        const driftFile = path.join(project.tmp, "drift.json");
        const env = { DAARION_STANDIN_DRIFT: driftFile };

        fs.writeFileSync(driftFile, "{}");
        const clean = await timed("node2 drift (none)", () => runDrift(project, ["node2", "--format", "json"], env));
        assert.equal(clean.code, 0, clean.stderr + clean.stdout);

        fs.writeFileSync(driftFile, JSON.stringify({ [container.urn]: { restart: changed } }));
        const res = await timed("node2 drift (one container)", () => runDrift(project, ["node2", "--format", "json"], env));
        fs.writeFileSync(driftFile, "{}");
        assert.equal(res.code, 1, res.stderr + res.stdout);
        const [report] = JSON.parse(res.stdout).stacks;
        assert.deepEqual(report.errors, []);
        assert.deepEqual(report.resources.map((r: { urn: string }) => r.urn), [container.urn]);
        assert.ok(report.resources[0].properties.some((p: { path: string }) => p.path === "restart"), JSON.stringify(report.resources[0]));
    });

    for (const name of [...order, "local"]) {
        it(`${name}: preview --policy-pack policy passes`, async () => {
            const config = path.join(POLICY_PACK, "config", `${name}.json`);
            const res = await timed(`${name} preview --policy-pack`, () =>
                stacks.get(name)!.preview({ policyPacks: [POLICY_PACK], policyPackConfigs: fs.existsSync(config) ? [config] : undefined }),
            );
            // The pack ran (✅ none, ⚠️ advisory only) and no mandatory policy failed: the preview succeeded.
            assert.match(res.stdout, /(✅|⚠️) daarion@v0\.1\.0 \(local: /, res.stdout);
            assert.doesNotMatch(res.stdout, /\[mandatory\]/);
        });
    }

    for (const [what, edit] of Object.entries(PR_CHANGES)) {
        it(`PR preview, ${what}: every stack previews, no protected resource replaced or deleted`, async () => {
            project.editProjectConfig((c) => edit(c["daarion:topology"]!.value as Topology));
            try {
                for (const name of [...order, "local"]) {
                    const steps = new StepCollector();
                    await timed(`${name} PR preview (${what})`, () => stacks.get(name)!.preview({ onEvent: steps.onEvent }));
                    assert.deepEqual(steps.protectedLosses(), [], name);
                }
            } finally {
                project.resetProjectConfig();
            }
        });
    }

    it("PR preview, rotate one generated secret (preview --replace of its RandomPassword): no protected loss", async () => {
        const state = await project.exportState("node1");
        const password = (state.deployment.resources ?? []).find((r) => r.type === "random:index/randomPassword:RandomPassword");
        assert.ok(password, "node1 has no generated password");
        const steps = new StepCollector();
        await timed("node1 PR preview (rotate)", () => stacks.get("node1")!.preview({ replace: [password.urn], onEvent: steps.onEvent }));
        assert.ok(steps.ops("replace").includes(password.urn) || steps.ops("create-replacement").includes(password.urn), `${password.urn} is not replaced`);
        assert.deepEqual(steps.protectedLosses(), []);
    });
});
