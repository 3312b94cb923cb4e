/**
 * The monitoring plan of the whole platform, derived from the topology alone (pure).
 *
 * Why from the topology and not from the deployed WorkloadSpecs: Prometheus runs in node1's stack,
 * which never sees the WorkloadSpecs that node2's and node3's stacks declare (and reading them back
 * through StackReferences would create a stack cycle, node1 being applied first). Every module builds
 * its workloads from this same topology, so the plan can be computed everywhere; the test
 * test/monitoring/module.test.ts renders the `local` stack (every node's workloads in one program)
 * and fails when a deployed workload's metrics endpoint or service is missing from this plan.
 *
 * Ports and workload names come from each module's contract (components/<module>/contract.ts).
 * The target list itself still names the data modules here; moving it into the modules (a
 * `PlatformModule` member, as alerts are) is the remaining step of issue 13 item 1.
 */
import type { Topology } from "../../stacks/schema";
import { DAEDALUS_NGINX_WORKLOAD, DAEDALUS_PORTS, POSTGREST_PORTS, POSTGREST_WORKLOAD } from "../apps/contract";
import { HAPROXY_WORKLOAD, INGRESS_PORTS } from "../ingress/contract";
import { MINIO_PORTS, MINIO_WORKLOAD } from "../minio/contract";
import { NATS_PORTS } from "../nats/contract";
import { natsWorkloadName } from "../nats/types";
import { NEO4J_PORTS, NEO4J_WORKLOAD } from "../neo4j/contract";
import { POSTGRES_WORKLOAD } from "../postgres/contract";
import { QDRANT_PORTS, QDRANT_WORKLOAD } from "../qdrant/contract";
import { REDIS_PORTS, REDIS_WORKLOADS } from "../redis/contract";
import type { AddressResolver } from "../workload/addresses";
import { MonitoringAlertOptions } from "./alerts";
import { ScrapeTarget } from "./scrape";
import { BLACKBOX_PORT, MONITORING_PORTS, PROMETHEUS_PATHS } from "./workloads";

export const QDRANT_TOKEN_FILE = `${PROMETHEUS_PATHS.secrets}/qdrant-api-key`;

export type ExporterPlacement =
    | { readonly kind: "node-exporter" }
    | { readonly kind: "postgres-exporter"; readonly postgresHost: string; readonly postgresPort: number }
    | { readonly kind: "redis-exporter"; readonly redis: "server" | "sentinel" | "cache"; readonly address: string }
    | { readonly kind: "nats-exporter"; readonly monitorUrl: string; readonly workload?: string; readonly port?: number }
    | { readonly kind: "blackbox-exporter" };

/** A deployed service that has no scrape target, and why (a closed list; anything else is a defect). */
export interface MonitoringGap {
    readonly service: string;
    readonly node: string;
    readonly reason: "worker-without-port" | "internal-only";
}

export interface MonitoringPlan {
    /** Node that runs Prometheus, Alertmanager, Grafana and the blackbox exporter. */
    readonly node: string;
    readonly targets: ScrapeTarget[];
    /** Exporter workloads per node. */
    readonly exporters: Readonly<Record<string, ExporterPlacement[]>>;
    /** Options of monitoring's own rule groups (the modules contribute theirs: PlatformModule.alerts). */
    readonly ruleOptions: MonitoringAlertOptions;
    readonly gaps: MonitoringGap[];
}

