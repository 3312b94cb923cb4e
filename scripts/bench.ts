/**
 * npm run bench: render cost and deployment critical paths, measured in ONE run so machine noise
 * hits both sides of every ratio alike.
 * 1. Each stack's `npm run render` command (a fresh process, as a user runs it) against a bare
 *    `node -e "require('@pulumi/pulumi')"`: medians of --reps runs, interleaved.
 * 2. Per stack, the `pulumi up` critical path under the cost model of offline/critical-path.ts,
 *    next to the physical minimum (data edges only), and the order-only (`dependsOn`) edges on the
 *    critical path: each one is a candidate serial chain.
 * 3. Render time per resource, in process, for the committed 3-node topology and synthetic
 *    topologies of --nodes/2 and --nodes nodes (stack local): linear growth keeps the last two close.
 * 4. The failover RTO (issue 12): the median of --rto-runs kill runs (`--rto-runs 0` skips it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { readStackConfig, RenderResult, renderStack } from "../offline/render";
import { allEdges, COST, dataEdges, GraphResource, longestPath, orderOnlyEdges, shortName } from "../offline/critical-path";

const ROOT = path.resolve(__dirname, "..");
const STACKS = ["node1", "node2", "node3", "local"];

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall-clock milliseconds of one process run; a failing run aborts the bench. */
function timeProcess(argv: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited with ${r.status}: ${r.stderr}`);
    return ms;
}

/** Medians of wall-clock and CPU (user + system) milliseconds of `fn` run in this process. */
async function inProcess<T>(reps: number, fn: () => Promise<T>): Promise<{ wall: number; cpu: number; warmUp: T }> {
    const warmUp = await fn(); // module loading and the dynamic providers' closure serialization
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
        const start = process.hrtime.bigint();
        const startCpu = process.cpuUsage();
        await fn();
        const used = process.cpuUsage(startCpu);
        wall.push(Number(process.hrtime.bigint() - start) / 1e6);
        cpu.push((used.user + used.system) / 1000);
    }
    return { wall: median(wall), cpu: median(cpu), warmUp };
}

/** The committed topology grown to `count` nodes: node1 stays the primary, the rest join as edge nodes. */
export function syntheticTopology(base: Record<string, unknown>, count: number): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const t = structuredClone(base) as any;
    const core = ["node1", "node2", "node3"];
    for (let i = 4; i <= count; i++) {
        t.nodes[`node${i}`] = {
            role: "edge",
            privateIp: `10.10.1.${10 + i}`,
            provisioner: { kind: "hcloud", serverType: "cx32", location: ["fsn1", "nbg1", "hel1"][i % 3], volumeSizeGb: 50 },
        };
        t.services.gateway.placement[`node${i}`] = "active";
    }
    t.replication.nats.clusters = [
        { name: "core", nodes: core, jetstream: { domain: "core" } },
        { name: "edge", nodes: Object.keys(t.nodes).filter((n) => !core.includes(n)), leafnodeTo: "core", jetstream: { domain: "edge" } },
    ];
    return t;
}

function graphOf(result: RenderResult): GraphResource[] {
    return result.resources;
}

function measureRatios(reps: number): void {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "daarion-bench-"));
    try {
        const bare = [process.execPath, "-e", "require('@pulumi/pulumi')"];
        // The command `npm run render` runs (package.json "render"), without npm's own start-up.
        const render = (stack: string) => [process.execPath, path.join(ROOT, "offline/run.cjs"), "scripts/render.ts", stack, "--out", path.join(out, stack)];
        const npm = ["npm", "run", "-s", "render", "--", "node1", "--out", path.join(out, "npm")];
        const samples = new Map<string, number[]>();
        const add = (k: string, ms: number) => samples.set(k, [...(samples.get(k) ?? []), ms]);
        timeProcess(render("node1")); // fills the compile cache (.cache/ts) if the sources changed
        for (let i = 0; i < reps; i++) {
            add("bare", timeProcess(bare));
            for (const s of STACKS) add(s, timeProcess(render(s)));
            add("npm", timeProcess(npm));
        }
        const bareMs = median(samples.get("bare")!);
        console.log(`render cost, medians of ${reps} interleaved runs (wall clock):`);
        console.log(`  bare node -e "require('@pulumi/pulumi')"   ${bareMs.toFixed(0).padStart(5)} ms  1.00x`);
        for (const s of STACKS) {
            const ms = median(samples.get(s)!);
            console.log(`  render ${s.padEnd(36)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / bareMs).toFixed(2)}x`);
        }
        const npmMs = median(samples.get("npm")!);
        console.log(`  npm run render -- node1 (npm start-up included) ${npmMs.toFixed(0).padStart(5)} ms  ${(npmMs / bareMs).toFixed(2)}x`);
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

async function criticalPaths(): Promise<void> {
    console.log(
        `critical path of a first \`pulumi up\` (cost model, offline/critical-path.ts: image pull ${COST.imagePull} s, container create ${COST.containerCreate} s` +
            ` + healthy wait when \`wait: true\`, provider configure ${COST.providerConfigure} s, provider call ${COST.providerCall} s, hcloud server ${COST.serverBoot} s):`,
    );
    for (const stack of STACKS) {
        const graph = graphOf(await renderStack(stack));
        const critical = longestPath(graph, allEdges);
        const minimum = longestPath(graph, dataEdges);
        console.log(`${stack}: critical path ${critical.seconds} s (minimum ${minimum.seconds} s): ${critical.chain.map(shortName).join(" -> ")}`);
        const onPath = new Set(critical.chain.map((r) => r.urn));
        const byUrn = new Map(graph.map((r) => [r.urn, r]));
        for (const r of critical.chain) {
            for (const urn of orderOnlyEdges(r).filter((u) => onPath.has(u))) console.log(`    order-only edge on the path: ${shortName(byUrn.get(urn)!)} -> ${shortName(r)}`);
        }
    }
}

