/**
 * Real redis-server master (127.0.1.11) + replica (127.0.1.12) and three redis-sentinels
 * (127.0.1.11-13), all from the rendered configs (only directories substituted). Kills the master
 * and checks the sentinels promote the replica within down-after + failover-timeout and that writes
 * continue on the address the sentinels hand out. Then applies a changed sentinel template (rotated
 * password, new quorum) after the failover and checks nobody goes back to the initial master
 * (issue 10 finding 7). Also runs the rendered edge cache.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    RedisSecrets,
    RedisTopology,
    renderEdgeCacheConf,
    renderRedisConf,
    renderRedisLauncher,
    renderSentinelConf,
    renderSentinelLauncher,
} from "../../components/redis/render";
import { makeTempDir, requireBinary, RunningProcess, run, sleep, startProcess, stopAllProcesses, waitFor, waitForTcp } from "../support/process";

const N1 = { name: "node1", privateIp: "127.0.1.11" };
const N2 = { name: "node2", privateIp: "127.0.1.12" };
const N3 = { name: "node3", privateIp: "127.0.1.13" };
// Short detection so the suite stays fast; the failover path is the same as with the defaults.
const TOPOLOGY: RedisTopology = {
    master: N1,
    replicas: [N2],
    sentinels: [N1, N2, N3],
    quorum: 2,
    downAfterMs: 1500,
    failoverTimeoutMs: 10000,
};
const SECRETS: RedisSecrets = { password: 'redis "pass" \\ word', sentinelPassword: "sentinel-pass-0001" };

describe("redis master/replica + sentinel (real servers)", function () {
    this.timeout(90_000);
    const redisServer = requireBinary("redis-server");
    const redisSentinel = requireBinary("redis-sentinel");
    const redisCli = requireBinary("redis-cli");
    let base: string;
    const servers: Record<string, RunningProcess> = {};
    const sentinels: Record<string, RunningProcess> = {};
    /** The sentinels' password; the finding-7 test rotates it. */
    let sentinelPassword = SECRETS.sentinelPassword;

    const cli = (host: string, port: number, password: string, ...args: string[]) =>
        run(redisCli, ["-h", host, "-p", String(port), "--no-auth-warning", "-a", password, ...args]).trim();
    const redis = (host: string, ...args: string[]) => cli(host, 6379, SECRETS.password, ...args);
    const sentinel = (host: string, ...args: string[]) => cli(host, 26379, sentinelPassword, ...args);

    /**
     * Start a sentinel the way the container does: the runtime places the rendered file read-only,
     * the launcher writes the writable config on the sentinel's "volume" (its directory).
     */
    const startSentinel = (node: string, topology: RedisTopology, secrets: RedisSecrets): RunningProcess => {
        const dir = path.join(base, node, "sentinel");
        fs.mkdirSync(dir, { recursive: true });
        const template = path.join(dir, "sentinel.rendered.conf");
        fs.rmSync(template, { force: true });
        fs.writeFileSync(template, renderSentinelConf({ topology, node, dir }, secrets), { mode: 0o444 });
        const [sh, flag, script] = renderSentinelLauncher({ topology, node, template, target: path.join(dir, "sentinel.conf") });
        sentinels[node] = startProcess(`sentinel-${node}`, sh!, [flag!, script!], {
            env: { ...process.env, REDISCLI_AUTH: secrets.sentinelPassword, PATH: `${path.dirname(redisSentinel)}:${path.dirname(redisCli)}:${process.env.PATH}` },
        });
        return sentinels[node]!;
    };

    /**
     * Start a server the way the container does: the launcher copies the rendered template to the
     * writable config and takes `replicaof` from the sentinels when they answer.
     */
    const startRedis = (node: string, sentinelAuth = SECRETS.sentinelPassword): RunningProcess => {
        const dir = path.join(base, node, "redis");
        fs.mkdirSync(dir, { recursive: true });
        const template = path.join(dir, "redis.template.conf");
        fs.writeFileSync(template, renderRedisConf({ topology: TOPOLOGY, node, dataDir: dir }, SECRETS), { mode: 0o600 });
        const [sh, flag, script] = renderRedisLauncher({ topology: TOPOLOGY, node, template, target: path.join(dir, "redis.conf"), exec: [redisServer, "{config}"] });
        return startProcess(`redis-${node}`, sh!, [flag!, script!], { env: { ...process.env, SENTINEL_AUTH: sentinelAuth, PATH: `${path.dirname(redisCli)}:${process.env.PATH}` } });
    };

    before(async function () {
        base = makeTempDir("redis");
        for (const n of [N1, N2]) {
            const dir = path.join(base, n.name, "redis");
            fs.mkdirSync(dir, { recursive: true });
            servers[n.name] = startRedis(n.name);
            await waitForTcp(n.privateIp, 6379);
        }
        for (const n of TOPOLOGY.sentinels) {
            startSentinel(n.name, TOPOLOGY, SECRETS);
            await waitForTcp(n.privateIp, 26379);
        }
    });

    after(async function () {
        await stopAllProcesses();
        if (base) fs.rmSync(base, { recursive: true, force: true });
    });

    it("replicates master -> replica and the sentinels see every peer at its announced address", async function () {
        assert.equal(redis(N1.privateIp, "SET", "k1", "v1"), "OK");
        await waitFor("k1 on the replica", () => redis(N2.privateIp, "GET", "k1") === "v1");
        assert.match(redis(N2.privateIp, "INFO", "replication"), /role:slave[\s\S]*master_host:127\.0\.1\.11/);
        await waitFor("every sentinel to know 2 other sentinels and the replica at 127.0.1.12", () =>
            TOPOLOGY.sentinels.every((n) => {
                const master = sentinel(n.privateIp, "SENTINEL", "MASTER", "daarion");
                return /\nnum-other-sentinels\n2\n/.test(`\n${master}\n`) && /127\.0\.1\.12/.test(sentinel(n.privateIp, "SENTINEL", "REPLICAS", "daarion"));
            }),
            20_000,
        );
        assert.match(sentinel(N3.privateIp, "SENTINEL", "CKQUORUM", "daarion"), /^OK 3 usable Sentinels/);
        // Sentinels require their own password.
        const denied = spawnSync(redisCli, ["-h", N3.privateIp, "-p", "26379", "--no-auth-warning", "-a", "wrong", "SENTINEL", "MASTERS"], { encoding: "utf8" });
        assert.match(`${denied.stdout}${denied.stderr}`, /WRONGPASS|NOAUTH/);
        assert.doesNotMatch(denied.stdout, /127\.0\.1\.1/);
    });

    it("promotes the replica within down-after + failover-timeout after the master dies, and writes continue", async function () {
        const started = Date.now();
        await servers.node1.stop("SIGKILL");
        const budget = TOPOLOGY.downAfterMs! + TOPOLOGY.failoverTimeoutMs!;
        await waitFor(
            "the sentinels to hand out 127.0.1.12 as master",
            () => sentinel(N3.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion") === "127.0.1.12\n6379",
            budget,
            100,
        );
        await waitFor("127.0.1.12 to accept writes", () => redis(N2.privateIp, "SET", "k2", "after-failover") === "OK", budget - (Date.now() - started));
        const elapsed = Date.now() - started;
        assert.ok(elapsed <= budget, `failover took ${elapsed} ms > ${budget} ms`);
        // The other Sentinels learn the new configuration from the leader's hello messages
        // (every 2 s), so they may answer with the old master for a moment.
        for (const n of TOPOLOGY.sentinels) {
            await waitFor(`sentinel ${n.name} to report 127.0.1.12`, () => sentinel(n.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion") === "127.0.1.12\n6379", 10_000);
        }
        const host = N2.privateIp;
        assert.equal(redis(host, "GET", "k1"), "v1", "data written before the failover survives");
        assert.match(redis(host, "INFO", "replication"), /role:master/);
        // Sentinel persisted the new master in its writable config.
        const rewritten = fs.readFileSync(path.join(base, "node3", "sentinel", "sentinel.conf"), "utf8");
        assert.match(rewritten, /sentinel monitor daarion 127\.0\.1\.12 6379 2/);
    });

    it("a recreated old master follows the sentinels and rejoins as a replica, keeping the new master's writes", async function () {
        // The template still says node1 is the master (the topology was not changed): without the
        // launcher, node1 would come back as a second master.
        servers.node1 = startRedis("node1");
        await waitForTcp(N1.privateIp, 6379);
        await waitFor("node1 to replicate from 127.0.1.12", () => /role:slave[\s\S]*master_host:127\.0\.1\.12[\s\S]*master_link_status:up/.test(redis(N1.privateIp, "INFO", "replication")), 30_000);
        assert.equal(redis(N1.privateIp, "GET", "k2"), "after-failover");
        assert.match(redis(N2.privateIp, "INFO", "replication"), /role:master/);
        assert.match(servers.node1.output(), /sentinels report master 127\.0\.1\.12 6379/);
    });

    describe("sentinel reset after a failover (issue 10 finding 7)", function () {
        // The changed template: rotated sentinel password and quorum 2 -> 3. Its `sentinel monitor`
        // still names the topology's initial master node1, which is no longer the master.
        const ROTATED: RedisSecrets = { ...SECRETS, sentinelPassword: "sentinel-pass-0002" };
        const CHANGED: RedisTopology = { ...TOPOLOGY, quorum: 3 };
        const roles = { samples: 0, twoMasters: [] as string[] };
        let watcher: NodeJS.Timeout | undefined;
        const roleOf = (host: string): string | undefined => {
            const r = spawnSync(redisCli, ["-h", host, "-p", "6379", "--no-auth-warning", "-a", SECRETS.password, "ROLE"], { encoding: "utf8", timeout: 2000 });
            return r.status === 0 ? r.stdout.split("\n")[0] : undefined;
        };
        /** A master that takes a write within 300 ms (one shutting down pauses writes, see Redis' shutdown-timeout). */
        const writableMaster = (host: string): boolean => {
            if (roleOf(host) !== "master") return false;
            const r = spawnSync(redisCli, ["-h", host, "-p", "6379", "--no-auth-warning", "-a", SECRETS.password, "SET", "daarion:watch", host], { encoding: "utf8", timeout: 300 });
            return r.status === 0 && r.stdout.trim() === "OK";
        };

        before(function () {
            assert.match(redis(N2.privateIp, "INFO", "replication"), /role:master/, "precondition: node2 was promoted by the failover above");
            assert.match(redis(N1.privateIp, "INFO", "replication"), /role:slave/, "precondition: node1 rejoined as a replica");
            // Every 50 ms for the rest of this block: is there a moment with two writable masters?
            watcher = setInterval(() => {
                roles.samples++;
                if (writableMaster(N1.privateIp) && writableMaster(N2.privateIp)) roles.twoMasters.push(new Date().toISOString());
            }, 50);
        });

        after(function () {
            if (watcher) clearInterval(watcher);
        });

        it("a Redis restarted before its sentinels still finds them with the previous sentinel password", async function () {
            // Rollout order puts the sentinel first, but a restart can happen at any time: node1's
            // container already has the rotated password while every sentinel still runs the old one.
            await servers.node1!.stop();
            servers.node1 = startRedis("node1", ROTATED.sentinelPassword);
            await waitForTcp(N1.privateIp, 6379);
            await waitFor("node1 to replicate from 127.0.1.12", () => /role:slave[\s\S]*master_host:127\.0\.1\.12[\s\S]*master_link_status:up/.test(redis(N1.privateIp, "INFO", "replication")), 30_000);
            assert.match(servers.node1.output(), /sentinels report master 127\.0\.1\.12 6379/);
        });

        it("restarting every sentinel with a changed template (rotated password, quorum 3) keeps the promoted master", async function () {
            const templateMaster = /^sentinel monitor daarion (\S+) /m.exec(renderSentinelConf({ topology: CHANGED, node: "node1", dir: "/d" }, ROTATED))![1];
            assert.equal(templateMaster, N1.privateIp, "the changed template names the initial master: copying it would reset the sentinels");
            await Promise.all(Object.values(sentinels).map((p) => p.stop()));
            for (const n of CHANGED.sentinels) startSentinel(n.name, CHANGED, ROTATED);
            sentinelPassword = ROTATED.sentinelPassword;
            for (const n of CHANGED.sentinels) {
                await waitForTcp(n.privateIp, 26379);
                // From the very first answer, not after gossip has repaired it.
                assert.equal(sentinel(n.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion"), "127.0.1.12\n6379", `sentinel ${n.name}`);
                assert.match(sentinels[n.name]!.output(), /own state: master 127\.0\.1\.12 6379, config-epoch [1-9]/);
                const master = `\n${sentinel(n.privateIp, "SENTINEL", "MASTER", "daarion")}\n`;
                assert.match(master, /\nquorum\n3\n/, "the changed setting is applied");
                assert.match(master, /\nconfig-epoch\n[1-9]\d*\n/, "the failover's configuration epoch is kept");
                const conf = fs.readFileSync(path.join(base, n.name, "sentinel", "sentinel.conf"), "utf8");
                assert.match(conf, /^sentinel monitor daarion 127\.0\.1\.12 6379 3$/m);
            }
            // The old password no longer works, the new one does.
            const denied = spawnSync(redisCli, ["-h", N3.privateIp, "-p", "26379", "--no-auth-warning", "-a", SECRETS.sentinelPassword, "PING"], { encoding: "utf8" });
            assert.match(`${denied.stdout}${denied.stderr}`, /WRONGPASS|NOAUTH/);
            // Gossip (hello every 2 s) and a few down-after periods later, nothing drifted back.
            await waitFor("every sentinel to see the 2 others again", () => CHANGED.sentinels.every((n) => /\nnum-other-sentinels\n2\n/.test(`\n${sentinel(n.privateIp, "SENTINEL", "MASTER", "daarion")}\n`)), 20_000);
            await sleep(3 * TOPOLOGY.downAfterMs!);
            for (const n of CHANGED.sentinels) assert.equal(sentinel(n.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion"), "127.0.1.12\n6379", `sentinel ${n.name} later`);
            assert.match(sentinel(N3.privateIp, "SENTINEL", "CKQUORUM", "daarion"), /^OK 3 usable Sentinels/);
            // A client follows the sentinels and gets a writable master.
            const [host] = sentinel(N3.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion").split("\n");
            assert.equal(redis(host!, "SET", "k3", "after-template-change"), "OK");
            await waitFor("k3 on node1", () => redis(N1.privateIp, "GET", "k3") === "after-template-change", 10_000);
        });

        it("a sentinel that lost its state learns the current master and epoch from its peers", async function () {
            await sentinels.node3!.stop();
            const dir = path.join(base, "node3", "sentinel");
            for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
            startSentinel("node3", CHANGED, ROTATED);
            await waitForTcp(N3.privateIp, 26379);
            assert.match(sentinels.node3!.output(), /sentinel 127\.0\.1\.1[12] 26379 reports master 127\.0\.1\.12 6379, config-epoch [1-9]/);
            assert.equal(sentinel(N3.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion"), "127.0.1.12\n6379");
            assert.match(`\n${sentinel(N3.privateIp, "SENTINEL", "MASTER", "daarion")}\n`, /\nconfig-epoch\n[1-9]\d*\n/);
        });

        it("restarting both Redis servers ends with one master the sentinels agree on, and never two writable masters", async function () {
            // Restarting the master may outlast down-after-milliseconds and trigger a failover: either
            // node may end as master, but only one, and the other replicates from it.
            // One at a time, each back in sync before the next goes down (what a rolling update does).
            for (const n of [N1, N2]) {
                await servers[n.name]!.stop();
                servers[n.name] = startRedis(n.name, ROTATED.sentinelPassword);
                await waitForTcp(n.privateIp, 6379);
                await waitFor(`${n.name} in sync`, () => {
                    const info = redis(n.privateIp, "INFO", "replication");
                    return /role:master[\s\S]*connected_slaves:1/.test(info) || /role:slave[\s\S]*master_link_status:up/.test(info);
                }, 30_000);
            }
            const settled = await waitFor(
                "one master, the other replica linked to it, and every sentinel naming that master",
                () => {
                    const masters = [N1, N2].filter((n) => roleOf(n.privateIp) === "master");
                    if (masters.length !== 1) return false;
                    const [master] = masters;
                    const replica = master === N1 ? N2 : N1;
                    const info = redis(replica.privateIp, "INFO", "replication");
                    if (!new RegExp(`role:slave[\\s\\S]*master_host:${master!.privateIp.replace(/\./g, "\\.")}[\\s\\S]*master_link_status:up`).test(info)) return false;
                    const named = CHANGED.sentinels.every((n) => sentinel(n.privateIp, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "daarion") === `${master!.privateIp}\n6379`);
                    return named ? master : false;
                },
                40_000,
            );
            assert.equal(redis(settled.privateIp, "GET", "k3"), "after-template-change", "no write was lost");
            assert.equal(redis(settled.privateIp, "SET", "k4", "writable"), "OK", "clients get a writable master");
            if (watcher) clearInterval(watcher);
            assert.ok(roles.samples > 50, `the role watcher ran (${roles.samples} samples)`);
            const logs = () => [...Object.values(servers), ...Object.values(sentinels)].map((p) => `--- ${p.name}\n${p.output().slice(-4000)}`).join("\n");
            assert.deepEqual(roles.twoMasters, [], `two writable masters at the same time\n${logs()}`);
        });
    });

    it("runs the edge cache without persistence and evicts least-recently-used keys at maxmemory", async function () {
        const dir = path.join(base, "node3", "cache");
        fs.mkdirSync(dir, { recursive: true });
        const conf = path.join(dir, "redis.conf");
        fs.writeFileSync(conf, renderEdgeCacheConf({ node: N3, port: 6380, maxmemoryMb: 2 }, "cache-pass"));
        startProcess("redis-edge-cache", redisServer, [conf], { cwd: dir });
        await waitForTcp(N3.privateIp, 6380);
        const c = (...args: string[]) => cli(N3.privateIp, 6380, "cache-pass", ...args);
        assert.deepEqual(c("CONFIG", "GET", "save").split("\n"), ["save"], "save is empty: no RDB snapshots");
        assert.equal(c("CONFIG", "GET", "appendonly"), "appendonly\nno");
        assert.equal(c("CONFIG", "GET", "maxmemory-policy"), "maxmemory-policy\nallkeys-lru");
        const value = "x".repeat(10_000);
        const commands = Array.from({ length: 600 }, (_, i) => `SET key:${i} ${value}`).join("\n"); // ~6 MB into 2 MB
        const replies = run(redisCli, ["-h", N3.privateIp, "-p", "6380", "--no-auth-warning", "-a", "cache-pass"], { input: commands }).trim().split("\n");
        assert.deepEqual(new Set(replies), new Set(["OK"]), "an allkeys-lru cache never refuses a write");
        assert.equal(replies.length, 600);
        const keys = Number(c("DBSIZE"));
        assert.ok(keys > 0 && keys < 600, `expected evictions, DBSIZE=${keys}`);
        assert.ok(Number(/evicted_keys:(\d+)/.exec(c("INFO", "stats"))![1]) > 0);
        assert.equal(c("GET", "key:599"), value, "the most recent key stays");
        assert.deepEqual(fs.readdirSync(dir), ["redis.conf"], "no RDB/AOF written");
    });
});
