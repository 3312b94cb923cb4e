/**
 * Cross-checks of `replication.postgresql` (seed 000's primary/replica block), then the renderer's
 * own checks (./topology.ts validatePostgresTopology) on the topology the module deploys.
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { DOCKER_BRIDGE_RANGE } from "../network/cidr";
import { validatePostgresTopology } from "./topology";

export function validatePostgres(t: Topology): Finding[] {
    const f = new Findings(t);
    const pg = t.replication.postgresql;
    f.refNode("replication.postgresql.primary", pg.primary);
    pg.replicas.forEach((n, i) => {
        f.refNode(`replication.postgresql.replicas[${i}]`, n);
        if (n === pg.primary) f.error(`replication.postgresql.replicas[${i}]`, `replica '${n}' is on its primary's node; a replica must survive the loss of the primary's node`);
    });
    for (const d of duplicates(pg.replicas)) f.error("replication.postgresql.replicas", `node '${d}' is listed twice`);
    if (pg.sync === "sync" && pg.replicas.length === 0) f.error("replication.postgresql.sync", "synchronous replication without a replica blocks every commit");
    for (const d of duplicates(pg.databases)) f.error("replication.postgresql.databases", `database '${d}' is listed twice`);
    const owners = new Map(Object.entries(t.services).flatMap(([name, s]) => (s.database ? [[s.database, name] as const] : [])));
    for (const db of pg.databases) {
        if (owners.has(db)) f.error("replication.postgresql.databases", `database '${db}' is also declared by service '${owners.get(db)}'`);
    }
    if (pg.replicas.length === 0) f.warn("replication.postgresql.replicas", "no PostgreSQL replica: losing the primary's volume loses the data");
    // The renderer's checks (slot names, identifiers, addresses) need every node to exist.
    if ([pg.primary, ...pg.replicas].every((n) => t.nodes[n])) {
        const node = (name: string) => ({ name, privateIp: t.nodes[name]!.privateIp });
        f.adopt(
            validatePostgresTopology(
                { primary: node(pg.primary), replicas: pg.replicas.map(node), port: pg.port, clientCidrs: [t.network.ipRange, DOCKER_BRIDGE_RANGE] },
                "replication.postgresql",
            ),
        );
    }
    return f.list;
}
