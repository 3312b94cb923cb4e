/**
 * What monitoring scrapes for the apps module: a service's own /metrics when it has `metricsPath`,
 * else a blackbox probe of its health path; the node-local PostgREST's admin /metrics. Workers
 * without a port and the node-local internal servers are documented gaps.
 */
import type { Topology } from "../../stacks/schema";
import type { MonitoringGap, ProbeRequest, ScrapeRequests, ScrapeTarget } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import type { AddressResolver } from "../workload/addresses";
import { POSTGREST_PORTS, POSTGREST_WORKLOAD } from "./contract";

export function appsScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    const targets: ScrapeTarget[] = [];
    const probes: ProbeRequest[] = [];
    const gaps: MonitoringGap[] = [];
    const metricServices: string[] = [];
    const probedServices: string[] = [];
    for (const [name, svc] of Object.entries(t.services).sort(([a], [b]) => a.localeCompare(b))) {
        for (const [node, role] of Object.entries(svc.placement).sort(([a], [b]) => a.localeCompare(b))) {
            if (svc.port === 0) {
                gaps.push({ service: name, node, reason: "worker-without-port" });
            } else if (svc.metricsPath) {
                targets.push(scrapeTarget(resolver, { job: name, exporter: "app", node, workload: name, port: svc.port, service: name, role, metricsPath: svc.metricsPath }));
                if (!metricServices.includes(name)) metricServices.push(name);
            } else {
                probes.push({
                    job: "blackbox-http",
                    node,
                    interval: "30s",
                    probe: { module: "http_2xx", target: `http://${resolver.endpoint(node, name, svc.port)}${svc.healthPath ?? "/health"}` },
                    labels: { service: name, service_role: role },
                });
                if (!probedServices.includes(name)) probedServices.push(name);
            }
        }
    }
    for (const [node, spec] of Object.entries(t.nodes)) {
        if (spec.runtime.postgrest) targets.push(scrapeTarget(resolver, { job: "postgrest", exporter: "app", node, workload: POSTGREST_WORKLOAD, port: POSTGREST_PORTS.admin, service: "postgrest", role: "node-local" }));
        if (spec.runtime.herodb) gaps.push({ service: "herodb", node, reason: "internal-only" });
        if (spec.runtime.postgrest) gaps.push({ service: "node-postgres", node, reason: "internal-only" });
    }
    if (Object.values(t.nodes).some((n) => n.runtime.postgrest)) metricServices.push("postgrest");
    return { targets, probes, gaps, metricServices, probedServices };
}
