import * as assert from "node:assert/strict";
import {
    checkJetStreamQuorum,
    checkPostgresReplicaPlacement,
    checkQdrantReplicationFactor,
    checkReplicasSpread,
    checkSentinelPlacement,
    isFullView,
    instancesOf,
    QDRANT_COLLECTION_TYPE,
} from "../../policy/rules/topology";
import { makeView, ResourceView, UNKNOWN } from "../../policy/lib/resource";
import { container } from "./fixtures";

const c = (node: string, service: string, role: string, extra: Record<string, string> = {}, props: Record<string, unknown> = {}) =>
    container({ name: `${node}-${service}-${role}`, node, service, role, extraLabels: extra, props });

/** Seed 000's layout, corrected where the policies demand it (3 JetStream servers, 3 sentinels). */
function platform(): ResourceView[] {
    return [
        c("node1", "postgres", "primary"),
        c("node2", "postgres", "replica"),
        c("node1", "nats", "core"),
        c("node2", "nats", "core"),
        c("node3", "nats", "core"),
        c("node1", "redis", "master"),
        c("node2", "redis", "replica"),
        c("node3", "redis", "cache"),
        c("node1", "redis-sentinel", "sentinel"),
        c("node2", "redis-sentinel", "sentinel"),
        c("node3", "redis-sentinel", "sentinel"),
        c("node1", "qdrant", "shard", { "daarion.replication-factor": "2" }),
        c("node2", "qdrant", "shard", { "daarion.replication-factor": "2" }),
        c("node1", "neo4j", "core"),
        c("node2", "neo4j", "core"),
        c("node3", "neo4j", "read"),
        c("node1", "gateway", "edge"),
        c("node3", "gateway", "edge"),
    ];
}

const without = (views: ResourceView[], name: string) => views.filter((v) => v.name !== name);
const node1Only = () => platform().filter((v) => v.name.startsWith("node1-"));

describe("policy: topology views", () => {
    it("a single node's stack is a partial view, the platform is a full view", () => {
        assert.ok(isFullView(instancesOf(platform())));
        assert.ok(!isFullView(instancesOf(node1Only())));
        assert.ok(!isFullView(instancesOf(platform().map((v) => ({ ...v, props: { ...v.props, labels: [{ label: "daarion.node", value: "local" }] } })))));
    });
});

describe("policy: nats-jetstream-quorum (advisory)", () => {
    it("passes 3 core servers on 3 nodes", () => assert.deepEqual(checkJetStreamQuorum(platform()), []));
    it("fails seed 000's 2-server core", () => {
        const v = checkJetStreamQuorum(without(platform(), "node3-nats-core"));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /has 2 server\(s\).*odd number >= 3/);
    });
    it("a leafnode does not count toward the core", () => {
        const views = [...without(platform(), "node3-nats-core"), c("node3", "nats", "leaf")];
        assert.equal(checkJetStreamQuorum(views).length, 1);
    });
    it("fails two core servers on one node even in a partial view", () => {
        const v = checkJetStreamQuorum([c("node1", "nats", "core"), c("node1", "nats", "core", {}, { name: "b" })].map((x, i) => ({ ...x, name: `n${i}`, urn: `urn:${i}` })));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /2 JetStream core servers run on node node1/);
    });
    it("does not count in a partial view", () => assert.deepEqual(checkJetStreamQuorum(node1Only()), []));
});

describe("policy: redis-sentinel-placement", () => {
    it("passes 3 sentinels on 3 nodes", () => assert.deepEqual(checkSentinelPlacement(platform()), []));
    it("fails sentinels on 2 nodes", () => {
        const v = checkSentinelPlacement(without(platform(), "node3-redis-sentinel-sentinel"));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /on 2 distinct node\(s\).*at least 3/);
    });
    it("fails a replicated Redis without any sentinel", () => {
        const v = checkSentinelPlacement(platform().filter((x) => !x.name.includes("sentinel")));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /on 0 distinct node\(s\)/);
    });
    it("does not apply to a platform without Redis", () => {
        assert.deepEqual(checkSentinelPlacement(platform().filter((x) => !x.name.includes("redis"))), []);
    });
    it("fails two sentinels on one node (partial view too)", () => {
        const extra = { ...c("node1", "redis-sentinel", "sentinel"), name: "node1-sentinel-b", urn: "urn:b" };
        const v = checkSentinelPlacement([...node1Only(), extra]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /2 Redis sentinels run on node node1/);
        assert.equal(v[0].urn, "urn:b");
    });
});

