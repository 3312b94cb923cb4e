/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `failover`, the
 * node agent's failover groups, lease timing, bucket and port. Shapes only; cross-field checks live
 * in ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so `Topology` stays
 * one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { NAME, port } from "../config/primitives";
import { DEFAULT_MAX_LAG_BYTES, timingSchema } from "./config";

/**
 * Seed 002's FailoverStrategy of one workload, acted on by the node agent (components/agent/).
 * - `AbsoluteConsistency`: at most one member serves; on a partition the minority side halts it.
 * - `SplitBrainAllowed`: every healthy member keeps serving through a partition; state is reconciled after.
 */
export const failoverGroupSchema = z.strictObject({
    strategy: z.enum(["AbsoluteConsistency", "SplitBrainAllowed"]),
    /**
     * A replica further behind the primary's last published WAL position is not promoted (Patroni's
     * `maximum_lag_on_failover`). PostgreSQL only. @default 1048576 (1 MiB, Patroni's default)
     */
    maxLagBytes: z.number().int().min(0).optional(),
});

/**
 * Automated failover by the node agent. Group keys: `postgres` (members: replication.postgresql's
 * primary, then its replicas) or a service whose placement has `active` and `standby` nodes (seed
 * 000's router). Leases live in a JetStream KV bucket (R3) of the core cluster.
 */
export const failoverSchema = z.strictObject({
    groups: z.record(z.string().regex(NAME), failoverGroupSchema).default({}),
    /**
     * Lease timing; Patroni's rule `loopMs + 2*retryTimeoutMs <= ttlMs` is enforced.
     * @default ttlMs 10000, loopMs 2000, retryTimeoutMs 4000 (components/agent/config.ts)
     */
    timing: timingSchema.default({ ttlMs: 10_000, loopMs: 2_000, retryTimeoutMs: 4_000 }),
    /** JetStream KV bucket of the leases. @default "failover" */
    bucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default("failover"),
    /** HTTP port of the agent on each node's private IP. @default 9700 */
    port: port.default(9700),
});
export { DEFAULT_MAX_LAG_BYTES };

export type FailoverSpec = z.infer<typeof failoverSchema>;
