/** What monitoring scrapes for the daedalus module: nginx's /metrics (seed 004: job daedalus, 15s). */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import type { AddressResolver } from "../workload/addresses";
import { DAEDALUS_NGINX_WORKLOAD, DAEDALUS_PORTS } from "./contract";

export function daedalusScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    if (!t.daedalus) return {};
    const port = { container: DAEDALUS_PORTS.nginxContainer, host: DAEDALUS_PORTS.nginxHost };
    return { targets: [scrapeTarget(resolver, { job: "daedalus", exporter: "daedalus", node: t.daedalus.node, workload: DAEDALUS_NGINX_WORKLOAD, port, service: "daedalus", role: "app" })] };
}
