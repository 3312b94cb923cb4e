/**
 * How workloads find each other. Renderers never hard-code hosts: they ask a resolver.
 * - On Hetzner nodes every peer is reached at its node's static private IP and the published port.
 * - On the local engine (stack `local`) every node's containers share one Docker network, and a
 *   peer is reached by container name, because nothing but ingress is published on the host.
 */

export interface PeerPort {
    readonly containerPort: number;
    readonly hostPort?: number;
}

export interface AddressResolver {
    readonly kind: "host" | "local" | "kubernetes";
    /** Host name or IP that other containers use to reach `workload` on `node`. */
    host(node: string, workload: string): string;
    /** `host:port`. */
    endpoint(node: string, workload: string, port: number): string;
    /** Address a server inside the container should announce to peers (Redis, NATS, Neo4j). */
    announce(node: string, workload: string): string;
    /**
     * Host name a workload on the same node reaches `workload` at, `internal` ports included: the
     * container's name on the node's Docker network, the Service's name in a cluster.
     */
    sameNode(node: string, workload: string): string;
    /**
     * Every topology node is on one machine (the local engine): per-host workloads run once, and
     * only the first ingress node terminates ingress.
     */
    readonly singleHost: boolean;
    /**
     * The port peers dial for a named port: on hosts the one published on the private IP
     * (`hostPort`); where peers share a network (the local engine, a cluster) the container's own.
     */
    port(port: PeerPort): number;
    /** `host:port` of a named port (`host` and `port` above). */
    portEndpoint(node: string, workload: string, port: PeerPort): string;
}

/** The Docker container name of a workload; also its DNS name on the node's network. */
export function containerName(node: string, workload: string): string {
    return `${node}-${workload}`;
}

export function hostResolver(privateIps: Readonly<Record<string, string>>): AddressResolver {
    const ipOf = (node: string) => {
        const ip = privateIps[node];
        if (!ip) throw new Error(`no private IP for node '${node}'`);
        return ip;
    };
    return {
        kind: "host",
        host: (node) => ipOf(node),
        endpoint: (node, _workload, port) => `${ipOf(node)}:${port}`,
        announce: (node) => ipOf(node),
        sameNode: containerName,
        singleHost: false,
        port: (port) => port.hostPort ?? port.containerPort,
        portEndpoint: (node, _workload, port) => `${ipOf(node)}:${port.hostPort ?? port.containerPort}`,
    };
}

export function localResolver(): AddressResolver {
    return {
        kind: "local",
        host: containerName,
        endpoint: (node, workload, port) => `${containerName(node, workload)}:${port}`,
        announce: containerName,
        sameNode: containerName,
        singleHost: true,
        port: (port) => port.containerPort,
        portEndpoint: (node, workload, port) => `${containerName(node, workload)}:${port.containerPort}`,
    };
}
