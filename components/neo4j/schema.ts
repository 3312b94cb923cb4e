/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `replication.neo4j`:
 * Neo4j 5 primaries and secondaries. Shapes only; cross-field checks live in ./validate.ts.
 * stacks/schema.ts composes the fragment into `topologySchema`, so `Topology` stays one statically
 * inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { nodeName } from "../config/primitives";

export const neo4jReplicationSchema = z.strictObject({
    mode: z.enum(["cluster", "standalone"]),
    /** Seed 000's "core servers": Neo4j 5 primaries. */
    primaries: z.array(nodeName).min(1),
    /** Seed 000's "read replicas": Neo4j 5 secondaries. */
    secondaries: z.array(nodeName).default([]),
    edition: z.enum(["community", "enterprise"]).default("community"),
    /** Clustering needs Enterprise; its license must be accepted explicitly. */
    acceptLicenseAgreement: z.boolean().default(false),
    heapGb: z.number().positive().default(2),
    pageCacheGb: z.number().positive().default(2),
});
