/**
 * Application services: seed 000's distribution table turned into workloads per node, their env
 * wiring (credentials always secret), and the validation that guards placement.
 */
import { dockerHealthcheckTest } from "../../components/workload/probes";
import * as assert from "node:assert/strict";
import {
    AppNode,
    AppServiceConfig,
    AppWiring,
    appEnv,
    buildAppWorkloads,
    NodeFacts,
    renderServiceTable,
    validateAppServices,
    validateAppWiring,
    WORKER_HEALTH_FILE,
} from "../../components/apps/services";
import { WorkloadSpec } from "../../components/workload/spec";
import { valueOf } from "../support/outputs";

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const image = (name: string, n: number) => ({ repository: `registry.daarion.city/microdao/${name}`, tag: "2025.12.1", digest: digest(n) });

/** Seed 000's table, as Pulumi.yaml declares it. */
const SERVICES: Record<string, AppServiceConfig> = {
    gateway: { image: image("gateway", 1), port: 9300, placement: { node1: "active", node2: "active", node3: "active" }, memoryMb: 1024, uses: ["nats", "postgres", "redis"], database: "gateway" },
    router: { image: image("router", 2), port: 9102, placement: { node1: "active", node2: "standby" }, memoryMb: 1024, uses: ["nats", "redis"] },
    swapper: { image: image("swapper", 3), port: 8890, gpu: true, placement: { node1: "active" }, memoryMb: 16384, uses: ["nats"] },
    "memory-service": { image: image("memory-service", 4), port: 8000, placement: { node1: "active", node2: "read" }, memoryMb: 2048, uses: ["nats", "postgres", "redis", "qdrant", "neo4j"], database: "memory" },
    crewai: { image: image("crewai", 5), port: 9010, placement: { node1: "active" }, memoryMb: 2048, uses: ["nats", "postgres", "redis"], database: "crewai" },
    "crewai-worker": { image: image("crewai", 5), port: 9011, placement: { node1: "active" }, memoryMb: 2048, command: ["python", "-m", "crewai_worker"], uses: ["nats", "redis"] },
    ingest: { image: image("ingest", 6), port: 8100, placement: { node1: "active" }, memoryMb: 1024, uses: ["nats", "postgres", "s3"], database: "ingest" },
    parser: { image: image("parser", 7), port: 8101, placement: { node1: "active" }, memoryMb: 2048, uses: ["nats", "s3"] },
    "async-worker": { image: image("async-worker", 8), port: 0, placement: { node2: "worker" }, memoryMb: 1024, uses: ["nats", "postgres", "redis"] },
};

const NODES: Record<string, NodeFacts> = { node1: { role: "primary", gpu: true }, node2: { role: "replica", gpu: false }, node3: { role: "edge", gpu: false } };

const node = (name: string): AppNode => ({
    name,
    role: NODES[name].role,
    gpu: NODES[name].gpu,
    clusterPeers: Object.keys(NODES)
        .filter((n) => n !== name)
        .map((n) => `${n}:4222`),
});

const db = (name: string) => ({ url: `postgresql://${name}:pw-${name}@10.10.2.11:5432/${name}`, readUrl: `postgresql://${name}:pw-${name}@10.10.1.12:5432/${name}` });
const WIRING: AppWiring = {
    nats: { url: "nats://10.10.2.11:4222", user: "app", password: "nats-pw" },
    postgres: db("app"),
    databases: { gateway: db("gateway"), memory: db("memory"), crewai: db("crewai"), ingest: db("ingest") },
    redis: { sentinels: ["10.10.2.11:26379", "10.10.1.12:26379", "10.10.1.13:26379"], masterName: "daarion", password: "redis-pw" },
    qdrant: { url: "http://10.10.2.11:6333", apiKey: "qdrant-key" },
    neo4j: { uri: "neo4j://10.10.2.11:7687", user: "neo4j", password: "neo4j-pw" },
    s3: { endpoint: "http://10.10.2.11:9000", accessKey: "minio-ak", secretKey: "minio-sk" },
};

function byName(ws: WorkloadSpec[]): Record<string, WorkloadSpec> {
    return Object.fromEntries(ws.map((w) => [w.name, w]));
}

