/**
 * Neo4j (Enterprise clustering) cannot run here: neo4j.conf is checked against the setting names of
 * the Neo4j Operations Manual, and the cluster/standalone decision table-driven.
 */
import { strict as assert } from "node:assert";
import { Neo4jBlock, neo4jImageEnv, planNeo4j, renderNeo4jConf, validateNeo4jBlock } from "../../components/neo4j/render";

// From the Operations Manual "Configuration settings" reference (5.26 LTS, plus the 2025.01 rename).
const DOCUMENTED = new Set([
    "server.default_listen_address",
    "server.default_advertised_address",
    "server.bolt.listen_address",
    "server.bolt.advertised_address",
    "server.http.listen_address",
    "server.http.advertised_address",
    "server.https.enabled",
    "dbms.security.auth_enabled",
    "server.memory.heap.initial_size",
    "server.memory.heap.max_size",
    "server.memory.pagecache.size",
    "db.tx_log.rotation.retention_policy",
    "server.cluster.listen_address",
    "server.cluster.advertised_address",
    "server.cluster.raft.listen_address",
    "server.cluster.raft.advertised_address",
    "server.routing.listen_address",
    "server.routing.advertised_address",
    "dbms.routing.enabled",
    "dbms.cluster.discovery.resolver_type",
    "dbms.cluster.discovery.version",
    "dbms.cluster.discovery.v2.endpoints",
    "dbms.cluster.endpoints",
    "dbms.cluster.minimum_initial_system_primaries_count",
    "initial.dbms.default_primaries_count",
    "initial.dbms.default_secondaries_count",
    "server.cluster.system_database_mode",
    "initial.server.mode_constraint",
]);

const N1 = { name: "node1", privateIp: "10.10.1.11" };
const N2 = { name: "node2", privateIp: "10.10.1.12" };
const N3 = { name: "node3", privateIp: "10.10.1.13" };
const ENTERPRISE: Neo4jBlock = { primaries: [N1, N2], secondaries: [N3], edition: "enterprise", acceptLicenseAgreement: true, heapGb: 2, pageCacheGb: 1.5 };

function conf(text: string): Map<string, string> {
    const entries = text
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("#"))
        .map((l) => {
            const i = l.indexOf("=");
            return [l.slice(0, i), l.slice(i + 1)] as [string, string];
        });
    const map = new Map(entries);
    assert.equal(map.size, entries.length, "a key is rendered twice");
    return map;
}

describe("neo4j.conf renderer", function () {
    it("renders only documented settings, on every server", function () {
        for (const node of ["node1", "node2", "node3"]) {
            for (const key of conf(renderNeo4jConf({ block: ENTERPRISE, node })).keys()) assert.ok(DOCUMENTED.has(key), `${key} is not a documented Neo4j setting`);
        }
        for (const key of conf(renderNeo4jConf({ block: { ...ENTERPRISE, series: "2025" }, node: "node1" })).keys()) assert.ok(DOCUMENTED.has(key), key);
    });

    it("clusters node1+node2 as primaries and node3 as secondary, discovering each other on private IPs", function () {
        const n1 = conf(renderNeo4jConf({ block: ENTERPRISE, node: "node1" }));
        const n3 = conf(renderNeo4jConf({ block: ENTERPRISE, node: "node3" }));
        assert.equal(n1.get("dbms.cluster.discovery.v2.endpoints"), "10.10.1.11:6000,10.10.1.12:6000,10.10.1.13:6000");
        assert.equal(n1.get("dbms.cluster.discovery.version"), "V2_ONLY");
        assert.equal(n1.get("dbms.cluster.minimum_initial_system_primaries_count"), "2");
        assert.equal(n1.get("initial.dbms.default_primaries_count"), "2");
        assert.equal(n1.get("initial.dbms.default_secondaries_count"), "1");
        assert.equal(n1.get("server.cluster.system_database_mode"), "PRIMARY");
        assert.equal(n1.get("server.default_advertised_address"), "10.10.1.11");
        assert.equal(n3.get("server.cluster.system_database_mode"), "SECONDARY");
        assert.equal(n3.get("initial.server.mode_constraint"), "SECONDARY");
        assert.equal(n3.get("server.cluster.advertised_address"), "10.10.1.13:6000");
        assert.equal(n1.get("server.memory.heap.max_size"), "2g");
        assert.equal(n1.get("server.memory.pagecache.size"), "1536m");
        assert.deepEqual(neo4jImageEnv(ENTERPRISE), { NEO4J_ACCEPT_LICENSE_AGREEMENT: "yes" });
        const later = conf(renderNeo4jConf({ block: { ...ENTERPRISE, series: "2025" }, node: "node2" }));
        assert.equal(later.get("dbms.cluster.endpoints"), "10.10.1.11:6000,10.10.1.12:6000,10.10.1.13:6000");
        assert.equal(later.has("dbms.cluster.discovery.version"), false);
    });

    it("warns that 2 primaries have no write fault tolerance", function () {
        assert.match(planNeo4j(ENTERPRISE).warnings.join(), /2 primaries has no write fault tolerance/);
        assert.deepEqual(planNeo4j({ ...ENTERPRISE, primaries: [N1, N2, N3], secondaries: [] }).warnings, []);
    });

    for (const [label, block] of [
        ["community edition", { ...ENTERPRISE, edition: "community" as const, acceptLicenseAgreement: false }],
        ["enterprise without accepted license", { ...ENTERPRISE, acceptLicenseAgreement: false }],
    ] as const) {
        it(`falls back to one Community instance on node1 with a warning: ${label}`, function () {
            const plan = planNeo4j(block);
            assert.equal(plan.mode, "standalone");
            assert.deepEqual(plan.servers.map((s) => s.node.name), ["node1"]);
            assert.match(plan.warnings[0], /running ONE Community instance on node1; node2, node3 run no Neo4j/);
            const c = conf(renderNeo4jConf({ block, node: "node1" }));
            assert.equal([...c.keys()].some((k) => k.includes("cluster")), false);
            assert.throws(() => renderNeo4jConf({ block, node: "node3" }), /node 'node3' runs no Neo4j \(standalone mode\)/);
            assert.deepEqual(neo4jImageEnv(block), {});
        });
    }

    it("validates the block with key paths", function () {
        assert.deepEqual(validateNeo4jBlock(ENTERPRISE), []);
        assert.deepEqual(
            validateNeo4jBlock({ ...ENTERPRISE, secondaries: [N2], heapGb: 0.25, edition: "community" }).map((i) => i.path),
            ["replication.neo4j.secondaries[0]", "replication.neo4j.heapGb", "replication.neo4j.acceptLicenseAgreement"],
        );
    });
});
