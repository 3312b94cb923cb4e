/**
 * Issue 12: automated PostgreSQL failover and the SplitBrainAllowed router, on real servers
 * (test/agent/harness.ts). Each test builds a fresh 3-node cluster and removes every process and
 * iptables rule it made in its `after`/`afterEach` hooks.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { AgentCluster, IP, measureKillRto, tryWrite } from "./harness";
import { LagTrace, lsnAtLeast, procState, startLagPrometheus } from "./lag-trace";
import { getJson, sleep, waitFor } from "../support/process";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AGENT_DEFAULT_BUCKET, leaseKey } from "../../components/agent/config";

describe("node agent failover (real nats-server, postgres, iptables)", function () {
    this.timeout(240_000);
    let c: AgentCluster | undefined;

    afterEach(async function () {
        if (c && this.currentTest?.state === "failed") console.error(c.logs());
        await c?.cleanup();
        c = undefined;
    });

    it("kill -9 of node1 (postgres, agent, nats): node2 is promoted, writes continue, RTO <= 15 s, 0 rows lost", async function () {
        const { rtoMs, lostRows } = await measureKillRto();
        console.log(`      RTO (kill -9 -> first committed write on node2): ${(rtoMs / 1000).toFixed(1)} s; rows lost: ${lostRows}`);
        assert.equal(lostRows, 0);
        assert.ok(rtoMs <= 15_000, `RTO ${rtoMs} ms > 15 s`);
    });

    it("kill -9 of node1's postgres only (its agent and nats keep running): the lease lapses and node2 is promoted", async function () {
        c = new AgentCluster();
        await c.startAll();
        await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
        const killedAt = Date.now();
        c.kill9(c.pgProcs.get("node1"));
        await c.waitRole("node2", "primary", 60_000);
        assert.ok(await tryWrite(c, "node2", "after"));
        console.log(`      node2 writable ${((Date.now() - killedAt) / 1000).toFixed(1)} s after node1's postgres was killed`);
        // The agent reads the timeline without pg_control (components/agent/daemon/pg.ts): the
        // promotion started timeline 2.
        await waitFor("node2's agent reports timeline 2", async () => (await c!.agentJson("node2", "/cluster/status")).body.groups.find((g: { name: string }) => g.name === "postgres")?.local?.timeline === 2, 20_000, 250);
        assert.equal((await c.agentJson("node1", "/metrics")).body.match(/daarion_agent_lease_held\{group="postgres"\} (\d)/)?.[1], "0");
    });

    /** A writer that tries to commit to both nodes every 100 ms and records each acknowledged commit. */
    function startWriter(cluster: AgentCluster) {
        const acks: Record<"node1" | "node2", Array<{ start: number; ack: number }>> = { node1: [], node2: [] };
        let running = true;
        const done = (async () => {
            let i = 0;
            while (running) {
                i++;
                const [a, b] = await Promise.all([tryWrite(cluster, "node1", `w${i}`), tryWrite(cluster, "node2", `w${i}`)]);
                if (a) acks.node1.push(a);
                if (b) acks.node2.push(b);
                await sleep(100);
            }
        })();
        return { acks, stop: async () => ((running = false), await done) };
    }

    it("partition (iptables) of node1 from node2+node3: never both writable, 0 split-brain writes, node1 rejoins as a replica by itself, a re-render (pulumi up) keeps node2 primary", async function () {
        c = new AgentCluster();
        await c.startAll();
        await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
        const w = startWriter(c);
        await sleep(2000);
        const partitionedAt = Date.now();
        c.partition("node1");
        await c.waitRole("node2", "primary", 60_000);
        await waitFor("a committed write on node2", () => w.acks.node2.length > 0, 20_000);
        await sleep(3000);
        await w.stop();
        const lastOn1 = Math.max(...w.acks.node1.map((a) => a.ack));
        const firstOn2 = Math.min(...w.acks.node2.map((a) => a.start));
        const splitBrain = w.acks.node1.filter((a) => a.ack >= firstOn2).length;
        console.log(`      node1 accepted its last write ${((lastOn1 - partitionedAt) / 1000).toFixed(1)} s after the partition; node2 its first ${((Math.min(...w.acks.node2.map((a) => a.ack)) - partitionedAt) / 1000).toFixed(1)} s after; split-brain writes: ${splitBrain}`);
        assert.ok(w.acks.node1.length > 0, "node1 accepted writes before the partition");
        assert.ok(lastOn1 < firstOn2, `node1 acknowledged a write at ${lastOn1} after node2's first attempt at ${firstOn2}`);
        assert.equal(splitBrain, 0);
        const fenced = await c.agentJson("node1", "/metrics");
        assert.match(fenced.body as string, /daarion_agent_fenced\{group="postgres"\} 1/);

        c.heal();
        await c.waitRole("node1", "standby", 120_000);
        await waitFor("node1 streams from node2", async () => (await c!.query("node1", "SELECT status FROM pg_stat_wal_receiver"))[0]?.status === "streaming", 60_000);
        assert.ok(await tryWrite(c, "node2", "after-heal"));
        await waitFor("node1 replays node2's write", async () => (await c!.query("node1", "SELECT count(*)::int AS n FROM agent_writes WHERE tag = 'after-heal'"))[0].n === 1, 20_000);
        // `pulumi up` after the failover re-renders node2's files from the unchanged topology (node2 a
        // replica there) and replaces its container: it must come back as the primary.
        await c.pgProcs.get("node2")!.stop();
        c.startPostgres("node2");
        await c.waitRole("node2", "primary", 60_000);
        assert.equal(await c.role("node1"), "standby");
        const m = await c.agentJson("node2", "/metrics");
        assert.match(m.body as string, /daarion_agent_primary\{group="postgres",node="node2"\} 1/);
        assert.match(m.body as string, /daarion_agent_failovers_total\{group="postgres"\} 1/);
    });

    it("partition (iptables), then restart node1's postgres launcher during the partition: it does not come back writable", async function () {
        c = new AgentCluster();
        await c.startAll();
        await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
        c.partition("node1");
        // The lease node1 held before the partition stays valid for up to ttl - retryTimeout; the
        // restart happens once the agent has let that window run out (fenced), as a container
        // restarted by its runtime during a long partition would.
        await waitFor("node1 fenced", async () => /daarion_agent_fenced\{group="postgres"\} 1/.test((await c!.agentJson("node1", "/metrics")).body as string), 30_000, 250);
        c.kill9(c.pgProcs.get("node1"));
        c.startPostgres("node1");
        const until = Date.now() + 20_000;
        let accepted = 0;
        while (Date.now() < until) {
            if (await tryWrite(c, "node1", "during-partition")) accepted++;
            await sleep(200);
        }
        if (accepted) console.error(c.logs());
        assert.equal(accepted, 0, "node1 accepted writes after its restart during the partition");
        assert.equal(await c.role("node2"), "primary");
        assert.match(c.pgProcs.get("node1")!.output(), /waiting: no lease for this node and no primary to follow|standby of/);
    });

    it("SIGSTOP of node1's agent past its write window, no standby (node2's postgres killed): node1 is fenced, then reclaims its lapsed lease and is writable again", async function () {
        c = new AgentCluster();
        await c.startAll();
        await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
        // No standby can take the lease over.
        c.kill9(c.pgProcs.get("node2"));
        await waitFor("node2's postgres down", async () => (await c!.role("node2")) === "down", 30_000, 200);
        // The agent runs detached in its own process group: stop the whole group.
        const agentGroup = -c.agentProcs.get("node1")!.child.pid!;
        c.signal(agentGroup, "SIGSTOP");
        const launcher = c.pgProcs.get("node1")!;
        await waitFor("node1's watchdog fenced its server", () => /FENCED: writable without a valid lease/.test(launcher.output()), 30_000, 200);
        assert.equal(await c.role("node1"), "down");
        // Keep the agent stopped until the lease has lapsed by the bucket's own timestamps, so that
        // on waking it sees its server down for longer than a ttl (it then lets the lease lapse).
        const nc = await c.natsClient("node3", "admin");
        try {
            const kv = await new Kvm(jetstream(nc)).open(AGENT_DEFAULT_BUCKET);
            await waitFor("the lease lapsed (entry older than ttl)", async () => {
                const e = await kv.get(leaseKey("postgres"));
                return e !== null && Date.now() - e.created.getTime() > 10_000 + 2_000;
            }, 60_000, 250);
        } finally {
            await nc.close();
        }
        c.signal(agentGroup, "SIGCONT");
        // Before the fix, agent ("not renewing the lease") and launcher ("no lease") waited for each other forever.
        await c.waitRole("node1", "primary", 90_000);
        assert.ok(await tryWrite(c, "node1", "after-reclaim"), "node1 accepts writes again");
        assert.match(c.agentProcs.get("node1")!.output(), /the lease lapsed and no other member took it: reclaiming it/);
    });

    it("replica lag above the bound (walreceiver SIGSTOP) when the primary dies (kill -9): no promotion, and the alert fires in a real Prometheus", async function () {
        this.timeout(300_000);
        const BOUND = 1_048_576;
        c = new AgentCluster({ maxLagBytes: BOUND });
        await c.startAll();
        const prom = await startLagPrometheus(c);
        const trace = new LagTrace(c);
        try {
            await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
            // The walreceiver that is streaming now; stopped, it neither receives nor flushes WAL.
            const receiver = await waitFor(
                "node2's walreceiver streaming",
                async () => {
                    const [r] = await c!.query("node2", "SELECT pid, status FROM pg_stat_wal_receiver");
                    return r?.status === "streaming" && Number(r.pid);
                },
                30_000,
                200,
            );
            c.signal(receiver, "SIGSTOP");
            await waitFor("walreceiver stopped (state T)", () => procState(receiver) === "T", 5_000, 50);
            // ~23 MB of WAL on node1 that node2 never receives.
            await c.query("node1", "INSERT INTO agent_writes(node, tag) SELECT 'node1', repeat('x', 1000) FROM generate_series(1, 20000)", [], 60_000);
            const [{ lsn: written }] = await c.query("node1", "SELECT pg_current_wal_lsn()::text AS lsn");
            // node1's agent publishes its WAL position with each renewal; node2's agent measures its replay
            // position against the published one. Both are observed, not assumed.
            await trace.until("node1's agent published a WAL position at or past the insert, and node2's agent reports lag above the bound", async (row) => row.leaderWal !== undefined && (await lsnAtLeast(c!, row.leaderWal, written)) && (row.agentLag ?? 0) > BOUND, 60_000);
            const killedAt = Date.now();
            c.killNode("node1");
            // The agent judged the expired lease and refused: its status says why. Wait for that, then
            // for the rendered alert rule to fire in Prometheus, while node2 must stay a standby.
            await trace.until("node2's agent saw the lease expire and refused to promote", async (row) => /^not promoting: replay .* bytes behind/.test(row.note ?? ""), 60_000);
            const firing = await waitFor(
                "AgentReplicationLagAboveBound firing for node2",
                async () => {
                    assert.equal(await c!.role("node2"), "standby", "node2 was promoted although it lagged");
                    const r = await getJson<{ data: { alerts: { labels: Record<string, string>; state: string; value: string }[] } }>(`${prom.url}/api/v1/alerts`);
                    return r.data.alerts.find((a) => a.labels.alertname === "AgentReplicationLagAboveBound" && a.labels.node === "node2" && a.state === "firing");
                },
                150_000,
                1_000,
            ).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${prom.proc.output().slice(-2000)}`)));
            assert.equal(await c.role("node2"), "standby", "node2 was promoted although it lagged");
            const m = (await c.agentJson("node2", "/metrics")).body as string;
            const lag = Number(/daarion_agent_replication_lag_bytes\{group="postgres"\} (\d+)/.exec(m)?.[1]);
            console.log(`      lag ${lag} bytes > bound ${BOUND}: node2 not promoted ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the kill; alert firing with value ${firing.value}`);
            assert.ok(lag > BOUND, m);
            assert.match(m, /daarion_agent_failovers_total\{group="postgres"\} 0/);
            assert.match(m, /daarion_agent_lease_held\{group="postgres"\} 0/);
        } catch (e) {
            console.error(trace.dump());
            throw e;
        } finally {
            await trace.close();
            await prom.stop();
        }
    });

    it("SplitBrainAllowed router, partition (iptables): the standby serves during the partition, both run after healing", async function () {
        const healthy = { node1: true, node2: true };
        const servers = (["node1", "node2"] as const).map((n) =>
            http.createServer((_q, r) => r.writeHead(healthy[n] ? 200 : 503).end()).listen(18080, IP[n]),
        );
        try {
            c = new AgentCluster({ postgres: false, router: { healthUrls: { node1: `http://${IP.node1}:18080/`, node2: `http://${IP.node2}:18080/` } } });
            await c.startAll();
            const ready = async (n: "node1" | "node2") => (await c!.agentJson(n, "/ready/router").catch(() => ({ status: 0 }))).status;
            await waitFor("node1 active, node2 standby", async () => (await ready("node1")) === 200 && (await ready("node2")) === 503, 30_000, 250);
            healthy.node1 = false; // node1's router unhealthy: the standby takes the traffic
            await waitFor("node2 serves while node1's router is unhealthy", async () => (await ready("node2")) === 200 && (await ready("node1")) === 503, 30_000, 250);
            healthy.node1 = true;
            await waitFor("node1 active again", async () => (await ready("node1")) === 200 && (await ready("node2")) === 503, 30_000, 250);
            // Services with their own consensus are reported: the JetStream meta leader here.
            const status = await c.agentJson("node2", "/cluster/status");
            assert.equal(status.status, 200);
            assert.match(String(status.body.services.natsMetaLeader), /^core-node[123]$/);
            c.partition("node1");
            await waitFor("both serve during the partition", async () => (await ready("node1")) === 200 && (await ready("node2")) === 200, 40_000, 250);
            c.heal();
            await waitFor("node1 active, node2 standby after healing", async () => (await ready("node1")) === 200 && (await ready("node2")) === 503, 60_000, 250);
            for (const n of ["node1", "node2"] as const) assert.equal(c.agentProcs.get(n)!.child.exitCode, null, `${n}'s agent still runs`);
        } finally {
            for (const s of servers) s.close();
        }
    });
});
