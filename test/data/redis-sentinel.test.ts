/**
 * Real redis-server master (127.0.1.11) + replica (127.0.1.12) and three redis-sentinels
 * (127.0.1.11-13), all from the rendered configs (only directories substituted). Kills the master
 * and checks the sentinels promote the replica within down-after + failover-timeout and that writes
 * continue on the address the sentinels hand out. Also runs the rendered edge cache.
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
import { makeTempDir, requireBinary, RunningProcess, run, startProcess, stopAllProcesses, waitFor, waitForTcp } from "../support/process";

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

    const cli = (host: string, port: number, password: string, ...args: string[]) =>
        run(redisCli, ["-h", host, "-p", String(port), "--no-auth-warning", "-a", password, ...args]).trim();
    const redis = (host: string, ...args: string[]) => cli(host, 6379, SECRETS.password, ...args);
    const sentinel = (host: string, ...args: string[]) => cli(host, 26379, SECRETS.sentinelPassword, ...args);

    /**
     * Start a server the way the container does: the launcher copies the rendered template to the
     * writable config and takes `replicaof` from the sentinels when they answer.
     */
    const startRedis = (node: string): RunningProcess => {
        const dir = path.join(base, node, "redis");
        fs.mkdirSync(dir, { recursive: true });
        const template = path.join(dir, "redis.template.conf");
        fs.writeFileSync(template, renderRedisConf({ topology: TOPOLOGY, node, dataDir: dir }, SECRETS), { mode: 0o600 });
        const [sh, flag, script] = renderRedisLauncher({ topology: TOPOLOGY, node, template, target: path.join(dir, "redis.conf"), exec: [redisServer, "{config}"] });
        return startProcess(`redis-${node}`, sh!, [flag!, script!], { env: { ...process.env, SENTINEL_AUTH: SECRETS.sentinelPassword, PATH: `${path.dirname(redisCli)}:${process.env.PATH}` } });
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
            const dir = path.join(base, n.name, "sentinel");
            fs.mkdirSync(dir, { recursive: true });
            // The runtime places the rendered file read-only; the launcher copies it to the writable dir.
            const template = path.join(dir, "sentinel.rendered.conf");
            fs.writeFileSync(template, renderSentinelConf({ topology: TOPOLOGY, node: n.name, dir }, SECRETS), { mode: 0o444 });
            const [sh, flag, script] = renderSentinelLauncher(template, path.join(dir, "sentinel.conf"));
            startProcess(`sentinel-${n.name}`, sh, [flag, script], { env: { ...process.env, PATH: `${path.dirname(redisSentinel)}:${process.env.PATH}` } });
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
