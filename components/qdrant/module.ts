/**
 * Platform module `qdrant`: the Qdrant cluster peers (config from ./render.ts) and, in the stack
 * that owns shared state, the declared collections as `QdrantCollection` resources so the seed's
 * shard and replication numbers are enforced.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import { completingMember } from "../../stacks/quorum";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { qdrantScrape } from "./scrape";
import { qdrantDiagram, qdrantDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { QDRANT_RESERVED_PORTS, QDRANT_SECRET_NAMES, QDRANT_WORKLOAD } from "./contract";
import { qdrantAlertOptions, qdrantAlerts } from "./alerts";
import { validateQdrant } from "./validate";
import type { AddressResolver } from "../workload/addresses";
import { tcpCheck } from "../workload/probes";
import type { ImageSource, WorkloadPort, WorkloadSpec } from "../workload/spec";
import { QdrantCollection, QdrantDistance } from "./collection";
import { QDRANT_DEFAULT_PORTS, qdrantArgs, QdrantClusterSpec, qdrantUrl, renderQdrantConfig } from "./render";
import { qdrantDashboards } from "./dashboards";

export { QDRANT_WORKLOAD } from "./contract";
export const DEFAULT_QDRANT_IMAGE: ImageSource = { repository: "docker.io/qdrant/qdrant", tag: "v1.12.4" };
/** Host port of the first peer's REST API on the local engine (127.0.0.1 only), for the collection provider. */
export const LOCAL_QDRANT_ADMIN_PORT = 16333;
/** The first peer's REST port as the collection provider of `pulumi up` dials it (WorkloadPort.admin). */
export const QDRANT_ADMIN_PORT: WorkloadPort = { name: "http", containerPort: QDRANT_DEFAULT_PORTS.http, admin: { localPort: LOCAL_QDRANT_ADMIN_PORT } };
const CONFIG_PATH = "/qdrant/config/daarion.yaml";
/** The image's own CMD (qdrant/qdrant@v1.12.4:Dockerfile#L175); arguments after it go to ./qdrant. */
export const QDRANT_LAUNCHER = "./entrypoint.sh";

export function qdrantClusterFor(t: Topology): QdrantClusterSpec {
    const q = t.replication.qdrant;
    return { peers: q.nodes.map((name) => ({ name, privateIp: t.nodes[name]!.privateIp })), firstPeer: q.firstPeer ?? q.nodes[0]! };
}

/** REST URL applications use (the first peer; any peer serves the whole cluster). */
export function qdrantUrlFor(t: Topology, resolver: AddressResolver): string {
    return `http://${resolver.endpoint(qdrantClusterFor(t).firstPeer, QDRANT_WORKLOAD, QDRANT_DEFAULT_PORTS.http)}`;
}

export function buildQdrantWorkload(t: Topology, node: string, resolver: AddressResolver, apiKey: pulumi.Input<string>, adminTarget: boolean): WorkloadSpec {
    const cluster = qdrantClusterFor(t);
    const spec = {
        cluster,
        node,
        announceHost: resolver.announce(node, QDRANT_WORKLOAD),
        firstPeerHost: resolver.host(cluster.firstPeer, QDRANT_WORKLOAD),
    };
    return {
        name: QDRANT_WORKLOAD,
        service: "qdrant",
        role: node === cluster.firstPeer ? "first-peer" : "peer",
        image: t.images.qdrant ?? DEFAULT_QDRANT_IMAGE,
        // The image has no ENTRYPOINT, only CMD ["./entrypoint.sh"] (qdrant/qdrant@v1.12.4:Dockerfile#L175),
        // so a command REPLACES it: Docker would exec `--config-path` (issue 10, finding 1). The
        // command therefore starts with that script, relative to WORKDIR /qdrant (Dockerfile#L149);
        // it runs `./qdrant $@` and keeps its OOM recovery mode (tools/entrypoint.sh).
        command: [QDRANT_LAUNCHER, ...qdrantArgs(spec, CONFIG_PATH)],
        files: [{ path: CONFIG_PATH, content: pulumi.output(apiKey).apply((key) => renderQdrantConfig(spec, key)), secret: true, mode: 0o644 }],
        volumes: [
            { key: "storage", containerPath: "/qdrant/storage", stateful: true },
            { key: "snapshots", containerPath: "/qdrant/snapshots", stateful: true },
        ],
        ports: [
            // The collection provider of `pulumi up` dials the first peer's REST port.
            adminTarget ? QDRANT_ADMIN_PORT : { name: "http", containerPort: QDRANT_DEFAULT_PORTS.http },
            { name: "grpc", containerPort: QDRANT_DEFAULT_PORTS.grpc },
            // Unauthenticated and carries writes: published on the private IP only (never ingress).
            { name: "p2p", containerPort: QDRANT_DEFAULT_PORTS.p2p },
        ],
        // The image ships no curl/wget; bash's /dev/tcp checks the REST listener.
        probe: { check: tcpCheck(QDRANT_DEFAULT_PORTS.http) },
        metrics: [{ port: "http", path: "/metrics" }],
        // Collections are created through the REST API right after the peers start.
        waitHealthy: true,
        memoryMb: 4096,
    };
}

