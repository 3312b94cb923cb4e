/**
 * From the platform topology to the NATS supercluster spec and to one node's WorkloadSpec.
 * Pure: passwords arrive as plain strings (inside an `apply`) or as `pulumi.Input`s that are
 * only passed through, never inspected.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AddressResolver } from "../workload/addresses";
import { httpCheck } from "../workload/probes";
import type { ImageSource, WorkloadPort, WorkloadSpec } from "../workload/spec";
import { NatsAuthSpec, NatsPorts, NatsSuperclusterSpec, NatsUserPermissions, clientServerOnNode, clusterPorts, natsServerName, natsWorkloadName, natsWorkloadOf, serversOnNode, fullClusters } from "./types";

/** `replication.nats` of the topology, structurally (./schema.ts natsSchema). */
export interface NatsTopologyConfig {
    readonly clusters: readonly {
        readonly name: string;
        readonly nodes: readonly string[];
        readonly leafnodeTo?: string;
        readonly jetstream?: { readonly domain?: string; readonly maxMemoryMb: number; readonly maxFileGb: number };
        readonly ports?: Partial<NatsPorts>;
    }[];
    readonly tls: boolean;
}

/** The supercluster without credentials: everything that decides what is deployed where. */
export type NatsLayout = Omit<NatsSuperclusterSpec, "auth">;

/** Where the JetStream store and TLS material sit inside the container. */
export const NATS_CONTAINER_PATHS = Object.freeze({
    config: "/etc/nats/nats.conf",
    storeDir: "/data/jetstream",
    tlsCert: "/etc/nats/tls/server.pem",
    tlsKey: "/etc/nats/tls/server-key.pem",
    tlsCa: "/etc/nats/tls/ca.pem",
});

/** Shared-secret names (components/secrets); `nats-user-<service>` is shared with the apps module. */
export const NATS_SECRET_NAMES = Object.freeze({
    system: "nats-system",
    leafnode: "nats-leafnode",
    route: "nats-route",
    gateway: "nats-gateway",
    user: (service: string) => `nats-user-${service}`,
});

/** NATS user the Pulumi dynamic provider declares streams and buckets with (APP account). */
export const NATS_ADMIN_USER = "jetstream-admin";

/**
 * The layout for a runtime. Servers bind 0.0.0.0 inside their container (Docker publishes the
 * ports on the node's private IP) and announce `resolver.announce(node, "nats")`: the private IP
 * on Hetzner nodes, the container name on the local engine.
 */
export function natsLayout(config: NatsTopologyConfig, resolver: AddressResolver): NatsLayout {
    return {
        clusters: config.clusters.map((c) => ({
            name: c.name,
            leafnodeTo: c.leafnodeTo,
            // A second server on a node (a core server beside an edge leaf) is its own container.
            servers: c.nodes.map((node) => ({ name: natsServerName(c.name, node), node, host: resolver.announce(node, natsWorkloadName(config.clusters, node, c.name)), bind: "0.0.0.0" })),
            ports: c.ports,
            jetstream: c.jetstream
                ? {
                      // A full cluster without an explicit domain uses its name; the stack
                      // validation already requires one on JetStream leaf clusters.
                      domain: c.jetstream.domain ?? c.name,
                      maxMemory: `${c.jetstream.maxMemoryMb}M`,
                      maxFile: `${c.jetstream.maxFileGb}G`,
                  }
                : undefined,
        })),
        storeDir: NATS_CONTAINER_PATHS.storeDir,
        tls: config.tls ? { certFile: NATS_CONTAINER_PATHS.tlsCert, keyFile: NATS_CONTAINER_PATHS.tlsKey, caFile: NATS_CONTAINER_PATHS.tlsCa } : undefined,
    };
}

/** NATS user of the node agents (components/agent/): leases and heartbeats in the `failover` bucket. */
export const NATS_AGENT_USER = "node-agent";

/** Services whose NATS user lives in the APP account: every `uses: [nats]` service, plus the admin and the node agent. */
export function natsServiceUsers(services: Readonly<Record<string, { readonly uses?: readonly string[] }>>): string[] {
    return [...Object.entries(services).filter(([, s]) => (s.uses ?? []).includes("nats")).map(([name]) => name).sort(), NATS_ADMIN_USER, NATS_AGENT_USER];
}

export interface NatsCredentials {
    readonly system: string;
    readonly leafnode: string;
    readonly route: string;
    readonly gateway: string;
    /** service -> password */
    readonly services: Readonly<Record<string, string>>;
}

/** `permissions`: allow-lists per service user (the node agent's come from components/agent). */
export function natsAuth(c: NatsCredentials, permissions: Readonly<Record<string, NatsUserPermissions>> = {}): NatsAuthSpec {
    return {
        system: { user: "sys", password: c.system },
        services: Object.keys(c.services)
            .sort()
            .map((service) => ({ service, password: c.services[service]!, ...(permissions[service] ? { permissions: permissions[service] } : {}) })),
        leafnode: { user: "leaf", password: c.leafnode },
        route: { user: "route", password: c.route },
        gateway: { user: "gateway", password: c.gateway },
    };
}

export function withAuth(layout: NatsLayout, credentials: NatsCredentials, permissions: Readonly<Record<string, NatsUserPermissions>> = {}): NatsSuperclusterSpec {
    return { ...layout, auth: natsAuth(credentials, permissions) };
}

