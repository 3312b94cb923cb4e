/** The postgres module's row of the README distribution table and its links in the topology diagram. */
import type { DiagramLink, DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { POSTGRES_PORT } from "./contract";

export function postgresDistribution(t: Topology): DistributionRow[] {
    const pg = t.replication.postgresql;
    return [{ title: `PostgreSQL :${POSTGRES_PORT}`, cells: { ...markNodes([pg.primary], "primary"), ...markNodes(pg.replicas, "replica") } }];
}

export function postgresDiagram(t: Topology): DiagramLink[] {
    const pg = t.replication.postgresql;
    return pg.replicas.map((replica) => ({ from: pg.primary, to: replica, label: `PostgreSQL streaming (${pg.sync})`, style: "arrow" }));
}
