/**
 * Table-driven checks of the PostgreSQL and Redis renderers and of the replication-block
 * validators (the real-server suites prove the configs run; these pin the details and the errors).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    CONTAINER_POSTGRES_PATHS,
    PostgresNodeSpec,
    renderBootstrapSql,
    renderEntrypoint,
    renderPgHba,
    renderPgpass,
    renderPostgresqlConf,
} from "../../components/postgres/render";
import { PostgresTopology, slotName, validatePostgresTopology } from "../../components/postgres/topology";
import {
    renderEdgeCacheConf,
    renderRedisConf,
    renderSentinelConf,
    renderSentinelLauncher,
    RedisTopology,
    sentinelAddresses,
    validateRedisTopology,
} from "../../components/redis/render";
import { makeTempDir, requireBinary, run } from "../support/process";

const TOPOLOGY: PostgresTopology = {
    primary: { name: "node1", privateIp: "10.10.1.11" },
    replicas: [{ name: "node2", privateIp: "10.10.1.12" }],
    clientCidrs: ["10.10.0.0/16"],
};
const spec = (node: string, t: PostgresTopology = TOPOLOGY): PostgresNodeSpec => ({ topology: t, node, paths: CONTAINER_POSTGRES_PATHS });

describe("postgres renderers", function () {
    it("renders WAL/hot-standby settings on both roles, the slot and conninfo only on the replica", function () {
        const primary = renderPostgresqlConf(spec("node1"));
        const replica = renderPostgresqlConf(spec("node2"));
        for (const conf of [primary, replica]) {
            assert.match(conf, /^wal_level = replica$/m);
            assert.match(conf, /^max_wal_senders = 4$/m);
            assert.match(conf, /^max_replication_slots = 3$/m);
            assert.match(conf, /^hot_standby = on$/m);
            assert.match(conf, /^password_encryption = 'scram-sha-256'$/m);
            assert.match(conf, /^hba_file = '\/etc\/daarion\/postgres\/pg_hba\.conf'$/m);
        }
        assert.match(primary, /^listen_addresses = '10\.10\.1\.11'$/m);
        assert.doesNotMatch(primary, /primary_conninfo|primary_slot_name/);
        assert.match(replica, /^listen_addresses = '10\.10\.1\.12'$/m);
        assert.match(
            replica,
            /^primary_conninfo = 'host=10\.10\.1\.11 port=5432 user=replicator passfile=\/var\/run\/postgresql\/daarion\/pgpass application_name=node2 connect_timeout=10'$/m,
        );
        assert.match(replica, /^primary_slot_name = 'daarion_node2'$/m);
        assert.doesNotMatch(replica, /password=/, "no password in postgresql.conf");
        assert.match(renderPostgresqlConf({ ...spec("node1"), listenAddresses: ["*"] }), /^listen_addresses = '\*'$/m);
    });

    it("allows replication only from each replica's IP (and the primary's, for fencing) and never a normal session of the replication role", function () {
        const lines = renderPgHba(spec("node1"))
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.replace(/#.*$/, "").trim().split(/\s+/));
        assert.deepEqual(lines, [
            ["local", "all", "postgres", "peer"],
            ["local", "all", "all", "scram-sha-256"],
            ["host", "replication", "replicator", "10.10.1.12/32", "scram-sha-256"],
            ["host", "replication", "replicator", "10.10.1.11/32", "scram-sha-256"],
            ["host", "all", "replicator", "all", "reject"],
            ["host", "replication", "all", "all", "reject"],
            ["host", "all", "all", "10.10.0.0/16", "scram-sha-256"],
        ]);
        assert.equal(renderPgHba(spec("node2")), renderPgHba(spec("node1")).replace("node1 (primary)", "node2 (replica)"));
    });

    it("escapes passwords for the passfile and SQL, and manages one slot per replica", function () {
        const secrets = { superuserPassword: "a:b\\c", replicationPassword: "it's" };
        assert.equal(renderPgpass(TOPOLOGY, secrets), "*:*:*:replicator:it's\n*:*:*:postgres:a\\:b\\\\c\n");
        const sql = renderBootstrapSql({ ...TOPOLOGY, replicas: [...TOPOLOGY.replicas, { name: "node-3", privateIp: "10.10.1.13" }] }, secrets);
        assert.match(sql, /ALTER ROLE postgres WITH PASSWORD 'a:b\\c';/);
        assert.match(sql, /ALTER ROLE "replicator" WITH REPLICATION LOGIN NOSUPERUSER .* PASSWORD 'it''s';/);
        assert.match(sql, /pg_create_physical_replication_slot\('daarion_node2', true\)/);
        assert.match(sql, /pg_create_physical_replication_slot\('daarion_node_3', true\)/);
        assert.match(sql, /NOT IN \('daarion_node2', 'daarion_node_3'\)/);
        assert.equal(slotName("Node-3"), "daarion_node_3");
    });

    it("renders a shellcheck-clean entrypoint for both roles", function () {
        const shellcheck = requireBinary("shellcheck");
        const dir = makeTempDir("pg-shellcheck");
        try {
            for (const node of ["node1", "node2"]) {
                const file = path.join(dir, `${node}.sh`);
                fs.writeFileSync(file, renderEntrypoint(spec(node)));
                run(shellcheck, ["--severity=style", file]);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.match(renderEntrypoint(spec("node2")), /^readonly PEERS=\('10\.10\.1\.11:5432'\)$/m);
        assert.match(renderEntrypoint(spec("node1")), /^readonly SLOT=''$/m);
    });

    it("refuses to render for a node outside the topology", function () {
        assert.throws(() => renderPostgresqlConf(spec("node3")), /node 'node3' runs no PostgreSQL/);
    });

    it("validates the topology with key paths", function () {
        assert.deepEqual(validatePostgresTopology(TOPOLOGY), []);
        const bad: PostgresTopology = {
            primary: { name: "node1", privateIp: "10.10.1.11" },
            replicas: [
                { name: "node1", privateIp: "10.10.1.12" },
                { name: "node2", privateIp: "10.10.1.300" },
                { name: "node2", privateIp: "10.10.1.12" },
            ],
            clientCidrs: ["10.10.0.0/33"],
            replicationUser: "postgres",
            port: 70000,
        };
        assert.deepEqual(validatePostgresTopology(bad).map((i) => i.path), [
            "replication.postgresql.replicas[0]",
            "replication.postgresql.replicas[1].privateIp",
            "replication.postgresql.replicas[2]",
            "replication.postgresql.port",
            "replication.postgresql.clientCidrs[0]",
            "replication.postgresql.replicationUser",
        ]);
        assert.match(validatePostgresTopology(bad)[0].message, /is the primary's node/);
    });
});

const REDIS: RedisTopology = {
    master: { name: "node1", privateIp: "10.10.1.11" },
    replicas: [{ name: "node2", privateIp: "10.10.1.12" }],
    sentinels: [
        { name: "node1", privateIp: "10.10.1.11" },
        { name: "node2", privateIp: "10.10.1.12" },
        { name: "node3", privateIp: "10.10.1.13" },
    ],
};
const REDIS_SECRETS = { password: "p\"w", sentinelPassword: "s" };

describe("redis renderers", function () {
    it("announces the replica's private IP and points it at the master with masterauth", function () {
        const conf = renderRedisConf({ topology: REDIS, node: "node2", dataDir: "/data" }, REDIS_SECRETS);
        assert.match(conf, /^replica-announce-ip 10\.10\.1\.12$/m);
        assert.match(conf, /^replica-announce-port 6379$/m);
        assert.match(conf, /^replicaof 10\.10\.1\.11 6379$/m);
        assert.match(conf, /^requirepass "p\\"w"$/m);
        assert.match(conf, /^masterauth "p\\"w"$/m);
        assert.doesNotMatch(renderRedisConf({ topology: REDIS, node: "node1", dataDir: "/data" }, REDIS_SECRETS), /^replicaof/m);
    });

    it("renders sentinels with quorum 2, announce-ip/port and both passwords", function () {
        const conf = renderSentinelConf({ topology: REDIS, node: "node3", dir: "/data" }, REDIS_SECRETS);
        assert.match(conf, /^sentinel monitor daarion 10\.10\.1\.11 6379 2$/m);
        assert.match(conf, /^sentinel announce-ip 10\.10\.1\.13$/m);
        assert.match(conf, /^sentinel announce-port 26379$/m);
        assert.match(conf, /^sentinel auth-pass daarion "p\\"w"$/m);
        assert.match(conf, /^requirepass "s"$/m);
        assert.match(conf, /^sentinel sentinel-pass "s"$/m);
        assert.match(conf, /^sentinel down-after-milliseconds daarion 5000$/m);
        assert.match(conf, /^sentinel failover-timeout daarion 60000$/m);
        assert.deepEqual(sentinelAddresses(REDIS), ["10.10.1.11:26379", "10.10.1.12:26379", "10.10.1.13:26379"]);
    });

    it("renders a shellcheck-clean sentinel launcher that hands the writable path to the final command", function () {
        const [sh, flag, script] = renderSentinelLauncher({ topology: REDIS, node: "node3", template: "/etc/daarion/redis/sentinel.conf", target: "/data/sentinel.conf", exec: ["docker-entrypoint.sh", "redis-server", "{config}", "--sentinel"] });
        assert.deepEqual([sh, flag], ["sh", "-c"]);
        assert.match(script, /^exec 'docker-entrypoint\.sh' 'redis-server' "\$c" '--sentinel'$/m);
        const dir = makeTempDir("sentinel-launcher");
        try {
            fs.writeFileSync(path.join(dir, "launcher.sh"), script);
            run(requireBinary("shellcheck"), ["--shell=sh", "--severity=style", path.join(dir, "launcher.sh")]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("renders the edge cache without persistence and with LRU eviction", function () {
        const conf = renderEdgeCacheConf({ node: { name: "node3", privateIp: "10.10.1.13" }, maxmemoryMb: 256 }, "c");
        for (const line of ['save ""', "appendonly no", "maxmemory 256mb", "maxmemory-policy allkeys-lru"]) assert.ok(conf.split("\n").includes(line), line);
    });

    it("validates sentinel placement and quorum with key paths", function () {
        assert.deepEqual(validateRedisTopology(REDIS), []);
        const two = { ...REDIS, sentinels: [REDIS.sentinels[0], REDIS.sentinels[1], REDIS.sentinels[1]], quorum: 4 };
        assert.deepEqual(validateRedisTopology(two).map((i) => i.path), ["replication.redis.sentinels", "replication.redis.sentinels", "replication.redis.quorum"]);
        assert.deepEqual(validateRedisTopology({ ...REDIS, replicas: [REDIS.master], failoverTimeoutMs: 1000 }).map((i) => i.path), [
            "replication.redis.replicas[0]",
            "replication.redis.failoverTimeoutMs",
        ]);
    });
});
