/**
 * What other modules may rely on about NATS: workload name, ports, shared-secret names. Pure.
 */
import { DEFAULT_NATS_PORTS } from "./types";
export { NATS_SECRET_NAMES } from "./workload";

/** Workload of a node's first nats-server (a second one is `nats-<cluster>`, components/nats/types.ts natsWorkloadName). */
export const NATS_WORKLOAD = "nats";
export const NATS_PORTS = DEFAULT_NATS_PORTS;

/** Ports a nats-server publishes on a node's private IP; services must not claim them. */
export const NATS_RESERVED_PORTS: Readonly<Record<number, string>> = {
    [NATS_PORTS.client]: "nats client",
    [NATS_PORTS.cluster]: "nats routes",
    [NATS_PORTS.gateway]: "nats gateways",
    [NATS_PORTS.leafnode]: "nats leafnodes",
    [NATS_PORTS.monitor]: "nats monitoring",
};