async function linearity(reps: number, nodes: number): Promise<void> {
    const base = readStackConfig(ROOT, "local").config["daarion:topology"] as Record<string, unknown>;
    const withTopology = (topology: Record<string, unknown>) => () => renderStack("local", { editConfig: (c) => (c["daarion:topology"] = topology) });
    // Resources differ in weight: what each carries through the SDK's serialization is its inputs.
    const measure = async (count: number) => {
        const time = await inProcess(reps, withTopology(count === 3 ? base : syntheticTopology(base, count)));
        const resources = time.warmUp.resources;
        const shape = { count: resources.length, inputBytes: resources.reduce((sum, r) => sum + JSON.stringify(r.inputs).length, 0) };
        return { nodes: count, shape, time };
    };
    // The 3-node stack is three core nodes; every synthetic node beyond it is an edge node with
    // fewer, lighter resources, so 3 -> N changes the mix of resources as well as their number.
    // N/2 -> N keeps the mix (core plus edge nodes alike): that pair is the linearity check.
    const half = Math.max(4, Math.round(nodes / 2));
    const points = [await measure(3), await measure(half), await measure(nodes)];
    // CPU time is the robust figure on a shared machine (other processes stretch wall time, not CPU).
    console.log(`render cost per resource (in process, stack local, medians of ${reps}; CPU = user + system):`);
    for (const { nodes: n, shape, time: t } of points) {
        console.log(
            `  ${n} nodes: ${shape.count} resources, CPU ${t.cpu.toFixed(0)} ms = ${(t.cpu / shape.count).toFixed(2)} ms/resource (wall ${t.wall.toFixed(0)} ms = ${(t.wall / shape.count).toFixed(2)} ms/resource);` +
                ` inputs ${(shape.inputBytes / shape.count / 1024).toFixed(1)} KiB/resource`,
        );
    }
    const perResource = (p: (typeof points)[number]) => p.time.cpu / p.shape.count;
    const [small, mid, big] = points as [(typeof points)[number], (typeof points)[number], (typeof points)[number]];
    console.log(`  ${nodes}-node / 3-node CPU cost per resource: ${(perResource(big) / perResource(small)).toFixed(2)}x (the mix changes: edge nodes added)`);
    console.log(`  ${nodes}-node / ${half}-node CPU cost per resource: ${(perResource(big) / perResource(mid)).toFixed(2)}x (the same mix; linear = 1.00)`);
    // The fixed part (config parsing, runtime set-up) is paid once per render; the marginal cost is what each added resource costs.
    console.log(`  marginal CPU: ${((big.time.cpu - small.time.cpu) / (big.shape.count - small.shape.count)).toFixed(2)} ms per added resource`);
}

async function main(): Promise<void> {
    const program = new Command()
        .option("-r, --reps <n>", "repetitions per measurement", "5")
        .option("-n, --nodes <n>", "size of the synthetic topology", "100")
        .option("--skip-ratios", "skip the process-level render timings")
        .option("--rto-runs <n>", "failover kill runs for the RTO median (0 = skip)", "3");
    program.parse();
    const reps = Number(program.opts().reps);
    const nodes = Number(program.opts().nodes);
    const rtoRuns = Number(program.opts().rtoRuns);
    console.log(`machine: ${os.cpus().length} CPU(s), load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    if (!program.opts().skipRatios) measureRatios(reps);
    const quiet = console.warn;
    console.warn = () => undefined;
    try {
        await criticalPaths();
        await linearity(reps, nodes);
    } finally {
        console.warn = quiet;
    }
    if (rtoRuns > 0) await benchRto(rtoRuns);
}

/**
 * Failover RTO (issue 12): the median of `runs` kill runs of test/agent/harness.ts measureKillRto,
 * each on a fresh loopback cluster (real nats-server, PostgreSQL and agents; kill -9 of node1; time
 * to the first committed write on node2).
 */
async function benchRto(runs: number): Promise<void> {
    // Loaded only here: it needs the real servers (nats-server, PostgreSQL) that the render part does not.
    // require, not import(): offline/run.cjs compiles TypeScript through the CommonJS loader only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { measureKillRto } = require("../test/agent/harness") as typeof import("../test/agent/harness");
    const rtos: number[] = [];
    let lost = 0;
    for (let i = 1; i <= runs; i++) {
        const { rtoMs, lostRows } = await measureKillRto();
        rtos.push(rtoMs);
        lost += lostRows;
        console.log(`failover kill run ${i}/${runs}: RTO ${(rtoMs / 1000).toFixed(1)} s, ${lostRows} committed row(s) lost`);
    }
    const sorted = [...rtos].sort((a, b) => a - b);
    console.log(
        `failover RTO (kill -9 of node1, median of ${runs}): ${(median(rtos) / 1000).toFixed(1)} s (min ${(sorted[0]! / 1000).toFixed(1)} s, max ${(sorted[sorted.length - 1]! / 1000).toFixed(1)} s); RPO: ${lost} committed row(s) lost in total`,
    );
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    },
);
