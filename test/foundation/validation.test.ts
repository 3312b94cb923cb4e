/**
 * Malformed configs: each case breaks the committed topology in one way and expects an error that
 * names the exact key (and the file it lives in). Nothing is deployed from any of them.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ConfigError, loadConfig, rawConfigOf } from "../../stacks/config";
import { readStackConfig } from "../../offline/render";

const ROOT = path.resolve(__dirname, "../..");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function committed(): { topology: Json; settings: Record<string, unknown> } {
    const { config } = readStackConfig(ROOT, "node2");
    return {
        topology: structuredClone(config["daarion:topology"]),
        settings: { node: config["daarion:node"], sharedStack: config["daarion:sharedStack"] },
    };
}

interface Case {
    readonly name: string;
    readonly mutate: (t: Json, s: Record<string, unknown>) => void;
    /** The location that must be reported, e.g. "Pulumi.yaml: daarion:topology.nodes.node2.privateIp". */
    readonly location: string;
    /** A fragment of the message. */
    readonly message: RegExp;
}

const T = "Pulumi.yaml: daarion:topology";
const S = "Pulumi.node2.yaml: daarion:";

const CASES: Case[] = [
    { name: "unknown stack node", mutate: (_t, s) => (s.node = "node9"), location: `${S}node`, message: /unknown node 'node9'/ },
    { name: "missing stack node", mutate: (_t, s) => delete s.node, location: `${S}node`, message: /./ },
    { name: "non-primary stack without sharedStack", mutate: (_t, s) => delete s.sharedStack, location: `${S}sharedStack`, message: /required on non-primary stacks/ },
    { name: "unknown top-level key", mutate: (t) => (t.nodez = {}), location: `${T}`, message: /unknown key\(s\): nodez/ },
    { name: "bad private IP", mutate: (t) => (t.nodes.node2.privateIp = "10.10.1.300"), location: `${T}.nodes.node2.privateIp`, message: /IPv4/ },
    { name: "duplicate private IP", mutate: (t) => (t.nodes.node3.privateIp = t.nodes.node2.privateIp), location: `${T}.nodes.node3.privateIp`, message: /duplicate private IP 10\.10\.1\.12/ },
    { name: "cloud node outside cloud subnet", mutate: (t) => (t.nodes.node2.privateIp = "10.10.5.12"), location: `${T}.nodes.node2.privateIp`, message: /not inside network\.cloudSubnet/ },
    { name: "dedicated node outside vSwitch subnet", mutate: (t) => (t.nodes.node1.privateIp = "10.10.1.11"), location: `${T}.nodes.node1.privateIp`, message: /vswitch\.subnet/ },
    { name: "node on the gateway address", mutate: (t) => (t.nodes.node2.privateIp = "10.10.1.1"), location: `${T}.nodes.node2.privateIp`, message: /reserves for the gateway/ },
    { name: "cloud subnet outside network", mutate: (t) => (t.network.cloudSubnet = "10.20.1.0/24"), location: `${T}.network.cloudSubnet`, message: /not inside network\.ipRange/ },
    { name: "vSwitch subnet overlaps cloud subnet", mutate: (t) => (t.network.vswitch.subnet = "10.10.1.0/25"), location: `${T}.network.vswitch.subnet`, message: /overlaps/ },
    { name: "invalid CIDR", mutate: (t) => (t.network.ipRange = "10.10.0.0/33"), location: `${T}.network.ipRange`, message: /CIDR/ },
    { name: "vlan out of Hetzner's range", mutate: (t) => (t.network.vswitch.vlan = 12), location: `${T}.network.vswitch.vlan`, message: /4000|>=/ },
    { name: "unknown provisioner kind", mutate: (t) => (t.nodes.node2.provisioner.kind = "aws"), location: `${T}.nodes.node2.provisioner.kind`, message: /./ },
    { name: "hcloud node without server type", mutate: (t) => delete t.nodes.node2.provisioner.serverType, location: `${T}.nodes.node2.provisioner.serverType`, message: /./ },
    { name: "two primaries", mutate: (t) => (t.nodes.node2.role = "primary"), location: `${T}.nodes`, message: /exactly one node must have role 'primary'/ },
    { name: "GPU service on a node without GPU", mutate: (t) => (t.services.swapper.placement.node2 = "active"), location: `${T}.services.swapper.placement.node2`, message: /needs a GPU but node 'node2' has none/ },
    { name: "service placed on unknown node", mutate: (t) => (t.services.gateway.placement.node7 = "active"), location: `${T}.services.gateway.placement.node7`, message: /unknown node 'node7'/ },
    { name: "service port collides with a platform port", mutate: (t) => (t.services.parser.port = 5432), location: `${T}.services.parser.port`, message: /already used by postgresql/ },
    { name: "two services on one port", mutate: (t) => (t.services.parser.port = 8100), location: `${T}.services.parser.port`, message: /already used by service 'ingest'/ },
    { name: "standby without an active instance", mutate: (t) => (t.services.router.placement = { node2: "standby" }), location: `${T}.services.router.placement`, message: /no node runs this service as 'active'/ },
    { name: "unknown placement role", mutate: (t) => (t.services.router.placement.node2 = "passive"), location: `${T}.services.router.placement.node2`, message: /./ },
    { name: "malformed digest", mutate: (t) => (t.services.gateway.image.digest = "sha256:abc"), location: `${T}.services.gateway.image.digest`, message: /sha256:<64 hex digits>/ },
    { name: "database without postgres in uses", mutate: (t) => (t.services.gateway.uses = ["nats"]), location: `${T}.services.gateway.uses`, message: /does not list 'postgres'/ },
    { name: "PG replica on the primary's node", mutate: (t) => t.replication.postgresql.replicas.push("node1"), location: `${T}.replication.postgresql.replicas[1]`, message: /on its primary's node/ },
    { name: "PG primary unknown", mutate: (t) => (t.replication.postgresql.primary = "node0"), location: `${T}.replication.postgresql.primary`, message: /unknown node 'node0'/ },
    { name: "sync replication without replicas", mutate: (t) => Object.assign(t.replication.postgresql, { replicas: [], sync: "sync" }), location: `${T}.replication.postgresql.sync`, message: /blocks every commit/ },
    { name: "Qdrant RF larger than node count", mutate: (t) => (t.replication.qdrant.replicationFactor = 3), location: `${T}.replication.qdrant.replicationFactor`, message: /replication factor 3 is larger than the 2 Qdrant node/ },
    { name: "Qdrant collection RF larger than node count", mutate: (t) => (t.replication.qdrant.collections[0].replicationFactor = 4), location: `${T}.replication.qdrant.collections[0].replicationFactor`, message: /larger than/ },
    { name: "Qdrant first peer not a member", mutate: (t) => (t.replication.qdrant.firstPeer = "node3"), location: `${T}.replication.qdrant.firstPeer`, message: /not one of replication\.qdrant\.nodes/ },
    { name: "Neo4j Enterprise without license acceptance", mutate: (t) => (t.replication.neo4j.edition = "enterprise"), location: `${T}.replication.neo4j.acceptLicenseAgreement`, message: /accept its license/ },
    { name: "Neo4j node both primary and secondary", mutate: (t) => (t.replication.neo4j.secondaries = ["node2"]), location: `${T}.replication.neo4j.secondaries[0]`, message: /both a primary and a secondary/ },
    { name: "Redis replica on the master's node", mutate: (t) => (t.replication.redis.replicas = ["node1"]), location: `${T}.replication.redis.replicas[0]`, message: /on its master's node/ },
    { name: "fewer than 3 distinct sentinel nodes", mutate: (t) => (t.replication.redis.sentinels = ["node1", "node2"]), location: `${T}.replication.redis.sentinels`, message: /at least 3 are needed/ },
    { name: "two sentinels on one node", mutate: (t) => (t.replication.redis.sentinels = ["node1", "node2", "node2"]), location: `${T}.replication.redis.sentinels`, message: /two Sentinels on node 'node2'/ },
    { name: "quorum larger than sentinels", mutate: (t) => (t.replication.redis.quorum = 4), location: `${T}.replication.redis.quorum`, message: /larger than the 3 Sentinel/ },
    { name: "NATS leaf remote to an unknown cluster", mutate: (t) => (t.replication.nats.clusters[1].leafnodeTo = "kore"), location: `${T}.replication.nats.clusters[1].leafnodeTo`, message: /unknown cluster 'kore'/ },
    { name: "NATS JetStream leaf without domain", mutate: (t) => delete t.replication.nats.clusters[1].jetstream.domain, location: `${T}.replication.nats.clusters[1].jetstream.domain`, message: /needs its own domain/ },
    { name: "NATS node in two clusters", mutate: (t) => t.replication.nats.clusters[1].nodes.push("node2"), location: `${T}.replication.nats.clusters[1].nodes[1]`, message: /already a member of NATS cluster 'core'/ },
    { name: "NATS duplicate cluster name", mutate: (t) => (t.replication.nats.clusters[1].name = "core"), location: `${T}.replication.nats.clusters`, message: /cluster name 'core' is used twice/ },
    { name: "NATS duplicate JetStream domain", mutate: (t) => (t.replication.nats.clusters[1].jetstream.domain = "core"), location: `${T}.replication.nats.clusters[1].jetstream.domain`, message: /also used by cluster 'core'/ },
    { name: "ingress to an unknown service", mutate: (t) => (t.ingress.hosts[0].service = "gatewey"), location: `${T}.ingress.hosts[0].service`, message: /unknown service 'gatewey'/ },
    { name: "Daedalus database not declared", mutate: (t) => (t.replication.postgresql.databases = []), location: `${T}.daedalus.database`, message: /not in replication\.postgresql\.databases/ },
    { name: "Daedalus bucket not declared", mutate: (t) => (t.minio.buckets = ["other"]), location: `${T}.daedalus.bucket`, message: /not in minio\.buckets/ },
    { name: "monitoring on an unknown node", mutate: (t) => (t.monitoring.node = "prospero"), location: `${T}.monitoring.node`, message: /unknown node 'prospero'/ },
    { name: "admin CIDRs empty", mutate: (t) => (t.adminCidrs = []), location: `${T}.adminCidrs`, message: /./ },
];

describe("config validation", () => {
    it("accepts the committed config of every stack", () => {
        for (const stack of ["node1", "node2", "node3", "local"]) {
            const { config } = readStackConfig(ROOT, stack);
            const loaded = loadConfig(stack, rawConfigOf(config));
            assert.equal(loaded.stack, stack);
        }
    });

    it("warns, without failing, about the 2-server JetStream core that seed 000 proposes", () => {
        const { topology, settings } = committed();
        const loaded = loadConfig("node2", { topology, settings });
        const warning = loaded.warnings.find((w) => w.path === `${T}.replication.nats.clusters[0].nodes`);
        assert.ok(warning, JSON.stringify(loaded.warnings));
        assert.match(warning.message, /no quorum after one loss/);
    });

    it(`has at least 30 malformed cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

    for (const c of CASES) {
        it(`rejects: ${c.name}`, () => {
            const { topology, settings } = committed();
            c.mutate(topology, settings);
            let caught: unknown;
            try {
                loadConfig("node2", { topology, settings });
            } catch (err) {
                caught = err;
            }
            assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
            const hit = caught.errors.find((e) => e.location === c.location);
            assert.ok(hit, `no error at ${c.location}; got:\n${caught.message}`);
            assert.match(hit.message, c.message);
            assert.match(caught.message, /^invalid config for stack 'node2'/);
        });
    }
});
