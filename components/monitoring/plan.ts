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
 * The targets of each module come from the module (PlatformModule.scrape,
 * components/<module>/scrape.ts); this file adds the hosts and monitoring's own servers.
 */
import type { Topology } from "../../stacks/schema";
import type { AddressResolver } from "../workload/addresses";
import { MonitoringAlertOptions } from "./alerts";
import { EXPORTER_ORDER, ExporterPlacement, MonitoringGap, ScrapeRequests, scrapeTarget, ScrapeTarget } from "./scrape";
import { BLACKBOX_PORT, MONITORING_PORTS } from "./workloads";

export type { ExporterPlacement, MonitoringGap } from "./scrape";

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

/** The part of a module the plan needs (a structural subset of PlatformModule). */
export interface ScrapedModule {
    scrape?(t: Topology, resolver: AddressResolver): ScrapeRequests;
}

export function monitoringPlan(t: Topology, resolver: AddressResolver, modules: readonly ScrapedModule[]): MonitoringPlan {
    if (!t.monitoring) throw new Error("monitoringPlan: the topology has no monitoring block");
    const mon = t.monitoring.node;
    const targets: ScrapeTarget[] = [];
    const exporters: Record<string, ExporterPlacement[]> = Object.fromEntries(Object.keys(t.nodes).map((n) => [n, []]));
    const gaps: MonitoringGap[] = [];
    const add = (job: string, exporter: ScrapeTarget["exporter"], node: string, workload: string, port: number, service: string, role: string) =>
        targets.push(scrapeTarget(resolver, { job, exporter, node, workload, port, service, role }));

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

    // What the modules ask for (PlatformModule.scrape), in module order.
    const metricServices: string[] = [];
    const probedServices: string[] = [];
    for (const m of modules) {
        const r = m.scrape?.(t, resolver);
        if (!r) continue;
        targets.push(...(r.targets ?? []), ...(r.probes ?? []).map((p): ScrapeTarget => ({ ...p, exporter: "blackbox", address: blackbox })));
        for (const e of r.exporters ?? []) exporters[e.node]!.push(e.placement);
        gaps.push(...(r.gaps ?? []));
        metricServices.push(...(r.metricServices ?? []));
        probedServices.push(...(r.probedServices ?? []));
    }
    // A node's exporters deploy (and are exported) by kind, whatever the module order.
    for (const node of Object.keys(exporters)) exporters[node] = [...exporters[node]!].sort((a, b) => EXPORTER_ORDER.indexOf(a.kind) - EXPORTER_ORDER.indexOf(b.kind));

    // The module groups come from each module (PlatformModule.alerts); these are monitoring's own.
    const ruleOptions: MonitoringAlertOptions = {
        runbookBaseUrl: t.monitoring.runbookBaseUrl,
        ...(probedServices.length ? { probes: { services: probedServices } } : {}),
        apps: { services: metricServices },
        // cAdvisor needs host bind mounts (docker.sock, /sys, /var/lib/docker) that WorkloadSpec cannot express yet.
        containers: false,
    };
    return { node: mon, targets, exporters, ruleOptions, gaps };
}
