// The project's drift command (scripts/drift.ts) against the real engine (issue 15 item 3):
// `pulumi refresh --preview-only` after a provider reports a changed property names exactly that
// resource and exits with the "drift" code (1); with nothing changed it exits 0.
//
// drift.ts runs in its normal mode (LocalWorkspace.selectStack on the project directory). That works
// without the Node.js language host, which cannot be built here: `pulumi refresh` runs the program
// only with `--run-program` (pulumi/pulumi@v3.248.0:pkg/cmd/pulumi/operations/refresh.go, default
// env PULUMI_RUN_PROGRAM=false), so the engine reads each resource from its provider and never asks
// for a language runtime. No inline-program mode is needed (measured below: the test fails if the
// engine does try to start `pulumi-language-nodejs`, which is not on PATH).
//
// The "real system" is a JSON file; its provider is a dynamic provider run by the engine's own
// dynamic-provider host (pulumi-resource-pulumi-nodejs, @pulumi/pulumi 3.248.0). Its `read` returns
// refreshed inputs as bridged providers do, because since v3.1xx the engine computes a refresh diff by
// calling the provider's Diff with the refreshed inputs/outputs against the old inputs
// (pulumi/pulumi@v3.248.0:pkg/resource/deploy/step.go RefreshStep.Apply, `diffResource(...)`,
// `diff.Invert()`); a provider that refreshes outputs only shows no drift.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Stack } from "@pulumi/pulumi/automation";
import { EngineProject, runDrift } from "./harness";

interface DiskInputs {
    readonly world: string;
    readonly sizeGb: number;
}

/** A disk whose real size lives in `world` (a JSON file standing for the cloud API). */
class Disk extends pulumi.dynamic.Resource {
    constructor(name: string, args: DiskInputs) {
        const provider: pulumi.dynamic.ResourceProvider = {
            async create(inputs: DiskInputs) {
                // Runs in the dynamic-provider host's own process: only node built-ins are at hand.
                const fsm: typeof import("node:fs") = require("node:fs");
                fsm.writeFileSync(inputs.world, JSON.stringify({ sizeGb: inputs.sizeGb }));
                return { id: "disk-1", outs: inputs };
            },
            async read(id: string, props: DiskInputs) {
                const fsm: typeof import("node:fs") = require("node:fs");
                const real = JSON.parse(fsm.readFileSync(props.world, "utf8")) as { sizeGb: number };
                const refreshed = { world: props.world, sizeGb: real.sizeGb };
                return { id, props: refreshed, inputs: refreshed };
            },
            async diff(_id: string, olds: DiskInputs, news: DiskInputs) {
                const diffs = olds.sizeGb === news.sizeGb ? [] : ["sizeGb"];
                return { changes: diffs.length > 0, diffs };
            },
        };
        super(provider, name, args, {}, "test", "Disk");
    }
}

describe("real engine: drift command after a provider reports a changed property", function () {
    this.timeout(600_000);
    let project: EngineProject;
    let stack: Stack;
    let world: string;

    before(async () => {
        project = await EngineProject.create("drift", { projectName: "drift-smoke" });
        world = path.join(project.tmp, "world.json");
        stack = await project.stack("dev", async () => {
            new Disk("data", { world, sizeGb: 10 });
            new random.RandomPassword("pw", { length: 16, special: false });
            return {};
        });
        // drift.ts lists the committed Pulumi.<stack>.yaml files of the project directory.
        fs.writeFileSync(path.join(project.workDir, "Pulumi.dev.yaml"), "config: {}\n");
        const up = await stack.up();
        assert.deepEqual(up.summary.resourceChanges, { create: 3 });
    });
    after(() => project?.dispose());

    it("exits 0 and reports nothing while the world matches the state", async () => {
        const res = await runDrift(project, ["dev", "--format", "json"]);
        assert.equal(res.code, 0, res.stderr + res.stdout);
        const report = JSON.parse(res.stdout);
        assert.equal(report.exitCode, 0);
        assert.deepEqual(report.stacks[0].resources, []);
        assert.deepEqual(report.stacks[0].errors, []);
        console.log(`      drift (no change): ${res.ms} ms`);
    });

    it("reports exactly the resized disk and exits with the drift code", async () => {
        fs.writeFileSync(world, JSON.stringify({ sizeGb: 20 }));
        const res = await runDrift(project, ["dev", "--format", "json"]);
        assert.equal(res.code, 1, res.stderr + res.stdout);
        const report = JSON.parse(res.stdout);
        assert.equal(report.exitCode, 1);
        const [dev] = report.stacks;
        assert.deepEqual(dev.errors, []);
        assert.equal(dev.hasDrift, true);
        assert.deepEqual(
            dev.resources.map((r: { name: string; type: string; status: string }) => [r.type, r.name, r.status]),
            [["pulumi-nodejs:dynamic/test:Disk", "data", "drifted"]],
        );
        assert.deepEqual(dev.resources[0].properties.map((p: { path: string }) => p.path), ["sizeGb"]);
        // The engine never needed a language host for the refresh.
        assert.ok(!/pulumi-language-nodejs/.test(res.stderr + res.stdout), res.stderr);
        // A preview-only refresh keeps the state as it was.
        const state = await project.exportState("dev");
        const disk = state.deployment.resources?.find((r) => r.type === "pulumi-nodejs:dynamic/test:Disk");
        assert.equal(disk?.outputs?.sizeGb, 10);
        console.log(`      drift (one drifted resource): ${res.ms} ms`);
    });
});
