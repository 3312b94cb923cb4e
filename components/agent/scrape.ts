/** What monitoring scrapes for the agent module: the agent on every node serves its own /metrics. */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import { MONITORING_PORTS } from "../monitoring/workloads";
import type { AddressResolver } from "../workload/addresses";

export function agentScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    return { targets: Object.keys(t.nodes).map((node) => scrapeTarget(resolver, { job: "agent", exporter: "agent", node, workload: "agent", port: MONITORING_PORTS.agent, service: "agent", role: "agent" })) };
}
