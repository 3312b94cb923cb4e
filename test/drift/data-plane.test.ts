/**
 * Drift of the data plane (issue 12): what the node agents answer on /cluster/status against the
 * topology's preference. Recorded answers (shaped like components/agent/daemon GroupStatus) for
 * the report logic; then `npm run drift -- --agents-only` against the REAL agent bundle, first
 * without NATS, then with a real nats-server holding its lease bucket.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { bundleAgent } from "../../components/agent/bundle";
import { AgentAnswer, buildDataPlaneReport, dataPlaneExitCode } from "../../components/drift/data-plane";
import { freePort as ingressFreePort } from "../ingress/support";
import { getJson, makeTempDir, requireBinary, startProcess, stopAllProcesses, waitFor } from "../support/process";
import { committedTopology, REPO_ROOT as ROOT } from "../support/topology";

const topology = committedTopology();

const ok = (node: string, groups: object[], services?: object): AgentAnswer => ({ ok: true, status: { node, nats: true, groups: groups as never, ...(services ? { services } : {}) } });
const pg = (extra: object) => ({ name: "postgres", strategy: "AbsoluteConsistency", holder: "node1", primaryNode: "node1", term: 1, leaseHeld: false, fenced: true, lagBoundBytes: 1048576, ...extra });
const router = (extra: object) => ({ name: "router", strategy: "SplitBrainAllowed", holder: "node1", primaryNode: "node1", fenced: false, ...extra });
/** `services` as components/agent/daemon/observe.ts reports it. */
const OBSERVE = { natsMetaLeader: "core-node2", sentinelMaster: { host: "10.10.2.11", port: 6379, agreeing: 3, asked: 3 }, errors: [] };

/** The healthy platform: node1 primary and active, node2 replica within its bound. */
function healthy(): Record<string, AgentAnswer> {
    return {
        node1: ok("node1", [pg({ leaseHeld: true, fenced: false }), router({ leaseHeld: true })], OBSERVE),
        node2: ok("node2", [pg({ lagBytes: 1024 }), router({})], OBSERVE),
        node3: ok("node3", [], OBSERVE),
    };
}

describe("drift: data plane from recorded /cluster/status answers", () => {
    it("healthy platform: no findings, exit 0", () => {
        const r = buildDataPlaneReport(topology, healthy());
        assert.deepEqual([r.findings, r.errors, r.notReported], [[], [], []]);
        assert.equal(dataPlaneExitCode(r), 0);
    });

    const cases: { name: string; edit: (a: Record<string, AgentAnswer>) => void; kinds: string[]; message: RegExp }[] = [
        {
            name: "after a failover node2 is primary, the topology prefers node1",
            edit: (a) => {
                // node1 came back as a replica; node2 keeps the lease it took.
                a.node1 = ok("node1", [pg({ holder: "node2", primaryNode: "node2", term: 2 }), router({ leaseHeld: true })], OBSERVE);
                a.node2 = ok("node2", [pg({ holder: "node2", primaryNode: "node2", term: 2, leaseHeld: true, fenced: false }), router({})], OBSERVE);
            },
            kinds: ["primary-differs"],
            message: /postgres: node2's agent sees node2 as primary; the topology prefers node1 \(term 2\)/,
        },
        { name: "the preferred primary is fenced", edit: (a) => (a.node1 = ok("node1", [pg({ leaseHeld: true, fenced: true })], OBSERVE)), kinds: ["fenced"], message: /node1 is fenced for postgres: it holds the lease but may not accept writes/ },
        { name: "replica lag above its bound", edit: (a) => (a.node2 = ok("node2", [pg({ lagBytes: 5_000_000 })], OBSERVE)), kinds: ["lag-above-bound"], message: /node2 lags 5000000 bytes .* above its bound of 1048576/ },
        {
            name: "no Sentinel quorum",
            edit: (a) => {
                for (const n of ["node1", "node2", "node3"]) (a[n] as { status: { services: object } }).status.services = { ...OBSERVE, sentinelMaster: { host: "10.10.2.11", port: 6379, agreeing: 1, asked: 3 } };
            },
            kinds: ["no-sentinel-quorum"],
            message: /Redis Sentinel has no quorum according to node1, node2, node3: at most 1 Sentinel\(s\) agree on a master, quorum is 2/,
        },
        {
            name: "JetStream without a meta leader",
            edit: (a) => {
                for (const n of ["node1", "node2", "node3"]) (a[n] as { status: { services: object } }).status.services = { ...OBSERVE, natsMetaLeader: null };
            },
            kinds: ["no-jetstream-meta-leader"],
            message: /JetStream has no meta leader/,
        },
    ];
    for (const c of cases) {
        it(`${c.name}: exit 1`, () => {
            const a = healthy();
            c.edit(a);
            const r = buildDataPlaneReport(topology, a);
            assert.deepEqual([...new Set(r.findings.map((f) => f.kind))], c.kinds, JSON.stringify(r.findings));
            assert.ok(r.findings.some((f) => c.message.test(f.message)), JSON.stringify(r.findings));
            assert.equal(dataPlaneExitCode(r), 1);
        });
    }

    it("an agent that cannot be asked makes the result an error (2), even with drift elsewhere", () => {
        const a = healthy();
        a.node3 = { ok: false, error: "connect ECONNREFUSED" };
        a.node2 = ok("node2", [pg({ lagBytes: 5_000_000 })], OBSERVE);
        const r = buildDataPlaneReport(topology, a);
        assert.equal(r.hasDrift, true);
        assert.equal(dataPlaneExitCode(r), 2);
        assert.match(r.errors[0]!, /node3: agent did not answer \/cluster\/status: connect ECONNREFUSED/);
    });

    it("an agent without `services` leaves Sentinel and JetStream 'not reported', not 'healthy'", () => {
        const a = healthy();
        for (const n of ["node1", "node2", "node3"]) delete (a[n] as { status: { services?: object } }).status.services;
        const r = buildDataPlaneReport(topology, a);
        assert.deepEqual(r.notReported, ["JetStream meta leader", "Sentinel quorum"]);
        assert.equal(dataPlaneExitCode(r), 0);
    });
});

