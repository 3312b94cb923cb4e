/**
 * Cross-checks of `replication.qdrant` (seed 000: sharded, RF 2, nodes NODE1/NODE2), then the
 * renderer's own checks (./render.ts validateQdrantBlock).
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { validateQdrantBlock } from "./render";

export function validateQdrant(t: Topology): Finding[] {
    const f = new Findings(t);
    const q = t.replication.qdrant;
    q.nodes.forEach((n, i) => f.refNode(`replication.qdrant.nodes[${i}]`, n));
    for (const d of duplicates(q.nodes)) f.error("replication.qdrant.nodes", `node '${d}' is listed twice`);
    if (q.firstPeer && !q.nodes.includes(q.firstPeer)) f.error("replication.qdrant.firstPeer", `'${q.firstPeer}' is not one of replication.qdrant.nodes`);
    const peers = new Set(q.nodes).size;
    if (q.replicationFactor > peers) f.error("replication.qdrant.replicationFactor", `replication factor ${q.replicationFactor} is larger than the ${peers} Qdrant node(s)`);
    if (q.replicationFactor < 2) f.warn("replication.qdrant.replicationFactor", "replication factor 1 keeps one copy of each shard: losing a node loses its shards");
    q.collections.forEach((c, i) => {
        const rf = c.replicationFactor ?? q.replicationFactor;
        if (rf > peers) f.error(`replication.qdrant.collections[${i}].replicationFactor`, `replication factor ${rf} of collection '${c.name}' is larger than the ${peers} Qdrant node(s)`);
    });
    for (const d of duplicates(q.collections.map((c) => c.name))) f.error("replication.qdrant.collections", `collection '${d}' is declared twice`);
    f.adopt(validateQdrantBlock(q, t.nodes, "replication.qdrant"));
    return f.list;
}
