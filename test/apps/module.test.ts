/**
 * The apps and daedalus modules inside the whole program, rendered offline for every stack:
 * seed 000's table lands on the right nodes, Daedalus on its node, and no credential leaks.
 */
import * as assert from "node:assert/strict";
import { daedalusNginxConfig } from "../../components/apps/daedalus";
import { daedalusMetricsAllow, daedalusTrustedProxies } from "../../components/apps/daedalus-module";
import { DOCKER_BRIDGE_RANGE } from "../../components/network/cidr";
import { serviceDistributionMarkdown } from "../../components/apps/module";
import { minioConsumers } from "../../components/minio/module";
import { neo4jUriFor } from "../../components/neo4j/module";
import { redisSentinelsFor } from "../../components/redis/module";
import { containerName, hostResolver } from "../../components/workload/addresses";
import { RenderResult, reveal } from "../../offline/render";
import { containers, labelsOf, leakedSecrets, workloadRolesByNode } from "../../offline/write";
import { Topology } from "../../stacks/schema";
import { renderedStacks } from "../support/render";
import { container, envText, placedFile } from "../support/resources";
import { committedTopology } from "../support/topology";

const APP_WORKLOADS = new Set([
    "gateway", "router", "swapper", "memory-service", "crewai", "crewai-worker", "ingest", "parser", "async-worker",
    "daedalus-api", "daedalus-nginx", "herodb", "node-postgres", "postgrest",
]);

const appWorkloads = (result: RenderResult) => workloadRolesByNode(result, (w) => APP_WORKLOADS.has(w));

const NODE1 = {
    crewai: "active",
    "crewai-worker": "active",
    "daedalus-api": "api",
    "daedalus-nginx": "web",
    gateway: "active",
    ingest: "active",
    "memory-service": "active",
    "node-postgres": "node-local",
    parser: "active",
    postgrest: "node-local",
    router: "active",
    swapper: "active",
};
const NODE2 = { "async-worker": "worker", gateway: "active", "memory-service": "read", router: "standby" };
const NODE3 = { gateway: "active" };