describe("drift: `npm run drift -- --agents-only` against the real agent bundle", function () {
    this.timeout(120_000);
    const dir = makeTempDir("drift-agents");
    const IPS = { node1: "127.0.1.11", node2: "127.0.1.12", node3: "127.0.1.13" } as const;
    const ports: Record<string, number> = {};
    let natsPort: number;
    after(async () => {
        await stopAllProcesses();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function drift(): { status: number | null; stdout: string; stderr: string } {
        const agents = Object.entries(IPS).map(([n, ip]) => `${n}=http://${ip}:${ports[n]}`).join(",");
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/drift.ts"), "--agents-only", "--format", "json", "--agents", agents], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    before(async () => {
        const js = path.join(dir, "agent.js");
        fs.writeFileSync(js, bundleAgent().code);
        natsPort = await ingressFreePort("127.0.1.11");
        for (const [node, ip] of Object.entries(IPS)) {
            ports[node] = await ingressFreePort(ip);
            const cfg = path.join(dir, `${node}.json`);
            fs.writeFileSync(cfg, JSON.stringify({ node, listen: `${ip}:${ports[node]}`, nats: { servers: [`nats://127.0.1.11:${natsPort}`], user: "node-agent", passwordEnv: "NATS_PASSWORD" }, timing: { ttlMs: 3000, loopMs: 500, retryTimeoutMs: 1000 }, groups: [] }));
            startProcess(`agent-${node}`, process.execPath, [js, "--config", cfg], { env: { ...process.env, NATS_PASSWORD: "node-agent-password-01" } });
        }
        for (const [node, ip] of Object.entries(IPS)) await waitFor(`agent ${node}`, async () => (await fetch(`http://${ip}:${ports[node]}/cluster/status`).then((r) => r.json()).catch(() => undefined)) as object | undefined, 20_000);
    });

    it("no NATS: every agent answers but none reaches its lease bucket -> drift (exit 1)", () => {
        const r = drift();
        assert.equal(r.status, 1, r.stderr + r.stdout);
        const report = JSON.parse(r.stdout);
        assert.deepEqual(report.dataPlane.findings.map((f: { kind: string }) => f.kind), ["no-jetstream-meta-leader"]);
        assert.match(report.dataPlane.findings[0].message, /no agent reaches its JetStream lease bucket/);
    });

    it("an agent that does not answer -> error (exit 2), never 'no drift'", async () => {
        const saved = ports.node3!;
        ports.node3 = await ingressFreePort(IPS.node3);
        try {
            const r = drift();
            assert.equal(r.status, 2, r.stderr + r.stdout);
            assert.match(JSON.parse(r.stdout).dataPlane.errors.join("\n"), /node3: agent did not answer/);
        } finally {
            ports.node3 = saved;
        }
    });

    it("with a real nats-server holding the bucket: the agents reach it -> no drift (exit 0)", async () => {
        const natsServer = requireBinary("nats-server");
        const conf = path.join(dir, "nats.conf");
        fs.writeFileSync(conf, [
            `listen: "127.0.1.11:${natsPort}"`,
            `jetstream { store_dir: "${path.join(dir, "js")}" }`,
            `accounts { APP { jetstream: enabled, users: [ { user: "node-agent", password: "node-agent-password-01" } ] } }`,
        ].join("\n"));
        startProcess("nats", natsServer, ["-c", conf]);
        await waitFor("nats-server", async () => {
            try {
                const nc = await connect({ servers: `nats://127.0.1.11:${natsPort}`, user: "node-agent", pass: "node-agent-password-01" });
                await new Kvm(jetstream(nc)).create("failover", { history: 1 });
                await nc.close();
                return true;
            } catch {
                return undefined;
            }
        }, 20_000);
        await waitFor("agents on NATS", async () => {
            const all = await Promise.all(Object.entries(IPS).map(([n, ip]) => getJson<{ nats: boolean }>(`http://${ip}:${ports[n]}/cluster/status`).catch(() => ({ nats: false }))));
            return all.every((s) => s.nats) ? true : undefined;
        }, 30_000);
        const r = drift();
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.deepEqual(JSON.parse(r.stdout).dataPlane.findings, []);
    });
});
