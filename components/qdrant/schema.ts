/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`):
 * `replication.qdrant`: the sharded Qdrant cluster and its collections. Shapes only; cross-field
 * checks live in ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so
 * `Topology` stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { hostPort, nodeName } from "../config/primitives";

export const qdrantCollectionSchema = z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]+$/),
    vectorSize: z.number().int().positive(),
    distance: z.enum(["Cosine", "Dot", "Euclid", "Manhattan"]).default("Cosine"),
    shards: z.number().int().positive().optional(),
    replicationFactor: z.number().int().positive().optional(),
});

export const qdrantReplicationSchema = z.strictObject({
    mode: z.literal("sharded"),
    nodes: z.array(nodeName).min(1),
    /** The peer that starts the cluster; the others bootstrap from it. @default nodes[0] */
    firstPeer: nodeName.optional(),
    /** Defaults for collections that do not set their own (seed 000: 2 and 2). */
    shards: z.number().int().positive(),
    replicationFactor: z.number().int().positive(),
    collections: z.array(qdrantCollectionSchema).default([]),
    /**
     * `host:port` where the machine running `pulumi up` reaches the first peer's REST API to manage
     * collections (an SSH tunnel, like postgresql.adminEndpoint). @default its private address
     */
    adminEndpoint: hostPort.optional(),
});
