/** What monitoring scrapes for the qdrant module: every peer's own /metrics, with the API key as bearer token. */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import { PROMETHEUS_PATHS } from "../monitoring/workloads";
import type { AddressResolver } from "../workload/addresses";
import { QDRANT_PORTS, QDRANT_SECRET_NAMES, QDRANT_WORKLOAD } from "./contract";

export function qdrantScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    return {
        targets: t.replication.qdrant.nodes.map((node) =>
            scrapeTarget(resolver, { job: "qdrant", exporter: "qdrant", node, workload: QDRANT_WORKLOAD, port: QDRANT_PORTS.http, service: "qdrant", role: "shard", bearerTokenFile: `${PROMETHEUS_PATHS.secrets}/${QDRANT_SECRET_NAMES.apiKey}`, bearerTokenSecret: QDRANT_SECRET_NAMES.apiKey }),
        ),
    };
}
