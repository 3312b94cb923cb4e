/**
 * The render's speed work: dependency edges recorded as the engine receives them, the critical-path
 * model, the plain-Node launcher (offline/run.cjs) compiling exactly what tsx compiles, the disk
 * cache of the dynamic providers' serialized closures (offline/provider-cache.ts), the declaration
 * order of the recorded resources, and the debug line the SDK formats for every response.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateUnderMocks, Evaluation, RecordedResource, renderStack } from "../../offline/render";
import { PROVIDER_CACHE_DIR, providerCacheStats, withProviderCache } from "../../offline/provider-cache";
import { writeRender } from "../../offline/write";
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

describe("offline render: the dynamic providers' serialized closures (offline/provider-cache.ts)", () => {
    it("a hit returns what Pulumi serialized; a changed source the provider reaches is a miss with the new text", async function () {
        this.timeout(120000);
        // A provider module of its own, so neither Pulumi's per-object memo (dynamic/index.js
        // providerCache) nor an earlier run's cache entry can answer for it.
        const dir = fs.mkdtempSync(path.join(ROOT, ".cache", "probe-provider-"));
        const helper = path.join(dir, "helper.ts");
        const provider = path.join(dir, "provider.ts");
        fs.writeFileSync(helper, `export function greeting(): string { return "probe-v1"; }\n`);
        fs.writeFileSync(
            provider,
            [
                `import * as pulumi from "@pulumi/pulumi";`,
                `import { greeting } from "./helper";`,
                `export const probeProvider: pulumi.dynamic.ResourceProvider = { async create() { return { id: greeting(), outs: {} }; } };`,
                `export class Probe extends pulumi.dynamic.Resource { constructor(name: string) { super(probeProvider, name, {}, {}, "probe", "Probe"); } }`,
            ].join("\n"),
        );
        const entriesBefore = new Set(fs.existsSync(PROVIDER_CACHE_DIR) ? fs.readdirSync(PROVIDER_CACHE_DIR) : []);
        // A fresh module (and provider object) from the same sources, as in a new process.
        const load = () => {
            for (const f of [provider, helper]) delete require.cache[require.resolve(f)];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(provider) as { Probe: new (name: string) => pulumi.Resource };
        };
        const serialized = async (mod: { Probe: new (name: string) => pulumi.Resource }) => {
            const ev = await withProviderCache(() => evaluateUnderMocks({ project: "p", stack: "s" }, () => new mod.Probe("x") && {}));
            return String(named(ev, "x").inputs.__provider);
        };
        try {
            const start = { ...providerCacheStats };
            const first = await serialized(load());
            assert.deepEqual([providerCacheStats.misses - start.misses, providerCacheStats.hits - start.hits], [1, 0], "first: a miss");
            assert.ok(first.includes('"probe-v1"') && first.includes("exports.handler"), first.slice(0, 300));
            const second = await serialized(load());
            assert.deepEqual([providerCacheStats.misses - start.misses, providerCacheStats.hits - start.hits], [1, 1], "same sources: a hit");
            assert.equal(second, first);
            fs.writeFileSync(helper, `export function greeting(): string { return "probe-v2"; }\n`);
            const third = await serialized(load());
            assert.deepEqual([providerCacheStats.misses - start.misses, providerCacheStats.hits - start.hits], [2, 1], "a changed helper: a miss");
            assert.ok(third.includes('"probe-v2"') && !third.includes('"probe-v1"'), third.slice(0, 300));
        } finally {
            for (const f of [provider, helper]) delete require.cache[f];
            fs.rmSync(dir, { recursive: true, force: true });
            for (const e of fs.existsSync(PROVIDER_CACHE_DIR) ? fs.readdirSync(PROVIDER_CACHE_DIR) : []) if (!entriesBefore.has(e)) fs.rmSync(path.join(PROVIDER_CACHE_DIR, e), { force: true });
        }
    });

    it("`npm run render -- local` ships, from the cache, the texts a fresh process serializes; a second run adds no entry", function () {
        this.timeout(300000);
        const out = fs.mkdtempSync(path.join(ROOT, ".cache", "render-local-"));
        const fresh = path.join(ROOT, ".cache", "probe-fresh-providers.ts");
        // The three providers declared under mocks WITHOUT the cache, in a process of their own.
        fs.writeFileSync(
            fresh,
            [
                `import { evaluateUnderMocks } from "../offline/render";`,
                `import { NatsKeyValue, NatsStream } from "../components/nats/jetstream-provider";`,
                `import { QdrantCollection } from "../components/qdrant/collection";`,
                `const nats = { servers: ["nats://127.0.0.1:4222"] };`,
                `evaluateUnderMocks({ project: "p", stack: "s" }, () => {`,
                `    new NatsStream("s", { connection: nats, name: "S", subjects: ["s.>"] });`,
                `    new NatsKeyValue("k", { connection: nats, bucket: "K" });`,
                `    new QdrantCollection("q", { connection: { url: "http://127.0.0.1:6333", apiKey: "k" }, name: "q", vectorSize: 4, distance: "Cosine", shardNumber: 1, replicationFactor: 1 });`,
                `    return {};`,
                `}).then((ev) => process.stdout.write(JSON.stringify(Object.fromEntries(ev.resources.map((r) => [r.type, r.inputs.__provider])))));`,
            ].join("\n"),
        );
        const render = () => {
            const r = spawnSync(process.execPath, [path.join(ROOT, "offline/run.cjs"), "scripts/render.ts", "local", "--out", out], { cwd: ROOT, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Array<{ type: string; inputs: Record<string, unknown> }>;
            const byType: Record<string, Set<unknown>> = {};
            for (const x of resources) if (x.type.startsWith("pulumi-nodejs:dynamic")) (byType[x.type] ??= new Set()).add(x.inputs.__provider);
            return byType;
        };
        const entries = () => new Set(fs.existsSync(PROVIDER_CACHE_DIR) ? fs.readdirSync(PROVIDER_CACHE_DIR) : []);
        try {
            render(); // fills the cache if a source changed
            const filled = entries();
            const rendered = render();
            assert.deepEqual([...entries()].filter((e) => !filled.has(e)), [], "the second render found every provider in the cache");
            const probe = spawnSync(process.execPath, [path.join(ROOT, "offline/run.cjs"), fresh], { cwd: ROOT, encoding: "utf8" });
            assert.equal(probe.status, 0, probe.stderr);
            const expected = JSON.parse(probe.stdout) as Record<string, string>;
            assert.deepEqual(Object.keys(rendered).sort(), Object.keys(expected).sort());
            for (const [type, texts] of Object.entries(rendered)) {
                assert.equal(texts.size, 1, `${type}: one provider text for all its resources`);
                assert.ok(expected[type]!.includes("exports.handler"), expected[type]!.slice(0, 200));
                assert.equal([...texts][0], expected[type], `${type}: the rendered __provider differs from a fresh serialization`);
            }
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
            fs.rmSync(fresh, { force: true });
        }
    });
});

describe("offline render: what the mock records", () => {
    it("lists resources in the order the program declares them, whatever order their inputs resolve in", async () => {
        const ev = await evaluateUnderMocks({ project: "p", stack: "s" }, () => {
            const late = pulumi.output(new Promise<number>((resolve) => setTimeout(() => resolve(8), 200)));
            new random.RandomPassword("declared-first", { length: late });
            new random.RandomPassword("declared-second", { length: 8 });
            return {};
        });
        assert.deepEqual(ev.resources.map((r) => r.name), ["declared-first", "declared-second"]);
    });

    it("does not render a resource's whole state into the SDK's discarded debug line", async () => {
        const lines: string[] = [];
        const debug = pulumi.log.debug;
        (pulumi.log as { debug: typeof debug }).debug = async (msg: string) => void lines.push(msg);
        const big = "x".repeat(100000);
        try {
            await evaluateUnderMocks({ project: "p", stack: "s" }, () => {
                new random.RandomPassword("big", { length: 8, overrideSpecial: big });
                return {};
            });
        } finally {
            (pulumi.log as { debug: typeof debug }).debug = debug;
        }
        const finished = lines.filter((l) => l.startsWith("RegisterResource RPC finished") && l.includes("::big"));
        assert.equal(finished.length, 1, lines.filter((l) => l.startsWith("RegisterResource")).join("\n").slice(0, 2000));
        assert.ok(finished[0]!.length < 500 && !finished[0]!.includes("xxxxxxxxxx"), finished[0]!.slice(0, 300));
    });
});

describe("offline/write.ts: re-rendering into an existing directory", () => {
    it("leaves it exactly as a fresh write does, rewriting only what changed and deleting what is stale", async function () {
        this.timeout(120000);
        const result = await renderStack("node3");
        const topology = result.config["daarion:topology"];
        const base = fs.mkdtempSync(path.join(ROOT, ".cache", "write-"));
        const tree = (dir: string): Record<string, string> => {
            const out: Record<string, string> = {};
            const walk = (d: string, rel: string) => {
                for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                    if (e.isDirectory()) walk(path.join(d, e.name), path.join(rel, e.name));
                    else out[path.join(rel, e.name)] = fs.readFileSync(path.join(d, e.name), "utf8");
                }
            };
            walk(dir, "");
            return out;
        };
        try {
            const fresh = path.join(base, "fresh");
            const reused = path.join(base, "reused");
            writeRender(result, fresh, topology);
            writeRender(result, reused, topology);
            const untouched = path.join(reused, "resources.json");
            const inode = fs.statSync(untouched).ino;
            const mtime = fs.statSync(untouched).mtimeMs;
            // What a previous render may leave: a stale file, a stale directory, an edited file.
            fs.writeFileSync(path.join(reused, "stale.txt"), "old");
            fs.mkdirSync(path.join(reused, "files", "gone", "deep"), { recursive: true });
            fs.writeFileSync(path.join(reused, "files", "gone", "deep", "x.conf"), "old");
            fs.writeFileSync(path.join(reused, "topology.md"), "edited");
            writeRender(result, reused, topology);
            assert.deepEqual(tree(reused), tree(fresh));
            assert.ok(!fs.existsSync(path.join(reused, "files", "gone")), "empty stale directories are removed");
            assert.equal(fs.statSync(untouched).ino, inode);
            assert.equal(fs.statSync(untouched).mtimeMs, mtime, "an unchanged file is not rewritten");
        } finally {
            fs.rmSync(base, { recursive: true, force: true });
        }
    });
});
