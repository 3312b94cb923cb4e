/**
 * What other modules may rely on about Qdrant: workload name, ports, the API-key secret. Pure.
 */
import { QDRANT_DEFAULT_PORTS } from "./render";

export const QDRANT_WORKLOAD = "qdrant";
export const QDRANT_PORTS = QDRANT_DEFAULT_PORTS;
/** Shared secret: Qdrant's `service.api_key`, also the bearer token Prometheus scrapes with. */
export const QDRANT_SECRET_NAMES = { apiKey: "qdrant-api-key" } as const;

export const QDRANT_RESERVED_PORTS: Readonly<Record<number, string>> = {
    [QDRANT_PORTS.http]: "qdrant http",
    [QDRANT_PORTS.grpc]: "qdrant grpc",
    [QDRANT_PORTS.p2p]: "qdrant p2p",
};
