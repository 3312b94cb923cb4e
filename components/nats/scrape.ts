/** What monitoring scrapes for the nats module: a prometheus-nats-exporter per nats-server. */
import type { Topology } from "../../stacks/schema";
import type { ExporterPlacement, ScrapeRequests, ScrapeTarget } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import { MONITORING_PORTS } from "../monitoring/workloads";
import type { AddressResolver } from "../workload/addresses";
import { NATS_PORTS, NATS_WORKLOAD } from "./contract";
import { natsWorkloadName } from "./types";

export function natsScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    const clusters = t.replication.nats.clusters;
    const exporters: Array<{ node: string; placement: ExporterPlacement }> = [];
    const targets: ScrapeTarget[] = [];
    for (const c of clusters) {
        for (const node of c.nodes) {
            // One exporter per nats-server: node3 runs its edge leaf (`nats`) and a core server (`nats-core`).
            const server = natsWorkloadName(clusters, node, c.name);
            const first = server === NATS_WORKLOAD;
            const workload = first ? "nats-exporter" : `${server}-exporter`;
            const port = first ? MONITORING_PORTS.natsExporter : MONITORING_PORTS.natsExporterSecond;
            const monitor = c.ports?.monitor ?? NATS_PORTS.monitor;
            exporters.push({ node, placement: { kind: "nats-exporter", monitorUrl: `http://${resolver.endpoint(node, server, monitor)}`, ...(first ? {} : { workload, port }) } });
            // service_role is the server's cluster: node3's leaf has no routes by design (nats/alerts.ts).
            targets.push(scrapeTarget(resolver, { job: "nats", exporter: "nats", node, workload, port, service: "nats", role: c.name }));
        }
    }
    return { exporters, targets };
}
