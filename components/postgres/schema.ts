/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`):
 * `replication.postgresql`: the PostgreSQL primary, its streaming replicas and the databases. Shapes
 * only; cross-field checks live in ./validate.ts. stacks/schema.ts composes the fragment into
 * `topologySchema`, so `Topology` stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { nodeName, port, hostPort } from "../config/primitives";

export const postgresReplicationSchema = z.strictObject({
    mode: z.literal("primary-replica"),
    primary: nodeName,
    replicas: z.array(nodeName).default([]),
    sync: z.enum(["async", "sync"]).default("async"),
    /** Databases with an owner role of the same name. `daedalus` comes from seed 004. */
    databases: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/)).default([]),
    port: port.default(5432),
    /**
     * `host:port` where the machine running `pulumi up` reaches the primary to manage databases and
     * roles, e.g. `127.0.0.1:15432` through `ssh -L 15432:<primary private IP>:5432 root@<primary>`.
     * @default the primary's private address (a runner inside the private network)
     */
    adminEndpoint: hostPort.optional(),
});
