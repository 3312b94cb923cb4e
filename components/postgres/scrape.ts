/** What monitoring scrapes for the postgres module: a postgres_exporter beside every server. */
import type { Topology } from "../../stacks/schema";
import type { ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import { MONITORING_PORTS } from "../monitoring/workloads";
import type { AddressResolver } from "../workload/addresses";
import { POSTGRES_SECRET_NAMES, POSTGRES_WORKLOAD } from "./contract";

export function postgresScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    const pg = t.replication.postgresql;
    const servers = [[pg.primary, "primary"], ...pg.replicas.map((r) => [r, "replica"])] as const;
    return {
        exporters: servers.map(([node]) => ({ node, placement: { kind: "postgres-exporter", postgresHost: resolver.host(node, POSTGRES_WORKLOAD), postgresPort: pg.port, passwordSecret: POSTGRES_SECRET_NAMES.superuser } })),
        targets: servers.map(([node, role]) => scrapeTarget(resolver, { job: "postgres", exporter: "postgres", node, workload: "postgres-exporter", port: MONITORING_PORTS.postgresExporter, service: "postgres", role })),
    };
}
