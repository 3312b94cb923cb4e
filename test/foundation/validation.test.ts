/**
 * Malformed configs: each case breaks the committed config in one way and expects one line that
 * names the file and the exact key, says what was expected and found, and carries no stack trace
 * and no zod default text. Entry points are the ones a user hits: `loadConfig` over the config
 * map the CLI would pass (rawConfigOf), the YAML reader, and the render CLI as a child process.
 *
 * Over 400 lines on purpose: the three case tables share their edits (the CLI cases reuse the YAML
 * cases' breakage, the coverage count spans all three) and the helpers that report them, so one
 * file keeps every malformed config and every entry point it must fail through side by side.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, loadConfig, rawConfigOf } from "../../stacks/config";
import { readStackConfig } from "../../offline/render";
import type { PlatformModule } from "../../stacks/context";
import { MODULES } from "../../stacks/modules";
import { platformPorts } from "../../stacks/validate";
import { DOCKER_STACKS, renderEdited } from "../support/render";
import { committedConfig, loadedStack, REPO_ROOT as ROOT } from "../support/topology";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The config map of stack node2 as the CLI would build it: Pulumi.yaml's topology plus the stack file. */
function committed(): { topology: Json; config: Record<string, unknown> } {
    const config = committedConfig("node2").config;
    return { topology: config["daarion:topology"], config };
}

/** A stack trace line, or one of zod's default texts, must never reach a user. */
const TRACE = /\n\s+at |\.ts:\d+:\d+\)|ZodError|YAMLParseError/;
const ZOD_DEFAULTS = /Invalid input|Invalid option|Too big|Too small|Unrecognized key|Invalid string|Invalid discriminator/;

function assertClean(text: string): void {
    assert.doesNotMatch(text, TRACE, `stack trace in:\n${text}`);
    assert.doesNotMatch(text, ZOD_DEFAULTS, `zod default text in:\n${text}`);
}

