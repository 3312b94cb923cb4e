/**
 * npm run bench: render cost as ratios measured in ONE run, so machine noise cancels out.
 * - each stack's render time / an empty Pulumi program evaluated the same way (mock runtime);
 * - a synthetic 100-node topology's render time / the committed 3-node topology's.
 * Each measurement is the median of several repetitions after a warm-up.
 * Then the failover RTO (issue 12): the median of several kill runs of agent-core's harness
 * (test/agent/harness.ts measureKillRto: 3 loopback nodes with real nats-server, PostgreSQL and
 * agents; kill -9 of node1; time to the first committed write on node2). `--rto-runs 0` skips it.
 */
import * as path from "node:path";
import { Command } from "commander";
import { evaluateUnderMocks, readStackConfig, renderStack } from "../offline/render";

const ROOT = path.resolve(__dirname, "..");

async function median(reps: number, fn: () => Promise<unknown>): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
        const start = process.hrtime.bigint();
        await fn();
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
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

async function main(): Promise<void> {
    const program = new Command()
        .option("-r, --reps <n>", "repetitions per measurement", "5")
        .option("-n, --nodes <n>", "size of the synthetic topology", "100")
        .option("--rto-runs <n>", "failover kill runs for the RTO median (0 = skip)", "3");
    program.parse();
    const reps = Number(program.opts().reps);
    const nodes = Number(program.opts().nodes);
    const rtoRuns = Number(program.opts().rtoRuns);
    const quiet = { warn: console.warn };
    console.warn = () => undefined;
    try {
        const empty = () => evaluateUnderMocks({ project: "daarion", stack: "bench" }, () => ({}));
        await empty();
        const emptyMs = await median(reps, empty);
        console.log(`empty program: ${emptyMs.toFixed(1)} ms (baseline)`);
        console.log("stack    resources  ratio to empty program");
        for (const stack of ["node1", "node2", "node3", "local"]) {
            let count = 0;
            await renderStack(stack);
            const ms = await median(reps, async () => {
                count = (await renderStack(stack)).resources.length;
            });
            console.log(`${stack.padEnd(8)} ${String(count).padStart(9)}  ${(ms / emptyMs).toFixed(2)}x`);
        }
        const base = readStackConfig(ROOT, "local").config["daarion:topology"] as Record<string, unknown>;
        const big = syntheticTopology(base, nodes);
        const render = (topology: Record<string, unknown>) => () => renderStack("local", { editConfig: (c) => (c["daarion:topology"] = topology) });
        await render(big)();
        const threeMs = await median(reps, render(base));
        const bigMs = await median(reps, render(big));
        console.log(`synthetic ${nodes}-node topology / 3-node topology (stack local): ${(bigMs / threeMs).toFixed(2)}x (${(bigMs / threeMs / (nodes / 3)).toFixed(2)}x per node added, linear = 1.00)`);
    } finally {
        console.warn = quiet.warn;
    }
    if (rtoRuns > 0) await benchRto(rtoRuns);
}

/** Failover RTO: median of `runs` kill runs, each on a fresh loopback cluster. */
async function benchRto(runs: number): Promise<void> {
    // Loaded only here: it needs the real servers (nats-server, PostgreSQL) that the render part does not.
    const { measureKillRto } = await import("../test/agent/harness");
    const rtos: number[] = [];
    let lost = 0;
    for (let i = 1; i <= runs; i++) {
        const { rtoMs, lostRows } = await measureKillRto();
        rtos.push(rtoMs);
        lost += lostRows;
        console.log(`failover kill run ${i}/${runs}: RTO ${(rtoMs / 1000).toFixed(1)} s, ${lostRows} committed row(s) lost`);
    }
    const sorted = [...rtos].sort((a, b) => a - b);
    const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    console.log(`failover RTO (kill -9 of node1, median of ${runs}): ${(median / 1000).toFixed(1)} s (min ${(sorted[0]! / 1000).toFixed(1)} s, max ${(sorted[sorted.length - 1]! / 1000).toFixed(1)} s); RPO: ${lost} committed row(s) lost in total`);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
