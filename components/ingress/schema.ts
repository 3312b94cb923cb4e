/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `ingress`: the
 * HAProxy nodes and the public hosts they route. Shapes only; cross-field checks live in
 * ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so `Topology` stays one
 * statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { nodeName } from "../config/primitives";

export const ingressSchema = z.strictObject({
    /** Nodes that run HAProxy with public 80/443. */
    nodes: z.array(nodeName).min(1),
    hosts: z
        .array(
            z.strictObject({
                domain: z.string().regex(/^[a-z0-9.-]+$/),
                /** Service that serves this host (a key of `services`, or `daedalus`). */
                service: z.string().min(1),
                healthPath: z.string().startsWith("/").optional(),
            }),
        )
        .min(1),
    /** Create DNS records for the public names (needs a DNS provider token). */
    dns: z.strictObject({ zone: z.string().min(1) }).optional(),
});