describe("apps module: offline render of every stack", function () {
    this.timeout(120_000);
    let results: Record<string, RenderResult> = {};
    let topology: Topology;

    before(async () => {
        results = await renderedStacks();
        topology = committedTopology();
    });

    /** herodb runs wherever a node enables it, once Pulumi.yaml names an image for it. */
    const withHerodb = (node: string, expected: Record<string, string>) =>
        topology.images.herodb && topology.nodes[node]!.runtime.herodb ? { ...expected, herodb: "node-local" } : expected;

    it("places seed 000's services (and Daedalus, PostgREST) on the nodes of the table", () => {
        const [n1, n2, n3] = [withHerodb("node1", NODE1), withHerodb("node2", NODE2), withHerodb("node3", NODE3)];
        assert.deepEqual(appWorkloads(results.node1!), { node1: n1 });
        assert.deepEqual(appWorkloads(results.node2!), { node2: n2 });
        assert.deepEqual(appWorkloads(results.node3!), { node3: n3 });
        assert.deepEqual(appWorkloads(results.local!), { node1: n1, node2: n2, node3: n3 });
    });

    it("requests the GPU for swapper on node1, publishes app ports on the private IP only", () => {
        const byName = Object.fromEntries(containers(results.node1!).map((c) => [labelsOf(c)["daarion.workload"], c]));
        assert.equal(byName.swapper!.inputs.gpus, "all");
        assert.equal(byName.gateway!.inputs.gpus, undefined);
        assert.deepEqual(reveal(byName.gateway!.inputs.ports), [{ internal: 9300, external: 9300, ip: "10.10.2.11", protocol: "tcp" }]);
        assert.deepEqual(reveal(byName["daedalus-api"]!.inputs.ports), [], "uvicorn stays internal");
        assert.deepEqual(reveal(byName["daedalus-nginx"]!.inputs.ports), [{ internal: 80, external: 22181, ip: "10.10.2.11", protocol: "tcp" }]);
    });

    it("wires env with secrets only in secret inputs", () => {
        for (const [stack, r] of Object.entries(results)) assert.deepEqual(leakedSecrets(r), [], stack);
        const env = envText(container(results.node2!, "node2", "gateway"));
        assert.match(env, /^NODE_ID=node2$/m);
        assert.match(env, /^NODE_ROLE=replica$/m);
        assert.match(env, /^CLUSTER_PEERS=10\.10\.2\.11:4222,10\.10\.1\.13:4222$/m);
        assert.match(env, /^NATS_URL=nats:\/\/10\.10\.1\.12:4222,nats:\/\/10\.10\.2\.11:4222,nats:\/\/10\.10\.1\.13:4222$/m);
        assert.match(env, /^DATABASE_URL=postgresql:\/\/gateway:RENDERSECRET[^@]*@10\.10\.2\.11:5432\/gateway$/m);
        assert.match(env, /^DATABASE_READ_URL=postgresql:\/\/gateway:RENDERSECRET[^@]*@10\.10\.1\.12:5432\/gateway$/m);
        assert.match(env, /^REDIS_SENTINELS=10\.10\.2\.11:26379,10\.10\.1\.12:26379,10\.10\.1\.13:26379$/m);
    });

    it("agrees with the endpoints the server modules publish (redis, neo4j, S3 consumers)", () => {
        const resolver = hostResolver(Object.fromEntries(Object.entries(topology.nodes).map(([n, spec]) => [n, spec.privateIp])));
        const env = envText(container(results.node1!, "node1", "memory-service"));
        assert.ok(env.includes(`\nREDIS_SENTINELS=${redisSentinelsFor(topology, resolver).sentinels.join(",")}\n`), env);
        assert.ok(env.includes(`\nREDIS_MASTER_NAME=${redisSentinelsFor(topology, resolver).masterName}\n`));
        assert.ok(env.includes(`\nNEO4J_URI=${neo4jUriFor(topology, resolver)}\n`));
        const penv = envText(container(results.node1!, "node1", "parser"));
        const consumer = minioConsumers(topology).find((c) => c.user === "parser")!;
        assert.match(penv, new RegExp(`^S3_ACCESS_KEY=${consumer.user}$`, "m"));
        assert.match(penv, new RegExp(`^S3_BUCKET=${consumer.bucket}$`, "m"));
        assert.match(penv, /^S3_SECRET_KEY=RENDERSECRET-shared-secrets-minio-user-parser$/m);
    });

    it("uses container names on the local engine", () => {
        const env = envText(container(results.local!, "node3", "gateway"));
        assert.match(env, /^NATS_URL=nats:\/\/node3-nats:4223$/m); // node3 edge leaf (own ports beside its core server, issue 12)
        assert.match(env, /^DATABASE_URL=postgresql:\/\/gateway:RENDERSECRET[^@]*@node1-postgres:5432\/gateway$/m);
    });

    it("mounts the Daedalus nginx.conf rendered for this topology", () => {
        assert.equal(placedFile(results.node1!, "node1", "daedalus-nginx", "/etc/nginx/nginx.conf"), daedalusNginxConfig({ metricsAllow: daedalusMetricsAllow(topology), trustedProxies: daedalusTrustedProxies(topology, [DOCKER_BRIDGE_RANGE]), apiHost: containerName("node1", "daedalus-api") }));
        const api = container(results.node1!, "node1", "daedalus-api");
        const env = envText(api);
        assert.match(env, /^DAEDALUS_DATABASE_URL=postgresql\+asyncpg:\/\/daedalus:RENDERSECRET[^@]*@10\.10\.2\.11:5432\/daedalus$/m);
        assert.match(env, /^DAEDALUS_S3_ENDPOINT=http:\/\/10\.10\.2\.11:9000$/m);
        assert.match(env, /^DAEDALUS_S3_BUCKET=daedalus$/m);
        assert.equal(labelsOf(api).unit, "daedalus");
    });

    it("says that herodb is not deployed while no image is configured", function () {
        if (topology.images.herodb) {
            assert.ok(!results.node3!.warnings.some((w) => w.includes("runtime.herodb")));
            return;
        }
        assert.ok(results.node3!.warnings.some((w) => w.includes("nodes.node3.runtime.herodb: no image configured")), results.node3!.warnings.join("\n"));
    });

    it("generates the README service table from the topology", () => {
        const table = serviceDistributionMarkdown(topology);
        assert.match(table, /^\| Service \| NODE1 \| NODE2 \| NODE3 \|$/m);
        assert.match(table, /^\| Router :9102 \| ✓ \| ✓ \(standby\) \| - \|$/m);
        assert.match(table, /^\| Memory Service :8000 \| ✓ \| ✓ \(read\) \| - \|$/m);
        assert.match(table, /^\| Async Workers \| - \| ✓ \(worker\) \| - \|$/m);
        assert.match(table, /^\| Daedalus :22181 \(api :8000 internal\) \| ✓ \| - \| - \|$/m);
        const herodb = topology.images.herodb ? "✓" : "✓ \\(needs images\\.herodb\\)";
        assert.match(table, new RegExp(`^\\| herodb \\(node-local, not protected\\) \\| ${herodb} \\| ${herodb} \\| ${herodb} \\|$`, "m"));
        assert.match(table, /^\| HAProxy :80\/:443 \(stats :8404 private\) \| ✓ \| ✓ \| - \|$/m);
    });
});
