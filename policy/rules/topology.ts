/**
 * Stack-level topology invariants, read from the labels the workload runtime puts on containers
 * (`daarion.node`, `daarion.service`, `daarion.role`).
 *
 * One stack deploys one node, so a stack usually sees a PARTIAL view (one node's containers).
 * Co-location checks (two members of a replicated set on one node) hold in any view; counting
 * checks (3 sentinels on 3 nodes, an odd JetStream core) need the FULL view: a stack whose
 * containers span several nodes, or the union of every stack's render (test/policy/all-stacks).
 * Nodes listed in `colocatedNodes` (the `local` stack: everything on one Docker engine by
 * design) are exempt from placement rules.
 *
 * On Kubernetes the instances are the Deployments and StatefulSets (one per workload and topology
 * node, components/workload/kubernetes-manifests.ts), whose metadata carries the same facts under
 * the `daarion.io/` keys. The topology node is then a node selector; the config check
 * (stacks/config.ts validateRuntimeSettings) refuses selectors under which two topology nodes
 * share cluster nodes, so "another topology node" still means "another machine".
 */
import { asNumber, asRecord, asString, envEntries, isUnknown, labelsOf, LABELS, ResourceView, TYPES, Violation } from "../lib/resource";
import { KUBERNETES_TYPES } from "./kubernetes";
import { LABELS as KUBERNETES_LABELS } from "../../components/workload/kubernetes-manifests";
const CONTROLLERS: ReadonlySet<string> = new Set([KUBERNETES_TYPES.deployment, KUBERNETES_TYPES.statefulSet]);

/** Node, service and role of a container or a Kubernetes controller (undefined: not a workload instance). */
function placementLabels(r: ResourceView): { node?: string; service?: string; role?: string } | undefined {
    if (r.type === TYPES.container) {
        const labels = labelsOf(r.props);
        return { node: labels[LABELS.node], service: labels[LABELS.service], role: labels[LABELS.role] };
    }
    if (CONTROLLERS.has(r.type)) {
        const labels = labelsOf(asRecord(r.props["metadata"]));
        return { node: labels[KUBERNETES_LABELS.node], service: labels[KUBERNETES_LABELS.service], role: labels[KUBERNETES_LABELS.role] };
    }
    return undefined;
}

export interface Instance {
    readonly urn: string;
    readonly name: string;
    readonly node: string | undefined;
    readonly service: string | undefined;
    readonly role: string | undefined;
    readonly resource: ResourceView;
}

export function instancesOf(resources: readonly ResourceView[]): Instance[] {
    return resources.flatMap((r) => {
        const p = placementLabels(r);
        return p ? [{ urn: r.urn, name: r.name, node: p.node, service: p.service, role: p.role, resource: r }] : [];
    });
}

export interface TopologyConfig {
    /** Node names whose co-location is intended (single-engine stacks). @default ["local"] */
    readonly colocatedNodes?: readonly string[];
}

function placed(instances: readonly Instance[], config: TopologyConfig): Instance[] {
    const colocated = new Set(config.colocatedNodes ?? ["local"]);
    return instances.filter((i) => i.node !== undefined && !colocated.has(i.node));
}

/** Full view: the containers span at least two nodes. */
export function isFullView(instances: readonly Instance[], config: TopologyConfig = {}): boolean {
    return new Set(placed(instances, config).map((i) => i.node)).size >= 2;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
    const out = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        out.set(k, [...(out.get(k) ?? []), item]);
    }
    return out;
}

// ---- labels present -------------------------------------------------------------------------

/** Without the labels every topology rule is blind, so their absence is itself a violation. */
export function checkTopologyLabels(workload: ResourceView): Violation[] {
    const kubernetes = CONTROLLERS.has(workload.type);
    if (workload.type !== TYPES.container && !kubernetes) return [];
    const raw = kubernetes ? asRecord(workload.props["metadata"])["labels"] : workload.props["labels"];
    if (isUnknown(raw)) return [];
    const p = placementLabels(workload)!;
    const keys = kubernetes ? KUBERNETES_LABELS : LABELS;
    const missing = (["node", "service", "role"] as const).filter((k) => !p[k]).map((k) => keys[k]);
    if (missing.length === 0) return [];
    return [{ message: `${kubernetes ? workload.type.split(":").pop() : "container"} '${workload.name}' lacks label(s) ${missing.join(", ")}; topology policies cannot place it` }];
}

// ---- NATS JetStream ---------------------------------------------------------------------------

export interface JetStreamConfig extends TopologyConfig {
    /** @default ["nats"] */
    readonly natsServices?: readonly string[];
    /** Roles of NATS servers outside the JetStream core (leafnodes). @default ["leaf", "leafnode", "edge"] */
    readonly leafRoles?: readonly string[];
}

