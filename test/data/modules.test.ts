/**
 * The data modules (postgres, redis, qdrant, neo4j) inside the whole program, rendered offline for
 * every stack: which data workloads land on which node, protected volumes, private-only ports, the
 * shared databases/collections in the owner stack, and no credential in a non-secret input.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { postgresDatabases, postgresUrl } from "../../components/postgres/module";
import { redisSentinelsFor } from "../../components/redis/module";
import { hostResolver, localResolver } from "../../components/workload/addresses";
import { RenderResult, reveal } from "../../offline/render";
import { labelsOf, leakedSecrets, workloadRolesByNode } from "../../offline/write";
import { renderedStacks, renderedVariant } from "../support/render";
import { container, ofType, filesOf, placedFile, resource, TYPE } from "../support/resources";
import { committedTopology } from "../support/topology";

const DATA = new Set(["postgres", "redis", "redis-sentinel", "redis-cache", "qdrant", "neo4j"]);

const dataWorkloads = (result: RenderResult) => workloadRolesByNode(result, (w) => DATA.has(w));

const NODE1 = { postgres: "primary", redis: "master", "redis-sentinel": "sentinel", qdrant: "first-peer", neo4j: "standalone" };
const NODE2 = { postgres: "replica", redis: "replica", "redis-sentinel": "sentinel", qdrant: "peer" };
const NODE3 = { "redis-sentinel": "sentinel", "redis-cache": "cache" };

describe("data modules: offline render of every stack", function () {
    this.timeout(180_000);
    let results: Record<string, RenderResult> = {};
    let enterprise: RenderResult;

    before(async () => {
        results = await renderedStacks();
        enterprise = await renderedVariant("node3-neo4j-enterprise");
    });

    it("places seed 000's data stores on the nodes of the replication block", () => {
        assert.deepEqual(dataWorkloads(results.node1!), { node1: NODE1 });
        assert.deepEqual(dataWorkloads(results.node2!), { node2: NODE2 });
        assert.deepEqual(dataWorkloads(results.node3!), { node3: NODE3 });
        assert.deepEqual(dataWorkloads(results.local!), { node1: NODE1, node2: NODE2, node3: NODE3 });
    });

    it("keeps stateful data on protected, retained volumes (the edge cache has none)", () => {
        const volumes = ofType(results.local!, TYPE.volume).filter((v) => /^node\d-(postgres|redis|redis-sentinel|qdrant|neo4j|redis-cache)-[a-z]+$/.test(String(reveal(v.inputs.name))));
        const names = volumes.map((v) => String(reveal(v.inputs.name))).sort();
        assert.deepEqual(names, [
            "node1-neo4j-data",
            "node1-postgres-data",
            "node1-qdrant-snapshots",
            "node1-qdrant-storage",
            "node1-redis-data",
            "node1-redis-sentinel-data",
            "node2-postgres-data",
            "node2-qdrant-snapshots",
            "node2-qdrant-storage",
            "node2-redis-data",
            "node2-redis-sentinel-data",
            "node3-redis-sentinel-data",
        ]);
        for (const v of volumes) assert.deepEqual([v.options.protect, v.options.retainOnDelete], [true, true], String(reveal(v.inputs.name)));
    });

    it("publishes data ports on the private IP only, p2p included", () => {
        const ports = (node: string, workload: string) => reveal(container(results[node]!, node, workload).inputs.ports) as Array<{ internal: number; ip: string }>;
        assert.deepEqual(ports("node1", "postgres"), [{ internal: 5432, external: 5432, ip: "10.10.2.11", protocol: "tcp" }]);
        assert.deepEqual(ports("node2", "qdrant").map((p) => `${p.ip}:${p.internal}`), ["10.10.1.12:6333", "10.10.1.12:6334", "10.10.1.12:6335"]);
        assert.deepEqual(ports("node3", "redis-sentinel").map((p) => `${p.ip}:${p.internal}`), ["10.10.1.13:26379"]);
    });

    it("renders the replica's configuration in the node2 stack", () => {
        const conf = placedFile(results.node2!, "node2", "postgres", "/etc/daarion/postgres/postgresql.conf");
        // The topology has a postgres failover group (issue 12): the node agent's lease names the
        // upstream at run time, so the launcher writes primary_conninfo into failover.conf, which
        // postgresql.conf includes; nothing pins node1 as the primary in the rendered file.
        assert.match(conf, /^include_if_exists = '\/var\/run\/postgresql\/daarion\/failover\.conf'$/m);
        assert.doesNotMatch(conf, /^primary_conninfo/m);
        const launcher = placedFile(results.node2!, "node2", "postgres", "/etc/daarion/postgres/entrypoint.sh");
        assert.match(launcher, /^readonly SLOT='daarion_node2'$/m);
        assert.match(launcher, /primary_conninfo = 'host=%s port=%s user=%s passfile=%s application_name=%s connect_timeout=10'/);
        assert.match(placedFile(results.node2!, "node2", "postgres", "/etc/daarion/postgres/pg_hba.conf"), /^host\s+replication\s+replicator\s+10\.10\.1\.12\/32\s+scram-sha-256/m);
        assert.match(placedFile(results.node2!, "node2", "redis", "/etc/daarion/redis/redis.conf"), /^replicaof 10\.10\.2\.11 6379$/m);
        assert.match(placedFile(results.node3!, "node3", "redis-sentinel", "/etc/daarion/redis/sentinel.conf"), /^sentinel monitor daarion 10\.10\.2\.11 6379 2$/m);
        assert.match(placedFile(results.node2!, "node2", "qdrant", "/qdrant/config/daarion.yaml"), /enabled: true/);
        assert.deepEqual(reveal(container(results.node2!, "node2", "qdrant").inputs.command), [
            "./entrypoint.sh",
            "--config-path",
            "/qdrant/config/daarion.yaml",
            "--uri",
            "http://10.10.1.12:6335",
            "--bootstrap",
            "http://10.10.2.11:6335",
        ]);
    });

    it("declares one retained (not protected: issue 11 finding 5) database and owner role per database on the primary, and no Grant (pulumi-postgresql#233)", () => {
        const topology = committedTopology();
        const expected = postgresDatabases(topology);
        assert.ok(expected.includes("daedalus"), "seed 004's database");
        const r = results.node1!;
        const dbs = ofType(r, "postgresql:index/database:Database");
        assert.deepEqual(dbs.map((d) => reveal(d.inputs.name)).sort(), expected);
        for (const d of dbs) assert.deepEqual([d.options.protect, d.options.retainOnDelete], [undefined, true]);
        assert.deepEqual(ofType(r, "postgresql:index/role:Role").map((d) => reveal(d.inputs.name)).sort(), expected);
        assert.deepEqual(ofType(r, "postgresql:index/grant:Grant"), []);
        const provider = ofType(r, "pulumi:providers:postgresql")[0]!;
        assert.equal(reveal(provider.inputs.host), "10.10.2.11");
        for (const stack of ["node2", "node3"]) assert.deepEqual(ofType(results[stack]!, "postgresql:index/database:Database"), [], `${stack} owns no shared state`);
    });

    it("declares the Qdrant collections with the seed's shards and replication factor, in node2's stack (it completes the peers: stacks/quorum.ts)", () => {
        assert.deepEqual(ofType(results.node1!, "pulumi-nodejs:dynamic/qdrant:Collection"), []);
        const collections = ofType(results.node2!, "pulumi-nodejs:dynamic:Resource").concat(ofType(results.node2!, "pulumi-nodejs:dynamic/qdrant:Collection"));
        const shaped = collections.map((c) => [reveal(c.inputs.name), reveal(c.inputs.shardNumber), reveal(c.inputs.replicationFactor), reveal(c.inputs.vectorSize)]);
        assert.deepEqual(shaped.sort(), [
            ["agent_memory", 2, 2, 1024],
            ["documents", 2, 2, 1024],
        ]);
        for (const c of collections) assert.equal(c.options.protect, true);
    });

    it("keeps every credential in secret inputs, and exports connection data as secrets", () => {
        for (const [stack, r] of Object.entries(results)) assert.deepEqual(leakedSecrets(r), [], stack);
        const shared = results.node1!.outputs.shared as Record<string, Record<string, unknown>>;
        assert.equal(shared.postgres!.databaseUrls, "[secret]");
        assert.equal(shared.postgres!.primary, "10.10.2.11:5432");
        assert.equal(shared.qdrant!.url, "http://10.10.2.11:6333");
        assert.equal(shared.qdrant!.apiKey, "[secret]");
        assert.equal(shared.neo4j!.uri, "bolt://10.10.2.11:7687");
        const node3 = (results.node3!.outputs.nodeOutputs as Record<string, Record<string, Record<string, unknown>>>).node3!;
        assert.deepEqual(node3.redis!.sentinels, ["10.10.2.11:26379", "10.10.1.12:26379", "10.10.1.13:26379"]);
    });

    it("builds seed 004's asyncpg URL (password percent-encoded, secret) and the sentinel list for clients", async () => {
        const topology = committedTopology();
        const url = postgresUrl(topology, hostResolver({ node1: "10.10.2.11" }), "daedalus", "p@ss/w:rd");
        assert.equal(await pulumi.isSecret(url), true);
        assert.equal(await (url as unknown as { promise(): Promise<string> }).promise(), "postgresql+asyncpg://daedalus:p%40ss%2Fw%3Ard@10.10.2.11:5432/daedalus");
        assert.deepEqual(redisSentinelsFor(topology, localResolver()), {
            masterName: "daarion",
            sentinels: ["node1-redis-sentinel:26379", "node2-redis-sentinel:26379", "node3-redis-sentinel:26379"],
        });
    });

    it("uses container names, samenet and a loopback admin port on the local engine", () => {
        const r = results.local!;
        assert.match(placedFile(r, "node2", "postgres", "/etc/daarion/postgres/pg_hba.conf"), /^host\s+replication\s+replicator\s+samenet\s+scram-sha-256/m);
        // Under the node agent the upstream comes from its `primary` file: the agent of node1 names
        // its own postgres by the resolver's address, the container name on the local engine.
        assert.equal(JSON.parse(placedFile(r, "node1", "agent", "/etc/daarion-agent/config.json")).groups[0].postgres.host, "node1-postgres");
        assert.match(placedFile(r, "node3", "redis-sentinel", "/etc/daarion/redis/sentinel.conf"), /^sentinel resolve-hostnames yes$/m);
        assert.deepEqual(reveal(container(r, "node1", "postgres").inputs.ports), [{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }]);
        assert.deepEqual(reveal(container(r, "node2", "postgres").inputs.ports), []);
        const provider = ofType(r, "pulumi:providers:postgresql")[0]!;
        assert.deepEqual([reveal(provider.inputs.host), reveal(provider.inputs.port)], ["127.0.0.1", "15432"]);
    });

    it("clusters Neo4j on all three nodes with the Enterprise image once its license is accepted", () => {
        const neo = container(enterprise, "node3", "neo4j");
        assert.equal(labelsOf(neo)["daarion.role"], "secondary");
        const image = resource(enterprise, TYPE.remoteImage, "node3-neo4j-image");
        assert.equal(reveal(image.inputs.name), "docker.io/library/neo4j:5.24.2-enterprise");
        // neo4j.conf reaches the image as NEO4J_* variables, not a /conf upload (issue 10, finding 8).
        assert.equal(filesOf(enterprise, { node: "node3", workload: "neo4j" }).length, 0);
        const env = (reveal(neo.inputs.envs) as string[]).join("\n");
        assert.match(env, /^NEO4J_dbms_cluster_discovery_v2_endpoints=10\.10\.2\.11:6000,10\.10\.1\.12:6000,10\.10\.1\.13:6000$/m);
        assert.match(env, /^NEO4J_server_cluster_system__database__mode=SECONDARY$/m);
        assert.match(env, /^NEO4J_ACCEPT_LICENSE_AGREEMENT=yes$/m);
    });
});
