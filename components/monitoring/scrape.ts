/**
 * Scrape targets derived from the same WorkloadSpecs that deploy the services, so a deployed service
 * cannot silently lack a target. Prometheus runs on node1 and reaches every node over its private IP,
 * so a target is always `<node private address>:<published host port>`.
 */
import type { AddressResolver } from "../workload/addresses";
import type { WorkloadSpec } from "../workload/spec";
import { ExporterKind, EXPORTERS } from "./families";

export interface ScrapeTarget {
    /** Prometheus job name; equal to the exporter kind for catalogued exporters. */
    readonly job: string;
    readonly exporter: ExporterKind;
    /** Node name (`node1`), exported as the `node` label. */
    readonly node: string;
    /** `host:port`, the node's private IP and the published host port. */
    readonly address: string;
    /** @default "/metrics" */
    readonly metricsPath?: string;
    /** @default "15s" */
    readonly interval?: string;
    /** Extra target labels (`service`, `service_role`). */
    readonly labels?: Readonly<Record<string, string>>;
    /**
     * A blackbox probe: `address` is then the blackbox_exporter, and `target` what it probes
     * (`http://host:port/health` for module http_2xx, `host:port` for tcp_connect).
     */
    readonly probe?: { readonly module: "http_2xx" | "tcp_connect"; readonly target: string };
    /** Bearer token file inside the Prometheus container (Qdrant with an api_key). */
    readonly bearerTokenFile?: string;
    /** Shared secret monitoring places at `bearerTokenFile` (its owner module requests it). */
    readonly bearerTokenSecret?: string;
}

export interface NodeWorkloads {
    readonly node: string;
    /** Private address Prometheus uses for this node (`10.0.0.2`; `127.0.1.12` in tests). */
    readonly address: string;
    readonly workloads: readonly WorkloadSpec[];
}

const KNOWN = new Set<string>(EXPORTERS);

/** Exporter kind of a job: catalogued exporters use their kind as job name, anything else is `app`. */
export function exporterOfJob(job: string): ExporterKind {
    if (job === "redis-sentinel") return "redis";
    return KNOWN.has(job) ? (job as ExporterKind) : "app";
}

/**
 * One target per `WorkloadSpec.metrics` entry. Errors (with the offending path) are returned, not
 * thrown, so validation can report every problem at once.
 */
export function scrapeTargetsFromWorkloads(nodes: readonly NodeWorkloads[]): { targets: ScrapeTarget[]; errors: string[] } {
    const targets: ScrapeTarget[] = [];
    const errors: string[] = [];
    for (const n of nodes) {
        for (const w of n.workloads) {
            (w.metrics ?? []).forEach((m, i) => {
                const at = `nodes[${n.node}].workloads[${w.name}].metrics[${i}]`;
                const port = (w.ports ?? []).find((p) => p.name === m.port);
                if (!port) {
                    errors.push(`${at}.port: '${m.port}' is not one of the workload's named ports`);
                    return;
                }
                if (port.exposure === "internal") {
                    // Prometheus lives on node1; an unpublished port is unreachable from there.
                    errors.push(`${at}.port: port '${m.port}' is internal; metrics ports must be published on the private IP`);
                    return;
                }
                const job = m.job ?? w.service;
                targets.push({
                    job,
                    exporter: exporterOfJob(job),
                    node: n.node,
                    address: `${n.address}:${port.hostPort ?? port.containerPort}`,
                    metricsPath: m.path ?? "/metrics",
                    interval: m.interval ?? "15s",
                    labels: { service: w.service, service_role: w.role },
                });
            });
        }
    }
    return { targets, errors };
}

/** Services (WorkloadSpec.service) deployed on any node that contribute no scrape target. */
export function servicesWithoutTargets(nodes: readonly NodeWorkloads[], targets: readonly ScrapeTarget[]): string[] {
    const scraped = new Set(targets.map((t) => t.labels?.service).filter((s): s is string => !!s));
    const deployed = new Set(nodes.flatMap((n) => n.workloads.map((w) => w.service)));
    return [...deployed].filter((s) => !scraped.has(s)).sort();
}

/**
 * An exporter monitoring runs beside a module's server (monitoring owns their images and ports).
 * `passwordSecret` is the shared secret the exporter logs in with; the owner module requests it.
 */
export type ExporterPlacement =
    | { readonly kind: "node-exporter" }
    | { readonly kind: "postgres-exporter"; readonly postgresHost: string; readonly postgresPort: number; readonly passwordSecret: string }
    | { readonly kind: "redis-exporter"; readonly redis: "server" | "sentinel" | "cache"; readonly address: string; readonly passwordSecret: string }
    | { readonly kind: "nats-exporter"; readonly monitorUrl: string; readonly workload?: string; readonly port?: number }
    | { readonly kind: "blackbox-exporter" };

/** Order of a node's exporters (their deploy order and the `exporters` output). */
export const EXPORTER_ORDER: readonly ExporterPlacement["kind"][] = ["node-exporter", "blackbox-exporter", "postgres-exporter", "redis-exporter", "nats-exporter"];

/** A deployed service that has no scrape target, and why (a closed list; anything else is a defect). */
export interface MonitoringGap {
    readonly service: string;
    readonly node: string;
    readonly reason: "worker-without-port" | "internal-only";
}

/** A blackbox probe; monitoring fills in the blackbox_exporter's address. */
export type ProbeRequest = Omit<ScrapeTarget, "address" | "exporter" | "probe"> & { readonly probe: NonNullable<ScrapeTarget["probe"]> };

/**
 * What a module asks monitoring to scrape (PlatformModule.scrape), from the topology alone:
 * Prometheus runs in the primary's stack, which never sees other stacks' workloads.
 */
export interface ScrapeRequests {
    readonly targets?: readonly ScrapeTarget[];
    readonly probes?: readonly ProbeRequest[];
    readonly exporters?: ReadonlyArray<{ readonly node: string; readonly placement: ExporterPlacement }>;
    /** Services covered by blackbox probes only (alert group `probes`). */
    readonly probedServices?: readonly string[];
    /** Application services scraped on their own /metrics (alert group `apps`). */
    readonly metricServices?: readonly string[];
    readonly gaps?: readonly MonitoringGap[];
}

/** A port as published: one number, or the container's port locally and the host's on nodes. */
export type PublishedPort = number | { readonly container: number; readonly host: number };

/** A direct scrape target at `workload` on `node` (defaults: /metrics every 15s). */
export function scrapeTarget(
    resolver: Pick<AddressResolver, "endpoint" | "port">,
    args: { job: string; exporter: ExporterKind; node: string; workload: string; port: PublishedPort; service: string; role: string } & Partial<Pick<ScrapeTarget, "metricsPath" | "interval" | "bearerTokenFile" | "bearerTokenSecret">>,
): ScrapeTarget {
    const { job, exporter, node, workload, port, service, role, ...extra } = args;
    const published = typeof port === "number" ? port : resolver.port({ containerPort: port.container, hostPort: port.host });
    return { job, exporter, node, address: resolver.endpoint(node, workload, published), metricsPath: "/metrics", interval: "15s", labels: { service, service_role: role }, ...extra };
}
