/** The neo4j module's row of the README distribution table. */
import type { DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { NEO4J_PORTS } from "./contract";

export function neo4jDistribution(t: Topology): DistributionRow[] {
    const n = t.replication.neo4j;
    const cluster = n.mode === "cluster" && n.edition === "enterprise";
    return [
        {
            title: `Neo4j :${NEO4J_PORTS.bolt}${cluster ? "" : " (Community: one instance)"}`,
            cells: cluster ? { ...markNodes(n.primaries, "primary"), ...markNodes(n.secondaries, "secondary") } : markNodes([n.primaries[0]!], "standalone"),
        },
    ];
}
