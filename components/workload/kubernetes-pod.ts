/**
 * Pod-level parts of the Kubernetes manifests (pure, no Pulumi import): probes and resources from
 * a WorkloadSpec, and the chunking of files too large for one ConfigMap. Used by
 * ./kubernetes-manifests.ts.
 */
import type { ProbeCheck, WorkloadProbe, WorkloadSpec } from "./spec";

export class KubernetesSpecError extends Error {}

/**
 * The API server refuses a ConfigMap or Secret whose values add up to more than 1 MiB: ConfigMap
 * "The data stored in a ConfigMap cannot exceed 1 MiB."
 * (https://kubernetes.io/docs/concepts/configuration/configmap/#motivation); Secret "Individual
 * Secrets are limited to 1MiB in size." (https://kubernetes.io/docs/concepts/configuration/secret/#restriction-data-size).
 * The check sums the values' bytes (keys not counted) and fails on `totalSize >
 * core.MaxSecretSize` (1024 * 1024) for both kinds (ValidateConfigMap / ValidateSecret,
 * kubernetes/kubernetes: pkg/apis/core/validation/validation.go), hence `>` below.
 * A plain file larger than CHUNK_BYTES (the node agent's bundle, 1.4 MB) is split into ConfigMaps
 * of one chunk each and joined by an init container into an emptyDir, which the container mounts
 * at the file's path.
 */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;
export const CHUNK_BYTES = 512 * 1024;

/** `text` in pieces of at most `max` UTF-8 bytes, never splitting a character. */
export function splitUtf8(text: string, max = CHUNK_BYTES): string[] {
    const parts: string[] = [];
    let at = 0;
    while (at < text.length) {
        let end = Math.min(text.length, at + max);
        while (Buffer.byteLength(text.slice(at, end)) > max) end = at + Math.floor((end - at) * 0.9);
        // A surrogate pair stays whole.
        if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
        parts.push(text.slice(at, end));
        at = end;
    }
    return parts;
}

/** Annotation on the pod template listing the files the init container assembles (the render's files/ view reads it). */
export const ASSEMBLED_ANNOTATION = "daarion.io/assembled-files";
export const CHUNK_DIR = "/daarion-chunks";
export const ASSEMBLED_DIR = "/daarion-assembled";

export function shortHash(text: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, "0");
}

function seconds(duration: string | undefined, fallback: number, what: string): number {
    if (duration === undefined) return fallback;
    const m = /^(\d+)(ms|s|m|h)$/.exec(duration);
    if (!m) throw new KubernetesSpecError(`kubernetes: ${what} '${duration}' is not a duration like 10s`);
    const n = Number(m[1]);
    const s = m[2] === "ms" ? n / 1000 : m[2] === "s" ? n : m[2] === "m" ? n * 60 : n * 3600;
    return Math.max(1, Math.ceil(s));
}

/** The probe handler of a check. */
export function probeHandler(check: ProbeCheck): Record<string, unknown> {
    if ("exec" in check) return { exec: { command: [...check.exec] } };
    if ("shell" in check) return { exec: { command: ["/bin/sh", "-c", check.shell] } };
    if ("http" in check) return { httpGet: { port: check.http.port, path: check.http.path } };
    return { tcpSocket: { port: check.tcp.port } };
}

/**
 * Liveness, readiness and startup probes with Docker's defaults (components/workload/docker.ts).
 * `exec` runs the command inside the container; `httpGet` and `tcpSocket` are performed by the
 * kubelet against the Pod's IP address
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#probe-check-methods).
 */
export function probes(probe: WorkloadProbe): { livenessProbe: Record<string, unknown>; readinessProbe: Record<string, unknown>; startupProbe: Record<string, unknown> } {
    const period = seconds(probe.interval, 10, "probe interval");
    const timeout = seconds(probe.timeout, 5, "probe timeout");
    const retries = probe.retries ?? 5;
    const start = seconds(probe.startPeriod, 30, "probe start period");
    const handler = probeHandler(probe.check);
    const common = { ...handler, periodSeconds: period, timeoutSeconds: timeout };
    return {
        livenessProbe: { ...common, failureThreshold: retries },
        readinessProbe: { ...common, failureThreshold: retries },
        // Failures inside the start period do not count on Docker; here the startup probe absorbs
        // them: its failureThreshold * periodSeconds covers the start period plus Docker's retries
        // (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes),
        // and no other probe runs until it has succeeded once (Container.startupProbe,
        // @pulumi/kubernetes@4.34.2: types/input.d.ts).
        startupProbe: { ...common, failureThreshold: Math.ceil(start / period) + retries },
    };
}

/**
 * Memory and CPU: requests equal limits, so the scheduler reserves what Docker caps ("Requests
 * cannot exceed Limits", ResourceRequirements, @pulumi/kubernetes@4.34.2: types/input.d.ts; the
 * scheduler places a pod by requests: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled).
 * The pod is of QoS class Guaranteed only when CPU is set too: every container, init containers
 * included ("These restrictions apply to init containers and app containers equally."), needs a
 * CPU and a memory limit equal to its request
 * (https://kubernetes.io/docs/tasks/configure-pod-container/quality-service-pod/#create-a-pod-that-gets-assigned-a-qos-class-of-guaranteed;
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/#guaranteed). Without `cpus`, or
 * with the memory-only `assemble-files` init container of ./kubernetes-manifests.ts, it is
 * Burstable.
 */
export function resources(spec: WorkloadSpec): Record<string, Record<string, string | number>> {
    const limits: Record<string, string | number> = { memory: `${spec.memoryMb}Mi` };
    const requests: Record<string, string | number> = { memory: `${spec.memoryMb}Mi` };
    if (spec.cpus !== undefined) {
        limits.cpu = `${Math.round(spec.cpus * 1000)}m`;
        requests.cpu = limits.cpu;
    }
    // One device: a topology node has one GPU (seed 000: node1 is a GEX44 with one RTX 4000).
    // `nvidia.com/gpu` is the resource the NVIDIA device plugin exposes; GPUs "are only supposed to
    // be specified in the `limits` section": "You can specify GPU `limits` without specifying
    // `requests` because Kubernetes will use the limit as the request value by default."
    // (https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/#using-device-plugins).
    if (spec.gpu) limits["nvidia.com/gpu"] = 1;
    return { limits, requests };
}
