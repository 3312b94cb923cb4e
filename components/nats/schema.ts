/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `replication.nats`:
 * the NATS supercluster (clusters, leafnodes, JetStream). Shapes only; cross-field checks live in
 * ./validate-topology.ts. stacks/schema.ts composes the fragment into `topologySchema`, so `Topology`
 * stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { NAME, nodeName, port, portInRange } from "../config/primitives";

export const natsClusterSchema = z.strictObject({
    name: z.string().regex(NAME),
    nodes: z.array(nodeName).min(1),
    /** An edge cluster joins this (full) cluster through leafnode remotes. */
    leafnodeTo: z.string().regex(NAME).optional(),
    jetstream: z
        .strictObject({
            domain: z.string().regex(/^[a-zA-Z0-9_-]+$/).optional(),
            maxMemoryMb: z.number().int().positive().default(256),
            maxFileGb: z.number().int().positive().default(10),
        })
        .optional(),
    /**
     * Ports of this cluster's servers. A node that runs two servers (a third core server on node3
     * beside its edge leaf, for JetStream quorum) needs distinct ports for one of them.
     * @default client 4222, cluster 6222, gateway 7222, leafnode 7422, monitor 8222
     */
    ports: z
        .strictObject({ client: port.optional(), cluster: port.optional(), gateway: port.optional(), leafnode: port.optional(), monitor: port.optional() })
        .optional(),
});

export const natsSchema = z.strictObject({
    mode: z.literal("supercluster"),
    clusters: z.array(natsClusterSchema).min(1),
    /** TLS for routes, gateways and leafnodes; certificates come from stack secrets. */
    tls: z.boolean().default(false),
    /**
     * Client URLs through which `pulumi up` of the primary's stack reaches the core cluster to
     * declare JetStream streams and KV buckets (e.g. a WireGuard or SSH-tunnel address).
     * @default the core servers' private addresses (nats://127.0.0.1:4222 on the local engine)
     */
    adminServers: z.array(z
                .string()
                .regex(/^nats:\/\/[^\s/]+:\d+$/, "must be a URL like nats://10.10.2.11:4222")
                .refine(portInRange, "port must be 1-65535")).min(1).optional(),
});

export type NatsClusterSpec = z.infer<typeof natsClusterSchema>;
