/**
 * First-deploy order (issue 11 finding 2). An object that needs several nodes' servers running —
 * a JetStream stream/KV bucket of a multi-node cluster (its RAFT meta group needs a quorum:
 * docs.nats.io, JetStream clustering), a Qdrant collection with replication factor > 1 — cannot be
 * created by the first of those nodes' stacks: on the first deployment the other members do not
 * run yet, so every `up` of that stack would fail until the others run. (A failed update still
 * writes the outputs that resolved, pulumi/pulumi#15754, measured on the real engine in
 * test/engine/flows.test.ts; but a stack that can never finish an update cannot be operated.)
 * Such objects are declared by the stack that COMPLETES the membership: the last member in
 * deployment order. Replication is never lowered to fit.
 *
 * Deployment order is the topology's node order; .github/workflows/deploy.yml applies the stacks in
 * exactly that order (test/rehearsal/first-deploy.test.ts checks both).
 */
import type { Topology } from "./schema";

/** The deployment order: node stacks are applied one after another in this order. */
export function deploymentOrder(topology: Topology): string[] {
    return Object.keys(topology.nodes);
}

/** The member that completes `members`: the last of them in deployment order. */
export function completingMember(topology: Topology, members: readonly string[]): string {
    const order = deploymentOrder(topology);
    const unknown = members.filter((m) => !order.includes(m));
    if (unknown.length > 0) throw new Error(`nodes ${unknown.join(", ")} are not in the topology`);
    return [...members].sort((a, b) => order.indexOf(a) - order.indexOf(b)).at(-1)!;
}
