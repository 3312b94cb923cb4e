/**
 * Cross-checks of `replication.nats` (seed 000's supercluster: full clusters joined by gateways,
 * edge clusters as leafnodes), then the renderer's own checks (./validate.ts validateNatsTopology)
 * on the layout the module deploys, addressed by private IP.
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { hostResolver } from "../workload/addresses";
import { NATS_PORTS } from "./contract";
import { natsSubjectRouting } from "./subjects";
import { validateNatsTopology } from "./validate";
import { NatsLayout, natsLayout, natsServiceUsers, withAuth } from "./workload";

export function validateNats(t: Topology): Finding[] {
    const f = new Findings(t);
    const error = f.error.bind(f);
    const warn = f.warn.bind(f);
    const refNode = f.refNode.bind(f);
    const nodeNames = Object.keys(t.nodes);
    const nats = t.replication.nats;
    const clusterNames = nats.clusters.map((c) => c.name);
    for (const d of duplicates(clusterNames)) error("replication.nats.clusters", `cluster name '${d}' is used twice (gateway names must equal cluster names and be unique)`);
    const natsNodeOwner = new Map<string, string>();
    /** node -> the full / the leaf cluster it runs a server of (at most one each). */
    const natsFullOf = new Map<string, number>();
    const natsLeafOf = new Map<string, number>();
    const natsPortsOf = (c: (typeof nats.clusters)[number]) => ({ ...NATS_PORTS, ...(c.ports ?? {}) });
    const domains = new Map<string, string>();
    nats.clusters.forEach((c, i) => {
        const path = `replication.nats.clusters[${i}]`;
        c.nodes.forEach((n, j) => {
            refNode(`${path}.nodes[${j}]`, n);
            // A node runs at most one server of a full cluster and one of a leaf cluster: seed 000's
            // node3 keeps its edge leaf and adds a core server for JetStream quorum.
            const mine = c.leafnodeTo === undefined ? natsFullOf : natsLeafOf;
            const owner = mine.get(n);
            if (owner !== undefined) {
                error(`${path}.nodes[${j}]`, `node '${n}' is already a member of ${c.leafnodeTo === undefined ? "full" : "leaf"} NATS cluster '${nats.clusters[owner]!.name}' (a node runs at most one full-cluster and one leaf server)`);
            } else mine.set(n, i);
            if (!natsNodeOwner.has(n)) natsNodeOwner.set(n, c.name);
        });
        if (c.leafnodeTo !== undefined) {
            const hub = nats.clusters.find((x) => x.name === c.leafnodeTo);
            if (!hub) error(`${path}.leafnodeTo`, `unknown cluster '${c.leafnodeTo}' (clusters are: ${clusterNames.join(", ")})`);
            else if (hub.leafnodeTo !== undefined) error(`${path}.leafnodeTo`, `cluster '${hub.name}' is itself a leaf cluster; leafnodes must connect to a full cluster`);
            if (c.leafnodeTo === c.name) error(`${path}.leafnodeTo`, "a cluster cannot be a leaf of itself");
            if (c.jetstream && !c.jetstream.domain) {
                error(`${path}.jetstream.domain`, "a JetStream leaf cluster needs its own domain, or its JetStream merges with the hub's and the leaf link carries its Raft traffic");
            }
        }
        if (c.jetstream?.domain) {
            const other = domains.get(c.jetstream.domain);
            if (other) error(`${path}.jetstream.domain`, `domain '${c.jetstream.domain}' is also used by cluster '${other}'`);
            domains.set(c.jetstream.domain, c.name);
        }
    });
    for (const [n, li] of natsLeafOf) {
        const fi = natsFullOf.get(n);
        if (fi === undefined) continue;
        const leaf = natsPortsOf(nats.clusters[li]!);
        const full = natsPortsOf(nats.clusters[fi]!);
        for (const key of ["client", "monitor"] as const) {
            if (leaf[key] === full[key]) {
                error(
                    `replication.nats.clusters[${li}].ports.${key}`,
                    `node '${n}' runs servers of clusters '${nats.clusters[fi]!.name}' and '${nats.clusters[li]!.name}', both on ${key} port ${leaf[key]}: give cluster '${nats.clusters[li]!.name}' its own ports (e.g. ports: { client: 4223, monitor: 8223 })`,
                );
            }
        }
    }
    const fullClusters = nats.clusters.filter((c) => c.leafnodeTo === undefined);
    if (fullClusters.length === 0) error("replication.nats.clusters", "at least one full (non-leaf) cluster is required");
    for (const c of fullClusters) {
        const i = nats.clusters.indexOf(c);
        if (c.jetstream && c.nodes.length % 2 === 0) {
            warn(
                `replication.nats.clusters[${i}].nodes`,
                `JetStream cluster '${c.name}' has ${c.nodes.length} servers: an even-sized (or 2-server) Raft group has no quorum after one loss, so replicated streams stop accepting writes; use 3`,
            );
        }
    }
    for (const n of nodeNames) {
        if (!natsNodeOwner.has(n)) warn(`nodes.${n}`, `node '${n}' is in no NATS cluster: its services have no local NATS server`);
    }

    // The layout's checks (server names, listeners, JetStream, subject routing). They were a
    // plain Error at deploy time; here they are findings before anything is declared.
    const everyNodeKnown = nats.clusters.every((c) => c.nodes.every((n) => t.nodes[n]));
    if (everyNodeKnown && f.list.every((x) => x.severity !== "error")) {
        const resolver = hostResolver(Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, s.privateIp])));
        const { errors } = validateNatsLayout(natsLayout(nats, resolver), natsServiceUsers(t.services));
        f.adopt(errors);
    }
    return f.list;
}

/** Structural validation of the layout (passwords are generated, so placeholders stand in). */
export function validateNatsLayout(layout: NatsLayout, serviceUsers: readonly string[]): { errors: { path: string; message: string }[]; warnings: { path: string; message: string }[] } {
    const placeholder = "x".repeat(32);
    const spec = withAuth(layout, { system: placeholder, leafnode: placeholder, route: placeholder, gateway: placeholder, services: Object.fromEntries(serviceUsers.map((u) => [u, placeholder])) });
    return validateNatsTopology(spec, { ...natsSubjectRouting(layout), pathPrefix: "replication.nats." });
}

