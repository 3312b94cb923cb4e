/** What monitoring scrapes for the minio module: the cluster metrics endpoint. */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import type { AddressResolver } from "../workload/addresses";
import { MINIO_PORTS, MINIO_WORKLOAD } from "./contract";

export function minioScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    if (!t.minio) return {};
    return {
        targets: [
            scrapeTarget(resolver, { job: "minio", exporter: "minio", node: t.minio.node, workload: MINIO_WORKLOAD, port: MINIO_PORTS.api, service: "minio", role: "server", metricsPath: "/minio/v2/metrics/cluster", interval: "30s" }),
        ],
    };
}