/**
 * JetStream's RAFT meta group needs a majority: 2 servers tolerate no failure (seed 000 proposes a
 * 2-node core), an even count tolerates no more than the odd count below it.
 */
export function checkJetStreamQuorum(resources: readonly ResourceView[], config: JetStreamConfig = {}): Violation[] {
    const services = new Set(config.natsServices ?? ["nats"]);
    const leaf = new Set(config.leafRoles ?? ["leaf", "leafnode", "edge"]);
    const instances = instancesOf(resources);
    const core = placed(instances, config).filter((i) => services.has(i.service ?? "") && !leaf.has(i.role ?? ""));
    const violations: Violation[] = [];
    for (const [node, members] of groupBy(core, (i) => i.node!)) {
        if (members.length > 1) {
            violations.push({ urn: members[1].urn, message: `${members.length} JetStream core servers run on node ${node}; losing that node loses all their votes` });
        }
    }
    if (!isFullView(instances, config) || core.length === 0) return violations;
    const n = core.length;
    if (n < 3 || n % 2 === 0) {
        violations.push({
            message: `the NATS JetStream core has ${n} server(s) (${core.map((i) => `${i.node}/${i.name}`).join(", ")}); use an odd number >= 3 so the meta group survives a node loss`,
        });
    }
    return violations;
}

// ---- Redis Sentinel ---------------------------------------------------------------------------

export interface SentinelConfig extends TopologyConfig {
    /** Services or roles that identify a sentinel. @default ["redis-sentinel", "sentinel"] */
    readonly sentinelNames?: readonly string[];
    /** @default 3 */
    readonly minNodes?: number;
}

export function checkSentinelPlacement(resources: readonly ResourceView[], config: SentinelConfig = {}): Violation[] {
    const names = new Set(config.sentinelNames ?? ["redis-sentinel", "sentinel"]);
    const minNodes = config.minNodes ?? 3;
    const instances = instancesOf(resources);
    const sentinels = placed(instances, config).filter((i) => names.has(i.service ?? "") || names.has(i.role ?? ""));
    const violations: Violation[] = [];
    for (const [node, members] of groupBy(sentinels, (i) => i.node!)) {
        if (members.length > 1) {
            violations.push({ urn: members[1].urn, message: `${members.length} Redis sentinels run on node ${node}; their votes fail together, so the quorum is fake` });
        }
    }
    // Sentinels matter where Redis runs replicated; a platform without Redis needs none.
    const replicatedRedis = placed(instances, config).some((i) => i.service === "redis" && ["master", "primary", "replica"].includes(i.role ?? ""));
    if (!isFullView(instances, config) || (sentinels.length === 0 && !replicatedRedis)) return violations;
    const nodes = new Set(sentinels.map((i) => i.node));
    if (nodes.size < minNodes) {
        violations.push({ message: `Redis sentinels run on ${nodes.size} distinct node(s) (${[...nodes].join(", ") || "none"}); at least ${minNodes} are needed for a failover quorum that survives a node loss` });
    }
    return violations;
}

// ---- PostgreSQL -------------------------------------------------------------------------------

export interface PostgresPlacementConfig extends TopologyConfig {
    /** @default ["postgres", "postgresql"] */
    readonly services?: readonly string[];
    /** @default ["replica", "standby", "read"] */
    readonly replicaRoles?: readonly string[];
}

export function checkPostgresReplicaPlacement(resources: readonly ResourceView[], config: PostgresPlacementConfig = {}): Violation[] {
    const services = new Set(config.services ?? ["postgres", "postgresql"]);
    const replicaRoles = new Set(config.replicaRoles ?? ["replica", "standby", "read"]);
    const pg = placed(instancesOf(resources), config).filter((i) => services.has(i.service ?? ""));
    const primaries = pg.filter((i) => i.role === "primary");
    const replicas = pg.filter((i) => replicaRoles.has(i.role ?? ""));
    const violations: Violation[] = [];
    if (primaries.length > 1) {
        violations.push({ message: `${primaries.length} PostgreSQL primaries declared (${primaries.map((p) => `${p.node}/${p.name}`).join(", ")}); streaming replication has exactly one` });
    }
    const primaryNodes = new Set(primaries.map((p) => p.node));
    for (const r of replicas) {
        if (primaryNodes.has(r.node)) {
            violations.push({ urn: r.urn, message: `PostgreSQL replica '${r.name}' runs on node ${r.node}, the primary's node; it cannot take over when that node fails` });
        }
    }
    return violations;
}

// ---- Qdrant -----------------------------------------------------------------------------------

