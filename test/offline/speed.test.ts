/**
 * The render's speed work: dependency edges recorded as the engine receives them, the critical-path
 * model, and the plain-Node launcher (offline/run.cjs) compiling exactly what tsx compiles.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateUnderMocks, Evaluation } from "../../offline/render";
import { renderedStack } from "../support/render";
import { named, TYPE } from "../support/resources";
import { allEdges, costOf, COST, dataEdges, durationSeconds, GraphResource, longestPath, orderOnlyEdges } from "../../offline/critical-path";

const ROOT = path.resolve(__dirname, "../..");

class Group extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Group", name, {}, opts);
        new random.RandomPassword(`${name}-inner`, { length: 8 }, { parent: this });
        this.registerOutputs({});
    }
}

describe("offline render: dependency edges", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateUnderMocks({ project: "p", stack: "s" }, () => {
            const a = new random.RandomPassword("a", { length: 8 });
            const b = new random.RandomPassword("b", { length: 8 }, { dependsOn: [a] });
            // `c` consumes an Output of `a` (data) and is ordered after `b` (no data).
            new random.RandomPassword("c", { length: a.length.apply((l) => l + 1), special: false }, { dependsOn: [b] });
            const g = new Group("g");
            new random.RandomPassword("d", { length: 8 }, { dependsOn: [g] });
            const outer = new pulumi.ComponentResource("test:index:Outer", "o");
            new Group("n", { parent: outer });
            return {};
        });
    });

    it("records explicit and implicit dependencies as URNs, and which of them carry data", () => {
        const urnA = "urn:pulumi:s::p::random:index/randomPassword:RandomPassword::a";
        const urnB = "urn:pulumi:s::p::random:index/randomPassword:RandomPassword::b";
        assert.equal(named(ev, "a").urn, urnA);
        assert.deepEqual(named(ev, "a").dependencies, []);
        assert.deepEqual(named(ev, "b").dependencies, [urnA]);
        assert.deepEqual(named(ev, "b").dataDependencies, []);
        assert.deepEqual(named(ev, "c").dependencies, [urnA, urnB]);
        assert.deepEqual(named(ev, "c").dataDependencies, [urnA]);
        assert.deepEqual(orderOnlyEdges(named(ev, "c")), [urnB]);
    });

    it("expands a dependency on a component into its children, as the SDK sends it", () => {
        // @pulumi/pulumi runtime/dependsOn.js getAllTransitivelyReferencedResourceURNs
        assert.deepEqual(named(ev, "d").dependencies, ["urn:pulumi:s::p::test:index:Group$random:index/randomPassword:RandomPassword::g-inner"]);
        assert.equal(named(ev, "g-inner").urn, "urn:pulumi:s::p::test:index:Group$random:index/randomPassword:RandomPassword::g-inner");
    });

    it("qualifies a type with every parent type, as the engine does (the mock keeps only the last)", () => {
        assert.equal(named(ev, "n-inner").urn, "urn:pulumi:s::p::test:index:Outer$test:index:Group$random:index/randomPassword:RandomPassword::n-inner");
        assert.equal(named(ev, "a").provider, null);
    });
});

describe("offline render: dependency edges of a committed stack", () => {
    it("node2 (StackReference read included): every dependency and provider names a rendered resource", async function () {
        this.timeout(120000);
        const resources = (await renderedStack("node2")).resources;
        const urns = new Set(resources.map((r) => r.urn));
        assert.equal(urns.size, resources.length, "URNs are unique");
        const dangling = resources.flatMap((r) => [...r.dependencies, ...(r.provider ? [r.provider] : [])].filter((u) => !urns.has(u)).map((u) => `${r.name} -> ${u}`));
        assert.deepEqual(dangling, []);
        assert.ok(resources.some((r) => r.type === TYPE.container && r.dependencies.length > 0 && r.provider !== null));
    });
});

describe("critical path model", () => {
    const r = (name: string, type: string, deps: string[] = [], data: string[] = [], inputs: Record<string, unknown> = {}, provider: string | null = null): GraphResource => ({
        urn: name,
        type,
        name,
        custom: true,
        inputs,
        dependencies: deps,
        dataDependencies: data,
        provider,
    });

    it("parses docker durations and refuses garbage", () => {
        assert.equal(durationSeconds("1m30s", 0), 90);
        assert.equal(durationSeconds("500ms", 0), 0.5);
        assert.equal(durationSeconds(undefined, 7), 7);
        assert.throws(() => durationSeconds("soon", 0), /unparsable duration 'soon'/);
    });

    it("charges the health wait only when the container asks the provider to wait", () => {
        const hc = { healthcheck: { startPeriod: "20s", interval: "10s" } };
        assert.equal(costOf(r("c", "docker:index/container:Container", [], [], hc)), COST.containerCreate);
        assert.equal(costOf(r("c", "docker:index/container:Container", [], [], { ...hc, wait: true })), COST.containerCreate + 30);
        assert.equal(costOf(r("c", "docker:index/container:Container", [], [], { wait: true })), COST.containerCreate + COST.healthcheckIntervalDefault);
    });

    it("finds the longest chain, counts providers, and separates order-only edges from data", () => {
        const graph = [
            r("prov", "pulumi:providers:docker"),
            r("imgA", "docker:index/remoteImage:RemoteImage", [], [], {}, "prov"),
            r("imgB", "docker:index/remoteImage:RemoteImage", [], [], {}, "prov"),
            r("A", "docker:index/container:Container", ["imgA"], ["imgA"], {}, "prov"),
            // B waits for A by dependsOn only: a serial chain between two services.
            r("B", "docker:index/container:Container", ["imgB", "A"], ["imgB"], {}, "prov"),
        ];
        const all = longestPath(graph, allEdges);
        const min = longestPath(graph, dataEdges);
        const create = COST.containerCreate;
        assert.equal(all.seconds, COST.providerConfigure + COST.imagePull + create + create);
        assert.deepEqual(all.chain.map((x) => x.name), ["prov", "imgA", "A", "B"]);
        assert.equal(min.seconds, COST.providerConfigure + COST.imagePull + create);
    });

    it("refuses a cycle", () => {
        assert.throws(() => longestPath([r("x", "t:a:b", ["y"]), r("y", "t:a:b", ["x"])], allEdges), /dependency cycle/);
    });
});

describe("offline/run.cjs", () => {
    it("runs a TypeScript CLI on plain Node and serializes dynamic providers exactly as under tsx", function () {
        this.timeout(120000);
        const probe = path.join(ROOT, ".cache", "probe-serialize.ts");
        fs.mkdirSync(path.dirname(probe), { recursive: true });
        // The closure text Pulumi ships as `__provider` depends on how the source was compiled.
        fs.writeFileSync(
            probe,
            [
                `import * as pulumi from "@pulumi/pulumi";`,
                `import { natsStreamProvider } from "../components/nats/jetstream-provider";`,
                `pulumi.runtime.serializeFunction(() => natsStreamProvider, { allowSecrets: true }).then((f) => process.stdout.write(f.text));`,
            ].join("\n"),
        );
        try {
            const viaRun = spawnSync(process.execPath, [path.join(ROOT, "offline/run.cjs"), probe], { cwd: ROOT, encoding: "utf8" });
            assert.equal(viaRun.status, 0, viaRun.stderr);
            const viaTsx = spawnSync(process.execPath, ["--require", "tsx/cjs", probe], { cwd: ROOT, encoding: "utf8" });
            assert.equal(viaTsx.status, 0, viaTsx.stderr);
            assert.ok(viaRun.stdout.includes("exports.handler"), viaRun.stdout.slice(0, 200));
            assert.equal(viaRun.stdout, viaTsx.stdout);
        } finally {
            fs.rmSync(probe, { force: true });
        }
    });
});
