/**
 * Host ports of the `local` stack. A laptop's ports 80 and 443 are often taken (a local web server,
 * another stack), and rootless Docker cannot publish ports below 1024 at all ("docker run -p fails
 * with cannot expose privileged port", docker/docs content/manuals/engine/security/rootless.md). So
 * on the local engine a published port below 1024 moves to LOCAL_LOW_PORT_BASE + port (80 -> 18080,
 * 443 -> 18443), next to the other local admin ports (15432, 16333). Pure.
 */
import type { WorkloadPort, WorkloadSpec } from "../workload/spec";

export const LOCAL_LOW_PORT_BASE = 18000;

export function localHostPort(port: WorkloadPort): WorkloadPort {
    const host = port.hostPort ?? port.containerPort;
    return port.exposure !== "ingress" || host >= 1024 ? port : { ...port, hostPort: LOCAL_LOW_PORT_BASE + host };
}

/** The workload with its low published ports moved for the local engine. */
export function withLocalHostPorts(spec: WorkloadSpec): WorkloadSpec {
    return spec.ports ? { ...spec, ports: spec.ports.map(localHostPort) } : spec;
}