export interface QdrantConfig extends TopologyConfig {
    /** @default ["qdrant"] */
    readonly services?: readonly string[];
    /** Resource types of Qdrant collections (components/qdrant/collection.ts). */
    readonly collectionTypes?: readonly string[];
    /** @default 2 */
    readonly minReplicationFactor?: number;
}

export const QDRANT_COLLECTION_TYPE = "pulumi-nodejs:dynamic/qdrant:Collection";
const QDRANT_RF_ENV = "QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR";

/** Replication factor a qdrant container declares: label `daarion.replication-factor`, else the env default. */
export function qdrantReplicationFactor(r: ResourceView): number | undefined {
    const label = asNumber(labelsOf(CONTROLLERS.has(r.type) ? asRecord(r.props["metadata"]) : r.props)[LABELS.replicationFactor]);
    if (label !== undefined) return label;
    const env = envEntries(r.props).find((e) => e.key === QDRANT_RF_ENV);
    return env && !isUnknown(env.value) ? asNumber(env.value) : undefined;
}

/**
 * Replication factor is a per-collection setting in Qdrant, so the collections declared in the
 * stack are the source of truth; a container-level default (label or env) is checked as well.
 * RF >= 2 holds in any view; RF <= number of qdrant nodes needs the full view.
 */
export function checkQdrantReplicationFactor(resources: readonly ResourceView[], config: QdrantConfig = {}): Violation[] {
    const services = new Set(config.services ?? ["qdrant"]);
    const collectionTypes = new Set(config.collectionTypes ?? [QDRANT_COLLECTION_TYPE]);
    const min = config.minReplicationFactor ?? 2;
    const instances = instancesOf(resources);
    const full = isFullView(instances, config);
    const qdrant = placed(instances, config).filter((i) => services.has(i.service ?? ""));
    const nodes = new Set(qdrant.map((i) => i.node));
    const declared: { urn: string; what: string; rf: number | undefined }[] = [
        ...resources
            .filter((r) => collectionTypes.has(r.type))
            .map((r) => ({ urn: r.urn, what: `qdrant collection '${asString(r.props["name"]) ?? r.name}'`, rf: isUnknown(r.props["replicationFactor"]) ? -1 : asNumber(r.props["replicationFactor"]) })),
        ...qdrant.map((q) => ({ urn: q.urn, what: `qdrant container '${q.name}'`, rf: qdrantReplicationFactor(q.resource) })).filter((d) => d.rf !== undefined),
    ];
    const violations: Violation[] = [];
    for (const d of declared) {
        if (d.rf === -1) continue;
        if (d.rf === undefined) {
            violations.push({ urn: d.urn, message: `${d.what} has no replicationFactor` });
            continue;
        }
        if (d.rf < min) {
            violations.push({ urn: d.urn, message: `${d.what} uses replication factor ${d.rf}; at least ${min} copies are needed to survive a node loss` });
        }
        if (full && qdrant.length > 0 && d.rf > nodes.size) {
            violations.push({ urn: d.urn, message: `${d.what} uses replication factor ${d.rf} but qdrant runs on only ${nodes.size} node(s); replicas cannot be placed` });
        }
    }
    if (full && qdrant.length > 0 && declared.length === 0) {
        violations.push({
            message: `qdrant runs on ${[...nodes].join(", ")} but no collection (${[...collectionTypes].join(", ")}) or container (label ${LABELS.replicationFactor}, env ${QDRANT_RF_ENV}) declares a replication factor`,
        });
    }
    return violations;
}

// ---- generic spread ---------------------------------------------------------------------------

export interface SpreadConfig extends TopologyConfig {
    /** Roles that make an instance a member of a replicated set. */
    readonly replicatedRoles?: readonly string[];
}

export const DEFAULT_REPLICATED_ROLES: readonly string[] = ["primary", "master", "replica", "standby", "read", "core", "cluster", "shard", "peer", "first-peer"];

/** Two members of one replicated set (same service, replicated roles) never share a node. */
export function checkReplicasSpread(resources: readonly ResourceView[], config: SpreadConfig = {}): Violation[] {
    const roles = new Set(config.replicatedRoles ?? DEFAULT_REPLICATED_ROLES);
    const members = placed(instancesOf(resources), config).filter((i) => i.service && roles.has(i.role ?? ""));
    const violations: Violation[] = [];
    for (const [key, group] of groupBy(members, (i) => `${i.service}\u0000${i.node}`)) {
        if (group.length < 2) continue;
        const [service, node] = key.split("\u0000");
        violations.push({
            urn: group[1].urn,
            message: `${group.length} members of replicated service '${service}' (${group.map((g) => `${g.name}:${g.role}`).join(", ")}) run on node ${node}; replicas must be spread across nodes`,
        });
    }
    return violations;
}
