/**
 * Typed description of a NATS supercluster (seed 000: a `core` cluster on node1+node2 and an
 * `edge` cluster on node3 joined as a leafnode). Pure values only: no Pulumi import, so the
 * renderer, the validator and the real-server tests all share it.
 *
 * Passwords are plain strings here; the component resolves the generated (secret) Pulumi
 * outputs first and wraps the rendered file in `pulumi.secret`.
 */

/** Listening ports; the same on every server so peers can be rendered from the topology alone. */
export interface NatsPorts {
    /** @default 4222 */
    readonly client: number;
    /** Route port between members of one cluster. @default 6222 */
    readonly cluster: number;
    /** Gateway port between full clusters. @default 7222 */
    readonly gateway: number;
    /** Leafnode port that core servers accept edge clusters on. @default 7422 */
    readonly leafnode: number;
    /** HTTP monitoring (/varz, /routez, /leafz, /jsz). Bound to the private address only. @default 8222 */
    readonly monitor: number;
}

export const DEFAULT_NATS_PORTS: NatsPorts = Object.freeze({
    client: 4222,
    cluster: 6222,
    gateway: 7222,
    leafnode: 7422,
    monitor: 8222,
});

export interface NatsServerSpec {
    /**
     * Server name, unique across the whole supercluster (`<cluster>-<node>`): JetStream
     * identifies peers by server name, and two servers sharing one corrupt the meta group.
     */
    readonly name: string;
    /** Topology node this server runs on (`node1`). */
    readonly node: string;
    /** Address peers and clients use to reach the server: the node's private IP. */
    readonly host: string;
    /**
     * Address the server binds to. In a container with published ports this is `0.0.0.0`
     * (Docker publishes the ports on the private IP); on a host it is the private IP.
     * @default host
     */
    readonly bind?: string;
}

export interface NatsJetStreamSpec {
    /**
     * JetStream domain. Every JetStream cluster gets its own: a leaf without a distinct domain
     * would try to join the hub's meta group over the leaf link.
     */
    readonly domain: string;
    /** `max_memory_store`: bytes, or a size such as `512M`, `1G`. */
    readonly maxMemory: number | string;
    /** `max_file_store`: bytes, or a size such as `10G`. */
    readonly maxFile: number | string;
}

export interface NatsClusterSpec {
    /** Cluster name; also the gateway name when gateways are used (nats-io/k8s#567). */
    readonly name: string;
    readonly servers: readonly NatsServerSpec[];
    /** Absent: this cluster runs without JetStream (pure pub/sub). */
    readonly jetstream?: NatsJetStreamSpec;
    /**
     * Name of a full (non-leaf) cluster this cluster joins as a leafnode. Leaf clusters take
     * no part in gateways.
     */
    readonly leafnodeTo?: string;
    /**
     * Ports of this cluster's servers, over the supercluster's `ports`. A node that runs two servers
     * (seed 000's edge leaf on node3 beside a third core server, for JetStream quorum) needs distinct
     * ports for one of them: both bind the node's private IP.
     * @default NatsSuperclusterSpec.ports
     */
    readonly ports?: Partial<NatsPorts>;
}

export interface NatsCredential {
    readonly user: string;
    readonly password: string;
}

/** A user's subject permissions (nats.conf `permissions { publish { allow } subscribe { allow } }`). */
export interface NatsUserPermissions {
    readonly publish: readonly string[];
    readonly subscribe: readonly string[];
}

export interface NatsServiceUser {
    /** Consuming service (`gateway`, `router`, `chorus`); also the NATS user name. */
    readonly service: string;
    readonly password: string;
    /** Allow-lists of subjects; absent: anything in the application account. @default unrestricted */
    readonly permissions?: NatsUserPermissions;
}

export interface NatsAuthSpec {
    /** Name of the system account. @default "SYS" */
    readonly systemAccount?: string;
    /** User of the system account (monitoring, `nats server` tooling). Never used on leaf links. */
    readonly system: NatsCredential;
    /** Name of the application account. @default "APP" */
    readonly appAccount?: string;
    /** One user per consuming service, all in the application account. */
    readonly services: readonly NatsServiceUser[];
    /** Credential edge clusters use on their leafnode remotes; bound to the application account only. */
    readonly leafnode: NatsCredential;
    /** Credential on cluster routes. Absent: routes are unauthenticated (private network only). */
    readonly route?: NatsCredential;
    /** Credential on gateway connections. */
    readonly gateway?: NatsCredential;
}

/** TLS for server-to-server links (routes, gateways, leafnodes); clients stay on the private network. */
export interface NatsTlsSpec {
    readonly certFile: string;
    readonly keyFile: string;
    readonly caFile: string;
    /** Handshake timeout in seconds. @default 2 */
    readonly timeoutSeconds?: number;
}

