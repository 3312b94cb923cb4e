/**
 * Qdrant cannot run here (no Debian package, no download): the config renderer is checked against
 * the keys of Qdrant's documented config/config.yaml, and the collection provider's request logic
 * against a recording HTTP double (test/data/support/qdrant-double.ts). What Qdrant itself does with
 * these requests stays unproven here.
 */
import { strict as assert } from "node:assert";
import { parse } from "yaml";
import {
    checkCollection,
    diffCollection,
    parseQdrantJson,
    planReplicaRepairs,
    QdrantCollectionOutputs,
    QdrantCollectionProps,
    qdrantCollectionProvider,
    stringifyQdrantJson,
} from "../../components/qdrant/collection";
import { qdrantArgs, QdrantClusterSpec, renderQdrantConfig, validateQdrantBlock } from "../../components/qdrant/render";
import { QdrantDouble } from "./support/qdrant-double";

const CLUSTER: QdrantClusterSpec = {
    peers: [
        { name: "node1", privateIp: "10.10.1.11" },
        { name: "node2", privateIp: "10.10.1.12" },
    ],
    firstPeer: "node1",
};

// Documented keys (qdrant/qdrant config/config.yaml): top level and the sections we render.
const DOCUMENTED = {
    top: ["log_level", "logger", "storage", "service", "cluster", "telemetry_disabled", "per_collection_metrics_enabled", "tls", "audit"],
    storage: ["storage_path", "snapshots_path", "snapshots_config", "temp_path", "on_disk_payload", "update_concurrency", "wal", "node_type", "performance", "optimizers", "optimizers_overwrite", "hnsw_index", "shard_transfer_method", "collection", "max_collections"],
    service: ["max_request_size_mb", "max_workers", "host", "http_port", "grpc_port", "enable_cors", "enable_tls", "verify_https_client_certificate", "api_key", "read_only_api_key", "jwt_rbac", "hardware_reporting", "metrics_prefix"],
    cluster: ["enabled", "p2p", "consensus"],
    p2p: ["port", "enable_tls"],
    consensus: ["tick_period_ms", "compact_wal_entries"],
};

function subset(actual: object, allowed: string[], where: string): void {
    for (const key of Object.keys(actual)) assert.ok(allowed.includes(key), `${where}.${key} is not a documented Qdrant config key`);
}

describe("qdrant config renderer", function () {
    const config = parse(renderQdrantConfig({ cluster: CLUSTER, node: "node2" }, "k3y:with\"quotes")) as Record<string, any>;

    it("renders only documented keys", function () {
        subset(config, DOCUMENTED.top, "");
        subset(config.storage, DOCUMENTED.storage, "storage");
        subset(config.service, DOCUMENTED.service, "service");
        subset(config.cluster, DOCUMENTED.cluster, "cluster");
        subset(config.cluster.p2p, DOCUMENTED.p2p, "cluster.p2p");
        subset(config.cluster.consensus, DOCUMENTED.consensus, "cluster.consensus");
    });

    it("enables cluster mode with p2p on 6335 and an API key (YAML-escaped)", function () {
        assert.equal(config.cluster.enabled, true);
        assert.equal(config.cluster.p2p.port, 6335);
        assert.equal(config.service.api_key, 'k3y:with"quotes');
        assert.equal(config.service.http_port, 6333);
        assert.equal(config.service.grpc_port, 6334);
        assert.equal(config.service.enable_cors, false);
    });

    it("starts node1 as first peer and bootstraps node2 from it, both announcing their private IP", function () {
        assert.deepEqual(qdrantArgs({ cluster: CLUSTER, node: "node1" }, "/qdrant/config/daarion.yaml"), [
            "--config-path",
            "/qdrant/config/daarion.yaml",
            "--uri",
            "http://10.10.1.11:6335",
        ]);
        assert.deepEqual(qdrantArgs({ cluster: CLUSTER, node: "node2" }, "/c.yaml"), [
            "--config-path",
            "/c.yaml",
            "--uri",
            "http://10.10.1.12:6335",
            "--bootstrap",
            "http://10.10.1.11:6335",
        ]);
    });

    it("validates the replication block: RF within 1..peers, known nodes, first peer among nodes", function () {
        const nodes = { node1: { privateIp: "10.10.1.11" }, node2: { privateIp: "10.10.1.12" }, node3: { privateIp: "10.10.1.13" } };
        const ok = { nodes: ["node1", "node2"], firstPeer: "node1", shards: 2, replicationFactor: 2, collections: [{ name: "docs", vectorSize: 1024 }] };
        assert.deepEqual(validateQdrantBlock(ok, nodes), []);
        assert.deepEqual(validateQdrantBlock({ ...ok, replicationFactor: 3 }, nodes), [
            { path: "replication.qdrant.replicationFactor", message: "replication factor 3 exceeds the 2 Qdrant peer(s): Qdrant cannot place more replicas than peers" },
        ]);
        assert.deepEqual(validateQdrantBlock({ ...ok, replicationFactor: 0 }, nodes).map((i) => i.path), ["replication.qdrant.replicationFactor"]);
        assert.deepEqual(
            validateQdrantBlock({ ...ok, nodes: ["node1", "nodeX"], firstPeer: "node3", collections: [{ name: "a", vectorSize: 8, replicationFactor: 5 }, { name: "a", vectorSize: 0 }] }, nodes).map((i) => i.path),
            ["replication.qdrant.nodes[1]", "replication.qdrant.firstPeer", "replication.qdrant.collections[0].replicationFactor", "replication.qdrant.collections[1].name", "replication.qdrant.collections[1].vectorSize"],
        );
    });
});

