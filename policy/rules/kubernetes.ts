/**
 * Rules over the Kubernetes objects of a `runtime: kubernetes` stack: the same guardrails the
 * container rules (./container.ts) hold for Docker, on pod templates and Services.
 *
 * Host mounts: node_exporter reads the host's filesystems through read-only mounts on Docker
 * (components/monitoring/workloads.ts); on Kubernetes they are hostPath volumes. They are allowed
 * when EVERY mount of them is read-only and none reaches a container runtime socket; a writable
 * hostPath, or any hostPath on a pod that writes through it, is refused. Why the socket: whoever
 * controls the runtime can start a container that mounts the host's root directory and alters
 * the host filesystem without restriction, so only trusted users should control the daemon
 * (Docker daemon attack surface: https://docs.docker.com/engine/security/#docker-daemon-attack-surface;
 * the same for containerd / CRI-O by analogy: no source checked).
 */
import { asArray, asNumber, asRecord, asString, isUnknown, ResourceView, Violation } from "../lib/resource";
import { parsePortList, portInRanges } from "../lib/net";
import { credentialPart, isCredentialKey } from "./secrets";

export const KUBERNETES_TYPES = {
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pod: "kubernetes:core/v1:Pod",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
} as const;

/** Resource types that carry a pod spec. */
export const POD_TYPES: readonly string[] = [
    KUBERNETES_TYPES.pod,
    KUBERNETES_TYPES.deployment,
    KUBERNETES_TYPES.statefulSet,
    KUBERNETES_TYPES.daemonSet,
    KUBERNETES_TYPES.replicaSet,
    KUBERNETES_TYPES.job,
    KUBERNETES_TYPES.cronJob,
];

/** The pod spec of a Pod, of a controller's template, or of a CronJob's job template; undefined when unknown. */
export function podSpecOf(r: ResourceView): Record<string, unknown> | undefined {
    const spec = r.props["spec"];
    if (isUnknown(spec)) return undefined;
    if (r.type === KUBERNETES_TYPES.pod) return asRecord(spec);
    if (r.type === KUBERNETES_TYPES.cronJob) return asRecord(asRecord(asRecord(asRecord(asRecord(spec)["jobTemplate"])["spec"])["template"])["spec"]);
    const template = asRecord(spec)["template"];
    if (isUnknown(template)) return undefined;
    return asRecord(asRecord(template)["spec"]);
}