export function monitoringPlan(t: Topology, resolver: AddressResolver): MonitoringPlan {
    if (!t.monitoring) throw new Error("monitoringPlan: the topology has no monitoring block");
    const mon = t.monitoring.node;
    const local = resolver.kind === "local";
    const targets: ScrapeTarget[] = [];
    const exporters: Record<string, ExporterPlacement[]> = Object.fromEntries(Object.keys(t.nodes).map((n) => [n, []]));
    const gaps: MonitoringGap[] = [];
    const at = (node: string, workload: string, port: number | { container: number; host: number }) =>
        typeof port === "number" ? resolver.endpoint(node, workload, port) : resolver.endpoint(node, workload, local ? port.container : port.host);
    const add = (job: string, exporter: ScrapeTarget["exporter"], node: string, workload: string, port: number | { container: number; host: number }, service: string, role: string, extra: Partial<ScrapeTarget> = {}) =>
        targets.push({ job, exporter, node, address: at(node, workload, port), metricsPath: "/metrics", interval: "15s", labels: { service, service_role: role }, ...extra });

    // Hosts: node_exporter everywhere.
    for (const node of Object.keys(t.nodes)) {
        exporters[node].push({ kind: "node-exporter" });
        add("node", "node", node, "node-exporter", MONITORING_PORTS.nodeExporter, "node-exporter", t.nodes[node]!.role);
    }

    // The monitoring stack itself.
    add("prometheus", "prometheus", mon, "prometheus", MONITORING_PORTS.prometheus, "prometheus", "server");
    add("alertmanager", "alertmanager", mon, "alertmanager", MONITORING_PORTS.alertmanager, "alertmanager", "server");
    add("grafana", "grafana", mon, "grafana", MONITORING_PORTS.grafana, "grafana", "server");
    exporters[mon].push({ kind: "blackbox-exporter" });
    const blackbox = resolver.endpoint(mon, "blackbox-exporter", BLACKBOX_PORT);

    const pg = t.replication.postgresql;
    for (const [node, role] of [[pg.primary, "primary"], ...pg.replicas.map((r) => [r, "replica"])] as const) {
        exporters[node].push({ kind: "postgres-exporter", postgresHost: resolver.host(node, POSTGRES_WORKLOAD), postgresPort: pg.port });
        add("postgres", "postgres", node, "postgres-exporter", MONITORING_PORTS.postgresExporter, "postgres", role);
    }

    const r = t.replication.redis;
    for (const [node, role] of [[r.master, "master"], ...r.replicas.map((n) => [n, "replica"])] as const) {
        exporters[node].push({ kind: "redis-exporter", redis: "server", address: resolver.endpoint(node, REDIS_WORKLOADS.server, REDIS_PORTS.server) });
        add("redis", "redis", node, "redis-exporter", MONITORING_PORTS.redisExporter, "redis", role);
    }
    for (const node of r.sentinels) {
        exporters[node].push({ kind: "redis-exporter", redis: "sentinel", address: resolver.endpoint(node, REDIS_WORKLOADS.sentinel, REDIS_PORTS.sentinel) });
        add("redis", "redis", node, "redis-sentinel-exporter", MONITORING_PORTS.redisSentinelExporter, "redis-sentinel", "sentinel");
    }
    for (const node of r.edgeCaches) {
        exporters[node].push({ kind: "redis-exporter", redis: "cache", address: resolver.endpoint(node, REDIS_WORKLOADS.cache, REDIS_PORTS.cache) });
        // service_role "cache" keeps it out of the master/replica alerts.
        add("redis", "redis", node, "redis-cache-exporter", MONITORING_PORTS.redisCacheExporter, "redis-cache", "cache");
    }

    const natsClusters = t.replication.nats.clusters;
    for (const c of natsClusters) {
        for (const node of c.nodes) {
            // One exporter per nats-server: node3 runs its edge leaf (`nats`) and a core server (`nats-core`).
            const server = natsWorkloadName(natsClusters, node, c.name);
            const first = server === "nats";
            const workload = first ? "nats-exporter" : `${server}-exporter`;
            const port = first ? MONITORING_PORTS.natsExporter : MONITORING_PORTS.natsExporterSecond;
            const monitor = c.ports?.monitor ?? NATS_PORTS.monitor;
            exporters[node].push({ kind: "nats-exporter", monitorUrl: `http://${resolver.endpoint(node, server, monitor)}`, ...(first ? {} : { workload, port }) });
            add("nats", "nats", node, workload, port, "nats", c.name);
        }
    }

    // The node agent on every node (components/agent/): it serves its own /metrics.
    for (const node of Object.keys(t.nodes)) add("agent", "agent", node, "agent", MONITORING_PORTS.agent, "agent", "agent");

    const q = t.replication.qdrant;
    for (const node of q.nodes) add("qdrant", "qdrant", node, QDRANT_WORKLOAD, QDRANT_PORTS.http, "qdrant", "shard", { bearerTokenFile: QDRANT_TOKEN_FILE });

    const n4 = t.replication.neo4j;
    const neo4jNodes = n4.mode === "cluster" && n4.edition === "enterprise" ? [...n4.primaries, ...n4.secondaries] : [n4.primaries[0]!];
    for (const node of neo4jNodes) {
        const role = n4.secondaries.includes(node) ? "secondary" : "primary";
        if (n4.edition === "enterprise") add("neo4j", "neo4j", node, NEO4J_WORKLOAD, NEO4J_PORTS.metrics, "neo4j", role);
        else {
            // Community has no metrics endpoint at all: probe Bolt instead.
            targets.push({ job: "blackbox-tcp", exporter: "blackbox", node, address: blackbox, interval: "30s", probe: { module: "tcp_connect", target: resolver.endpoint(node, NEO4J_WORKLOAD, NEO4J_PORTS.bolt) }, labels: { service: "neo4j", service_role: role } });
        }
    }

    if (t.minio) add("minio", "minio", t.minio.node, MINIO_WORKLOAD, MINIO_PORTS.api, "minio", "server", { metricsPath: "/minio/v2/metrics/cluster", interval: "30s" });
    // The local engine runs only the first ingress node's HAProxy (components/ingress/module.ts).
    const haproxyNodes = local ? (t.ingress?.nodes ?? []).slice(0, 1) : (t.ingress?.nodes ?? []);
    for (const node of haproxyNodes) add("haproxy", "haproxy", node, HAPROXY_WORKLOAD, INGRESS_PORTS.stats, "ingress", "edge");
    if (t.daedalus) add("daedalus", "daedalus", t.daedalus.node, DAEDALUS_NGINX_WORKLOAD, { container: DAEDALUS_PORTS.nginxContainer, host: DAEDALUS_PORTS.nginxHost }, "daedalus", "app");

    const metricServices: string[] = [];
    const probedServices: string[] = [];
    for (const [name, svc] of Object.entries(t.services).sort(([a], [b]) => a.localeCompare(b))) {
        for (const [node, role] of Object.entries(svc.placement).sort(([a], [b]) => a.localeCompare(b))) {
            if (svc.port === 0) {
                gaps.push({ service: name, node, reason: "worker-without-port" });
            } else if (svc.metricsPath) {
                add(name, "app", node, name, svc.port, name, role, { metricsPath: svc.metricsPath });
                if (!metricServices.includes(name)) metricServices.push(name);
            } else {
                targets.push({
                    job: "blackbox-http",
                    exporter: "blackbox",
                    node,
                    address: blackbox,
                    interval: "30s",
                    probe: { module: "http_2xx", target: `http://${resolver.endpoint(node, name, svc.port)}${svc.healthPath ?? "/health"}` },
                    labels: { service: name, service_role: role },
                });
                if (!probedServices.includes(name)) probedServices.push(name);
            }
        }
    }
    for (const [node, spec] of Object.entries(t.nodes)) {
        if (spec.runtime.postgrest) add("postgrest", "app", node, POSTGREST_WORKLOAD, POSTGREST_PORTS.admin, "postgrest", "node-local");
        if (spec.runtime.herodb) gaps.push({ service: "herodb", node, reason: "internal-only" });
        if (spec.runtime.postgrest) gaps.push({ service: "node-postgres", node, reason: "internal-only" });
    }
    if (n4.edition !== "enterprise") probedServices.push("neo4j");

    // The module groups come from each module (PlatformModule.alerts); these are monitoring's own.
    const ruleOptions: MonitoringAlertOptions = {
        runbookBaseUrl: t.monitoring.runbookBaseUrl,
        ...(probedServices.length ? { probes: { services: probedServices } } : {}),
        apps: { services: [...metricServices, ...(Object.values(t.nodes).some((n) => n.runtime.postgrest) ? ["postgrest"] : [])] },
        // cAdvisor needs host bind mounts (docker.sock, /sys, /var/lib/docker) that WorkloadSpec cannot express yet.
        containers: false,
    };
    return { node: mon, targets, exporters, ruleOptions, gaps };
}
