/** The nats module's row of the README distribution table and its links in the topology diagram. */
import type { DiagramLink, DistributionRow } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { NATS_PORTS } from "./contract";

export function natsDistribution(t: Topology): DistributionRow[] {
    const cells: Record<string, string> = {};
    for (const c of t.replication.nats.clusters) {
        for (const n of c.nodes) {
            // A node may run a core server and its edge leaf (the leaf on its own ports).
            const cell = `${c.leafnodeTo ? `leaf of ${c.leafnodeTo}` : `cluster ${c.name}`}${c.ports?.client ? ` :${c.ports.client}` : ""}`;
            cells[n] = cells[n] ? cells[n]!.replace(/\)$/, ` + ${cell})`) : `✓ (${cell})`;
        }
    }
    return [{ title: `NATS :${NATS_PORTS.client}`, cells }];
}

/** Routes between every pair of a cluster's servers; each leaf server to every hub server. */
export function natsDiagram(t: Topology): DiagramLink[] {
    const clusters = t.replication.nats.clusters;
    const links: DiagramLink[] = [];
    for (const c of clusters) {
        for (let i = 0; i < c.nodes.length; i++) {
            for (let j = i + 1; j < c.nodes.length; j++) links.push({ from: c.nodes[i]!, to: c.nodes[j]!, label: `NATS route (${c.name})`, style: "both" });
        }
        if (c.leafnodeTo) {
            const hub = clusters.find((x) => x.name === c.leafnodeTo);
            for (const leaf of c.nodes) for (const h of hub?.nodes ?? []) links.push({ from: leaf, to: h, label: `NATS leafnode ${c.name} to ${hub!.name}`, style: "thick" });
        }
    }
    return links;
}
