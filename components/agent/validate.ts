/**
 * Cross-checks of the `failover` block (the node agent, issue 12): every group is PostgreSQL or a
 * service with an active and a standby node, and AbsoluteConsistency has an R3 lease bucket.
 */
import type { Topology } from "../../stacks/schema";
import { Finding, Findings } from "../../stacks/validate";

export function validateFailover(t: Topology): Finding[] {
    const f = new Findings(t);
    const nodeNames = Object.keys(t.nodes);
    const nats = t.replication.nats;
    const pg = t.replication.postgresql;
    if (t.failover) {
        // The lease bucket lives in the core cluster: the first full cluster with JetStream
        // (components/nats/subjects.ts coreClusterOf), where every KV bucket of the platform lives.
        const coreIndex = nats.clusters.findIndex((c) => c.leafnodeTo === undefined && c.jetstream !== undefined);
        const core = coreIndex >= 0 ? nats.clusters[coreIndex] : undefined;
        for (const [name, g] of Object.entries(t.failover.groups)) {
            const path = `failover.groups.${name}`;
            const service = t.services[name];
            if (name === "postgres") {
                if (g.strategy !== "AbsoluteConsistency") f.error(`${path}.strategy`, "PostgreSQL must be AbsoluteConsistency: two writable primaries diverge and nothing reconciles them");
                if (pg.replicas.length === 0) f.error(path, "replication.postgresql has no replica to fail over to: add one to replication.postgresql.replicas");
            } else if (service) {
                const placed = Object.entries(service.placement);
                if (!placed.some(([, role]) => role === "active") || !placed.some(([, role]) => role === "standby")) {
                    f.error(path, `service '${name}' needs an active and a standby node in services.${name}.placement for failover`);
                }
                if (g.maxLagBytes !== undefined) f.error(`${path}.maxLagBytes`, "only the postgres group has a replication lag");
            } else {
                f.error(path, `unknown failover group '${name}': use 'postgres' or a service with active and standby placement (services are: ${Object.keys(t.services).join(", ")})`);
            }
            if (g.strategy === "AbsoluteConsistency") {
                const size = core?.nodes.length ?? 0;
                if (!core) {
                    f.error(`${path}.strategy`, `AbsoluteConsistency needs a lease in the JetStream KV bucket '${t.failover.bucket}', but no full NATS cluster runs JetStream: add a 3-server JetStream cluster to replication.nats.clusters`);
                } else if (size < 3) {
                    const spare = nodeNames.filter((n) => !core.nodes.includes(n));
                    f.error(
                        `${path}.strategy`,
                        `AbsoluteConsistency keeps its lease in bucket '${t.failover.bucket}' (R3) of NATS cluster '${core.name}', which has ${size} JetStream server(s); with fewer than 3 a single loss stops the lease, so no failover can be safe: add ${3 - size} node(s) to replication.nats.clusters[${coreIndex}].nodes${spare.length > 0 ? ` (e.g. ${spare.slice(0, 3 - size).join(", ")}; an edge node keeps its leaf on its own ports)` : ""}`,
                    );
                }
            }
        }
    }
    return f.list;
}
