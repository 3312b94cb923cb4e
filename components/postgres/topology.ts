/**
 * PostgreSQL primary/replica topology (seed 000: `PostgreSQL: mode: primary-replica, primary: NODE1,
 * replicas: [NODE2], sync: async (streaming)`), as plain data shared by every renderer.
 *
 * No Pulumi import: everything here is pure and tested without mocks.
 */
import { isIPv4 } from "node:net";

/** A `{path, message}` problem; `path` names the offending config key (e.g. `replication.postgresql.replicas[0]`). */
export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

export interface PostgresNode {
    /** Topology node name (`node1`); also the replication slot suffix and `application_name`. */
    readonly name: string;
    /** Private IP the node's PostgreSQL is reached on (Hetzner private network, or 127.0.1.x in tests). */
    readonly privateIp: string;
    /** Host peers connect to when it is not the private IP (a container name on the local engine). */
    readonly host?: string;
}

/** Address peers use to reach a node's PostgreSQL. */
export function hostOf(n: PostgresNode): string {
    return n.host ?? n.privateIp;
}

export interface PostgresTopology {
    /** The only writable server. Failover = make a replica the primary here and run `pulumi up`. */
    readonly primary: PostgresNode;
    /** Async streaming replicas, one physical replication slot each. */
    readonly replicas: readonly PostgresNode[];
    /** @default 5432 */
    readonly port?: number;
    /** CIDRs application clients (and the Pulumi postgresql provider) connect from, e.g. the private subnet. */
    readonly clientCidrs: readonly string[];
    /** Replication role name (seed 000: `PG_REPLICATION_USER=replicator`). @default "replicator" */
    readonly replicationUser?: string;
}

export type PostgresRole = "primary" | "replica";

export const DEFAULT_POSTGRES_PORT = 5432;
export const DEFAULT_REPLICATION_USER = "replicator";
/** Prefix of every slot this module manages; slots with it that the topology no longer names are dropped. */
export const SLOT_PREFIX = "daarion_";

export function postgresPort(t: PostgresTopology): number {
    return t.port ?? DEFAULT_POSTGRES_PORT;
}

export function replicationUser(t: PostgresTopology): string {
    return t.replicationUser ?? DEFAULT_REPLICATION_USER;
}

/** Physical slot name of a replica node (slot names allow only `[a-z0-9_]`, at most 63 chars). */
export function slotName(node: string): string {
    return SLOT_PREFIX + node.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Role of `node` in the topology, or undefined when the node runs no PostgreSQL. */
export function postgresRoleOf(t: PostgresTopology, node: string): PostgresRole | undefined {
    if (t.primary.name === node) return "primary";
    if (t.replicas.some((r) => r.name === node)) return "replica";
    return undefined;
}

export function nodeOf(t: PostgresTopology, node: string): PostgresNode {
    const found = [t.primary, ...t.replicas].find((n) => n.name === node);
    if (!found) throw new Error(`node '${node}' is not part of the PostgreSQL topology`);
    return found;
}

/** Every data node except `node` (the peers the fencing checks ask before a node becomes writable). */
export function peersOf(t: PostgresTopology, node: string): PostgresNode[] {
    return [t.primary, ...t.replicas].filter((n) => n.name !== node);
}

/** True for `a.b.c.d/len` with a valid IPv4 address and 0 <= len <= 32. */
export function isIPv4Cidr(value: string): boolean {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(value);
    return !!m && isIPv4(m[1]) && Number(m[2]) <= 32;
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates the topology; `base` is the config path of the block (e.g. `replication.postgresql`). */
export function validatePostgresTopology(t: PostgresTopology, base = "replication.postgresql"): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const add = (path: string, message: string) => issues.push({ path: `${base}.${path}`, message });
    const checkNode = (n: PostgresNode, path: string) => {
        if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(n.name)) add(`${path}.name`, `node name '${n.name}' must be lowercase letters, digits and '-' (it becomes a slot name)`);
        if (!isIPv4(n.privateIp)) add(`${path}.privateIp`, `'${n.privateIp}' is not an IPv4 address`);
    };
    checkNode(t.primary, "primary");
    const seen = new Set<string>();
    t.replicas.forEach((r, i) => {
        checkNode(r, `replicas[${i}]`);
        if (r.name === t.primary.name) add(`replicas[${i}]`, `replica '${r.name}' is the primary's node: a replica on the primary's node survives nothing`);
        else if (r.privateIp === t.primary.privateIp) add(`replicas[${i}].privateIp`, `replica '${r.name}' has the primary's IP ${r.privateIp}`);
        if (seen.has(r.name)) add(`replicas[${i}]`, `replica '${r.name}' is listed twice`);
        seen.add(r.name);
    });
    const slots = new Map<string, string>();
    for (const r of t.replicas) {
        const s = slotName(r.name);
        const other = slots.get(s);
        if (other !== undefined && other !== r.name) add("replicas", `replicas '${other}' and '${r.name}' map to the same slot '${s}'`);
        slots.set(s, r.name);
    }
    const port = postgresPort(t);
    if (!Number.isInteger(port) || port < 1 || port > 65535) add("port", `port ${port} is not a TCP port`);
    if (t.clientCidrs.length === 0) add("clientCidrs", "at least one client CIDR is needed, or no application can connect");
    t.clientCidrs.forEach((c, i) => {
        if (!isIPv4Cidr(c)) add(`clientCidrs[${i}]`, `'${c}' is not an IPv4 CIDR (a.b.c.d/len)`);
    });
    const user = replicationUser(t);
    if (!PG_IDENTIFIER.test(user)) add("replicationUser", `'${user}' must be a lowercase SQL identifier`);
    if (user === "postgres") add("replicationUser", "the replication role must not be the superuser");
    return issues;
}
