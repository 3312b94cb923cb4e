/**
 * The NATS platform module: one `daarion:nats:Server` per node that is in a NATS cluster, and,
 * in the primary's stack, the seed 000/001/002 streams and KV buckets through the JetStream
 * dynamic provider.
 */
import type { DeployedWorkload, DeployOptions } from "../workload/runtime";
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { natsScrape } from "./scrape";
import { natsDiagram, natsDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { completingMember } from "../../stacks/quorum";
import type { SecretRequest } from "../secrets";
import type { ImageSource, WorkloadSpec } from "../workload/spec";
import { NatsKeyValue, NatsStream } from "./jetstream-provider";
import { renderNatsServerConfig } from "./render";
import { failoverBucket, natsSubjectRouting } from "./subjects";
import { agentNatsPermissions } from "../agent/nats-permissions";
import { AGENT_DEFAULT_BUCKET } from "../agent/config";
import { NatsUserPermissions, clientServerOnNode, clusterPorts, findServer, fullClusters, natsWorkloadOf, serversOnNode } from "./types";
import { natsAlertOptions, natsAlerts } from "./alerts";
import { NATS_RESERVED_PORTS } from "./contract";
import { validateNats } from "./validate-topology";
import {
    DEFAULT_NATS_IMAGE,
    NATS_ADMIN_USER,
    NATS_AGENT_USER,
    NATS_SECRET_NAMES,
    NatsCredentials,
    NatsLayout,
    buildNatsWorkload,
    natsLayout,
    natsServiceUsers,
    natsUrlFor,
    withAuth,
} from "./workload";
import { natsDashboards } from "./dashboards";

export { validateNatsLayout } from "./validate-topology";

export interface NatsServerArgs {
    /** The whole supercluster (plain: it decides what exists). */
    readonly layout: NatsLayout;
    /** Node whose server this is. */
    readonly node: string;
    /** Cluster of the server on `node` (a node may run a core server beside its edge leaf). @default the node's client server */
    readonly cluster?: string;
    /** Generated passwords (secret outputs). */
    readonly credentials: pulumi.Input<NatsCredentials>;
    /** @default DEFAULT_NATS_IMAGE (alpine: the healthcheck needs busybox wget) */
    readonly image?: ImageSource;
    /** PEM material when `layout.tls` is set. */
    readonly tls?: { readonly cert: pulumi.Input<string>; readonly key: pulumi.Input<string>; readonly ca: pulumi.Input<string> };
    /** The JetStream provider of `pulumi up` dials this server: its client port is an admin port. @default false */
    readonly adminTarget?: boolean;
    /** The node context's `deploy`: the server's workload is realized as a child of the component. */
    readonly deploy: (spec: WorkloadSpec, opts?: DeployOptions) => DeployedWorkload;
    /** Subject allow-lists per service user (plain: part of the rendered config). @default {} */
    readonly permissions?: Readonly<Record<string, NatsUserPermissions>>;
}

/**
 * One nats-server of the supercluster (`daarion:nats:Server`). It renders the server's nats.conf
 * from the layout and the credentials, and deploys its workload as its child.
 */
export class NatsServer extends pulumi.ComponentResource {
    public readonly serverName: string;
    public readonly clusterName: string;
    /** nats.conf as placed in the container (secret: it holds every password). */
    public readonly config: pulumi.Output<string>;
    public readonly workload: WorkloadSpec;
    public readonly deployed: DeployedWorkload;

    constructor(name: string, args: NatsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:nats:Server", name, {}, opts);
        const placed = args.cluster === undefined ? clientServerOnNode(args.layout, args.node) : serversOnNode(args.layout, args.node).find((p) => p.cluster.name === args.cluster);
        if (placed === undefined) throw new Error(`node '${args.node}' runs no NATS server${args.cluster === undefined ? "" : ` of cluster '${args.cluster}'`}`);
        this.serverName = placed.server.name;
        this.clusterName = placed.cluster.name;
        const serverName = this.serverName;
        this.config = pulumi.secret(pulumi.output(args.credentials).apply((c) => renderNatsServerConfig(withAuth(args.layout, c, args.permissions ?? {}), serverName)));
        this.workload = buildNatsWorkload(args.layout, args.node, {
            image: args.image ?? DEFAULT_NATS_IMAGE,
            config: this.config,
            tls: args.tls,
            adminTarget: args.adminTarget,
        }, this.clusterName)!;
        this.deployed = args.deploy(this.workload, { parent: this });
        this.registerOutputs({ config: this.config });
    }
}

function layoutOf(ctx: DeploymentContext): NatsLayout {
    return natsLayout(ctx.topology.replication.nats, ctx.resolver);
}

function credentialsOf(ctx: DeploymentContext): pulumi.Output<NatsCredentials> {
    const s = ctx.secrets;
    const users = natsServiceUsers(ctx.topology.services);
    const passwords = users.map((u) => s.get(NATS_SECRET_NAMES.user(u)));
    return pulumi.secret(
        pulumi
            .all([s.get(NATS_SECRET_NAMES.system), s.get(NATS_SECRET_NAMES.leafnode), s.get(NATS_SECRET_NAMES.route), s.get(NATS_SECRET_NAMES.gateway), pulumi.all(passwords)])
            .apply(([system, leafnode, route, gateway, pw]): NatsCredentials => ({
                system,
                leafnode,
                route,
                gateway,
                services: Object.fromEntries(users.map((u, i) => [u, pw[i]!])),
            })),
    );
}

/** The core (first full JetStream) cluster: the local engine publishes its first server's client port. */
function adminCluster(layout: NatsLayout): string | undefined {
    return (fullClusters(layout).find((c) => c.jetstream) ?? fullClusters(layout)[0])?.name;
}

/** The first node of the core cluster. */
function adminNode(layout: NatsLayout): string | undefined {
    return layout.clusters.find((c) => c.name === adminCluster(layout))?.servers[0]?.node;
}

export const natsModule: PlatformModule = {
    name: "nats",
    runbook: "components/nats/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => natsDashboards(),
    ports: NATS_RESERVED_PORTS,
    validate: validateNats,
    alerts: (t) => [natsAlerts(natsAlertOptions(t))],
    scrape: natsScrape,
    distribution: natsDistribution,
    diagram: natsDiagram,

    secrets(t: Topology): SecretRequest[] {
        return [
            { name: NATS_SECRET_NAMES.system },
            { name: NATS_SECRET_NAMES.leafnode },
            { name: NATS_SECRET_NAMES.route },
            { name: NATS_SECRET_NAMES.gateway },
            ...natsServiceUsers(t.services).map((u) => ({ name: NATS_SECRET_NAMES.user(u) })),
        ];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const layout = layoutOf(ctx);
        if (serversOnNode(layout, ctx.nodeName).length === 0) return;
        const tls = layout.tls
            ? {
                  cert: ctx.stackSecrets.apply((s) => required(s, "natsTlsCert")),
                  key: pulumi.secret(ctx.stackSecrets.apply((s) => required(s, "natsTlsKey"))),
                  ca: ctx.stackSecrets.apply((s) => required(s, "natsTlsCa")),
              }
            : undefined;
        const image = ctx.topology.images.nats as ImageSource | undefined;
        if (image && !("build" in image) && !/alpine/.test(image.tag ?? "")) {
            ctx.warn(`images.nats: '${image.repository}:${image.tag ?? image.digest}' may be the scratch variant without a shell; the nats healthcheck runs busybox wget, so use an -alpine tag (e.g. 2.10.22-alpine)`);
        }
        const credentials = credentialsOf(ctx);
        // Every server of the node (seed 000's node3: its edge leaf, plus a core server for quorum);
        // child names derive from the workload name (`nats`, `nats-core`), never an index.
        const servers = serversOnNode(layout, ctx.nodeName).map(({ cluster }) => {
            const workload = natsWorkloadOf(layout, ctx.nodeName, cluster.name);
            const server = new NatsServer(`${ctx.nodeName}-${workload}`, {
                layout,
                node: ctx.nodeName,
                cluster: cluster.name,
                credentials,
                image,
                tls,
                adminTarget: adminNode(layout) === ctx.nodeName && cluster.name === adminCluster(layout),
                deploy: ctx.deploy,
                // The node agent may touch its lease bucket only (components/agent/nats-permissions.ts).
                permissions: { [NATS_AGENT_USER]: agentNatsPermissions(ctx.topology.failover?.bucket ?? AGENT_DEFAULT_BUCKET) },
            });
            return { server, workload };
        });
        const client = servers.find((s) => s.workload === "nats")!.server;
        const cluster = findServer(layout, client.serverName).cluster;
        const routing = natsSubjectRouting(layout);
        const core = fullClusters(layout).find((c) => c.name === routing.coreCluster)!;
        const completesCore = completingMember(ctx.topology, core.servers.map((s) => s.node)) === ctx.nodeName;
        return {
            ...(completesCore ? { jetstream: declareJetStreamAssets(ctx) } : {}),
            server: client.serverName,
            cluster: client.clusterName,
            jetstreamDomain: cluster.jetstream?.domain ?? null,
            // NATS_URL for services on this node; credentials are per service (apps module).
            natsUrl: natsUrlFor(layout, ctx.nodeName),
            monitorUrl: `http://${ctx.resolver.endpoint(ctx.nodeName, "nats", clusterPorts(layout, cluster).monitor)}`,
            servers: servers.map((s) => s.server.serverName),
        };
    },

    deployShared(ctx: DeploymentContext): ModuleOutputs | void {
        const layout = layoutOf(ctx);
        const routing = natsSubjectRouting(layout);
        const users = natsServiceUsers(ctx.topology.services).filter((u) => u !== NATS_ADMIN_USER);
        return {
            coreCluster: routing.coreCluster,
            coreDomain: routing.coreDomain,
            streams: routing.streams.map((s) => s.name),
            keyValues: routing.keyValues.map((k) => k.bucket),
            // Per-service credentials (secret): user = service name, account APP.
            credentials: pulumi.secret(pulumi.all(Object.fromEntries(users.map((u) => [u, pulumi.all({ user: u, password: ctx.secrets.get(NATS_SECRET_NAMES.user(u)) })])))),
        };
    },
};

/**
 * Streams and KV buckets of the core cluster. Declared by the stack that completes the core
 * (stacks/quorum.ts, issue 11 finding 2): on node1's first `up` node2's server does not run, the
 * 2-server meta group has no quorum and every stream/KV create fails.
 */
function declareJetStreamAssets(ctx: DeploymentContext): ModuleOutputs {
    const layout = layoutOf(ctx);
    const base = natsSubjectRouting(layout);
    // The node agents' lease bucket (components/agent/), in the same core cluster.
    const routing = { ...base, keyValues: [...base.keyValues, failoverBucket(layout, ctx.topology.failover?.bucket ?? "failover", base.coreCluster)] };
    const core = fullClusters(layout).find((c) => c.name === routing.coreCluster)!;
    const ports = clusterPorts(layout, core);
    // Where the JetStream provider of `pulumi up` dials the core servers (their client port is an
    // admin port; on the local engine one loopback address reaches the admin server).
    const adminPort = { name: "client", containerPort: ports.client, admin: { localPort: ports.client } };
    const servers = ctx.topology.replication.nats.adminServers ?? [...new Set(core.servers.map((s) => `nats://${ctx.runtime.adminEndpoint(s.node, natsWorkloadOf(layout, s.node, core.name), adminPort)}`))];
    const connection = pulumi.secret({
        servers,
        user: NATS_ADMIN_USER,
        password: ctx.secrets.get(NATS_SECRET_NAMES.user(NATS_ADMIN_USER)),
        domain: routing.coreDomain,
    });
    // The core servers deployed by this stack must run before JetStream can be asked anything.
    const dependsOn = core.servers.flatMap((s) => ctx.workloads.get(`${s.node}/${natsWorkloadOf(layout, s.node, core.name)}`)?.resource ?? []);
    // Streams and buckets hold messages and leases: protected like every stateful resource.
    const opts = { dependsOn, protect: true };
    for (const s of routing.streams) {
        new NatsStream(`nats-stream-${s.name}`, {
            connection,
            name: s.name,
            subjects: [...s.subjects],
            description: s.description,
            storage: s.storage,
            retention: s.retention,
            replicas: s.replicas,
            maxAgeSeconds: s.maxAgeSeconds,
            maxBytes: s.maxBytes,
            duplicateWindowSeconds: s.duplicateWindowSeconds,
        }, opts);
    }
    for (const kv of routing.keyValues) {
        new NatsKeyValue(`nats-kv-${kv.bucket}`, {
            connection,
            bucket: kv.bucket,
            description: kv.description,
            history: kv.history,
            ttlSeconds: kv.ttlSeconds,
            replicas: kv.replicas,
            storage: kv.storage,
            maxBytes: kv.maxBytes,
        }, opts);
    }
    return { streams: routing.streams.map((s) => s.name), keyValues: routing.keyValues.map((k) => k.bucket) };
}

function required(secrets: Record<string, string>, key: string): string {
    const value = secrets[key];
    if (!value) throw new Error(`replication.nats.tls is on but the stack secret daarion:secrets.${key} (PEM) is missing`);
    return value;
}
