/**
 * Rules over `docker:index/container:Container`, the resource every workload becomes on a node.
 */
import {
    asArray,
    asNumber,
    asRecord,
    asString,
    isTrueLabel,
    isUnknown,
    labelsOf,
    LABELS,
    ResourceView,
    Violation,
} from "../lib/resource";
import { isPrivateAddress, parsePortList, portInRanges } from "../lib/net";

interface PublishedPort {
    readonly index: number;
    readonly internal: number | undefined;
    /** Host port; undefined means Docker picks a random one. */
    readonly external: number | undefined;
    /** Host address; the provider's default is 0.0.0.0 (every interface). */
    readonly ip: string;
    readonly unknown: boolean;
}

export function publishedPorts(container: ResourceView): PublishedPort[] {
    return asArray(container.props["ports"]).map((raw, index) => {
        const p = asRecord(raw);
        return {
            index,
            internal: asNumber(p["internal"]),
            external: asNumber(p["external"]),
            ip: asString(p["ip"]) ?? "0.0.0.0",
            unknown: isUnknown(raw) || isUnknown(p["ip"]) || isUnknown(p["external"]) || isUnknown(p["internal"]),
        };
    });
}

function describePort(p: PublishedPort): string {
    const host = p.external === undefined ? "<random>" : String(p.external);
    return `ports[${p.index}] ${p.ip}:${host}->${p.internal ?? "?"}`;
}

export function isIngressContainer(container: ResourceView): boolean {
    return isTrueLabel(labelsOf(container.props)[LABELS.ingress]);
}

export interface PrivatePortsConfig {
    /** Host or container ports any container may publish publicly (e.g. 80, 443 on a gateway). */
    readonly ingressPorts: readonly (number | string)[];
}

/**
 * Published ports bind to a private address (the node's private IP, or loopback) unless the
 * container is an ingress (`daarion.ingress=true`) or the port is a configured ingress port.
 */
export function checkContainerPortsPrivate(container: ResourceView, config: PrivatePortsConfig): Violation[] {
    if (isIngressContainer(container)) return [];
    const ingress = parsePortList(config.ingressPorts);
    const violations: Violation[] = [];
    for (const p of publishedPorts(container)) {
        if (p.unknown || isPrivateAddress(p.ip)) continue;
        const port = p.external ?? p.internal;
        if (port !== undefined && portInRanges(port, ingress)) continue;
        violations.push({
            message:
                `container '${container.name}' ${describePort(p)} is published on ${p.ip}` +
                (p.ip === "0.0.0.0" || p.ip === "::" ? " (every interface, including the public one)" : "") +
                `; bind it to the node's private IP, or label the container ${LABELS.ingress}=true if it is an ingress`,
        });
    }
    return violations;
}

export interface MetricsPortsConfig {
    readonly metricsPorts: readonly (number | string)[];
}

