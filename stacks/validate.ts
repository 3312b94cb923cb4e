/**
 * Cross-checks of a schema-valid topology. Pure: no Pulumi import, so tests and the render CLI
 * run it directly. Every finding names the key path below `daarion:topology` (or the stack setting).
 */
import { cidrContains, cidrsOverlap, cidrWithin, ipToInt, parseCidr } from "../components/network/cidr";
import type { StackSettings, Topology } from "./schema";

export interface Finding {
    readonly severity: "error" | "warning";
    /** Key path, e.g. `replication.redis.sentinels`. */
    readonly path: string;
    readonly message: string;
}

/** Ports the platform's own servers publish on a node's private IP; services must not collide with them. */
export const PLATFORM_PORTS: Readonly<Record<number, string>> = {
    80: "ingress http",
    443: "ingress https",
    3000: "postgrest",
    3001: "postgrest admin",
    3030: "grafana",
    4222: "nats client",
    5432: "postgresql",
    6222: "nats routes",
    6333: "qdrant http",
    6334: "qdrant grpc",
    6335: "qdrant p2p",
    6379: "redis",
    6380: "redis edge cache",
    7222: "nats gateways",
    7422: "nats leafnodes",
    7474: "neo4j http",
    7687: "neo4j bolt",
    8404: "haproxy stats",
    8222: "nats monitoring",
    9000: "minio s3",
    9001: "minio console",
    9090: "prometheus",
    9093: "alertmanager",
    22181: "daedalus nginx",
    26379: "redis sentinel",
};

function duplicates<T>(items: readonly T[]): T[] {
    const seen = new Set<T>();
    const dup = new Set<T>();
    for (const item of items) (seen.has(item) ? dup : seen).add(item);
    return [...dup];
}