export interface NatsSuperclusterSpec {
    readonly clusters: readonly NatsClusterSpec[];
    /** @default DEFAULT_NATS_PORTS */
    readonly ports?: Partial<NatsPorts>;
    readonly auth: NatsAuthSpec;
    readonly tls?: NatsTlsSpec;
    /** JetStream store directory inside the server's filesystem. @default "/data/jetstream" */
    readonly storeDir?: string;
    /**
     * Join full clusters with gateways. Only meaningful with two or more full clusters.
     * @default true
     */
    readonly gateways?: boolean;
    /**
     * Subjects kept off every route and leaf link, so they stay on the server (node) they were
     * published on: `node.<id>.local.>` in seed 000. nats-server 2.9 has no gateway permissions,
     * so the validator warns when gateways are used.
     * @default NODE_LOCAL_SUBJECTS from subjects.ts
     */
    readonly nodeLocalSubjects?: readonly string[];
    /**
     * Subjects that stay inside an edge cluster and never cross its leaf link.
     * @default EDGE_LOCAL_SUBJECTS from subjects.ts
     */
    readonly edgeLocalSubjects?: readonly string[];
}

/** Filesystem locations substituted per environment (container, test temp dir). */
export interface NatsServerPaths {
    /** @default spec.storeDir */
    readonly storeDir?: string;
    /** Overrides spec.tls file paths. */
    readonly tls?: NatsTlsSpec;
}

export function natsPorts(spec: Pick<NatsSuperclusterSpec, "ports">): NatsPorts {
    return { ...DEFAULT_NATS_PORTS, ...(spec.ports ?? {}) };
}

/** Ports of the servers of `cluster`: the cluster's own over the supercluster's over the defaults. */
export function clusterPorts(spec: Pick<NatsSuperclusterSpec, "ports">, cluster: Pick<NatsClusterSpec, "ports">): NatsPorts {
    return { ...natsPorts(spec), ...(cluster.ports ?? {}) };
}

/**
 * The server that the services of `node` use: its leaf (edge) server when the node runs one, so
 * seed 000's edge semantics hold (edge-local and node-local subjects live there), else the first.
 */
export function clientServerOnNode(spec: Pick<NatsSuperclusterSpec, "clusters">, node: string): { cluster: NatsClusterSpec; server: NatsServerSpec } | undefined {
    const placed = serversOnNode(spec, node);
    return placed.find((p) => p.cluster.leafnodeTo !== undefined) ?? placed[0];
}

/**
 * Workload (container) name of the server of `cluster` on `node`: `nats` for the server the node's
 * services use (other modules compute its endpoints), `nats-<cluster>` for a second one.
 */
export function natsWorkloadName(clusters: readonly { readonly name: string; readonly leafnodeTo?: string; readonly nodes: readonly string[] }[], node: string, cluster: string): string {
    const on = clusters.filter((c) => c.nodes.includes(node));
    const client = on.find((c) => c.leafnodeTo !== undefined) ?? on[0];
    return client === undefined || client.name === cluster ? "nats" : `nats-${cluster}`;
}

/** `natsWorkloadName` over a layout (servers instead of node lists). */
export function natsWorkloadOf(spec: Pick<NatsSuperclusterSpec, "clusters">, node: string, cluster: string): string {
    return natsWorkloadName(spec.clusters.map((c) => ({ name: c.name, leafnodeTo: c.leafnodeTo, nodes: c.servers.map((s) => s.node) })), node, cluster);
}

/** Clusters that are not leafnodes of another cluster (they hold the core streams and gateways). */
export function fullClusters(spec: Pick<NatsSuperclusterSpec, "clusters">): NatsClusterSpec[] {
    return spec.clusters.filter((c) => c.leafnodeTo === undefined);
}

export function findServer(spec: Pick<NatsSuperclusterSpec, "clusters">, serverName: string): { cluster: NatsClusterSpec; server: NatsServerSpec } {
    for (const cluster of spec.clusters) {
        const server = cluster.servers.find((s) => s.name === serverName);
        if (server) return { cluster, server };
    }
    throw new Error(`NATS server '${serverName}' is not in the topology (known: ${spec.clusters.flatMap((c) => c.servers.map((s) => s.name)).join(", ")})`);
}

/** Servers that run on `node`, in topology order. */
export function serversOnNode(spec: Pick<NatsSuperclusterSpec, "clusters">, node: string): { cluster: NatsClusterSpec; server: NatsServerSpec }[] {
    return spec.clusters.flatMap((cluster) => cluster.servers.filter((s) => s.node === node).map((server) => ({ cluster, server })));
}

/** Conventional server name: `<cluster>-<node>`. */
export function natsServerName(cluster: string, node: string): string {
    return `${cluster}-${node}`;
}

export const DEFAULT_SYSTEM_ACCOUNT = "SYS";
export const DEFAULT_APP_ACCOUNT = "APP";
export const DEFAULT_STORE_DIR = "/data/jetstream";