/** Metrics ports stay private even on ingress containers (no auth on /metrics). */
export function checkContainerMetricsInternal(container: ResourceView, config: MetricsPortsConfig): Violation[] {
    const metrics = parsePortList(config.metricsPorts);
    const violations: Violation[] = [];
    for (const p of publishedPorts(container)) {
        if (p.unknown || isPrivateAddress(p.ip)) continue;
        const hits = [p.internal, p.external].filter((x): x is number => x !== undefined && portInRanges(x, metrics));
        if (hits.length === 0) continue;
        violations.push({
            message: `container '${container.name}' ${describePort(p)} publishes metrics port ${hits[0]} on a public address; metrics endpoints must be reachable on the private network only`,
        });
    }
    return violations;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

/**
 * Tags move; a digest pins exactly what runs. A container fed a RemoteImage's image ID runs a fixed
 * image only until the next `up` re-resolves the tag, so the RemoteImage's `name` is what must
 * carry the digest; a container's own `image` must be a digest reference or an image ID.
 */
export function checkImagePinned(resource: ResourceView): Violation[] {
    if (resource.type === REMOTE_IMAGE_TYPE) {
        const name = resource.props["name"];
        if (isUnknown(name)) return [];
        const text = asString(name) ?? "";
        if (DIGEST.test(text)) return [];
        return [{ message: `remote image '${resource.name}' pulls '${text}', a tag that can move; pin it by digest (repository@sha256:...)` }];
    }
    const image = resource.props["image"];
    if (isUnknown(image)) return [];
    const text = asString(image) ?? "";
    if (DIGEST.test(text) || IMAGE_ID.test(text)) return [];
    return [{ message: `container '${resource.name}' image '${text}' is not pinned by digest (use repository@sha256:...)` }];
}

export function checkMemoryLimit(container: ResourceView): Violation[] {
    const memory = container.props["memory"];
    if (isUnknown(memory)) return [];
    const mb = asNumber(memory);
    if (mb !== undefined && mb > 0) return [];
    return [{ message: `container '${container.name}' has no memory limit (memory); one runaway service can OOM the whole node` }];
}

export function checkHealthcheck(container: ResourceView): Violation[] {
    const hc = container.props["healthcheck"];
    if (isUnknown(hc)) return [];
    const tests = asArray(asRecord(hc)["tests"]);
    if (tests.length > 0 && tests[0] !== "NONE") return [];
    return [{ message: `container '${container.name}' has no healthcheck (healthcheck.tests); restarts and failover cannot tell a hung service from a healthy one` }];
}

const DANGEROUS_CAPS = new Set(["ALL", "SYS_ADMIN", "CAP_SYS_ADMIN"]);

export function checkNoPrivileged(container: ResourceView): Violation[] {
    const violations: Violation[] = [];
    if (container.props["privileged"] === true) {
        violations.push({ message: `container '${container.name}' runs privileged (full access to the host)` });
    }
    const adds = asArray(asRecord(container.props["capabilities"])["adds"]);
    for (const cap of adds) {
        if (typeof cap === "string" && DANGEROUS_CAPS.has(cap.toUpperCase())) {
            violations.push({ message: `container '${container.name}' adds capability ${cap}, which is equivalent to privileged` });
        }
    }
    return violations;
}

export function checkNoHostNetwork(container: ResourceView): Violation[] {
    const mode = container.props["networkMode"];
    if (asString(mode) !== "host") return [];
    return [{ message: `container '${container.name}' uses networkMode=host: every listener binds on the public interface and port publishing rules no longer apply` }];
}

function normalizePath(p: string): string {
    const collapsed = p.replace(/\/+/g, "/");
    return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

/** Host paths that are, or contain, the Docker API socket. */
const SOCKET_PATHS = ["/var/run/docker.sock", "/run/docker.sock"];

function exposesDockerSocket(hostPath: string): boolean {
    const p = normalizePath(hostPath);
    if (p.endsWith("/docker.sock")) return true;
    return SOCKET_PATHS.some((s) => s === p || s.startsWith(p === "/" ? "/" : `${p}/`));
}

/**
 * Mounting the Docker socket gives the container root on the host (read-only mounts included:
 * `:ro` only protects the socket inode, not the API behind it). Seed 001's "Docker API quick fix"
 * mounts /var/run/docker.sock:ro into WHOOSH; this rule exists to stop exactly that.
 */
export function checkNoDockerSocket(container: ResourceView): Violation[] {
    const violations: Violation[] = [];
    asArray(container.props["volumes"]).forEach((raw, i) => {
        const hostPath = asString(asRecord(raw)["hostPath"]);
        if (hostPath && exposesDockerSocket(hostPath)) {
            violations.push({ message: `container '${container.name}' volumes[${i}] mounts ${hostPath}, which exposes the Docker socket (root on the host)` });
        }
    });
    asArray(container.props["mounts"]).forEach((raw, i) => {
        const m = asRecord(raw);
        const source = asString(m["source"]);
        if (asString(m["type"]) === "bind" && source && exposesDockerSocket(source)) {
            violations.push({ message: `container '${container.name}' mounts[${i}] binds ${source}, which exposes the Docker socket (root on the host)` });
        }
    });
    return violations;
}
