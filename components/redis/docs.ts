/** The redis module's rows of the README distribution table and its links in the topology diagram. */
import type { DiagramLink, DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { REDIS_PORTS } from "./contract";

export function redisDistribution(t: Topology): DistributionRow[] {
    const r = t.replication.redis;
    const cells: Record<string, string> = { ...markNodes([r.master], "master"), ...markNodes(r.replicas, "replica") };
    for (const n of r.edgeCaches) cells[n] = cells[n] ? `${cells[n]} + cache` : "✓ (cache)";
    return [
        { title: `Redis :${REDIS_PORTS.server}`, cells },
        { title: `Redis Sentinel :${REDIS_PORTS.sentinel} (quorum ${r.quorum})`, cells: markNodes(r.sentinels, "sentinel") },
    ];
}

export function redisDiagram(t: Topology): Array<DiagramLink | { comment: string }> {
    const r = t.replication.redis;
    return [
        ...r.replicas.map((replica): DiagramLink => ({ from: r.master, to: replica, label: "Redis replication", style: "arrow" })),
        { comment: `Sentinels on ${r.sentinels.join(", ")} (quorum ${r.quorum})` },
    ];
}
