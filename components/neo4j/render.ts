/**
 * Pure renderer of neo4j.conf for Neo4j 5 (seed 000: `Neo4j: mode: causal-cluster, core_servers:
 * [NODE1, NODE2], read_replicas: [NODE3]`). In 5.x terms core servers are servers hosting databases
 * in PRIMARY mode and read replicas are SECONDARY ones. No Pulumi import.
 *
 * Keys follow the Neo4j Operations Manual, "Configuration settings" and "Clustering > Settings":
 *   server.default_listen_address, server.default_advertised_address, server.{bolt,http,cluster,
 *   cluster.raft,routing}.{listen,advertised}_address, server.cluster.system_database_mode,
 *   initial.server.mode_constraint, initial.dbms.default_primaries_count,
 *   initial.dbms.default_secondaries_count, dbms.cluster.minimum_initial_system_primaries_count
 *   (default 3!), dbms.cluster.discovery.resolver_type, server.memory.heap.{initial,max}_size,
 *   server.memory.pagecache.size.
 * Discovery: 5.23 deprecated discovery v1 (`dbms.cluster.discovery.endpoints`, port 5000) and
 * 2025.01 removed it; 5.26 LTS runs v2 with `dbms.cluster.discovery.version=V2_ONLY` and
 * `dbms.cluster.discovery.v2.endpoints` on the cluster port 6000; 2025.01+ renamed the latter to
 * `dbms.cluster.endpoints` ("Breaking changes in Neo4j 2025.01").
 */
import { isIPv4 } from "node:net";

export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

export interface Neo4jNode {
    readonly name: string;
    readonly privateIp: string;
}

export interface Neo4jBlock {
    readonly primaries: readonly Neo4jNode[];
    readonly secondaries: readonly Neo4jNode[];
    readonly edition: "community" | "enterprise";
    /** Clustering is Enterprise-only; its commercial license must be accepted explicitly. */
    readonly acceptLicenseAgreement: boolean;
    readonly heapGb: number;
    readonly pageCacheGb: number;
    /** Which config vocabulary to render. @default "5.26" */
    readonly series?: "5.26" | "2025";
}

export const NEO4J_PORTS = { bolt: 7687, http: 7474, cluster: 6000, raft: 7000, routing: 7688 } as const;

export interface Neo4jPlan {
    readonly mode: "cluster" | "standalone";
    /** Nodes that run a Neo4j server, with their hosting mode. */
    readonly servers: readonly { readonly node: Neo4jNode; readonly mode: "PRIMARY" | "SECONDARY" }[];
    readonly warnings: readonly string[];
}

/**
 * What actually runs. Without Enterprise + accepted license the cluster cannot exist: one Community
 * instance on the first primary, and a warning that says what was dropped.
 */
export function planNeo4j(block: Neo4jBlock): Neo4jPlan {
    const warnings: string[] = [];
    const clusterWanted = block.primaries.length + block.secondaries.length > 1;
    if (clusterWanted && (block.edition !== "enterprise" || !block.acceptLicenseAgreement)) {
        const why = block.edition !== "enterprise" ? "edition is community" : "acceptLicenseAgreement is false";
        const dropped = [...block.primaries.slice(1), ...block.secondaries].map((n) => n.name).join(", ");
        warnings.push(
            `Neo4j clustering needs Enterprise Edition with its license accepted (${why}): running ONE Community instance on ${block.primaries[0].name}; ${dropped} run no Neo4j. Set replication.neo4j.edition=enterprise and acceptLicenseAgreement=true to cluster.`,
        );
        return { mode: "standalone", servers: [{ node: block.primaries[0], mode: "PRIMARY" }], warnings };
    }
    if (!clusterWanted) return { mode: "standalone", servers: [{ node: block.primaries[0], mode: "PRIMARY" }], warnings };
    if (block.primaries.length === 2) {
        warnings.push(
            "Neo4j with 2 primaries has no write fault tolerance: Raft needs 2 of 2, so losing either primary makes every database (and the system database) read-only. Add a third primary to survive one loss.",
        );
    }
    return {
        mode: "cluster",
        servers: [
            ...block.primaries.map((node) => ({ node, mode: "PRIMARY" as const })),
            ...block.secondaries.map((node) => ({ node, mode: "SECONDARY" as const })),
        ],
        warnings,
    };
}

export interface Neo4jNodeSpec {
    readonly block: Neo4jBlock;
    readonly node: string;
    /** Bind address inside the container; ports are published on the private IP only. @default "0.0.0.0" */
    readonly listenAddress?: string;
}

function sizeGb(gb: number): string {
    return Number.isInteger(gb) ? `${gb}g` : `${Math.round(gb * 1024)}m`;
}

