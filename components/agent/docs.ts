/** The node agent's row of the README distribution table: it runs everywhere; cells name its failover groups. */
import type { DistributionRow } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { AGENT_DEFAULT_PORT } from "./config";

export function agentDistribution(t: Topology): DistributionRow[] {
    const pg = t.replication.postgresql;
    const groups = Object.entries(t.failover?.groups ?? {});
    const membersOf = (g: string) =>
        g === "postgres"
            ? [pg.primary, ...pg.replicas]
            : Object.entries(t.services[g]?.placement ?? {})
                  .filter(([, role]) => role === "active" || role === "standby")
                  .map(([n]) => n);
    const member = (n: string) => groups.filter(([g]) => membersOf(g).includes(n)).map(([g]) => g);
    return [
        {
            title: `Node agent :${t.failover?.port ?? AGENT_DEFAULT_PORT} (failover leases)`,
            cells: Object.fromEntries(Object.keys(t.nodes).map((n) => [n, member(n).length ? `✓ (${member(n).join(", ")})` : "✓ (observer)"])),
        },
    ];
}