interface Container {
    readonly kind: "containers" | "initContainers";
    readonly index: number;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

function containersOf(pod: Record<string, unknown>): Container[] {
    return (["initContainers", "containers"] as const).flatMap((kind) =>
        asArray(pod[kind]).map((raw, index) => {
            const props = asRecord(raw);
            return { kind, index, name: asString(props["name"]) ?? `#${index}`, props };
        }),
    );
}

const DANGEROUS_CAPS = new Set(["ALL", "SYS_ADMIN", "CAP_SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"]);

/**
 * No privileged container, no privilege escalation, no dangerous capability, no host namespaces.
 * "Processes in privileged containers are essentially equivalent to root on the host."
 * (SecurityContext.privileged, @pulumi/kubernetes@4.34.2: types/input.d.ts). A hostPort without
 * hostIP binds every address of the node: "If you don't specify the hostIP and protocol
 * explicitly, Kubernetes will use 0.0.0.0 as the default hostIP and TCP as the default protocol."
 * (https://kubernetes.io/docs/concepts/configuration/overview/).
 */
export function checkPodNotPrivileged(r: ResourceView): Violation[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    const violations: Violation[] = [];
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (pod[ns] === true) violations.push({ message: `${r.type} '${r.name}' sets ${ns}: its pods share the node's ${ns.slice(4)} namespace` });
    }
    for (const c of containersOf(pod)) {
        const sc = asRecord(c.props["securityContext"]);
        if (sc["privileged"] === true) violations.push({ message: `${r.type} '${r.name}' container '${c.name}' runs privileged (full access to the node)` });
        if (sc["allowPrivilegeEscalation"] === true) violations.push({ message: `${r.type} '${r.name}' container '${c.name}' allows privilege escalation` });
        for (const cap of asArray(asRecord(sc["capabilities"])["add"])) {
            if (typeof cap === "string" && DANGEROUS_CAPS.has(cap.toUpperCase())) violations.push({ message: `${r.type} '${r.name}' container '${c.name}' adds capability ${cap}` });
        }
        for (const p of asArray(c.props["ports"])) {
            const hostPort = asNumber(asRecord(p)["hostPort"]);
            const hostIP = asString(asRecord(p)["hostIP"]);
            if (hostPort !== undefined) violations.push({ message: `${r.type} '${r.name}' container '${c.name}' binds hostPort ${hostPort} on ${hostIP ? `the node's address ${hostIP}` : "the node's every interface"}; expose ports through a Service` });
        }
    }
    return violations;
}

const SOCKETS = /(^|\/)(docker|containerd|crio|cri-dockerd)\.sock$|^\/(var\/)?run\/?$|^\/(var\/)?run\/(containerd|docker|crio)(\/|$)/;

/** hostPath volumes only read-only, and never a container runtime socket or its directory. */
export function checkHostPathReadOnly(r: ResourceView): Violation[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    const violations: Violation[] = [];
    const hostVolumes = new Map<string, string>();
    for (const raw of asArray(pod["volumes"])) {
        const v = asRecord(raw);
        const hostPath = asString(asRecord(v["hostPath"])["path"]);
        if (hostPath === undefined) continue;
        const name = asString(v["name"]) ?? "?";
        hostVolumes.set(name, hostPath);
        const normalized = hostPath.replace(/\/+/g, "/");
        if (SOCKETS.test(normalized)) violations.push({ message: `${r.type} '${r.name}' volume '${name}' mounts host path ${hostPath}, which exposes the container runtime (root on the node)` });
    }
    for (const c of containersOf(pod)) {
        for (const raw of asArray(c.props["volumeMounts"])) {
            const m = asRecord(raw);
            const name = asString(m["name"]) ?? "?";
            if (hostVolumes.has(name) && m["readOnly"] !== true) {
                violations.push({ message: `${r.type} '${r.name}' container '${c.name}' mounts host path ${hostVolumes.get(name)} writable; host mounts must be readOnly` });
            }
        }
    }
    return violations;
}

/** Every container has a memory limit. */
export function checkPodLimits(r: ResourceView): Violation[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    return containersOf(pod)
        .filter((c) => {
            const memory = asRecord(asRecord(c.props["resources"])["limits"])["memory"];
            return !isUnknown(memory) && (memory === undefined || memory === null || memory === "" || memory === 0);
        })
        .map((c) => ({ message: `${r.type} '${r.name}' container '${c.name}' has no memory limit (resources.limits.memory); one runaway service can OOM the whole node` }));
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Every container image is pinned by digest. */
export function checkPodImagesPinned(r: ResourceView): Violation[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    return containersOf(pod)
        .filter((c) => !isUnknown(c.props["image"]) && !DIGEST.test(asString(c.props["image"]) ?? ""))
        .map((c) => ({ message: `${r.type} '${r.name}' container '${c.name}' image '${asString(c.props["image"]) ?? ""}' is not pinned by digest (use repository@sha256:...)` }));
}

/** Every long-running container has liveness and readiness probes. */
export function checkPodProbes(r: ResourceView): Violation[] {
    if (r.type === KUBERNETES_TYPES.job || r.type === KUBERNETES_TYPES.cronJob) return [];
    const pod = podSpecOf(r);
    if (!pod) return [];
    const violations: Violation[] = [];
    for (const c of containersOf(pod).filter((x) => x.kind === "containers")) {
        const missing = ["livenessProbe", "readinessProbe"].filter((p) => c.props[p] === undefined || c.props[p] === null);
        if (missing.length) violations.push({ message: `${r.type} '${r.name}' container '${c.name}' has no ${missing.join(" and ")}; restarts and failover cannot tell a hung service from a healthy one` });
    }
    return violations;
}

/** Credentials reach containers through secretKeyRef, never as literal env values in the pod spec. */
export function checkPodCredentialEnv(r: ResourceView): Violation[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    const violations: Violation[] = [];
    for (const c of containersOf(pod)) {
        for (const raw of asArray(c.props["env"])) {
            const e = asRecord(raw);
            const key = asString(e["name"]) ?? "";
            const value = e["value"];
            if (isUnknown(value) || typeof value !== "string") continue;
            if (isCredentialKey(key) || credentialPart(key, value) !== undefined) {
                violations.push({ message: `${r.type} '${r.name}' container '${c.name}' env ${key} holds a credential in the pod spec; take it from a Secret (valueFrom.secretKeyRef)` });
            }
        }
    }
    return violations;
}

export interface ExposedPortsConfig {
    /** Ports of data stores and brokers (policy/rules/firewall.ts DEFAULT_DATA_PORTS). */
    readonly dataPorts: readonly (number | string)[];
    /** Metrics ports (DEFAULT_METRICS_PORTS). */
    readonly metricsPorts: readonly (number | string)[];
}

/** A Service reachable from outside the cluster (LoadBalancer, NodePort, externalIPs) exposes no data, broker or metrics port. */
export function checkServiceExposure(r: ResourceView, config: ExposedPortsConfig): Violation[] {
    if (r.type !== KUBERNETES_TYPES.service) return [];
    const spec = asRecord(r.props["spec"]);
    const type = asString(spec["type"]) ?? "ClusterIP";
    const external = type === "LoadBalancer" || type === "NodePort" || asArray(spec["externalIPs"]).length > 0;
    if (!external) return [];
    const data = parsePortList(config.dataPorts);
    const metrics = parsePortList(config.metricsPorts);
    const violations: Violation[] = [];
    for (const raw of asArray(spec["ports"])) {
        const p = asRecord(raw);
        const numbers = [asNumber(p["port"]), asNumber(p["targetPort"])].filter((n): n is number => n !== undefined);
        const kind = numbers.some((n) => portInRanges(n, data)) ? "data/broker" : numbers.some((n) => portInRanges(n, metrics)) ? "metrics" : undefined;
        if (kind) violations.push({ message: `Service '${r.name}' (${type}) exposes ${kind} port ${numbers[0]} outside the cluster; reach it through a ClusterIP Service inside the namespace` });
    }
    return violations;
}

/**
 * Stack rule: every namespace with workloads has a default-deny ingress NetworkPolicy (all pods,
 * policyTypes Ingress, no rule), so a workload is reachable only where its own policy allows
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic;
 * without a network plugin that implements NetworkPolicy, no policy has any effect: same page).
 */
export function checkDefaultDeny(views: readonly ResourceView[]): Violation[] {
    const namespaces = new Set<string>();
    for (const v of views) {
        if (!POD_TYPES.includes(v.type)) continue;
        const ns = asString(asRecord(v.props["metadata"])["namespace"]);
        namespaces.add(ns ?? "default");
    }
    const denied = new Set<string>();
    for (const v of views) {
        if (v.type !== KUBERNETES_TYPES.networkPolicy) continue;
        const spec = asRecord(v.props["spec"]);
        const selectsAll = Object.keys(asRecord(asRecord(spec["podSelector"])["matchLabels"])).length === 0 && asArray(asRecord(spec["podSelector"])["matchExpressions"]).length === 0;
        const ingressTyped = asArray(spec["policyTypes"]).includes("Ingress");
        if (selectsAll && ingressTyped && asArray(spec["ingress"]).length === 0) denied.add(asString(asRecord(v.props["metadata"])["namespace"]) ?? "default");
    }
    return [...namespaces].filter((ns) => !denied.has(ns)).map((ns) => ({ message: `namespace '${ns}' has workloads but no default-deny ingress NetworkPolicy; every pod accepts connections from anywhere in the cluster` }));
}

/**
 * Namespaces, standalone PVCs and StatefulSets with claim templates hold data: protected.
 * Deleting a namespace "deletes _everything_ under the namespace"
 * (https://kubernetes.io/docs/tasks/administer-cluster/namespaces/#deleting-a-namespace); deleting
 * a claim deletes a dynamically provisioned volume under the default reclaimPolicy `Delete`
 * (https://kubernetes.io/docs/concepts/storage/storage-classes/#reclaim-policy); a StatefulSet's
 * claims are deleted with it or on scale-down only with `persistentVolumeClaimRetentionPolicy`
 * `Delete` (the default is `Retain`: StatefulSetPersistentVolumeClaimRetentionPolicy,
 * @pulumi/kubernetes@4.34.2: types/input.d.ts), which is refused below.
 */
export function checkKubernetesStatefulProtected(r: ResourceView): Violation[] {
    const holdsData =
        r.type === KUBERNETES_TYPES.namespace ||
        r.type === KUBERNETES_TYPES.pvc ||
        (r.type === KUBERNETES_TYPES.statefulSet && !isUnknown(r.props["spec"]) && asArray(asRecord(r.props["spec"])["volumeClaimTemplates"]).length > 0);
    if (!holdsData) return [];
    const violations: Violation[] = [];
    const loss = r.type === KUBERNETES_TYPES.statefulSet ? "deleting it stops the server of its volume claims" : "deleting it deletes the volumes";
    if (!r.protect) violations.push({ message: `${r.type} '${r.name}' holds data (${loss}) but is not protected (set the protect resource option)` });
    const retention = asRecord(asRecord(r.props["spec"])["persistentVolumeClaimRetentionPolicy"]);
    for (const when of ["whenDeleted", "whenScaled"]) {
        if (r.type === KUBERNETES_TYPES.statefulSet && retention[when] === "Delete") violations.push({ message: `StatefulSet '${r.name}' deletes its claims ${when.slice(4).toLowerCase()} (persistentVolumeClaimRetentionPolicy.${when}: Delete)` });
    }
    return violations;
}