export interface QdrantCollectionsArgs {
    /** Where the provider of `pulumi up` reaches the cluster's REST API. */
    readonly url: string;
    readonly apiKey: pulumi.Input<string>;
    readonly collections: ReadonlyArray<{ readonly name: string; readonly vectorSize: number; readonly distance: QdrantDistance; readonly shardNumber: number; readonly replicationFactor: number }>;
    /** The peers' workloads: collections are created once they run. */
    readonly dependsOn: pulumi.Resource[];
}

/** `daarion:qdrant:Collections`: the platform's collections, as its children. */
export class QdrantCollections extends pulumi.ComponentResource {
    /** Shards missing a replica, per collection (QdrantCollection.missingReplicas). */
    public readonly missingReplicas: Record<string, pulumi.Output<number>> = {};

    constructor(name: string, args: QdrantCollectionsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:qdrant:Collections", name, {}, opts);
        for (const c of args.collections) {
            const res = new QdrantCollection(
                `qdrant-${c.name}`,
                { connection: { url: args.url, apiKey: args.apiKey }, ...c },
                // Vectors are data: a replacement or destroy must not drop the collection silently.
                { parent: this, dependsOn: args.dependsOn, protect: true, retainOnDelete: true },
            );
            this.missingReplicas[c.name] = res.missingReplicas;
        }
        this.registerOutputs({ missingReplicas: this.missingReplicas });
    }
}

/**
 * The collections (replication factor 2 over node1 and node2). Declared by the stack that completes
 * the peers (stacks/quorum.ts, issue 11 finding 2): created while only the first peer runs, every
 * shard would miss a replica and the collection would plan a change on every later `up`.
 */
function declareCollections(ctx: DeploymentContext): ModuleOutputs {
    const t = ctx.topology;
    const q = t.replication.qdrant;
    const cluster = qdrantClusterFor(t);
    const apiKey = ctx.secrets.get(QDRANT_SECRET_NAMES.apiKey);
    // The provider runs where Pulumi runs: the first peer's private IP (needs a route into the
    // private network) or, on the local engine, its REST port published on loopback.
    // As for PostgreSQL: the topology's tunnel is for the nodes, the local engine uses its loopback port.
    const adminUrl = `http://${(ctx.runtime.singleHost ? undefined : q.adminEndpoint) ?? ctx.runtime.adminEndpoint(cluster.firstPeer, QDRANT_WORKLOAD, QDRANT_ADMIN_PORT)}`;
    const peers = q.nodes.flatMap((n) => ctx.workloads.get(`${n}/${QDRANT_WORKLOAD}`)?.resource ?? []);
    const collections = new QdrantCollections("qdrant-collections", {
        url: adminUrl,
        apiKey,
        collections: q.collections.map((c) => ({ name: c.name, vectorSize: c.vectorSize, distance: c.distance, shardNumber: c.shards ?? q.shards, replicationFactor: c.replicationFactor ?? q.replicationFactor })),
        dependsOn: peers,
    });
    return { missingReplicas: collections.missingReplicas };
}

export const qdrantModule: PlatformModule = {
    name: "qdrant",
    runbook: "components/qdrant/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => qdrantDashboards(),
    ports: QDRANT_RESERVED_PORTS,
    validate: validateQdrant,
    alerts: (t) => [qdrantAlerts(qdrantAlertOptions(t))],
    scrape: qdrantScrape,
    distribution: qdrantDistribution,
    diagram: qdrantDiagram,

    secrets() {
        return [{ name: QDRANT_SECRET_NAMES.apiKey }];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        if (!t.replication.qdrant.nodes.includes(ctx.nodeName)) return;
        const first = qdrantClusterFor(t).firstPeer;
        new NodeService("daarion:qdrant:Peer", `${ctx.nodeName}-qdrant`, ctx.deploy, (deploy) => {
            deploy(buildQdrantWorkload(t, ctx.nodeName, ctx.resolver, ctx.secrets.get(QDRANT_SECRET_NAMES.apiKey), ctx.nodeName === first));
            return { url: `http://${ctx.resolver.endpoint(ctx.nodeName, QDRANT_WORKLOAD, QDRANT_DEFAULT_PORTS.http)}` };
        });
        const completes = completingMember(t, t.replication.qdrant.nodes) === ctx.nodeName;
        return {
            url: `http://${ctx.resolver.endpoint(ctx.nodeName, QDRANT_WORKLOAD, QDRANT_DEFAULT_PORTS.http)}`,
            ...(completes ? { collections: declareCollections(ctx) } : {}),
        };
    },

    deployShared(ctx: DeploymentContext): ModuleOutputs | void {
        const t = ctx.topology;
        return {
            url: qdrantUrlFor(t, ctx.resolver),
            apiKey: ctx.secrets.get(QDRANT_SECRET_NAMES.apiKey),
        };
    },
};
