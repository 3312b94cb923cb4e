/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `services.<name>`
 * (the application services and their placement) and `daedalus`. Shapes only; cross-field checks live
 * in ./validate.ts and ./daedalus-validate.ts. stacks/schema.ts composes the fragment into
 * `topologySchema`, so `Topology` stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { cidr, imageSchema, nodeName } from "../config/primitives";

/** How a service instance behaves on a node (seed 000's distribution table). */
export const placementRole = z.enum(["active", "standby", "read", "worker"]);

export const serviceSchema = z.strictObject({
    image: imageSchema,
    /** Listening port; 0 for workers that serve nothing. */
    port: z.number().int().min(0).max(65535),
    healthPath: z.string().startsWith("/").default("/health"),
    metricsPath: z.string().startsWith("/").optional(),
    /** node -> role; seed 000's table ("✓ (standby)" is `standby`). */
    placement: z.record(nodeName, placementRole),
    gpu: z.boolean().default(false),
    memoryMb: z.number().int().min(16).default(512),
    cpus: z.number().positive().optional(),
    command: z.array(z.string()).optional(),
    /** Which platform services this one is wired to; each gets env and credentials. */
    uses: z
        .array(z.enum(["nats", "postgres", "redis", "qdrant", "neo4j", "s3"]))
        .default([]),
    /** Database (and owner role) of its own on the PostgreSQL primary. */
    database: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
    env: z.record(z.string(), z.string()).default({}),
});

export const daedalusSchema = z.strictObject({
    node: nodeName,
    apiImage: imageSchema,
    nginxImage: imageSchema,
    /**
     * Networks allowed to read /metrics. Seed 004 lists 10.10.0.0/24 (its own LAN), 172.16.0.0/12
     * (Docker bridges) and 127.0.0.0/8; here its LAN becomes this topology's network.ipRange.
     * @default [network.ipRange, "172.16.0.0/12", "127.0.0.0/8"]
     */
    metricsAllow: z.array(cidr).optional(),
    bucket: z.string().default("daedalus"),
    database: z.string().default("daedalus"),
});

export type ServiceSpec = z.infer<typeof serviceSchema>;
export type PlacementRole = z.infer<typeof placementRole>;