/**
 * Client URLs (no credentials) for a service on `node`: the node's own server first, then its
 * cluster peers; a node without NATS uses the core cluster. Same order as render.natsClientUrls.
 */
export function natsUrlFor(layout: NatsLayout, node: string): string {
    const local = clientServerOnNode(layout, node);
    const cluster = local?.cluster ?? fullClusters(layout).find((c) => c.jetstream) ?? layout.clusters[0];
    if (!cluster) return "";
    const servers = local ? [local.server, ...local.cluster.servers.filter((s) => s.name !== local.server.name)] : [...cluster.servers];
    const port = clusterPorts(layout, cluster).client;
    return servers.map((s) => `nats://${s.host}:${port}`).join(",");
}

export interface NatsWorkloadInputs {
    readonly image: ImageSource;
    /** Rendered nats.conf for this server (contains passwords: placed as a secret file). */
    readonly config: pulumi.Input<string>;
    /** PEM material when the layout has TLS. */
    readonly tls?: { readonly cert: pulumi.Input<string>; readonly key: pulumi.Input<string>; readonly ca: pulumi.Input<string> };
    /**
     * The JetStream provider of `pulumi up` dials this server's client port to declare streams and
     * buckets: it is an admin port (WorkloadPort.admin). @default false
     */
    readonly adminTarget?: boolean;
}

export const DEFAULT_NATS_IMAGE: ImageSource = { repository: "docker.io/library/nats", tag: "2.10.22-alpine" };

/**
 * The workload of the server of `clusterName` on `node` (@default the node's client server, named
 * `nats`), or undefined when the node runs none.
 */
export function buildNatsWorkload(layout: NatsLayout, node: string, inputs: NatsWorkloadInputs, clusterName?: string): WorkloadSpec | undefined {
    const all = serversOnNode(layout, node);
    const chosen = clusterName === undefined ? clientServerOnNode(layout, node) : all.find((p) => p.cluster.name === clusterName);
    if (chosen === undefined) return undefined;
    const placed = [chosen];
    const { cluster } = chosen;
    const ports = clusterPorts(layout, cluster);
    const isHub = layout.clusters.some((c) => c.leafnodeTo === cluster.name);
    const gateways = cluster.leafnodeTo === undefined && (layout.gateways ?? true) && fullClusters(layout).length >= 2;
    // Every port is published on the private IP only (WorkloadPort default); none is ingress.
    const published: WorkloadPort[] = [
        { name: "client", containerPort: ports.client },
        ...(cluster.servers.length > 1 ? [{ name: "cluster", containerPort: ports.cluster }] : []),
        ...(gateways ? [{ name: "gateway", containerPort: ports.gateway }] : []),
        ...(isHub ? [{ name: "leafnode", containerPort: ports.leafnode }] : []),
        { name: "monitor", containerPort: ports.monitor },
    ];
    if (inputs.adminTarget) published[0] = { ...published[0]!, admin: { localPort: ports.client } };
    const files: NonNullable<WorkloadSpec["files"]> = [{ path: NATS_CONTAINER_PATHS.config, content: inputs.config, secret: true, mode: 0o600 }];
    if (layout.tls) {
        if (!inputs.tls) throw new Error("the NATS layout has TLS but no certificate material was given");
        files.push(
            { path: NATS_CONTAINER_PATHS.tlsCert, content: inputs.tls.cert, mode: 0o644 },
            { path: NATS_CONTAINER_PATHS.tlsKey, content: inputs.tls.key, secret: true, mode: 0o600 },
            { path: NATS_CONTAINER_PATHS.tlsCa, content: inputs.tls.ca, mode: 0o644 },
        );
    }
    const js = cluster.jetstream;
    const memoryMb = js ? sizeMb(js.maxMemory) + 256 : 256;
    return {
        name: natsWorkloadOf(layout, node, cluster.name),
        service: "nats",
        role: cluster.leafnodeTo === undefined ? "cluster" : "leaf",
        image: inputs.image,
        // The official alpine image runs `nats-server` from PATH; its config path is ours.
        entrypoint: ["nats-server"],
        command: ["--config", NATS_CONTAINER_PATHS.config],
        files,
        // The JetStream store is state: a stateful volume is protected and retained on delete.
        volumes: js ? [{ key: "jetstream", containerPath: NATS_CONTAINER_PATHS.storeDir, stateful: true }] : [],
        ports: published,
        probe: {
            // /healthz also fails while JetStream is not current; busybox wget is in the alpine image.
            check: httpCheck("wget", ports.monitor, "/healthz"),
            interval: "10s",
            timeout: "5s",
            retries: 6,
            startPeriod: "30s",
        },
        memoryMb,
        labels: { "daarion.nats.cluster": cluster.name, "daarion.nats.server": placed[0]!.server.name },
    };
}

function sizeMb(size: number | string): number {
    if (typeof size === "number") return Math.ceil(size / (1024 * 1024));
    const m = /^(\d+)([KMGT]?)B?$/i.exec(size);
    if (!m) throw new Error(`invalid size ${size}`);
    const factor: Record<string, number> = { "": 1 / (1024 * 1024), K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };
    return Math.ceil(Number(m[1]) * factor[m[2]!.toUpperCase()]!);
}