describe("qdrant collection provider (against a recording HTTP double)", function () {
    const P1 = "8375928374029384756"; // > 2^53: would be rounded by a plain JSON.parse
    const P2 = "12205731244981240113";
    let double: QdrantDouble;
    let props: QdrantCollectionProps;
    const provider = qdrantCollectionProvider;

    beforeEach(async function () {
        double = new QdrantDouble("secret-key", [P1, P2]);
        await double.start();
        props = {
            connection: { url: double.url, apiKey: "secret-key" },
            name: "agent_memory",
            vectorSize: 1024,
            distance: "Cosine",
            shardNumber: 2,
            replicationFactor: 2,
        };
    });

    afterEach(async function () {
        await double.stop();
    });

    it("creates the collection with the seed's shards and replication factor, authenticated", async function () {
        const result = await provider.create!(props);
        assert.equal(result.id, "agent_memory");
        assert.equal(result.outs.missingReplicas, 0);
        const put = double.requests.find((r) => r.method === "PUT")!;
        assert.equal(put.path, "/collections/agent_memory?timeout=60");
        assert.deepEqual(JSON.parse(put.body), {
            vectors: { size: 1024, distance: "Cosine" },
            shard_number: 2,
            replication_factor: 2,
            write_consistency_factor: 1,
            on_disk_payload: true,
        });
        assert.ok(double.requests.every((r) => r.apiKey === "secret-key"));
        assert.deepEqual(double.writes().map((r) => r.method), ["PUT"], "full placement: nothing to repair");
    });

    it("places the replicas missing because node2 joined after the collection was created", async function () {
        double.peers = [P1];
        const created = await provider.create!(props);
        assert.equal(created.outs.missingReplicas, 2);
        double.peers = [P1, P2];
        const d = await provider.diff!("agent_memory", created.outs, props);
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, []);
        const updated = await provider.update!("agent_memory", created.outs, props);
        assert.equal(updated.outs!.missingReplicas, 0);
        const posts = double.writes().filter((r) => r.method === "POST");
        assert.deepEqual(posts.map((r) => r.body), [
            `{"replicate_shard":{"shard_id":0,"from_peer_id":${P1},"to_peer_id":${P2}}}`,
            `{"replicate_shard":{"shard_id":1,"from_peer_id":${P1},"to_peer_id":${P2}}}`,
        ]);
        assert.deepEqual([...double.collections.get("agent_memory")!.placement.values()], [[P1, P2], [P1, P2]]);
        const again = await provider.diff!("agent_memory", updated.outs as QdrantCollectionOutputs, props);
        assert.equal(again.changes, false);
    });

    it("raises the replication factor in place (PATCH) and replicates the existing shards", async function () {
        const created = await provider.create!({ ...props, replicationFactor: 1 });
        const d = await provider.diff!("agent_memory", created.outs, props);
        assert.deepEqual(d.replaces, []);
        assert.equal(d.changes, true);
        await provider.update!("agent_memory", created.outs, props);
        const patch = double.requests.find((r) => r.method === "PATCH")!;
        assert.deepEqual(JSON.parse(patch.body), { params: { replication_factor: 2, write_consistency_factor: 1 } });
        assert.equal(double.writes().filter((r) => r.method === "POST").length, 2);
        assert.equal(double.collections.get("agent_memory")!.params.replication_factor, 2);
    });

    it("replaces on vector size, distance or shard number changes; updates on RF and key rotation", function () {
        const olds: QdrantCollectionOutputs = { ...props, missingReplicas: 0 };
        assert.deepEqual(diffCollection(olds, props), { replaces: [], changes: [] });
        assert.deepEqual(diffCollection(olds, { ...props, vectorSize: 768, distance: "Dot", shardNumber: 4 }).replaces, ["vectorSize", "distance", "shardNumber"]);
        assert.deepEqual(diffCollection(olds, { ...props, replicationFactor: 1, connection: { ...props.connection, apiKey: "new" } }), {
            replaces: [],
            changes: ["replicationFactor", "connection.apiKey"],
        });
    });

    it("adopts an identical existing collection but refuses one with other vectors", async function () {
        await provider.create!(props);
        double.requests.length = 0;
        await provider.create!(props);
        assert.deepEqual(double.writes(), [], "identical collection adopted without writes");
        await assert.rejects(provider.create!({ ...props, vectorSize: 768 }), /already exists with different vectorSize/);
    });

    it("reads live parameters (drift) and reports a deleted collection as gone", async function () {
        const created = await provider.create!(props);
        double.collections.get("agent_memory")!.params.replication_factor = 1;
        const read = await provider.read!("agent_memory", created.outs);
        assert.equal(read.props!.replicationFactor, 1);
        await provider.delete!("agent_memory", created.outs);
        assert.equal(double.requests.at(-1)!.method, "DELETE");
        assert.deepEqual(await provider.read!("agent_memory", created.outs), {});
        await provider.delete!("agent_memory", created.outs); // already gone: no error
    });

    it("surfaces Qdrant's error for a wrong API key", async function () {
        await assert.rejects(provider.create!({ ...props, connection: { ...props.connection, apiKey: "wrong" } }), /HTTP 401: Invalid api-key/);
    });

    it("checks inputs before any request", async function () {
        const { failures } = await provider.check!({}, { ...props, writeConsistencyFactor: 3 });
        assert.deepEqual(failures, [{ property: "writeConsistencyFactor", reason: "3 exceeds replicationFactor 2: no write could ever succeed" }]);
        assert.deepEqual(checkCollection({ ...props, replicationFactor: 3 }, 2), [{ property: "replicationFactor", reason: "3 exceeds the 2 peers of the cluster" }]);
        assert.equal(double.requests.length, 0);
    });

    it("keeps u64 peer ids exact through parse and stringify, and plans on the least-loaded peer", function () {
        const parsed = parseQdrantJson(`{"peer_id":${P2},"remote_shards":[{"shard_id":0,"peer_id":${P1}}]}`) as { peer_id: string };
        assert.equal(parsed.peer_id, P2);
        assert.equal(stringifyQdrantJson({ to_peer_id: P2 }), `{"to_peer_id":${P2}}`);
        const P3 = "3";
        const plan = planReplicaRepairs(
            { peer_id: P1, local_shards: [{ shard_id: 0, state: "Active" }, { shard_id: 1, state: "Active" }], remote_shards: [{ shard_id: 1, peer_id: P2, state: "Active" }] },
            [P1, P2, P3],
            2,
        );
        assert.deepEqual(plan, { ops: [{ replicate_shard: { shard_id: 0, from_peer_id: P1, to_peer_id: P3 } }], missing: 0 });
    });
});
