/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `minio`: the S3
 * store, its buckets and where `pulumi up` reaches it. Shapes only; cross-field checks live in
 * ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so `Topology` stays one
 * statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { hostPort, imageSchema, nodeName } from "../config/primitives";

export const minioSchema = z.strictObject({
    node: nodeName,
    image: imageSchema,
    buckets: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)).default([]),
    /**
     * `host:port` where the machine running `pulumi up` reaches the MinIO API to manage buckets and
     * users, e.g. `127.0.0.1:19000` through `ssh -L 19000:<node private IP>:9000 root@<node>`.
     * @default the node's private address (a runner inside the private network); 127.0.0.1:9000 locally
     */
    providerEndpoint: hostPort.optional(),
});
