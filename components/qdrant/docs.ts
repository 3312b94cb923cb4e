/** The qdrant module's row of the README distribution table and its links in the topology diagram. */
import type { DiagramLink, DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { QDRANT_PORTS } from "./contract";

export function qdrantDistribution(t: Topology): DistributionRow[] {
    const q = t.replication.qdrant;
    return [{ title: `Qdrant :${QDRANT_PORTS.http} (${q.shards} shards, RF ${q.replicationFactor})`, cells: markNodes(q.nodes, "peer") }];
}

/** Every peer bootstraps from the first one. */
export function qdrantDiagram(t: Topology): DiagramLink[] {
    const q = t.replication.qdrant;
    const first = q.firstPeer ?? q.nodes[0]!;
    return q.nodes.filter((n) => n !== first).map((peer) => ({ from: peer, to: first, label: `Qdrant p2p (RF ${q.replicationFactor})`, style: "dotted" }));
}