/** neo4j.conf for one server. The auth password is NOT here: the image takes it from NEO4J_AUTH. */
export function renderNeo4jConf(spec: Neo4jNodeSpec): string {
    const plan = planNeo4j(spec.block);
    const server = plan.servers.find((s) => s.node.name === spec.node);
    if (!server) throw new Error(`node '${spec.node}' runs no Neo4j (${plan.mode} mode)`);
    const ip = server.node.privateIp;
    const p = NEO4J_PORTS;
    const lines = [
        `# Rendered by daarion components/neo4j for ${spec.node} (${plan.mode}, ${server.mode}).`,
        `server.default_listen_address=${spec.listenAddress ?? "0.0.0.0"}`,
        `server.default_advertised_address=${ip}`,
        `server.bolt.listen_address=:${p.bolt}`,
        `server.bolt.advertised_address=${ip}:${p.bolt}`,
        `server.http.listen_address=:${p.http}`,
        `server.http.advertised_address=${ip}:${p.http}`,
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        "",
        "# Same heap min and max: no resize pauses, and the container limit is sized from it.",
        `server.memory.heap.initial_size=${sizeGb(spec.block.heapGb)}`,
        `server.memory.heap.max_size=${sizeGb(spec.block.heapGb)}`,
        `server.memory.pagecache.size=${sizeGb(spec.block.pageCacheGb)}`,
        "db.tx_log.rotation.retention_policy=2 days 2G",
    ];
    if (plan.mode === "cluster") {
        const members = plan.servers.map((s) => `${s.node.privateIp}:${p.cluster}`).join(",");
        const primaries = spec.block.primaries.length;
        lines.push(
            "",
            "# Cluster (Enterprise). Every server advertises its private IP; ports are published there only.",
            `server.cluster.listen_address=:${p.cluster}`,
            `server.cluster.advertised_address=${ip}:${p.cluster}`,
            `server.cluster.raft.listen_address=:${p.raft}`,
            `server.cluster.raft.advertised_address=${ip}:${p.raft}`,
            `server.routing.listen_address=:${p.routing}`,
            `server.routing.advertised_address=${ip}:${p.routing}`,
            "dbms.routing.enabled=true",
            "dbms.cluster.discovery.resolver_type=LIST",
        );
        if ((spec.block.series ?? "5.26") === "5.26") {
            lines.push("dbms.cluster.discovery.version=V2_ONLY", `dbms.cluster.discovery.v2.endpoints=${members}`);
        } else {
            lines.push(`dbms.cluster.endpoints=${members}`);
        }
        lines.push(
            // The default (3) would keep a 2-primary cluster from ever forming.
            `dbms.cluster.minimum_initial_system_primaries_count=${primaries}`,
            `initial.dbms.default_primaries_count=${primaries}`,
            `initial.dbms.default_secondaries_count=${spec.block.secondaries.length}`,
            `server.cluster.system_database_mode=${server.mode}`,
            `initial.server.mode_constraint=${server.mode}`,
        );
    }
    lines.push("");
    return lines.join("\n");
}

/**
 * neo4j.conf as the official image's NEO4J_* environment. The image's entrypoint appends each one to
 * the SHIPPED $NEO4J_HOME/conf/neo4j.conf (replacing a line with the same key), converting the name
 * with `sed 's|^NEO4J_||; s|_|.|g; s|\.\.|_|g'`
 * (neo4j/docker-neo4j-publish@849a03d:5.24.2/bullseye/community/local-package/docker-entrypoint.sh#L593-608).
 *
 * Why not a file in /conf: when /conf exists the entrypoint runs `rm -rf $NEO4J_HOME/conf/*` and copies
 * back only /conf's files (same file, #L475-479), which deletes the image's server-logs.xml,
 * user-logs.xml and neo4j-admin.conf and the JVM flags of the shipped neo4j.conf (issue 10, finding 8).
 * Through the environment nothing shipped is deleted. The check in components/images refuses uploads
 * into /conf for this image.
 */
export function neo4jConfEnv(conf: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const raw of conf.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const eq = line.indexOf("=");
        if (eq <= 0) throw new Error(`neo4j.conf line '${line}' is not key=value`);
        const key = line.slice(0, eq);
        // The entrypoint skips settings starting with a digit; `..` would read back as `_`.
        if (!/^[a-z][a-z0-9_.]*$/.test(key) || key.includes("..")) throw new Error(`neo4j setting '${key}' cannot be passed through the image's environment`);
        env[`NEO4J_${key.replace(/_/g, "__").replace(/\./g, "_")}`] = line.slice(eq + 1);
    }
    return env;
}

/** Environment the official image needs besides the config (license acceptance for Enterprise). */
export function neo4jImageEnv(block: Neo4jBlock): Record<string, string> {
    return planNeo4j(block).mode === "cluster" ? { NEO4J_ACCEPT_LICENSE_AGREEMENT: "yes" } : {};
}

/** Bolt routing URI clients use: `neo4j://` lets the driver route writes to the leader. */
export function neo4jUri(plan: Neo4jPlan, host: (node: string) => string): string {
    return `neo4j://${host(plan.servers[0].node.name)}:${NEO4J_PORTS.bolt}`;
}

export function validateNeo4jBlock(block: Neo4jBlock, base = "replication.neo4j"): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const add = (path: string, message: string) => issues.push({ path: `${base}.${path}`, message });
    if (block.primaries.length === 0) add("primaries", "at least one primary is needed");
    const seen = new Map<string, string>();
    const visit = (n: Neo4jNode, path: string) => {
        if (!isIPv4(n.privateIp)) add(path, `node '${n.name}' has no IPv4 private IP`);
        const other = seen.get(n.name);
        if (other) add(path, `node '${n.name}' is already listed at ${other}: one Neo4j server per node`);
        else seen.set(n.name, path);
    };
    block.primaries.forEach((n, i) => visit(n, `primaries[${i}]`));
    block.secondaries.forEach((n, i) => visit(n, `secondaries[${i}]`));
    if (!(block.heapGb >= 0.5)) add("heapGb", `${block.heapGb} GB heap is below Neo4j's practical minimum of 0.5 GB`);
    if (!(block.pageCacheGb > 0)) add("pageCacheGb", "page cache must be positive");
    if (block.edition === "community" && block.acceptLicenseAgreement) add("acceptLicenseAgreement", "only meaningful with edition enterprise");
    return issues;
}
