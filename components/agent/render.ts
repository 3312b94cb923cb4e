/**
 * Pure renderer: topology + node -> the agent's config.json (components/agent/config.ts schema).
 * No Pulumi import; tests parse the result with the daemon's own parser.
 *
 * Why the agent needs nothing but this file and two env passwords: every address comes from the
 * topology through the runtime's resolver (private IPs on Hetzner nodes, container names locally).
 */
import type { FailoverSpec, Topology } from "../../stacks/schema";
import { clusterPorts, fullClusters, natsWorkloadOf } from "../nats/types";
import type { NatsLayout } from "../nats/workload";
import { NATS_AGENT_USER } from "../nats/workload";
import { QDRANT_PORTS, QDRANT_WORKLOAD } from "../qdrant/contract";
import { REDIS_PORTS, REDIS_WORKLOADS } from "../redis/contract";
import { NEO4J_PORTS } from "../neo4j/render";
import type { AddressResolver } from "../workload/addresses";
import { AGENT_DEFAULT_BUCKET, AGENT_DEFAULT_PORT, AgentConfigInput, DEFAULT_MAX_LAG_BYTES, parseAgentConfig } from "./config";

/** Workload (container) name of the agent on every node; other modules compute its endpoint with it. */
export const AGENT_WORKLOAD = "agent";

/** The volume postgres declares and the agent mounts: the fencing hand-off of the contract. */
export const AGENT_SHARED_VOLUME = { key: "agent-state", containerPath: "/run/daarion" } as const;

/** Env variables holding the agent's credentials (secret env values in the container). */
export const AGENT_ENV = {
    natsPassword: "NATS_PASSWORD",
    pgPassword: "PGPASSWORD",
    sentinelPassword: "SENTINEL_PASSWORD",
    qdrantApiKey: "QDRANT_API_KEY",
} as const;

/** Priorities of group members: the topology's preference wins the first election. */
export const PRIORITY = { preferred: 100, standby: 50 } as const;

export const DEFAULT_FAILOVER: FailoverSpec = { groups: {}, timing: { ttlMs: 10_000, loopMs: 2_000, retryTimeoutMs: 4_000 }, bucket: AGENT_DEFAULT_BUCKET, port: AGENT_DEFAULT_PORT };

export function failoverOf(t: Topology): FailoverSpec {
    return t.failover ?? DEFAULT_FAILOVER;
}

/** A failover group as the topology places it: its members (preferred first) and its kind. */
export interface PlacedGroup {
    readonly name: string;
    readonly strategy: "AbsoluteConsistency" | "SplitBrainAllowed";
    readonly kind: "postgres" | "http";
    readonly members: readonly { readonly node: string; readonly priority: number }[];
    readonly maxLagBytes?: number;
}

/** Groups of the topology with their members: `postgres` from replication.postgresql, a service from its placement. */
export function failoverGroups(t: Topology): PlacedGroup[] {
    return Object.entries(failoverOf(t).groups).map(([name, g]): PlacedGroup => {
        if (name === "postgres") {
            const pg = t.replication.postgresql;
            return {
                name,
                strategy: g.strategy,
                kind: "postgres",
                members: [{ node: pg.primary, priority: PRIORITY.preferred }, ...pg.replicas.map((node, i) => ({ node, priority: PRIORITY.standby - i }))],
                maxLagBytes: g.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES,
            };
        }
        const svc = t.services[name];
        if (!svc) throw new Error(`failover.groups.${name}: no such service (stacks/validate.ts reports this first)`);
        const placed = Object.entries(svc.placement);
        return {
            name,
            strategy: g.strategy,
            kind: "http",
            members: [
                ...placed.filter(([, role]) => role === "active").map(([node]) => ({ node, priority: PRIORITY.preferred })),
                ...placed.filter(([, role]) => role === "standby").map(([node]) => ({ node, priority: PRIORITY.standby })),
            ],
        };
    });
}

/** The node the topology prefers for a group (drift compares it with the agents' answer). */
export function preferredMember(g: PlacedGroup): string {
    return [...g.members].sort((a, b) => b.priority - a.priority)[0]!.node;
}

/**
 * Client URLs of the core cluster, the node's own core server first: the lease bucket lives in the
 * core domain, and the daemon opens it without a domain prefix, so it talks to the core cluster
 * directly (on node3 to its core server, not its edge leaf).
 */