describe("policy: postgres-replica-placement", () => {
    it("passes primary on node1, replica on node2", () => assert.deepEqual(checkPostgresReplicaPlacement(platform()), []));
    it("fails a replica on the primary's node", () => {
        const v = checkPostgresReplicaPlacement([...without(platform(), "node2-postgres-replica"), c("node1", "postgres", "replica")]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /replica 'node1-postgres-replica' runs on node node1, the primary's node/);
    });
    it("fails two primaries", () => {
        const v = checkPostgresReplicaPlacement([...platform(), c("node3", "postgres", "primary")]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /2 PostgreSQL primaries/);
    });
    it("exempts the colocated local node", () => {
        assert.deepEqual(checkPostgresReplicaPlacement([c("local", "postgres", "primary"), c("local", "postgres", "replica")]), []);
        assert.equal(checkPostgresReplicaPlacement([c("local", "postgres", "primary"), c("local", "postgres", "replica")], { colocatedNodes: [] }).length, 1);
    });
});

describe("policy: qdrant-replication-factor", () => {
    const collection = (rf: unknown, name = "memories") =>
        makeView({ type: QDRANT_COLLECTION_TYPE, name: `qdrant-${name}`, protect: true, props: { name, shardNumber: 2, replicationFactor: rf } });
    const qdrantPlain = () => platform().map((v) => (v.name.includes("qdrant") ? c(v.name.slice(0, 5), "qdrant", "shard") : v));

    it("passes RF 2 on 2 nodes (container labels)", () => assert.deepEqual(checkQdrantReplicationFactor(platform()), []));
    it("passes RF 2 declared by the collections (the qdrant module's way)", () => {
        assert.deepEqual(checkQdrantReplicationFactor([...qdrantPlain(), collection(2), collection(2, "docs")]), []);
    });
    it("reads the RF from the qdrant env default too", () => {
        const views = platform().map((v) =>
            v.name.includes("qdrant") ? c(v.name.slice(0, 5), "qdrant", "shard", {}, { envs: ["QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR=2"] }) : v,
        );
        assert.deepEqual(checkQdrantReplicationFactor(views), []);
    });
    it("fails a collection with RF 1, in a partial view too", () => {
        const v = checkQdrantReplicationFactor([c("node1", "qdrant", "shard"), collection(1)]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /collection 'memories' uses replication factor 1; at least 2/);
    });
    it("fails a container RF 1", () => {
        const views = [...without(platform(), "node1-qdrant-shard"), c("node1", "qdrant", "shard", { "daarion.replication-factor": "1" })];
        const v = checkQdrantReplicationFactor(views);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /replication factor 1; at least 2/);
    });
    it("fails RF 3 with qdrant on 2 nodes", () => {
        const v = checkQdrantReplicationFactor([...qdrantPlain(), collection(3)]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /factor 3 but qdrant runs on only 2 node/);
    });
    it("fails a full topology where nothing declares an RF", () => {
        assert.match(checkQdrantReplicationFactor(qdrantPlain())[0].message, /no collection .* declares a replication factor/);
    });
    it("does not judge an RF unknown at preview", () => {
        assert.deepEqual(checkQdrantReplicationFactor([...qdrantPlain(), collection(UNKNOWN)]), []);
    });
});

describe("policy: replicas-spread-across-nodes", () => {
    it("passes the platform", () => assert.deepEqual(checkReplicasSpread(platform()), []));
    it("fails two neo4j cores on one node", () => {
        const views = [...without(platform(), "node2-neo4j-core"), { ...c("node1", "neo4j", "core"), name: "node1-neo4j-core-b", urn: "urn:b" }];
        const v = checkReplicasSpread(views);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /2 members of replicated service 'neo4j'.*run on node node1/);
    });
    it("does not treat unrelated roles (edge gateways) as replicas", () => {
        assert.deepEqual(checkReplicasSpread([c("node1", "gateway", "edge"), { ...c("node1", "gateway", "edge"), name: "g2", urn: "urn:g2" }]), []);
    });
});
