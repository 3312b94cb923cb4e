/** What monitoring scrapes for the ingress module: HAProxy's stats endpoint. */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import type { AddressResolver } from "../workload/addresses";
import { HAPROXY_WORKLOAD, INGRESS_PORTS } from "./contract";

export function ingressScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    // The local engine runs only the first ingress node's HAProxy (./module.ts).
    const nodes = resolver.singleHost ? (t.ingress?.nodes ?? []).slice(0, 1) : (t.ingress?.nodes ?? []);
    return { targets: nodes.map((node) => scrapeTarget(resolver, { job: "haproxy", exporter: "haproxy", node, workload: HAPROXY_WORKLOAD, port: INGRESS_PORTS.stats, service: "ingress", role: "edge" })) };
}