export function agentNatsServers(layout: NatsLayout, resolver: AddressResolver, node: string): string[] {
    const core = fullClusters(layout).find((c) => c.jetstream) ?? fullClusters(layout)[0];
    if (!core) throw new Error("the NATS topology has no full cluster for the agents' lease bucket");
    const port = clusterPorts(layout, core).client;
    const ordered = [...core.servers.filter((s) => s.node === node), ...core.servers.filter((s) => s.node !== node)];
    return ordered.map((s) => `nats://${resolver.endpoint(s.node, natsWorkloadOf(layout, s.node, core.name), port)}`);
}

export interface AgentRenderInput {
    readonly topology: Topology;
    readonly resolver: AddressResolver;
    readonly layout: NatsLayout;
    readonly node: string;
}

/** The agent's config.json for `node`, validated by the daemon's own schema before it is placed. */
export function renderAgentConfig(input: AgentRenderInput): string {
    const { topology: t, resolver, layout, node } = input;
    const f = failoverOf(t);
    const pg = t.replication.postgresql;
    const groups = failoverGroups(t)
        // A node runs the groups it is a member of; the others it only observes through /cluster/status of its peers.
        .filter((g) => g.members.some((m) => m.node === node))
        .map((g) => ({
            name: g.name,
            strategy: g.strategy,
            kind: g.kind,
            members: g.members.map((m) => ({ ...m })),
            ...(g.kind === "postgres"
                ? {
                      maxLagBytes: g.maxLagBytes,
                      postgres: {
                          host: resolver.host(node, "postgres"),
                          port: pg.port,
                          user: "postgres",
                          passwordEnv: AGENT_ENV.pgPassword,
                          stateDir: AGENT_SHARED_VOLUME.containerPath,
                          database: "postgres",
                      },
                  }
                : { http: { healthUrl: `http://${resolver.endpoint(node, g.name, t.services[g.name]!.port)}${t.services[g.name]!.healthPath}` } }),
        }));
    const redis = t.replication.redis;
    const natsOnNode = layout.clusters.flatMap((c) => c.servers.filter((s) => s.node === node).map((s) => ({ c, s })));
    // The core server when the node runs one (its /jsz shows the core meta leader), else its only server.
    const monitored = natsOnNode.find((x) => x.c.leafnodeTo === undefined) ?? natsOnNode[0];
    const config: AgentConfigInput = {
        node,
        // Inside the container the agent binds every interface; Docker publishes the port on the
        // node's private IP only (WorkloadPort default), so it is reachable nowhere else.
        listen: `0.0.0.0:${f.port}`,
        nats: { servers: agentNatsServers(layout, resolver, node), user: NATS_AGENT_USER, passwordEnv: AGENT_ENV.natsPassword, bucket: f.bucket },
        peers: Object.keys(t.nodes)
            .filter((n) => n !== node)
            .map((n) => ({ node: n, url: `http://${resolver.endpoint(n, AGENT_WORKLOAD, f.port)}` })),
        timing: { ...f.timing },
        groups,
        observe: {
            sentinels: redis.sentinels.map((n) => resolver.endpoint(n, REDIS_WORKLOADS.sentinel, REDIS_PORTS.sentinel)),
            sentinelPasswordEnv: AGENT_ENV.sentinelPassword,
            ...(t.replication.qdrant.nodes.includes(node) ? { qdrantUrl: `http://${resolver.endpoint(node, QDRANT_WORKLOAD, QDRANT_PORTS.http)}`, qdrantApiKeyEnv: AGENT_ENV.qdrantApiKey } : {}),
            ...(monitored ? { natsMonitorUrl: `http://${resolver.endpoint(node, natsWorkloadOf(layout, node, monitored.c.name), clusterPorts(layout, monitored.c).monitor)}` } : {}),
            ...(t.replication.neo4j.primaries[0] === node ? { neo4jUrl: `http://${resolver.endpoint(node, "neo4j", NEO4J_PORTS.http)}` } : {}),
        },
    };
    // The daemon's parser is the judge: a config it would refuse never reaches a node.
    const parsed = parseAgentConfig(config, `agent config of ${node}`);
    return JSON.stringify(parsed, null, 2) + "\n";
}

/** Which credentials the agent of `node` needs (decides which secret env values exist). */
export function agentNeeds(t: Topology, node: string): { postgres: boolean; qdrant: boolean } {
    return {
        postgres: failoverGroups(t).some((g) => g.kind === "postgres" && g.members.some((m) => m.node === node)),
        qdrant: t.replication.qdrant.nodes.includes(node),
    };
}