export function validateTopology(t: Topology): Finding[] {
    const findings: Finding[] = [];
    const error = (path: string, message: string) => findings.push({ severity: "error", path, message });
    const warn = (path: string, message: string) => findings.push({ severity: "warning", path, message });
    const nodeNames = Object.keys(t.nodes);
    const known = new Set(nodeNames);
    const refNode = (path: string, node: string) => {
        if (!known.has(node)) error(path, `unknown node '${node}' (nodes are: ${nodeNames.join(", ") || "none"})`);
    };

    // --- nodes and network -------------------------------------------------------------
    if (nodeNames.length === 0) error("nodes", "at least one node is required");
    const primaries = nodeNames.filter((n) => t.nodes[n]!.role === "primary");
    if (nodeNames.length > 0 && primaries.length !== 1) {
        error("nodes", `exactly one node must have role 'primary' (found ${primaries.length}: ${primaries.join(", ") || "none"})`);
    }
    const net = t.network;
    if (!cidrWithin(net.cloudSubnet, net.ipRange)) error("network.cloudSubnet", `${net.cloudSubnet} is not inside network.ipRange ${net.ipRange}`);
    if (net.vswitch) {
        if (!cidrWithin(net.vswitch.subnet, net.ipRange)) error("network.vswitch.subnet", `${net.vswitch.subnet} is not inside network.ipRange ${net.ipRange}`);
        if (cidrsOverlap(net.vswitch.subnet, net.cloudSubnet)) error("network.vswitch.subnet", `${net.vswitch.subnet} overlaps network.cloudSubnet ${net.cloudSubnet}`);
    }
    const ipOwners = new Map<string, string>();
    for (const name of nodeNames) {
        const node = t.nodes[name]!;
        const path = `nodes.${name}.privateIp`;
        const other = ipOwners.get(node.privateIp);
        if (other) error(path, `duplicate private IP ${node.privateIp} (also used by node '${other}')`);
        ipOwners.set(node.privateIp, name);
        const kind = node.provisioner.kind;
        if (kind === "hcloud" && !cidrContains(net.cloudSubnet, node.privateIp)) {
            error(path, `${node.privateIp} is not inside network.cloudSubnet ${net.cloudSubnet} (hcloud nodes attach to the cloud subnet)`);
        }
        if (kind === "dedicated") {
            if (!net.vswitch) {
                warn(`nodes.${name}.provisioner`, "dedicated node without network.vswitch: it cannot join the private network, so peers cannot reach it on its private IP");
            } else if (!cidrContains(net.vswitch.subnet, node.privateIp)) {
                error(path, `${node.privateIp} is not inside network.vswitch.subnet ${net.vswitch.subnet} (the dedicated server joins through the vSwitch)`);
            }
        }
        if (kind !== "local") {
            const { base, size } = parseCidr(kind === "hcloud" ? net.cloudSubnet : net.vswitch?.subnet ?? net.ipRange);
            const value = ipToInt(node.privateIp);
            if (value === base || value === base + size - 1) error(path, `${node.privateIp} is the network or broadcast address of its subnet`);
            // Hetzner reserves the first host address of every subnet for its gateway.
            if (value === base + 1) error(path, `${node.privateIp} is the first host address of its subnet, which Hetzner reserves for the gateway`);
        }
    }

    // --- services (seed 000's distribution table) ---------------------------------------
    const portsOnNode = new Map<string, Map<number, string>>();
    const claimPort = (node: string, port: number, owner: string, path: string) => {
        const ports = portsOnNode.get(node) ?? new Map<number, string>();
        portsOnNode.set(node, ports);
        const holder = ports.get(port) ?? PLATFORM_PORTS[port];
        if (holder) error(path, `port ${port} on ${node} is already used by ${holder}`);
        ports.set(port, owner);
    };
    const databaseOwners = new Map<string, string>();
    for (const [service, spec] of Object.entries(t.services)) {
        const placed = Object.keys(spec.placement);
        if (placed.length === 0) error(`services.${service}.placement`, "a service must be placed on at least one node");
        for (const node of placed) {
            const path = `services.${service}.placement.${node}`;
            refNode(path, node);
            if (!known.has(node)) continue;
            if (spec.gpu && !t.nodes[node]!.gpu) error(path, `'${service}' needs a GPU but node '${node}' has none (set nodes.${node}.gpu or move the service)`);
            if (spec.port > 0) claimPort(node, spec.port, `service '${service}'`, `services.${service}.port`);
        }
        const roles = Object.values(spec.placement);
        if (roles.length > 0 && !roles.some((r) => r === "active" || r === "worker")) {
            error(`services.${service}.placement`, "no node runs this service as 'active' or 'worker'; standby and read instances need an active one");
        }
        if (spec.port === 0 && roles.some((r) => r !== "worker")) {
            error(`services.${service}.port`, "port 0 is only valid for services placed as 'worker' everywhere");
        }
        if (spec.database) {
            const other = databaseOwners.get(spec.database);
            if (other) error(`services.${service}.database`, `database '${spec.database}' is already owned by service '${other}'`);
            databaseOwners.set(spec.database, service);
            if (!spec.uses.includes("postgres")) error(`services.${service}.uses`, `service has database '${spec.database}' but does not list 'postgres' in uses`);
        }
    }

    const built = Object.entries(t.services).filter(([, spec]) => "build" in spec.image).map(([name]) => name);
    if (built.length > 0 && !t.registry) error("registry", `services ${built.join(", ")} are built from a context, so a registry to push them to is required`);
    const unpinned = Object.entries(t.services).filter(([, spec]) => !("build" in spec.image) && !spec.image.digest).map(([name]) => name);
    if (unpinned.length > 0) {
        warn("services.*.image", `not pinned by digest (a re-pushed tag changes what runs without a diff): ${unpinned.join(", ")}`);
    }

    // --- replication block of seed 000 ---------------------------------------------------
    const r = t.replication;
    const pg = r.postgresql;
    refNode("replication.postgresql.primary", pg.primary);
    pg.replicas.forEach((n, i) => {
        refNode(`replication.postgresql.replicas[${i}]`, n);
        if (n === pg.primary) error(`replication.postgresql.replicas[${i}]`, `replica '${n}' is on its primary's node; a replica must survive the loss of the primary's node`);
    });
    for (const d of duplicates(pg.replicas)) error("replication.postgresql.replicas", `node '${d}' is listed twice`);
    if (pg.sync === "sync" && pg.replicas.length === 0) error("replication.postgresql.sync", "synchronous replication without a replica blocks every commit");
    for (const d of duplicates(pg.databases)) error("replication.postgresql.databases", `database '${d}' is listed twice`);
    for (const db of pg.databases) {
        if (databaseOwners.has(db)) error("replication.postgresql.databases", `database '${db}' is also declared by service '${databaseOwners.get(db)}'`);
    }
    if (pg.replicas.length === 0) warn("replication.postgresql.replicas", "no PostgreSQL replica: losing the primary's volume loses the data");

    const q = r.qdrant;
    q.nodes.forEach((n, i) => refNode(`replication.qdrant.nodes[${i}]`, n));
    for (const d of duplicates(q.nodes)) error("replication.qdrant.nodes", `node '${d}' is listed twice`);
    if (q.firstPeer && !q.nodes.includes(q.firstPeer)) error("replication.qdrant.firstPeer", `'${q.firstPeer}' is not one of replication.qdrant.nodes`);
    const qPeers = new Set(q.nodes).size;
    if (q.replicationFactor > qPeers) error("replication.qdrant.replicationFactor", `replication factor ${q.replicationFactor} is larger than the ${qPeers} Qdrant node(s)`);
    if (q.replicationFactor < 2) warn("replication.qdrant.replicationFactor", "replication factor 1 keeps one copy of each shard: losing a node loses its shards");
    q.collections.forEach((c, i) => {
        const rf = c.replicationFactor ?? q.replicationFactor;
        if (rf > qPeers) error(`replication.qdrant.collections[${i}].replicationFactor`, `replication factor ${rf} of collection '${c.name}' is larger than the ${qPeers} Qdrant node(s)`);
    });
    for (const d of duplicates(q.collections.map((c) => c.name))) error("replication.qdrant.collections", `collection '${d}' is declared twice`);

    const neo = r.neo4j;
    neo.primaries.forEach((n, i) => refNode(`replication.neo4j.primaries[${i}]`, n));
    neo.secondaries.forEach((n, i) => {
        refNode(`replication.neo4j.secondaries[${i}]`, n);
        if (neo.primaries.includes(n)) error(`replication.neo4j.secondaries[${i}]`, `node '${n}' is both a primary and a secondary`);
    });
    for (const d of duplicates([...neo.primaries, ...neo.secondaries])) error("replication.neo4j", `node '${d}' is listed twice`);
    const neoMembers = neo.primaries.length + neo.secondaries.length;
    if (neo.mode === "cluster") {
        if (neo.edition === "enterprise" && !neo.acceptLicenseAgreement) {
            error("replication.neo4j.acceptLicenseAgreement", "Neo4j clustering needs Enterprise Edition; set acceptLicenseAgreement: true to accept its license, or use edition: community");
        }
        if (neo.edition === "community") {
            warn("replication.neo4j.edition", `clustering is Enterprise-only: falling back to a single Community instance on '${neo.primaries[0]}' (the other ${neoMembers - 1} member(s) run nothing)`);
        }
        if (neo.edition === "enterprise" && neo.primaries.length === 2) {
            warn("replication.neo4j.primaries", "2 primaries cannot agree on writes after one is lost (Raft needs a majority); use 1 or 3");
        }
    } else if (neoMembers > 1) {
        error("replication.neo4j.mode", "standalone mode takes exactly one primary and no secondaries");
    }

    const redis = r.redis;
    refNode("replication.redis.master", redis.master);
    redis.replicas.forEach((n, i) => {
        refNode(`replication.redis.replicas[${i}]`, n);
        if (n === redis.master) error(`replication.redis.replicas[${i}]`, `replica '${n}' is on its master's node`);
    });
    redis.sentinels.forEach((n, i) => refNode(`replication.redis.sentinels[${i}]`, n));
    const distinctSentinels = new Set(redis.sentinels);
    for (const d of duplicates(redis.sentinels)) error("replication.redis.sentinels", `two Sentinels on node '${d}': they fail together, so they count as one`);
    if (distinctSentinels.size < 3) {
        error("replication.redis.sentinels", `Sentinels on ${distinctSentinels.size} distinct node(s); at least 3 are needed so a majority survives the loss of one node`);
    }
    if (redis.quorum > distinctSentinels.size) error("replication.redis.quorum", `quorum ${redis.quorum} is larger than the ${distinctSentinels.size} Sentinel(s): the master can never be seen as down`);
    if (redis.quorum <= distinctSentinels.size / 2) warn("replication.redis.quorum", `quorum ${redis.quorum} is not a majority of ${distinctSentinels.size}: a minority can flag the master down (failover still needs a majority to authorize)`);
    redis.edgeCaches.forEach((n, i) => refNode(`replication.redis.edgeCaches[${i}]`, n));

    // --- NATS supercluster -------------------------------------------------------------------
    const nats = r.nats;
    const clusterNames = nats.clusters.map((c) => c.name);
    for (const d of duplicates(clusterNames)) error("replication.nats.clusters", `cluster name '${d}' is used twice (gateway names must equal cluster names and be unique)`);
    const natsNodeOwner = new Map<string, string>();
    /** node -> the full / the leaf cluster it runs a server of (at most one each). */
    const natsFullOf = new Map<string, number>();
    const natsLeafOf = new Map<string, number>();
    const natsPortsOf = (c: (typeof nats.clusters)[number]) => ({ client: 4222, cluster: 6222, gateway: 7222, leafnode: 7422, monitor: 8222, ...(c.ports ?? {}) });
    const domains = new Map<string, string>();
    nats.clusters.forEach((c, i) => {
        const path = `replication.nats.clusters[${i}]`;
        c.nodes.forEach((n, j) => {
            refNode(`${path}.nodes[${j}]`, n);
            // A node runs at most one server of a full cluster and one of a leaf cluster: seed 000's
            // node3 keeps its edge leaf and adds a core server for JetStream quorum.
            const mine = c.leafnodeTo === undefined ? natsFullOf : natsLeafOf;
            const owner = mine.get(n);
            if (owner !== undefined) {
                error(`${path}.nodes[${j}]`, `node '${n}' is already a member of ${c.leafnodeTo === undefined ? "full" : "leaf"} NATS cluster '${nats.clusters[owner]!.name}' (a node runs at most one full-cluster and one leaf server)`);
            } else mine.set(n, i);
            if (!natsNodeOwner.has(n)) natsNodeOwner.set(n, c.name);
        });
        if (c.leafnodeTo !== undefined) {
            const hub = nats.clusters.find((x) => x.name === c.leafnodeTo);
            if (!hub) error(`${path}.leafnodeTo`, `unknown cluster '${c.leafnodeTo}' (clusters are: ${clusterNames.join(", ")})`);
            else if (hub.leafnodeTo !== undefined) error(`${path}.leafnodeTo`, `cluster '${hub.name}' is itself a leaf cluster; leafnodes must connect to a full cluster`);
            if (c.leafnodeTo === c.name) error(`${path}.leafnodeTo`, "a cluster cannot be a leaf of itself");
            if (c.jetstream && !c.jetstream.domain) {
                error(`${path}.jetstream.domain`, "a JetStream leaf cluster needs its own domain, or its JetStream merges with the hub's and the leaf link carries its Raft traffic");
            }
        }
        if (c.jetstream?.domain) {
            const other = domains.get(c.jetstream.domain);
            if (other) error(`${path}.jetstream.domain`, `domain '${c.jetstream.domain}' is also used by cluster '${other}'`);
            domains.set(c.jetstream.domain, c.name);
        }
    });
    for (const [n, li] of natsLeafOf) {
        const fi = natsFullOf.get(n);
        if (fi === undefined) continue;
        const leaf = natsPortsOf(nats.clusters[li]!);
        const full = natsPortsOf(nats.clusters[fi]!);
        for (const key of ["client", "monitor"] as const) {
            if (leaf[key] === full[key]) {
                error(
                    `replication.nats.clusters[${li}].ports.${key}`,
                    `node '${n}' runs servers of clusters '${nats.clusters[fi]!.name}' and '${nats.clusters[li]!.name}', both on ${key} port ${leaf[key]}: give cluster '${nats.clusters[li]!.name}' its own ports (e.g. ports: { client: 4223, monitor: 8223 })`,
                );
            }
        }
    }
    const fullClusters = nats.clusters.filter((c) => c.leafnodeTo === undefined);
    if (fullClusters.length === 0) error("replication.nats.clusters", "at least one full (non-leaf) cluster is required");
    for (const c of fullClusters) {
        const i = nats.clusters.indexOf(c);
        if (c.jetstream && c.nodes.length % 2 === 0) {
            warn(
                `replication.nats.clusters[${i}].nodes`,
                `JetStream cluster '${c.name}' has ${c.nodes.length} servers: an even-sized (or 2-server) Raft group has no quorum after one loss, so replicated streams stop accepting writes; use 3`,
            );
        }
    }
    for (const n of nodeNames) {
        if (!natsNodeOwner.has(n)) warn(`nodes.${n}`, `node '${n}' is in no NATS cluster: its services have no local NATS server`);
    }

    // --- ingress, Daedalus, monitoring, MinIO -------------------------------------------
    if (t.ingress) {
        t.ingress.nodes.forEach((n, i) => refNode(`ingress.nodes[${i}]`, n));
        t.ingress.hosts.forEach((h, i) => {
            const isDaedalus = h.service === "daedalus";
            if (!isDaedalus && !t.services[h.service]) error(`ingress.hosts[${i}].service`, `unknown service '${h.service}'`);
            if (isDaedalus && !t.daedalus) error(`ingress.hosts[${i}].service`, "routes to daedalus but no daedalus block is configured");
        });
        for (const d of duplicates(t.ingress.hosts.map((h) => h.domain))) error("ingress.hosts", `domain '${d}' is routed twice`);
    }
    if (t.daedalus) {
        refNode("daedalus.node", t.daedalus.node);
        if (!pg.databases.includes(t.daedalus.database)) error("daedalus.database", `database '${t.daedalus.database}' is not in replication.postgresql.databases`);
        if (!t.minio) error("daedalus", "Daedalus stores files in S3: a minio block is required");
        else if (!t.minio.buckets.includes(t.daedalus.bucket)) error("daedalus.bucket", `bucket '${t.daedalus.bucket}' is not in minio.buckets`);
    }
    if (t.monitoring) refNode("monitoring.node", t.monitoring.node);

    // --- failover (node agent, issue 12) -----------------------------------------------------
    if (t.failover) {
        // The lease bucket lives in the core cluster: the first full cluster with JetStream
        // (components/nats/subjects.ts coreClusterOf), where every KV bucket of the platform lives.
        const coreIndex = nats.clusters.findIndex((c) => c.leafnodeTo === undefined && c.jetstream !== undefined);
        const core = coreIndex >= 0 ? nats.clusters[coreIndex] : undefined;
        for (const [name, g] of Object.entries(t.failover.groups)) {
            const path = `failover.groups.${name}`;
            const service = t.services[name];
            if (name === "postgres") {
                if (g.strategy !== "AbsoluteConsistency") error(`${path}.strategy`, "PostgreSQL must be AbsoluteConsistency: two writable primaries diverge and nothing reconciles them");
                if (pg.replicas.length === 0) error(path, "replication.postgresql has no replica to fail over to: add one to replication.postgresql.replicas");
            } else if (service) {
                const placed = Object.entries(service.placement);
                if (!placed.some(([, role]) => role === "active") || !placed.some(([, role]) => role === "standby")) {
                    error(path, `service '${name}' needs an active and a standby node in services.${name}.placement for failover`);
                }
                if (g.maxLagBytes !== undefined) error(`${path}.maxLagBytes`, "only the postgres group has a replication lag");
            } else {
                error(path, `unknown failover group '${name}': use 'postgres' or a service with active and standby placement (services are: ${Object.keys(t.services).join(", ")})`);
            }
            if (g.strategy === "AbsoluteConsistency") {
                const size = core?.nodes.length ?? 0;
                if (!core) {
                    error(`${path}.strategy`, `AbsoluteConsistency needs a lease in the JetStream KV bucket '${t.failover.bucket}', but no full NATS cluster runs JetStream: add a 3-server JetStream cluster to replication.nats.clusters`);
                } else if (size < 3) {
                    const spare = nodeNames.filter((n) => !core.nodes.includes(n));
                    error(
                        `${path}.strategy`,
                        `AbsoluteConsistency keeps its lease in bucket '${t.failover.bucket}' (R3) of NATS cluster '${core.name}', which has ${size} JetStream server(s); with fewer than 3 a single loss stops the lease, so no failover can be safe: add ${3 - size} node(s) to replication.nats.clusters[${coreIndex}].nodes${spare.length > 0 ? ` (e.g. ${spare.slice(0, 3 - size).join(", ")}; an edge node keeps its leaf on its own ports)` : ""}`,
                    );
                }
            }
        }
    }
    if (t.minio) {
        refNode("minio.node", t.minio.node);
        for (const d of duplicates(t.minio.buckets)) error("minio.buckets", `bucket '${d}' is listed twice`);
    }
    return findings;
}

/** Checks of Pulumi.<stack>.yaml against the topology. Paths are stack config keys. */
export function validateStackSettings(settings: StackSettings, t: Topology): Finding[] {
    const findings: Finding[] = [];
    const names = Object.keys(t.nodes);
    if (settings.node !== "all" && !t.nodes[settings.node]) {
        findings.push({ severity: "error", path: "node", message: `unknown node '${settings.node}' (nodes are: ${names.join(", ")}, or 'all' for the local engine)` });
        return findings;
    }
    const ownsShared = settings.node === "all" || t.nodes[settings.node]!.role === "primary";
    if (!ownsShared && !settings.sharedStack) {
        findings.push({
            severity: "error",
            path: "sharedStack",
            message: "required on non-primary stacks: the stack that owns the shared secrets and network, e.g. organization/daarion/node1",
        });
    }
    if (ownsShared && settings.sharedStack) {
        findings.push({ severity: "warning", path: "sharedStack", message: "ignored: this stack owns the shared secrets itself" });
    }
    return findings;
}
