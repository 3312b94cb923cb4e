/**
 * What other modules may rely on about Neo4j: workload name, ports, the password secret. Pure.
 */
import { NEO4J_PORTS as PORTS } from "./render";

export const NEO4J_WORKLOAD = "neo4j";
export const NEO4J_PORTS = {
    ...PORTS,
    /**
     * Prometheus endpoint of Enterprise Edition (scraped when edition is enterprise). Moved
     * unchanged from monitoring's former PEER_PORTS table, which gave no source for it.
     */
    metrics: 2004,
} as const;
/** Shared secret: the password of user `neo4j`. */
export const NEO4J_SECRET_NAMES = { password: "neo4j-password" } as const;

export const NEO4J_RESERVED_PORTS: Readonly<Record<number, string>> = { [NEO4J_PORTS.http]: "neo4j http", [NEO4J_PORTS.bolt]: "neo4j bolt" };
