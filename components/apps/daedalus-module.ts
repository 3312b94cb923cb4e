/**
 * Platform module `daedalus`: seed 004's api + nginx on `daedalus.node`, wired to the platform
 * PostgreSQL (database `daedalus.database`) and MinIO (bucket `daedalus.bucket`).
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import type { Topology } from "../../stacks/schema";
import { buildDaedalusWorkloads, daedalusDatabaseUrl, DAEDALUS_NGINX_PORT } from "./daedalus";
import { cidrContains, DOCKER_BRIDGE_RANGE } from "../network/cidr";
import { DAEDALUS_RESERVED_PORTS } from "./contract";
import { daedalusAlerts } from "./daedalus-alerts";
import { daedalusScrape } from "./daedalus-scrape";
import { validateDaedalus } from "./daedalus-validate";
import { MINIO_PORTS, MINIO_SECRET_NAMES, MINIO_WORKLOAD } from "../minio/contract";
import { POSTGRES_SECRET_NAMES, POSTGRES_WORKLOAD } from "../postgres/contract";
import { daedalusDashboards } from "./daedalus-dashboards";

/** The MinIO user Daedalus signs S3 requests as (access key); its secret key is `minio-user-daedalus`. */
export const DAEDALUS_S3_USER = "daedalus";

/**
 * Addresses nginx believes X-Forwarded-For from: every ingress node's private IP (HAProxy on
 * another node) and the runtime's workload ranges, where HAProxy's connections come from when it
 * runs beside nginx: the Docker bridge range (same node, or the local engine), or the pod network
 * in a cluster, where HAProxy is a pod (without it nginx logged the HAProxy pod as every client).
 */
export function daedalusTrustedProxies(t: Topology, workloadRanges: readonly string[]): string[] {
    const ips = (t.ingress?.nodes ?? []).map((n) => t.nodes[n]!.privateIp);
    return [...new Set([...ips, ...workloadRanges])];
}

/** Who may read Daedalus /metrics: seed 004's list, with its LAN replaced by this network. */
export function daedalusMetricsAllow(t: Topology): string[] {
    return t.daedalus?.metricsAllow ?? [t.network.ipRange, DOCKER_BRIDGE_RANGE, "127.0.0.0/8"];
}

export const daedalusModule: PlatformModule = {
    name: "daedalus",
    runbook: "components/apps/daedalus-runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => daedalusDashboards(),
    ports: DAEDALUS_RESERVED_PORTS,
    validate: validateDaedalus,
    alerts: (t) => (t.daedalus ? [daedalusAlerts()] : []),
    scrape: daedalusScrape,

    secrets(t) {
        if (!t.daedalus) return [];
        return [{ name: POSTGRES_SECRET_NAMES.user(t.daedalus.database) }, { name: MINIO_SECRET_NAMES.user(DAEDALUS_S3_USER) }];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const d = t.daedalus;
        if (!d || d.node !== ctx.nodeName) return;
        // validateDaedalus refuses a daedalus block without a minio block before anything is declared.
        const minio = t.minio!;
        const pg = t.replication.postgresql;
        // The runtime's own client ranges too: Prometheus scrapes from the bridge, or from the pod network.
        const metricsAllow = [...new Set([...daedalusMetricsAllow(t), ...ctx.runtime.workloadRanges])];
        return new NodeService("daarion:daedalus:Daedalus", `${ctx.nodeName}-daedalus`, ctx.deploy, (deploy) => {
            // Prometheus on another node scrapes nginx from its private IP: it must be allowed.
            const mon = t.monitoring?.node;
            if (mon && mon !== d.node && !ctx.runtime.singleHost) {
                const ip = t.nodes[mon]!.privateIp;
                if (!metricsAllow.some((c) => cidrContains(c, ip))) {
                    ctx.warn(`daedalus.metricsAllow: Prometheus on ${mon} (${ip}) is not allowed to read Daedalus /metrics; add its network`);
                }
            }

            const [api, nginx] = buildDaedalusWorkloads({
                apiImage: d.apiImage,
                nginxImage: d.nginxImage,
                databaseUrl: daedalusDatabaseUrl({
                    host: ctx.resolver.host(pg.primary, POSTGRES_WORKLOAD),
                    port: pg.port,
                    user: d.database,
                    database: d.database,
                    password: ctx.secrets.get(POSTGRES_SECRET_NAMES.user(d.database)),
                }),
                s3: {
                    endpoint: `http://${ctx.resolver.endpoint(minio.node, MINIO_WORKLOAD, MINIO_PORTS.api)}`,
                    accessKey: DAEDALUS_S3_USER,
                    secretKey: ctx.secrets.get(MINIO_SECRET_NAMES.user(DAEDALUS_S3_USER)),
                    bucket: d.bucket,
                },
                metricsAllow,
                trustedProxies: daedalusTrustedProxies(t, ctx.runtime.workloadRanges),
                apiHost: ctx.resolver.sameNode(ctx.nodeName, "daedalus-api"),
            });
            const apiWorkload = deploy(api!);
            // nginx resolves the api's name once, at start (open-source nginx 1.22-1.26 cannot re-resolve
            // an upstream). Tying nginx to the api container's id replaces nginx whenever the api
            // container is replaced, so it never keeps proxying to the old container's address.
            deploy({ ...nginx!, env: { ...(nginx!.env ?? {}), DAEDALUS_API_CONTAINER: apiWorkload.instanceId } });
            const domain = t.ingress?.hosts.find((h) => h.service === "daedalus")?.domain;
            return {
                nginx: ctx.resolver.portEndpoint(ctx.nodeName, "daedalus-nginx", { containerPort: 80, hostPort: DAEDALUS_NGINX_PORT }),
                ...(domain ? { url: `https://${domain}` } : {}),
            };
        }).exports;
    },
};
