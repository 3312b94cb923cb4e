/**
 * The node agent module (issue 12): one `daarion:agent:NodeAgent` on EVERY node. The daemon
 * (components/agent/daemon/, bundled by ./bundle.ts) runs in the pinned official Node image, with
 * its config from ./render.ts, its own NATS user (`node-agent`, in the nats module's user
 * catalogue), and on PostgreSQL nodes the `/run/daarion` volume it shares with postgres.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { httpCheck } from "../workload/probes";
import { agentScrape } from "./scrape";
import { agentDistribution } from "./docs";
import { QDRANT_SECRET_NAMES } from "../qdrant/contract";
import { agentAlerts } from "./alerts";
import { validateFailover } from "./validate";
import { REDIS_SECRET_NAMES } from "../redis/contract";
import { natsLayout, NATS_AGENT_USER, NATS_SECRET_NAMES } from "../nats/workload";
import { POSTGRES_SECRETS } from "../postgres/module";
import type { ImageSource, WorkloadSpec } from "../workload/spec";
import { AgentBundle, bundleAgent } from "./bundle";
import { AGENT_CONFIG_PATH } from "./config";
import { AGENT_ENV, AGENT_SHARED_VOLUME, AGENT_WORKLOAD, agentNeeds, failoverOf, renderAgentConfig } from "./render";
import { agentDashboards } from "./dashboards";

/** nodejs/docker-node@8e93bb03:20/bookworm-slim/Dockerfile (contract: components/images/catalogue.ts). */
export const DEFAULT_AGENT_IMAGE: ImageSource = { repository: "docker.io/library/node", tag: "20.20.2-bookworm-slim" };
export const AGENT_BUNDLE_PATH = "/opt/daarion-agent/agent.js";

export interface AgentWorkloadArgs {
    readonly bundle: AgentBundle;
    readonly config: string;
    readonly port: number;
    readonly image?: ImageSource;
    /** Secret env values (passwords), keyed by AGENT_ENV names. */
    readonly env: Record<string, pulumi.Input<string>>;
    /** Mount postgres's `/run/daarion` volume (PostgreSQL nodes). */
    readonly sharesPostgresVolume: boolean;
}

/** The agent's WorkloadSpec (pure apart from the Input passwords it passes through). */
export function buildAgentWorkload(args: AgentWorkloadArgs): WorkloadSpec {
    return {
        name: AGENT_WORKLOAD,
        service: "agent",
        role: "agent",
        image: args.image ?? DEFAULT_AGENT_IMAGE,
        // The image's ENTRYPOINT docker-entrypoint.sh execs this argv unchanged (first word `node`
        // is a command): nodejs/docker-node@8e93bb03:20/bookworm-slim/docker-entrypoint.sh.
        command: ["node", AGENT_BUNDLE_PATH, "--config", AGENT_CONFIG_PATH],
        env: args.env,
        files: [
            { path: AGENT_BUNDLE_PATH, content: args.bundle.code, mode: 0o644 },
            { path: AGENT_CONFIG_PATH, content: args.config, mode: 0o644 },
        ],
        volumes: args.sharesPostgresVolume ? [{ key: AGENT_SHARED_VOLUME.key, containerPath: AGENT_SHARED_VOLUME.containerPath, stateful: false, from: "postgres" }] : [],
        // Published on the node's private IP only (WorkloadPort default): peers, HAProxy and Prometheus.
        ports: [{ name: "http", containerPort: args.port }],
        probe: {
            // The slim image has no curl or wget (purged after the download); bash is Essential.
            check: httpCheck("bash", args.port, "/health"),
            interval: "10s",
            timeout: "5s",
            retries: 3,
            startPeriod: "20s",
        },
        memoryMb: 128,
        metrics: [{ port: "http", path: "/metrics", job: "agent" }],
        // Labels are ForceNew in the Docker provider: a new bundle replaces the container.
        labels: { "daarion.agent.bundle": args.bundle.sha256 },
    };
}

export const agentModule: PlatformModule = {
    name: "agent",
    runbook: "components/agent/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => agentDashboards(),
    validate: validateFailover,
    // The agent runs on every node (./module.ts), so its group is always there.
    alerts: () => [agentAlerts()],
    scrape: agentScrape,
    distribution: agentDistribution,

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const f = failoverOf(t);
        const layout = natsLayout(t.replication.nats, ctx.resolver);
        const config = renderAgentConfig({ topology: t, resolver: ctx.resolver, layout, node: ctx.nodeName });
        const bundle = bundleAgent();
        const needs = agentNeeds(t, ctx.nodeName);
        const postgres = ctx.workloads.get(`${ctx.nodeName}/postgres`);
        const env: Record<string, pulumi.Input<string>> = {
            [AGENT_ENV.natsPassword]: ctx.secrets.get(NATS_SECRET_NAMES.user(NATS_AGENT_USER)),
            [AGENT_ENV.sentinelPassword]: ctx.secrets.get(REDIS_SECRET_NAMES.sentinel),
        };
        if (needs.postgres) env[AGENT_ENV.pgPassword] = ctx.secrets.get(POSTGRES_SECRETS.superuser);
        if (needs.qdrant) env[AGENT_ENV.qdrantApiKey] = ctx.secrets.get(QDRANT_SECRET_NAMES.apiKey);
        const endpoint = ctx.resolver.endpoint(ctx.nodeName, AGENT_WORKLOAD, f.port);
        const image = t.images.agent as ImageSource | undefined;
        return new NodeService("daarion:agent:NodeAgent", `${ctx.nodeName}-agent`, ctx.deploy, (deploy) => {
            deploy(
                buildAgentWorkload({ bundle, config, port: f.port, image, env, sharesPostgresVolume: postgres !== undefined }),
                // The shared volume is declared by the postgres workload: it must exist first.
                { dependsOn: postgres ? [postgres.resource] : [] },
            );
            return { endpoint: `http://${endpoint}`, bundleSha256: bundle.sha256 };
        }).exports;
    },
};
