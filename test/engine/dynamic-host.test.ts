// Dynamic providers (NATS streams/KV, Qdrant collections are pulumi.dynamic resources) under the real
// engine with no Node language host (issue 15 item 2, part 3). The engine serves every dynamic
// resource through the provider plugin `pulumi-nodejs`, i.e. the executable
// `pulumi-resource-pulumi-nodejs` (@pulumi/pulumi dynamic/index.js: the resource's provider is
// `pulumi-nodejs`; the engine looks it up like any plugin, PATH first: pulumi/pulumi@v3.248.0
// sdk/go/common/workspace/plugins.go getPluginInfoAndPath). Its usual copy sits beside the language
// host, which is not built here; test/engine/bin/pulumi-resource-pulumi-nodejs runs the host that
// @pulumi/pulumi ships (cmd/dynamic-provider). This tiny dynamic resource writes a file, so the test
// sees that the provider code really ran in that host process, and when.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { engineStack, type EngineStack, stateResources } from "./standins/stack";
import { engineBin, ROOT, STANDIN_BIN } from "./support";

interface MarkerInputs {
    path: string;
    content: string;
}

// Plain functions only: the closure is serialized into the state and run by the host.
const markerProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: MarkerInputs) {
        require("node:fs").writeFileSync(inputs.path, inputs.content);
        return { id: inputs.path, outs: { ...inputs, pid: process.pid } };
    },
    async diff(_id: string, olds: MarkerInputs, news: MarkerInputs) {
        return { changes: olds.content !== news.content || olds.path !== news.path, replaces: olds.path !== news.path ? ["path"] : [] };
    },
    async update(_id: string, olds: MarkerInputs & { pid: number }, news: MarkerInputs) {
        require("node:fs").writeFileSync(news.path, news.content);
        return { outs: { ...news, pid: process.pid } };
    },
    async delete(id: string) {
        require("node:fs").rmSync(id, { force: true });
    },
};

class Marker extends pulumi.dynamic.Resource {
    declare readonly pid: pulumi.Output<number>;
    constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
        super(markerProvider, name, { ...args, pid: undefined }, {}, "daarion-test", "Marker");
    }
}

describe("real engine: dynamic providers through pulumi-resource-pulumi-nodejs", function () {
    this.timeout(300_000);
    let s: EngineStack;
    let file: string;
    let content = "v1";
    let pids: number[] = [];

    before(async () => {
        s = await engineStack("standin-dynamic", async () => {
            const m = new Marker("marker", { path: file, content });
            m.pid.apply((p) => pids.push(p));
        });
        file = path.join(s.tmp, "marker.txt");
    });
    after(() => s?.dispose());

    it("preview runs no provider code and leaves the outputs unknown", async () => {
        pids = [];
        const res = await s.stack.preview();
        assert.deepEqual(res.changeSummary, { create: 2 });
        assert.ok(res.stdout.includes(`using pulumi-resource-pulumi-nodejs from $PATH at ${STANDIN_BIN}/pulumi-resource-pulumi-nodejs`), res.stdout);
        assert.ok(!fs.existsSync(file), "the dynamic provider created during preview");
        assert.deepEqual(pids, []);
    });

    it("up runs create in the host process, not the program's", async () => {
        pids = [];
        const res = await s.stack.up();
        assert.deepEqual(res.summary.resourceChanges, { create: 2 });
        assert.equal(fs.readFileSync(file, "utf8"), "v1");
        assert.equal(pids.length, 1);
        assert.notEqual(pids[0], process.pid, "the provider ran inside the test process");
        // The type token is pulumi-nodejs:dynamic/<module>:<type> (@pulumi/pulumi dynamic/index.js:82).
        const [r] = stateResources(s, "pulumi-nodejs:dynamic/daarion-test:Marker");
        assert.ok(r, "no dynamic resource in the state");
        assert.equal(r.id, file);
        assert.equal(typeof r.inputs.__provider, "string", "the serialized provider is not in the state");
    });

    it("a second up plans no change; a changed input updates through the host", async () => {
        assert.deepEqual((await s.stack.up({ expectNoChanges: true })).summary.resourceChanges, { same: 2 });
        content = "v2";
        const res = await s.stack.up();
        assert.deepEqual(res.summary.resourceChanges, { update: 1, same: 1 });
        assert.equal(fs.readFileSync(file, "utf8"), "v2");
    });

    it("destroy runs delete in the host", async () => {
        await s.stack.destroy();
        assert.ok(!fs.existsSync(file), "delete did not run");
    });

    it("without the wrapper on PATH the engine finds no pulumi-nodejs plugin", async () => {
        const bin = engineBin();
        const bare = await engineStack("standin-dynamic-bare", async () => void new Marker("marker", { path: path.join(bare.tmp, "m"), content: "x" }), {
            // The engine and node, but not test/engine/bin.
            PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        });
        try {
            await assert.rejects(bare.stack.up(), /no resource plugin 'pulumi-resource-pulumi-nodejs' found in the workspace or on your \$PATH/);
        } finally {
            bare.dispose();
        }
    });

    it("the copy @pulumi/pulumi ships fails: it resolves the host from the program's directory", async () => {
        const bin = engineBin();
        const shipped = path.join(ROOT, "node_modules/@pulumi/pulumi");
        assert.ok(fs.existsSync(path.join(shipped, "pulumi-resource-pulumi-nodejs")));
        const other = await engineStack("standin-dynamic-shipped", async () => void new Marker("marker", { path: path.join(other.tmp, "m"), content: "x" }), {
            PATH: `${bin}:${shipped}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        });
        try {
            // Its `node -e "require.resolve(...)"` runs in the plugin's working directory.
            await assert.rejects(other.stack.up(), /Cannot find module '@pulumi\/pulumi\/cmd\/dynamic-provider'/);
        } finally {
            other.dispose();
        }
    });
});