describe("apps/services: seed 000 distribution", () => {
    it("places each service on the nodes of the table, with the table's roles", () => {
        const roles = (n: string) => Object.fromEntries(buildAppWorkloads(SERVICES, node(n), WIRING).map((w) => [w.name, w.role]));
        assert.deepEqual(roles("node1"), {
            "crewai": "active",
            "crewai-worker": "active",
            gateway: "active",
            ingest: "active",
            "memory-service": "active",
            parser: "active",
            router: "active",
            swapper: "active",
        });
        assert.deepEqual(roles("node2"), { "async-worker": "worker", gateway: "active", "memory-service": "read", router: "standby" });
        assert.deepEqual(roles("node3"), { gateway: "active" });
    });

    it("requests the GPU for swapper only, and refuses to place it on a node without one", () => {
        const ws = buildAppWorkloads(SERVICES, node("node1"), WIRING);
        assert.deepEqual(ws.filter((w) => w.gpu).map((w) => w.name), ["swapper"]);
        assert.throws(() => buildAppWorkloads({ swapper: { ...SERVICES.swapper, placement: { node2: "active" } } }, node("node2"), WIRING), /needs a GPU and node 'node2' has none/);
    });

    it("publishes each port on the private IP only, with an HTTP healthcheck on the health path and a memory limit", () => {
        const gw = byName(buildAppWorkloads(SERVICES, node("node3"), WIRING)).gateway;
        assert.deepEqual(gw.ports, [{ name: "http", containerPort: 9300 }]);
        assert.deepEqual(dockerHealthcheckTest(gw.probe.check), ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9300/health', timeout=4)"]);
        assert.equal(gw.memoryMb, 1024);
        assert.deepEqual(gw.image, SERVICES.gateway.image);
    });

    it("gives port-less workers a heartbeat healthcheck and HEALTH_FILE", () => {
        const w = byName(buildAppWorkloads(SERVICES, node("node2"), WIRING))["async-worker"];
        assert.deepEqual(w.ports, []);
        assert.equal(w.env?.HEALTH_FILE, WORKER_HEALTH_FILE);
        assert.equal(w.env?.PORT, undefined);
        assert.match(dockerHealthcheckTest(w.probe.check).join(" "), /getmtime\('\/tmp\/healthy'\) < 60/);
    });

    it("keeps the configured command", () => {
        assert.deepEqual(byName(buildAppWorkloads(SERVICES, node("node1"), WIRING))["crewai-worker"].command, ["python", "-m", "crewai_worker"]);
    });
});

describe("apps/services: env wiring", () => {
    it("sets seed 000's identity variables on every instance", async () => {
        const env = appEnv("router", SERVICES.router, "standby", node("node2"), WIRING);
        assert.equal(env.NODE_ID, "node2");
        assert.equal(env.NODE_ROLE, "replica");
        assert.equal(env.CLUSTER_PEERS, "node1:4222,node3:4222");
        assert.equal(env.SERVICE_ROLE, "standby");
        assert.equal(env.PORT, "9102");
    });

    it("wires exactly what a service uses, every credential secret", async () => {
        const env = appEnv("memory-service", SERVICES["memory-service"], "active", node("node1"), WIRING);
        assert.deepEqual(Object.keys(env).sort(), [
            "CLUSTER_PEERS", "DATABASE_READ_URL", "DATABASE_URL", "NATS_PASSWORD", "NATS_URL", "NATS_USER", "NEO4J_PASSWORD", "NEO4J_URI", "NEO4J_USER",
            "NODE_ID", "NODE_ROLE", "PORT", "QDRANT_API_KEY", "QDRANT_URL", "REDIS_MASTER_NAME", "REDIS_PASSWORD", "REDIS_SENTINELS", "SERVICE_NAME", "SERVICE_ROLE",
        ]);
        for (const key of ["NATS_USER", "NATS_PASSWORD", "DATABASE_URL", "DATABASE_READ_URL", "REDIS_PASSWORD", "QDRANT_API_KEY", "NEO4J_PASSWORD"]) {
            assert.equal((await valueOf(env[key])).secret, true, `${key} must be secret`);
        }
        assert.equal(env.REDIS_SENTINELS, "10.10.2.11:26379,10.10.1.12:26379,10.10.1.13:26379");
        const router = appEnv("router", SERVICES.router, "active", node("node1"), WIRING);
        assert.equal(router.DATABASE_URL, undefined, "router does not use postgres");
        assert.equal(router.S3_SECRET_KEY, undefined);
        const parser = appEnv("parser", SERVICES.parser, "active", node("node1"), WIRING);
        assert.equal((await valueOf(parser.S3_SECRET_KEY)).secret, true);
        assert.equal(parser.S3_REGION, "us-east-1");
    });

    it("points a read instance at the node's replica and an active one at the primary", async () => {
        const read = appEnv("memory-service", SERVICES["memory-service"], "read", node("node2"), WIRING);
        assert.equal((await valueOf(read.DATABASE_URL)).value, db("memory").readUrl);
        const active = appEnv("memory-service", SERVICES["memory-service"], "active", node("node1"), WIRING);
        assert.equal((await valueOf(active.DATABASE_URL)).value, db("memory").url);
        const shared = appEnv("async-worker", SERVICES["async-worker"], "worker", node("node2"), WIRING);
        assert.equal((await valueOf(shared.DATABASE_URL)).value, db("app").url, "no own database: the shared one");
    });

    it("keeps a service's own env but never lets it shadow the wiring", () => {
        const env = appEnv("parser", { ...SERVICES.parser, env: { LOG_LEVEL: "debug" } }, "active", node("node1"), WIRING);
        assert.equal(env.LOG_LEVEL, "debug");
        const errors = validateAppServices({ parser: { ...SERVICES.parser, env: { NATS_PASSWORD: "plain" } } }, NODES);
        assert.deepEqual(errors, ["services.parser.env.NATS_PASSWORD: set by the platform wiring and may not be overridden"]);
    });

    it("reports dependencies that are used but not wired", () => {
        const { qdrant: _q, databases: _d, ...partial } = WIRING;
        assert.deepEqual(validateAppWiring({ "memory-service": SERVICES["memory-service"] }, partial), [
            "services.memory-service.database: no endpoint wired for database 'memory'",
            "services.memory-service.uses: 'qdrant' is used but not wired",
        ]);
        assert.throws(() => appEnv("memory-service", SERVICES["memory-service"], "active", node("node1"), partial), /uses postgres but it is not wired/);
    });
});

describe("apps/services: validation", () => {
    it("accepts seed 000's table", () => assert.deepEqual(validateAppServices(SERVICES, NODES), []));
    const cases: [string, Record<string, AppServiceConfig>, string][] = [
        ["a GPU service on a node without GPU", { swapper: { ...SERVICES.swapper, placement: { node3: "active" } } }, "services.swapper.placement.node3: 'swapper' needs a GPU and node 'node3' has none"],
        ["an unknown node", { router: { ...SERVICES.router, placement: { node1: "active", node9: "standby" } } }, "services.router.placement.node9: no node named 'node9' in the topology"],
        ["a standby without an active instance", { router: { ...SERVICES.router, placement: { node2: "standby" } } }, "services.router.placement: a standby needs an active instance to stand in for"],
        ["two services on one port of a node", { a: { ...SERVICES.parser }, b: { ...SERVICES.ingest, port: 8101 } }, "services.b.port: 8101 is also published by 'a' on node 'node1'"],
        ["an image pinned by tag only", { parser: { ...SERVICES.parser, image: { repository: "r/parser", tag: "latest" } } }, "services.parser.image.digest: pin 'r/parser' by digest (sha256:...) or give a build context; a tag can move under a running deployment"],
        ["a read instance without postgres", { router: { ...SERVICES.router, placement: { node1: "active", node2: "read" } } }, "services.router.placement.node2: a 'read' instance only differs by reading the local replica, so it must use postgres"],
        ["a service placed nowhere", { parser: { ...SERVICES.parser, placement: {} } }, "services.parser.placement: the service runs nowhere"],
    ];
    for (const [what, services, error] of cases) {
        it(`rejects ${what}`, () => {
            const errors = validateAppServices(services, NODES);
            assert.ok(errors.includes(error), JSON.stringify(errors));
        });
    }
    it("accepts a build context instead of a digest, and a tag when digests are not required", () => {
        assert.deepEqual(validateAppServices({ parser: { ...SERVICES.parser, image: { repository: "registry/parser", build: { context: "./parser" } } } }, NODES), []);
        assert.deepEqual(validateAppServices({ parser: { ...SERVICES.parser, image: { repository: "r/parser", tag: "1.0" } } }, NODES, { requireDigest: false }), []);
    });
});

describe("apps/services: README table", () => {
    it("renders seed 000's service distribution from the config", () => {
        assert.equal(
            renderServiceTable(SERVICES, ["node1", "node2", "node3"], [{ title: "Daedalus :22181", cells: { node1: "✓" } }]),
            [
                "| Service | NODE1 | NODE2 | NODE3 |",
                "|---------|-------|-------|-------|",
                "| Gateway :9300 | ✓ | ✓ | ✓ |",
                "| Router :9102 | ✓ | ✓ (standby) | - |",
                "| Swapper (GPU) :8890 | ✓ | - | - |",
                "| Memory Service :8000 | ✓ | ✓ (read) | - |",
                "| CrewAI :9010 | ✓ | - | - |",
                "| CrewAI Worker :9011 | ✓ | - | - |",
                "| Ingest :8100 | ✓ | - | - |",
                "| Parser :8101 | ✓ | - | - |",
                "| Async Workers | - | ✓ (worker) | - |",
                "| Daedalus :22181 | ✓ | - | - |",
                "",
            ].join("\n"),
        );
    });
});