function caught(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err instanceof Error ? err.stack : String(err)}`);
        return err;
    }
    assert.fail("the config was accepted");
}

interface Case {
    readonly name: string;
    /** Breaks the topology `t` or the stack's config map `c` (keys `daarion:...`). */
    readonly mutate: (t: Json, c: Record<string, unknown>) => void;
    /** The location that must be reported, e.g. "Pulumi.yaml: daarion:topology.nodes.node2.privateIp". */
    readonly location: string;
    /** A fragment of the message. */
    readonly message: RegExp;
}

const T = "Pulumi.yaml: daarion:topology";
const S = "Pulumi.node2.yaml: daarion:";

const CASES: Case[] = [
    { name: "unknown stack node", mutate: (_t, c) => (c["daarion:node"] = "node9"), location: `${S}node`, message: /unknown node 'node9'/ },
    { name: "missing stack node", mutate: (_t, c) => delete c["daarion:node"], location: `${S}node`, message: /^missing: .*one of: node1, node2, node3, all$/ },
    { name: "non-primary stack without sharedStack", mutate: (_t, c) => delete c["daarion:sharedStack"], location: `${S}sharedStack`, message: /required on non-primary stacks/ },
    { name: "unknown top-level key", mutate: (t) => (t.nodez = {}), location: `${T}.nodez`, message: /^unknown key; did you mean `nodes`\?$/ },
    { name: "bad private IP", mutate: (t) => (t.nodes.node2.privateIp = "10.10.1.300"), location: `${T}.nodes.node2.privateIp`, message: /IPv4/ },
    { name: "duplicate private IP", mutate: (t) => (t.nodes.node3.privateIp = t.nodes.node2.privateIp), location: `${T}.nodes.node3.privateIp`, message: /duplicate private IP 10\.10\.1\.12/ },
    { name: "cloud node outside cloud subnet", mutate: (t) => (t.nodes.node2.privateIp = "10.10.5.12"), location: `${T}.nodes.node2.privateIp`, message: /not inside network\.cloudSubnet/ },
    { name: "dedicated node outside vSwitch subnet", mutate: (t) => (t.nodes.node1.privateIp = "10.10.1.11"), location: `${T}.nodes.node1.privateIp`, message: /vswitch\.subnet/ },
    { name: "node on the gateway address", mutate: (t) => (t.nodes.node2.privateIp = "10.10.1.1"), location: `${T}.nodes.node2.privateIp`, message: /reserves for the gateway/ },
    { name: "cloud subnet outside network", mutate: (t) => (t.network.cloudSubnet = "10.20.1.0/24"), location: `${T}.network.cloudSubnet`, message: /not inside network\.ipRange/ },
    { name: "vSwitch subnet overlaps cloud subnet", mutate: (t) => (t.network.vswitch.subnet = "10.10.1.0/25"), location: `${T}.network.vswitch.subnet`, message: /overlaps/ },
    { name: "invalid CIDR", mutate: (t) => (t.network.ipRange = "10.10.0.0/33"), location: `${T}.network.ipRange`, message: /CIDR/ },
    { name: "vlan out of Hetzner's range", mutate: (t) => (t.network.vswitch.vlan = 12), location: `${T}.network.vswitch.vlan`, message: /4000|>=/ },
    { name: "unknown provisioner kind", mutate: (t) => (t.nodes.node2.provisioner.kind = "aws"), location: `${T}.nodes.node2.provisioner.kind`, message: /must be one of: hcloud, dedicated, local \(found "aws"\)/ },
    { name: "hcloud node without server type", mutate: (t) => delete t.nodes.node2.provisioner.serverType, location: `${T}.nodes.node2.provisioner.serverType`, message: /^missing \(expected a string\)$/ },
    { name: "two primaries", mutate: (t) => (t.nodes.node2.role = "primary"), location: `${T}.nodes`, message: /exactly one node must have role 'primary'/ },
    { name: "GPU service on a node without GPU", mutate: (t) => (t.services.swapper.placement.node2 = "active"), location: `${T}.services.swapper.placement.node2`, message: /needs a GPU but node 'node2' has none/ },
    { name: "service placed on unknown node", mutate: (t) => (t.services.gateway.placement.node7 = "active"), location: `${T}.services.gateway.placement.node7`, message: /unknown node 'node7'/ },
    { name: "service port collides with a platform port", mutate: (t) => (t.services.parser.port = 5432), location: `${T}.services.parser.port`, message: /already used by postgresql/ },
    { name: "two services on one port", mutate: (t) => (t.services.parser.port = 8100), location: `${T}.services.parser.port`, message: /already used by service 'ingest'/ },
    { name: "standby without an active instance", mutate: (t) => (t.services.router.placement = { node2: "standby" }), location: `${T}.services.router.placement`, message: /no node runs this service as 'active'/ },
    { name: "unknown placement role", mutate: (t) => (t.services.router.placement.node2 = "passive"), location: `${T}.services.router.placement.node2`, message: /one of: active, standby, read, worker \(found "passive"\)/ },
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
    // A node may run one full-cluster and one leaf server (node3 since issue 12), never two full ones.
    { name: "NATS node in two full clusters", mutate: (t) => t.replication.nats.clusters.push({ name: "dr", nodes: ["node2"] }), location: `${T}.replication.nats.clusters[2].nodes[0]`, message: /already a member of full NATS cluster 'core'/ },
    { name: "NATS duplicate cluster name", mutate: (t) => (t.replication.nats.clusters[1].name = "core"), location: `${T}.replication.nats.clusters`, message: /cluster name 'core' is used twice/ },
    { name: "NATS duplicate JetStream domain", mutate: (t) => (t.replication.nats.clusters[1].jetstream.domain = "core"), location: `${T}.replication.nats.clusters[1].jetstream.domain`, message: /also used by cluster 'core'/ },
    { name: "ingress to an unknown service", mutate: (t) => (t.ingress.hosts[0].service = "gatewey"), location: `${T}.ingress.hosts[0].service`, message: /unknown service 'gatewey'/ },
    { name: "Daedalus database not declared", mutate: (t) => (t.replication.postgresql.databases = []), location: `${T}.daedalus.database`, message: /not in replication\.postgresql\.databases/ },
    { name: "Daedalus bucket not declared", mutate: (t) => (t.minio.buckets = ["other"]), location: `${T}.daedalus.bucket`, message: /not in minio\.buckets/ },
    { name: "monitoring on an unknown node", mutate: (t) => (t.monitoring.node = "prospero"), location: `${T}.monitoring.node`, message: /unknown node 'prospero'/ },
    { name: "admin CIDRs empty", mutate: (t) => (t.adminCidrs = []), location: `${T}.adminCidrs`, message: /needs at least 1 item/ },

    // --- wrong types: the expected type and the value found ------------------------------------
    { name: "port as a string", mutate: (t) => (t.services.gateway.port = "9300"), location: `${T}.services.gateway.port`, message: /^expected a number \(found "9300"\)$/ },
    { name: "fractional memory", mutate: (t) => (t.services.gateway.memoryMb = 1.5), location: `${T}.services.gateway.memoryMb`, message: /expected a whole number \(found 1\.5\)/ },
    { name: "role as a number", mutate: (t) => (t.nodes.node2.role = 3), location: `${T}.nodes.node2.role`, message: /one of: primary, replica, edge \(found 3\)/ },
    { name: "sentinels as one string", mutate: (t) => (t.replication.redis.sentinels = "node1"), location: `${T}.replication.redis.sentinels`, message: /^expected a list \(found "node1"\)$/ },
    { name: "license acceptance as yes", mutate: (t) => (t.replication.neo4j.acceptLicenseAgreement = "yes"), location: `${T}.replication.neo4j.acceptLicenseAgreement`, message: /^expected true or false \(found "yes"\)$/ },
    { name: "network as a string", mutate: (t) => (t.network = "daarion"), location: `${T}.network`, message: /^expected an object \(key: value\) \(found "daarion"\)$/ },
    { name: "placement as a list", mutate: (t) => (t.services.gateway.placement = ["node1"]), location: `${T}.services.gateway.placement`, message: /expected an object .*found a list of 1/ },
    { name: "Qdrant shards as a string", mutate: (t) => (t.replication.qdrant.shards = "2"), location: `${T}.replication.qdrant.shards`, message: /expected a number \(found "2"\)/ },
    { name: "stack localGpu as yes", mutate: (_t, c) => (c["daarion:localGpu"] = "yes"), location: `${S}localGpu`, message: /^expected true or false \(found "yes"\)$/ },
    { name: "env value as a number", mutate: (t) => (t.services.gateway.env = { LOG_LEVEL: 1 }), location: `${T}.services.gateway.env.LOG_LEVEL`, message: /^expected a string \(found 1\)$/ },
    { name: "GPU memory with a unit", mutate: (t) => (t.nodes.node1.gpu.memoryGb = "20GB"), location: `${T}.nodes.node1.gpu.memoryGb`, message: /expected a number \(found "20GB"\)/ },
    { name: "private IP as a number", mutate: (t) => (t.nodes.node2.privateIp = 1012), location: `${T}.nodes.node2.privateIp`, message: /^expected a string \(found 1012\)$/ },
    { name: "overrides memory as a string", mutate: (_t, c) => (c["daarion:overrides"] = { services: { gateway: { memoryMb: "2g" } } }), location: `${S}overrides.services.gateway.memoryMb`, message: /expected a number \(found "2g"\)/ },

    // --- unknown keys: the closest valid one --------------------------------------------------
    { name: "misspelled replicationFactor", mutate: (t) => (t.replication.qdrant.replicationFactr = 2), location: `${T}.replication.qdrant.replicationFactr`, message: /^unknown key; did you mean `replicationFactor`\?$/ },
    { name: "memoryMB in capitals", mutate: (t) => (t.services.gateway.memoryMB = 1024), location: `${T}.services.gateway.memoryMB`, message: /did you mean `memoryMb`\?/ },
    { name: "privateIP in capitals", mutate: (t) => (t.nodes.node2.privateIP = "10.10.1.12"), location: `${T}.nodes.node2.privateIP`, message: /did you mean `privateIp`\?/ },
    { name: "image tag transposed", mutate: (t) => (t.services.gateway.image = { repository: "registry.daarion.city/microdao/gateway", tga: "1" }), location: `${T}.services.gateway.image.tga`, message: /did you mean `tag`\?/ },
    { name: "stack key daarion:nod", mutate: (_t, c) => ((c["daarion:nod"] = "node2"), delete c["daarion:node"]), location: `${S}nod`, message: /^unknown key; did you mean `daarion:node`\?$/ },
    { name: "stack key daarion:nod also reports the missing node", mutate: (_t, c) => ((c["daarion:nod"] = "node2"), delete c["daarion:node"]), location: `${S}node`, message: /one of: node1, node2, node3, all/ },
    { name: "stack key sharedstack lower-case", mutate: (_t, c) => ((c["daarion:sharedstack"] = c["daarion:sharedStack"]), delete c["daarion:sharedStack"]), location: `${S}sharedstack`, message: /did you mean `daarion:sharedStack`\?/ },
    { name: "replication.postgres for postgresql", mutate: (t) => ((t.replication.postgres = t.replication.postgresql), delete t.replication.postgresql), location: `${T}.replication.postgres`, message: /did you mean `postgresql`\?/ },
    { name: "runbookBaseURL in capitals", mutate: (t) => ((t.monitoring.runbookBaseURL = t.monitoring.runbookBaseUrl), delete t.monitoring.runbookBaseUrl), location: `${T}.monitoring.runbookBaseURL`, message: /did you mean `runbookBaseUrl`\?/ },
    { name: "misspelled serverType in a provisioner", mutate: (t) => (t.nodes.node2.provisioner.serverTyp = "ccx33"), location: `${T}.nodes.node2.provisioner.serverTyp`, message: /did you mean `serverType`\?/ },
    { name: "misspelled key in overrides", mutate: (_t, c) => (c["daarion:overrides"] = { services: { gateway: { memorymb: 2048 } } }), location: `${S}overrides.services.gateway.memorymb`, message: /did you mean `memoryMb`\?/ },
    { name: "unrelated key lists the valid ones", mutate: (t) => (t.colour = "blue"), location: `${T}.colour`, message: /^unknown key; valid keys here: domain, network, adminCidrs, / },
    { name: "key of a misspelled jetstream block", mutate: (t) => (t.replication.nats.clusters[0].jetstream.maxMemoryMB = 512), location: `${T}.replication.nats.clusters[0].jetstream.maxMemoryMB`, message: /did you mean `maxMemoryMb`\?/ },

    // --- the stack's node -------------------------------------------------------------------
    { name: "stack node in capitals", mutate: (_t, c) => (c["daarion:node"] = "Node2"), location: `${S}node`, message: /unknown node 'Node2' \(nodes are: node1, node2, node3, or 'all'/ },
    { name: "stack node as a number", mutate: (_t, c) => (c["daarion:node"] = 2), location: `${S}node`, message: /unknown node '2' \(nodes are: node1, node2, node3/ },
    { name: "stack node empty", mutate: (_t, c) => (c["daarion:node"] = ""), location: `${S}node`, message: /must not be empty/ },

    // --- ports and addresses out of range ------------------------------------------------------
    { name: "service port above 65535", mutate: (t) => (t.services.gateway.port = 70000), location: `${T}.services.gateway.port`, message: /^must be at most 65535 \(found 70000\)$/ },
    { name: "negative service port", mutate: (t) => (t.services.gateway.port = -1), location: `${T}.services.gateway.port`, message: /^must be at least 0 \(found -1\)$/ },
    { name: "PostgreSQL port 0", mutate: (t) => (t.replication.postgresql.port = 0), location: `${T}.replication.postgresql.port`, message: /^must be at least 1 \(found 0\)$/ },
    { name: "PostgreSQL admin endpoint port 99999", mutate: (t) => (t.replication.postgresql.adminEndpoint = "127.0.0.1:99999"), location: `${T}.replication.postgresql.adminEndpoint`, message: /^port must be 1-65535 \(found "127\.0\.0\.1:99999"\)$/ },
    { name: "Qdrant admin endpoint without port", mutate: (t) => (t.replication.qdrant.adminEndpoint = "localhost"), location: `${T}.replication.qdrant.adminEndpoint`, message: /^must be host:port \(found "localhost"\)$/ },
    { name: "MinIO endpoint port 0", mutate: (t) => (t.minio.providerEndpoint = "127.0.0.1:0"), location: `${T}.minio.providerEndpoint`, message: /port must be 1-65535/ },
    { name: "NATS admin server port 70000", mutate: (t) => (t.replication.nats.adminServers = ["nats://10.10.2.11:70000"]), location: `${T}.replication.nats.adminServers[0]`, message: /port must be 1-65535 \(found "nats:\/\/10\.10\.2\.11:70000"\)/ },
    { name: "public address octet 256", mutate: (t) => (t.nodes.node1.provisioner.address = "203.0.113.256"), location: `${T}.nodes.node1.provisioner.address`, message: /IPv4 address .*\(found "203\.0\.113\.256"\)/ },
    { name: "admin CIDR prefix 40", mutate: (t) => (t.adminCidrs = ["198.51.100.0/40"]), location: `${T}.adminCidrs[0]`, message: /IPv4 CIDR .*\(found "198\.51\.100\.0\/40"\)/ },
    { name: "vSwitch subnet without prefix", mutate: (t) => (t.network.vswitch.subnet = "10.10.2.0"), location: `${T}.network.vswitch.subnet`, message: /IPv4 CIDR/ },
    { name: "metrics allow-list with a word", mutate: (t) => (t.daedalus.metricsAllow = ["10.0.0.0/8", "everything"]), location: `${T}.daedalus.metricsAllow[1]`, message: /IPv4 CIDR .*\(found "everything"\)/ },
    { name: "vlan above Hetzner's range", mutate: (t) => (t.network.vswitch.vlan = 5000), location: `${T}.network.vswitch.vlan`, message: /^must be at most 4091 \(found 5000\)$/ },
    { name: "node on the broadcast address", mutate: (t) => (t.nodes.node2.privateIp = "10.10.1.255"), location: `${T}.nodes.node2.privateIp`, message: /network or broadcast address/ },

    // --- other shapes -------------------------------------------------------------------------
    { name: "node name in capitals", mutate: (t) => (t.nodes.Node4 = t.nodes.node3), location: `${T}.nodes.Node4`, message: /key "Node4" is not valid: must be a lower-case name like node1/ },
    { name: "provisioner without kind", mutate: (t) => delete t.nodes.node2.provisioner.kind, location: `${T}.nodes.node2.provisioner.kind`, message: /^missing \(must be one of: hcloud, dedicated, local\)$/ },
    { name: "runbook base URL not a URL", mutate: (t) => (t.monitoring.runbookBaseUrl = "docs/runbooks.md"), location: `${T}.monitoring.runbookBaseUrl`, message: /must be a URL .*\(found "docs\/runbooks\.md"\)/ },
    { name: "health path without slash", mutate: (t) => (t.services.gateway.healthPath = "health"), location: `${T}.services.gateway.healthPath`, message: /must start with "\/" \(found "health"\)/ },
    { name: "no NATS cluster", mutate: (t) => (t.replication.nats.clusters = []), location: `${T}.replication.nats.clusters`, message: /needs at least 1 item/ },
    { name: "Redis quorum 0", mutate: (t) => (t.replication.redis.quorum = 0), location: `${T}.replication.redis.quorum`, message: /must be more than 0 \(found 0\)/ },
    { name: "domain in capitals", mutate: (t) => (t.ingress.hosts[0].domain = "Gateway.Daarion.City"), location: `${T}.ingress.hosts[0].domain`, message: /wrong format .*\(found "Gateway\.Daarion\.City"\)/ },
    { name: "image as a plain string", mutate: (t) => (t.images.redis = "redis:7"), location: `${T}.images.redis`, message: /^expected an object \(key: value\) \(found "redis:7"\)$/ },
    { name: "image build with an empty context", mutate: (t) => (t.images.herodb = { repository: "registry.daarion.city/hero/herodb", build: { context: "" } }), location: `${T}.images.herodb.build.context`, message: /^must not be empty \(found ""\)$/ },
    { name: "image without repository", mutate: (t) => delete t.services.gateway.image.repository, location: `${T}.services.gateway.image.repository`, message: /^missing \(expected a string\)$/ },

    // --- module validators (PlatformModule.validate): were test-only, or threw mid-deploy ----------
    { name: "Neo4j heap below 0.5 GB (neo4j renderer check)", mutate: (t) => (t.replication.neo4j.heapGb = 0.25), location: `${T}.replication.neo4j.heapGb`, message: /below Neo4j's practical minimum of 0\.5 GB/ },
    { name: "Sentinel down-after below 1 s (redis renderer check)", mutate: (t) => (t.replication.redis.downAfterMs = 500), location: `${T}.replication.redis.downAfterMs`, message: /below 1000 ms/ },
    { name: "Sentinel failover timeout not above down-after", mutate: (t) => (t.replication.redis.failoverTimeoutMs = 1000), location: `${T}.replication.redis.failoverTimeoutMs`, message: /must exceed down-after-milliseconds/ },
    { name: "Qdrant vector size above 65536 (qdrant renderer check)", mutate: (t) => (t.replication.qdrant.collections[0].vectorSize = 70000), location: `${T}.replication.qdrant.collections[0].vectorSize`, message: /must be 1\.\.65536/ },
    { name: "service env key with a dash (apps check, threw mid-deploy)", mutate: (t) => (t.services.gateway.env = { "BAD-KEY": "x" }), location: `${T}.services.gateway.env.BAD-KEY`, message: /not a valid environment variable name/ },
    { name: "service env overriding the wiring", mutate: (t) => (t.services.gateway.env = { NATS_URL: "x" }), location: `${T}.services.gateway.env.NATS_URL`, message: /set by the platform wiring/ },
    { name: "read instance of a service without postgres", mutate: (t) => (t.services.router.placement.node3 = "read"), location: `${T}.services.router.placement.node3`, message: /must use postgres/ },
    { name: "ingress host routed to a service without port", mutate: (t) => (t.services.gateway.port = 0), location: `${T}.ingress.hosts[0].service`, message: /has no port to route to/ },
];

describe("config validation", () => {
    it("accepts the committed config of every stack", () => {
        for (const stack of DOCKER_STACKS) assert.equal(loadedStack(stack).stack, stack);
    });

    it("warns, without failing, about the 2-server JetStream core that seed 000 proposes", () => {
        // The committed core has 3 servers (issue 12); seed 000's layout, without the
        // AbsoluteConsistency group that it cannot carry (test/failover/validation.test.ts).
        const { topology, config } = committed();
        topology.replication.nats.clusters[0].nodes = ["node1", "node2"];
        delete topology.replication.nats.clusters[1].ports;
        delete topology.failover.groups.postgres;
        const loaded = loadConfig("node2", rawConfigOf(config));
        const warning = loaded.warnings.find((w) => w.path === `${T}.replication.nats.clusters[0].nodes`);
        assert.ok(warning, JSON.stringify(loaded.warnings));
        assert.match(warning.message, /no quorum after one loss/);
    });

    it("runs every module's validator and refuses service ports the modules publish", () => {
        const { config } = committed();
        const probe: PlatformModule = {
            name: "probe",
            ports: { 8100: "probe server" },
            validate: (t) => [{ severity: "error", path: "probe", message: `saw ${Object.keys(t.nodes).length} nodes` }],
        };
        const err = caught(() => loadConfig("node2", rawConfigOf(config), [...MODULES, probe]));
        assert.deepEqual(
            err.errors.map((e) => `${e.location}: ${e.message}`),
            [`${T}.services.ingest.port: port 8100 on node1 is already used by probe server`, `${T}.probe: saw 3 nodes`],
        );
        assert.ok(MODULES.every((m) => m.validate), `modules without a validator: ${MODULES.filter((m) => !m.validate).map((m) => m.name).join(", ")}`);
        assert.throws(() => platformPorts([...MODULES, { name: "twin", ports: { 5432: "another database" } }]), /modules claim port 5432 twice: postgresql and another database \(twin\)/);
    });

    for (const c of CASES) {
        it(`rejects: ${c.name}`, () => {
            const { topology, config } = committed();
            c.mutate(topology, config);
            const err = caught(() => loadConfig("node2", rawConfigOf(config)));
            const hit = err.errors.find((e) => e.location === c.location);
            assert.ok(hit, `no error at ${c.location}; got:\n${err.message}`);
            assert.match(hit.message, c.message);
            assert.match(err.message, /^invalid config for stack 'node2'/);
            // One line per error: the header, then `  - <file>: <key>: <message>`.
            assert.equal(err.message.split("\n").length, err.errors.length + 1, err.message);
            assertClean(err.message);
        });
    }
});

/** A copy of the project whose files a case may break; index.ts is the repository's own. */
function projectCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daarion-badconfig-"));
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.symlinkSync(path.join(ROOT, "index.ts"), path.join(dir, "index.ts"));
    return dir;
}

/** Replace line `n` (1-based) of a project file. */
function editLine(dir: string, file: string, n: number, edit: (line: string) => string): void {
    const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n");
    lines[n - 1] = edit(lines[n - 1]!);
    fs.writeFileSync(path.join(dir, file), lines.join("\n"));
}

/** The committed line number of `text` in a file, so cases survive unrelated edits above it. */
function lineOf(file: string, text: string): number {
    const index = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").findIndex((l) => l.includes(text));
    assert.ok(index >= 0, `${text} not in ${file}`);
    return index + 1;
}

interface YamlCase {
    readonly name: string;
    readonly stack: string;
    readonly breakIt: (dir: string) => void;
    readonly location: () => string;
    readonly message: RegExp;
}

const YAML_CASES: YamlCase[] = [
    {
        name: "Pulumi.yaml: an unclosed flow sequence",
        stack: "node2",
        breakIt: (dir) => editLine(dir, "Pulumi.yaml", lineOf("Pulumi.yaml", "replicas: [node2]"), (l) => l.replace("]", "")),
        // yaml reports where the sequence should have been closed: the next key's column.
        location: () => `Pulumi.yaml:${lineOf("Pulumi.yaml", "replicas: [node2]") + 1}:11`,
        message: /^invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
    },
    {
        name: "Pulumi.yaml: a tab as indentation",
        stack: "node1",
        breakIt: (dir) => editLine(dir, "Pulumi.yaml", lineOf("Pulumi.yaml", "ipRange: 10.10.0.0/16"), (l) => l.replace(/^ +/, "\t")),
        location: () => `Pulumi.yaml:${lineOf("Pulumi.yaml", "ipRange: 10.10.0.0/16")}:1`,
        message: /Tabs are not allowed as indentation/,
    },
    {
        name: "Pulumi.node2.yaml: a duplicate key",
        stack: "node2",
        breakIt: (dir) => editLine(dir, "Pulumi.node2.yaml", lineOf("Pulumi.node2.yaml", "daarion:node: node2"), (l) => `${l}\n  daarion:node: node3`),
        location: () => `Pulumi.node2.yaml:${lineOf("Pulumi.node2.yaml", "daarion:node: node2") + 1}:3`,
        message: /Map keys must be unique/,
    },
    {
        name: "Pulumi.node2.yaml: an unclosed quote",
        stack: "node2",
        breakIt: (dir) => editLine(dir, "Pulumi.node2.yaml", lineOf("Pulumi.node2.yaml", "daarion:sharedStack"), (l) => l.replace("organization", '"organization')),
        // yaml reports the column just past the end of the line (the line gained one character).
        location: () => `Pulumi.node2.yaml:${lineOf("Pulumi.node2.yaml", "daarion:sharedStack")}:${lineAt("Pulumi.node2.yaml", "daarion:sharedStack").length + 2}`,
        message: /Missing closing "quote/,
    },
    {
        name: "Pulumi.node1.yaml: a nested mapping on one line",
        stack: "node1",
        breakIt: (dir) => editLine(dir, "Pulumi.node1.yaml", lineOf("Pulumi.node1.yaml", "daarion:node: node1"), (l) => `${l}: primary`),
        location: () => `Pulumi.node1.yaml:${lineOf("Pulumi.node1.yaml", "daarion:node: node1")}:17`,
        message: /Nested mappings are not allowed in compact mappings/,
    },
    {
        name: "Pulumi.node3.yaml: `confg:` for `config:`",
        stack: "node3",
        breakIt: (dir) => editLine(dir, "Pulumi.node3.yaml", lineOf("Pulumi.node3.yaml", "config:"), () => "confg:"),
        location: () => "Pulumi.node3.yaml: confg",
        message: /^unknown key; did you mean `config`\?$/,
    },
    {
        name: "Pulumi.local.yaml: config as a list",
        stack: "local",
        breakIt: (dir) => fs.writeFileSync(path.join(dir, "Pulumi.local.yaml"), "config:\n  - daarion:node: all\n"),
        location: () => "Pulumi.local.yaml: config",
        message: /^expected an object \(key: value\), found a list$/,
    },
    {
        name: "Pulumi.yaml: not a mapping",
        stack: "node2",
        breakIt: (dir) => fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "- name: daarion\n"),
        location: () => "Pulumi.yaml",
        message: /must be a YAML mapping/,
    },
];

function lineAt(file: string, text: string): string {
    return fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")[lineOf(file, text) - 1]!;
}

describe("config validation: unparsable and malformed YAML files", () => {
    for (const c of YAML_CASES) {
        it(`rejects: ${c.name}`, () => {
            const dir = projectCopy();
            try {
                c.breakIt(dir);
                const err = caught(() => readStackConfig(dir, c.stack));
                assert.equal(err.errors.length, 1, err.message);
                assert.equal(err.errors[0]!.location, c.location());
                assert.match(err.errors[0]!.message, c.message);
                assert.equal(err.message.split("\n").length, 2, "one line for the error");
                assertClean(err.message);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});

interface CliCase {
    readonly name: string;
    readonly stack: string;
    readonly breakIt: (dir: string) => void;
    /** `<file>...: <key>: <message>` as printed. */
    readonly line: RegExp;
}

/** Replace one `key: value` line of a project file. */
const setLine = (file: string, from: string, to: string) => (dir: string) => editLine(dir, file, lineOf(file, from), (l) => l.replace(from, to));

const CLI_CASES: CliCase[] = [
    { name: "unparsable Pulumi.yaml", stack: "node2", breakIt: YAML_CASES[0]!.breakIt, line: /^ {2}- Pulumi\.yaml:\d+:11: invalid YAML: Flow sequence/m },
    { name: "misspelled daarion:node", stack: "node2", breakIt: setLine("Pulumi.node2.yaml", "daarion:node:", "daarion:nod:"), line: /^ {2}- Pulumi\.node2\.yaml: daarion:nod: unknown key; did you mean `daarion:node`\?$/m },
    { name: "port out of range", stack: "node1", breakIt: setLine("Pulumi.yaml", "port: 9300", "port: 70000"), line: /^ {2}- Pulumi\.yaml: daarion:topology\.services\.gateway\.port: must be at most 65535 \(found 70000\)$/m },
    { name: "misspelled replicationFactor", stack: "node3", breakIt: setLine("Pulumi.yaml", "replicationFactor: 2", "replicationFactr: 2"), line: /^ {2}- Pulumi\.yaml: daarion:topology\.replication\.qdrant\.replicationFactr: unknown key; did you mean `replicationFactor`\?$/m },
    // A missing stack secret is not a render error: the stack files commit none (issue 11 finding 8)
    // and the offline render stands in placeholders. The program's own one-line error for it is
    // tested where `pulumi up` meets it: test/ingress/module.test.ts, test/node/node.test.ts.
    { name: "localGpu: yes", stack: "local", breakIt: setLine("Pulumi.local.yaml", "daarion:localGpu: false", "daarion:localGpu: yes"), line: /^ {2}- Pulumi\.local\.yaml: daarion:localGpu: expected true or false \(found "yes"\)$/m },
];

describe("config validation: the render CLI (exit 1, one line per error, no trace)", function () {
    this.timeout(60_000);
    for (const c of CLI_CASES) {
        it(`npm run render -- ${c.stack}: ${c.name}`, () => {
            const dir = projectCopy();
            try {
                c.breakIt(dir);
                const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/render.ts"), c.stack, "--project-dir", dir, "--out", path.join(dir, "out"), "--no-policy"], { encoding: "utf8", cwd: ROOT });
                assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
                assert.match(r.stderr, /^error: invalid config for stack '[a-z0-9]+' \(\d+ errors?; nothing was deployed\):$/m);
                assert.match(r.stderr, c.line);
                assertClean(r.stderr);
                assert.equal(fs.existsSync(path.join(dir, "out")), false, "nothing rendered");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});

describe("render CLI: distinct exit codes for internal errors and policy violations", function () {
    this.timeout(60_000);
    /** A valid project whose program is `program` instead of the repository's index.ts. */
    function render(program: string): ReturnType<typeof spawnSync> & { stderr: string } {
        const dir = projectCopy();
        try {
            fs.rmSync(path.join(dir, "index.ts"));
            fs.writeFileSync(path.join(dir, "index.ts"), program);
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
            return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/render.ts"), "node1", "--project-dir", dir, "--out", path.join(dir, "out")], { encoding: "utf8", cwd: ROOT });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("exits 2 when the program itself fails (not a config problem)", () => {
        const r = render(`export = async () => { throw new Error("boom in the program"); };\n`);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^internal error \(not a config problem; please report it\): .*boom in the program/m);
    });

    it("exits 3 when a mandatory policy fails on a valid config", () => {
        const r = render(
            `import * as docker from "@pulumi/docker";\nexport = async () => { new docker.Container("rogue", { image: "docker.io/library/redis:7.2.6-bookworm", privileged: true }); return {}; };\n`,
        );
        assert.equal(r.status, 3, r.stderr);
        assert.match(r.stderr, /policy mandatory: \[docker-no-privileged\]/);
        assert.match(r.stderr, /mandatory policy violation/);
    });
});

describe("config validation: `pulumi up` and the render print the same message", () => {
    // renderStack evaluates index.ts with config as the Pulumi CLI passes it (every scalar a
    // string), through readPulumiConfig; loadConfig(rawConfigOf(...)) is what the render checks.
    const cases: Array<[string, (c: Record<string, unknown>) => void]> = [
        ["stack node as a number", (c) => (c["daarion:node"] = 2)],
        ["localGpu as yes", (c) => (c["daarion:localGpu"] = "yes")],
        ["misspelled stack key", (c) => ((c["daarion:sharedstack"] = c["daarion:sharedStack"]), delete c["daarion:sharedStack"])],
        ["port out of range", (c) => ((c["daarion:topology"] as Json).services.gateway.port = 70000)],
    ];
    for (const [name, mutate] of cases) {
        it(name, async () => {
            const { config } = committed();
            mutate(config);
            const direct = caught(() => loadConfig("node2", rawConfigOf(config)));
            let program: unknown;
            try {
                await renderEdited("node2", mutate);
            } catch (err) {
                program = err;
            }
            assert.ok(program instanceof ConfigError, `index.ts threw ${String(program)}`);
            assert.equal(program.message, direct.message);
        });
    }
});

describe("config validation: coverage", () => {
    it(`has at least 60 malformed configs (${CASES.length} config maps, ${YAML_CASES.length} YAML files, ${CLI_CASES.length} through the CLI)`, () => {
        assert.ok(CASES.length + YAML_CASES.length >= 60);
    });
});
