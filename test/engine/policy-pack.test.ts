// The project's policy pack (policy/) on the real engine: `pulumi preview --policy-pack policy`
// (issue 15 item 3). The Node.js language host is not buildable here, so the engine runs the pack
// through its analyzer fallback `pulumi-analyzer-policy-nodejs` (test/engine/bin, where the engine
// source that starts it is cited). A tiny inline program seeds one violation of a mandatory policy.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Stack } from "@pulumi/pulumi/automation";
import { EngineProject, POLICY_PACK } from "./harness";
import { STANDIN_BIN } from "./support";

/** A dynamic resource of the type the pack treats as data (policy/rules/stateful.ts DEFAULT_STATEFUL_TYPES). */
class FakeStream extends pulumi.dynamic.Resource {
    constructor(name: string, opts?: pulumi.CustomResourceOptions) {
        const provider: pulumi.dynamic.ResourceProvider = {
            async create(inputs) {
                return { id: `stream-${inputs.subject}`, outs: inputs };
            },
        };
        super(provider, name, { subject: name }, opts, "nats", "Stream");
    }
}

/** Whether the engine would find `pulumi-language-nodejs` (bundled beside the real `pulumi`, or on PATH). */
function languageHostPresent(project: EngineProject): boolean {
    const dirs = [path.dirname(fs.realpathSync(path.join(project.bin, "pulumi"))), ...project.env.PATH.split(":")];
    return dirs.some((d) => fs.existsSync(path.join(d, "pulumi-language-nodejs")));
}

describe("real engine: policy pack through the analyzer fallback", function () {
    this.timeout(600_000);
    let project: EngineProject;
    let protect = false;
    let stack: Stack;

    before(async () => {
        project = await EngineProject.create("policy-smoke", { projectName: "policy-smoke" });
        stack = await project.stack("seeded", async () => {
            new FakeStream("orders", { protect });
            return {};
        });
    });
    after(() => project?.dispose());

    it("a mandatory policy fails the preview on the seeded violation", async () => {
        protect = false;
        const err = await stack.preview({ policyPacks: [POLICY_PACK] }).then(
            () => assert.fail("the preview passed although stream 'orders' is not protected"),
            (e: Error) => e,
        );
        const text = String(err.message);
        assert.match(text, /❌ daarion@v0\.1\.0 \(local: .*\/policy\)/);
        assert.match(text, /- \[mandatory\]\s+stateful-resources-protected\s+\(pulumi-nodejs:dynamic\/nats:Stream: orders\)/);
        assert.match(text, /error: preview failed/);
        assert.match(text, /pulumi-nodejs:dynamic\/nats:Stream 'orders' holds data but is not protected/);
    });

    it("the same preview passes once the stream is protected, the pack having run", async () => {
        protect = true;
        const res = await stack.preview({ policyPacks: [POLICY_PACK] });
        assert.deepEqual(res.changeSummary, { create: 2 });
        assert.match(res.stdout, /Policies:\s*\n\s*✅ daarion@v0\.1\.0/, res.stdout);
        // With no `nodejs` language plugin the engine starts the fallback shim from PATH
        // (pulumi/pulumi@v3.248.0:sdk/go/common/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer).
        // Where an installed CLI brings its language host (beside `pulumi`, or on PATH), the engine
        // runs the pack through that host instead.
        if (!languageHostPresent(project)) {
            assert.ok(res.stdout.includes(`using pulumi-analyzer-policy-nodejs from $PATH at ${path.join(STANDIN_BIN, "pulumi-analyzer-policy-nodejs")}`), res.stdout);
        }
    });
});
