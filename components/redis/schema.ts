/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `replication.redis`:
 * the Sentinel-managed master, its replicas, the Sentinels and the edge caches. Shapes only; cross-
 * field checks live in ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so
 * `Topology` stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { nodeName } from "../config/primitives";

export const redisReplicationSchema = z.strictObject({
    mode: z.literal("sentinel"),
    master: nodeName,
    replicas: z.array(nodeName).default([]),
    /** Nodes that run a Sentinel; at least 3 distinct ones so a majority survives one loss. */
    sentinels: z.array(nodeName),
    quorum: z.number().int().positive(),
    /** Standalone, non-persistent LRU caches (seed 000: node3). */
    edgeCaches: z.array(nodeName).default([]),
    edgeCacheMaxMemoryMb: z.number().int().positive().default(256),
    downAfterMs: z.number().int().positive().default(5000),
    failoverTimeoutMs: z.number().int().positive().default(60000),
});
