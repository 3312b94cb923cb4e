/** What monitoring scrapes for the neo4j module: Enterprise's metrics endpoint, else a probe of Bolt. */
import type { Topology } from "../../stacks/schema";
import type { ProbeRequest, ScrapeRequests, ScrapeTarget } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import type { AddressResolver } from "../workload/addresses";
import { NEO4J_PORTS, NEO4J_WORKLOAD } from "./contract";

export function neo4jScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    const n4 = t.replication.neo4j;
    const nodes = n4.mode === "cluster" && n4.edition === "enterprise" ? [...n4.primaries, ...n4.secondaries] : [n4.primaries[0]!];
    const targets: ScrapeTarget[] = [];
    const probes: ProbeRequest[] = [];
    for (const node of nodes) {
        const role = n4.secondaries.includes(node) ? "secondary" : "primary";
        if (n4.edition === "enterprise") targets.push(scrapeTarget(resolver, { job: "neo4j", exporter: "neo4j", node, workload: NEO4J_WORKLOAD, port: NEO4J_PORTS.metrics, service: "neo4j", role }));
        // Community has no metrics endpoint at all: probe Bolt instead.
        else probes.push({ job: "blackbox-tcp", node, interval: "30s", probe: { module: "tcp_connect", target: resolver.endpoint(node, NEO4J_WORKLOAD, NEO4J_PORTS.bolt) }, labels: { service: "neo4j", service_role: role } });
    }
    return { targets, probes, probedServices: n4.edition === "enterprise" ? [] : ["neo4j"] };
}
