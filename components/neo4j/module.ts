/**
 * Platform module `neo4j`: Neo4j 5 servers of seed 000 (primaries + secondary with Enterprise and
 * an accepted license; otherwise one Community instance), config from ./render.ts.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { neo4jScrape } from "./scrape";
import { neo4jDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { NEO4J_RESERVED_PORTS, NEO4J_SECRET_NAMES, NEO4J_WORKLOAD } from "./contract";
import { neo4jAlertOptions, neo4jAlerts } from "./alerts";
import { validateNeo4j } from "./validate";
import type { AddressResolver } from "../workload/addresses";
import { tcpCheck } from "../workload/probes";
import type { ImageSource, WorkloadSpec } from "../workload/spec";
import { Neo4jBlock, neo4jConfEnv, neo4jImageEnv, NEO4J_PORTS, planNeo4j, renderNeo4jConf } from "./render";
import { neo4jDashboards } from "./dashboards";

export { NEO4J_WORKLOAD } from "./contract";
export const DEFAULT_NEO4J_IMAGE: ImageSource = { repository: "docker.io/library/neo4j", tag: "5.24.2-community" };

/** The replication block with the addresses peers advertise (private IPs, or container names locally). */
export function neo4jBlockFor(t: Topology, resolver: AddressResolver): Neo4jBlock {
    const n = t.replication.neo4j;
    const node = (name: string) => ({ name, privateIp: resolver.announce(name, NEO4J_WORKLOAD) });
    return {
        primaries: n.primaries.map(node),
        // mode standalone takes only the first primary, whatever the edition.
        secondaries: n.mode === "cluster" ? n.secondaries.map(node) : [],
        edition: n.edition,
        acceptLicenseAgreement: n.acceptLicenseAgreement,
        heapGb: n.heapGb,
        pageCacheGb: n.pageCacheGb,
    };
}

/** Enterprise needs the `-enterprise` image: `images.neo4j-enterprise`, else the community tag's twin. */
export function neo4jImageFor(t: Topology, cluster: boolean): ImageSource {
    const base = t.images.neo4j ?? DEFAULT_NEO4J_IMAGE;
    if (!cluster) return base;
    const explicit = t.images["neo4j-enterprise"];
    if (explicit) return explicit;
    if ("build" in base || !base.tag) throw new Error("replication.neo4j: clustering needs images.neo4j-enterprise (an Enterprise image)");
    return { repository: base.repository, tag: base.tag.replace(/-community$/, "") + "-enterprise" };
}

/** Bolt URI for applications: `neo4j://` (routing) for a cluster, `bolt://` for one instance. */
export function neo4jUriFor(t: Topology, resolver: AddressResolver): string {
    const plan = planNeo4j(neo4jBlockFor(t, resolver));
    const scheme = plan.mode === "cluster" ? "neo4j" : "bolt";
    return `${scheme}://${resolver.endpoint(plan.servers[0]!.node.name, NEO4J_WORKLOAD, NEO4J_PORTS.bolt)}`;
}

export function buildNeo4jWorkload(t: Topology, node: string, resolver: AddressResolver, password: pulumi.Input<string>): WorkloadSpec {
    const block = neo4jBlockFor(t, resolver);
    const plan = planNeo4j(block);
    const server = plan.servers.find((s) => s.node.name === node)!;
    const cluster = plan.mode === "cluster";
    const p = NEO4J_PORTS;
    return {
        name: NEO4J_WORKLOAD,
        service: "neo4j",
        role: cluster ? server.mode.toLowerCase() : "standalone",
        image: neo4jImageFor(t, cluster),
        env: {
            // The image sets the initial password of user neo4j from NEO4J_AUTH (secret: its key says AUTH).
            NEO4J_AUTH: pulumi.output(password).apply((pw) => `neo4j/${pw}`),
            ...neo4jImageEnv(block),
            // The settings go through the environment, never a /conf upload: with /conf present the
            // image's entrypoint deletes its shipped conf/ (logging XMLs included). See neo4jConfEnv.
            ...neo4jConfEnv(renderNeo4jConf({ block, node })),
        },
        volumes: [{ key: "data", containerPath: "/data", stateful: true }],
        ports: [
            { name: "bolt", containerPort: p.bolt },
            { name: "http", containerPort: p.http },
            ...(cluster
                ? [
                      { name: "cluster", containerPort: p.cluster },
                      { name: "raft", containerPort: p.raft },
                      { name: "routing", containerPort: p.routing },
                  ]
                : []),
        ],
        probe: { check: tcpCheck(p.bolt), startPeriod: "180s" },
        // Heap + page cache + native/transaction memory headroom.
        memoryMb: Math.ceil((block.heapGb + block.pageCacheGb) * 1024) + 1024,
    };
}

export const neo4jModule: PlatformModule = {
    name: "neo4j",
    runbook: "components/neo4j/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => neo4jDashboards(),
    ports: NEO4J_RESERVED_PORTS,
    validate: validateNeo4j,
    alerts(t) {
        const o = neo4jAlertOptions(t);
        return o ? [neo4jAlerts(o)] : [];
    },
    scrape: neo4jScrape,
    distribution: neo4jDistribution,

    secrets() {
        return [{ name: NEO4J_SECRET_NAMES.password }];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const plan = planNeo4j(neo4jBlockFor(t, ctx.resolver));
        const server = plan.servers.find((s) => s.node.name === ctx.nodeName);
        if (!server) return;
        return new NodeService("daarion:neo4j:Server", `${ctx.nodeName}-neo4j`, ctx.deploy, (deploy) => {
            deploy(buildNeo4jWorkload(t, ctx.nodeName, ctx.resolver, ctx.secrets.get(NEO4J_SECRET_NAMES.password)));
            return { mode: plan.mode, hosting: server.mode, bolt: ctx.resolver.endpoint(ctx.nodeName, NEO4J_WORKLOAD, NEO4J_PORTS.bolt) };
        }).exports;
    },

    deployShared(ctx: DeploymentContext): ModuleOutputs | void {
        const plan = planNeo4j(neo4jBlockFor(ctx.topology, ctx.resolver));
        return { uri: neo4jUriFor(ctx.topology, ctx.resolver), mode: plan.mode, warnings: [...plan.warnings] };
    },
};
