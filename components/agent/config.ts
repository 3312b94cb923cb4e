/**
 * The node agent's config file (`/etc/daarion-agent/config.json`): schema, type, defaults and the
 * files it shares with the PostgreSQL launcher. Pure (no Pulumi import): the daemon bundle and the
 * Pulumi renderer (agent-deploy's components/agent/render.ts) both import it.
 *
 * Contract: /work/prompts/agent-contract.md (issue 12).
 */
import { array, enum as zodEnum, number, strictObject, string } from "zod";
import type { input, output } from "zod";

/**
 * Named imports, not `import { z } from "zod"`: esbuild keeps the whole `z` namespace in the
 * daemon bundle, all 64 locales included (zod@4.6.7: 751 KB of a 1.46 MB bundle), while named
 * imports let it drop what the schema does not use. The bundle is uploaded into every node's agent
 * container, so its size is paid by every render and every `pulumi up` (README "Benchmark").
 */
const z = { array, enum: zodEnum, number, strictObject, string };

/** Default HTTP port of the agent on the node's private IP. */
export const AGENT_DEFAULT_PORT = 9700;
/** Default JetStream KV bucket holding leases and heartbeats (R3, created by the Pulumi program). */
export const AGENT_DEFAULT_BUCKET = "failover";
/** Where the container reads its config. */
export const AGENT_CONFIG_PATH = "/etc/daarion-agent/config.json";

/** KV keys. Every `lease.*` write is `create` or `update(key, value, revision)`, never `put`. */
export const leaseKey = (group: string): string => `lease.${group}`;
export const heartbeatKey = (node: string): string => `heartbeat.${node}`;

/**
 * Files the agent writes into the volume it shares with the postgres container
 * (`postgres.stateDir`, mounted at /run/daarion in both containers). The launcher
 * (components/postgres/render.ts) obeys them:
 *  - `writable-until`: one integer, epoch milliseconds on the host clock (both containers share
 *    the host's CLOCK_REALTIME). The node may run as a writable primary only while now < this
 *    value. The agent writes it only while it holds the lease, always earlier than the lease's
 *    expiry as the replica will judge it. The launcher refuses to start writable without it, and a
 *    watchdog beside the running server stops the server when it passes, even if the agent died.
 *  - `primary`: `<host> <port>` of the group's current primary according to the lease; a node
 *    that does not hold the lease streams from (or re-clones from) this address.
 * Writes are atomic (temp file + rename) so the shell never reads half a number.
 */
export const AGENT_STATE_FILES = {
    writableUntil: "writable-until",
    primary: "primary",
} as const;

const hostPort = z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, "expected <ip>:<port>")
    .refine((s) => Number(s.split(":")[1]) > 0 && Number(s.split(":")[1]) < 65536, "port out of range");

const memberSchema = z.strictObject({
    node: z.string().min(1),
    /** Higher wins the first election and is the topology's preference. @default 0 */
    priority: z.number().int().default(0),
});

const postgresSchema = z.strictObject({
    /** Address of this node's PostgreSQL (the agent runs beside it). */
    host: z.string().min(1),
    /** @default 5432 */
    port: z.number().int().min(1).max(65535).default(5432),
    /** Superuser the agent uses for pg_promote()/pg_last_wal_replay_lsn(). @default "postgres" */
    user: z.string().min(1).default("postgres"),
    /** Environment variable holding that user's password. @default "PGPASSWORD" */
    passwordEnv: z.string().min(1).default("PGPASSWORD"),
    /** Volume shared with the postgres container (AGENT_STATE_FILES). @default "/run/daarion" */
    stateDir: z.string().min(1).default("/run/daarion"),
    /** Database the agent connects to. @default "postgres" */
    database: z.string().min(1).default("postgres"),
});

export const groupSchema = z
    .strictObject({
        name: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_' only (it is part of a KV key)"),
        /**
         * AbsoluteConsistency: at most one member serves; a member that cannot renew the lease
         * fences itself before the lease can expire (PostgreSQL). SplitBrainAllowed: the lease only
         * says who is preferred; every member whose workload is healthy and cannot see the holder
         * serves (router active/standby).
         */
        strategy: z.enum(["AbsoluteConsistency", "SplitBrainAllowed"]),
        kind: z.enum(["postgres", "http"]),
        members: z.array(memberSchema).min(2, "a failover group needs at least 2 members"),
        /**
         * A replica further behind the last WAL position the primary published is not promoted.
         * Patroni's `maximum_lag_on_failover` default is 1 MiB
         * (https://patroni.readthedocs.io/en/latest/yaml_configuration.html).
         * @default 1048576
         */
        maxLagBytes: z.number().int().min(0).optional(),
        postgres: postgresSchema.optional(),
        http: z.strictObject({ healthUrl: z.string().url() }).optional(),
    })
    .superRefine((g, ctx) => {
        if (g.kind === "postgres" && !g.postgres) ctx.addIssue({ code: "custom", path: ["postgres"], message: "required when kind is postgres" });
        if (g.kind === "http" && !g.http) ctx.addIssue({ code: "custom", path: ["http"], message: "required when kind is http" });
        if (g.kind === "postgres" && g.strategy !== "AbsoluteConsistency")
            ctx.addIssue({ code: "custom", path: ["strategy"], message: "PostgreSQL groups must be AbsoluteConsistency (two writable primaries diverge)" });
        const seen = new Set<string>();
        g.members.forEach((m, i) => {
            if (seen.has(m.node)) ctx.addIssue({ code: "custom", path: ["members", i, "node"], message: `duplicate member '${m.node}'` });
            seen.add(m.node);
        });
    });

/**
 * Timing. Patroni's rule `loop_wait + 2*retry_timeout <= ttl`
 * (https://patroni.readthedocs.io/en/latest/dynamic_configuration.html, "ttl ... loop_wait ...
 * retry_timeout") guarantees the holder gets two retried renew attempts inside one ttl. Patroni's
 * defaults are 30/10/10 s; ours are 10/2/4 s so a node death is recovered within the 15 s goal of
 * issue 12 (lease expiry 10 s + one replica loop + promotion).
 * The holder fences itself at `ttlMs - retryTimeoutMs` after its last successful renew request was
 * SENT (the server stamps the entry later, so the lease as the replica judges it lasts longer):
 * Harmony's `failover_timeout > heartbeat_timeout * failure_threshold`.
 */
export const timingSchema = z
    .strictObject({
        /** Lease lifetime, judged from JetStream message timestamps. @default 10000 */
        ttlMs: z.number().int().min(1000).default(10_000),
        /** Agent loop period (renew, publish WAL position, check). @default 2000 */
        loopMs: z.number().int().min(100).default(2_000),
        /** Timeout of one NATS/PostgreSQL request. @default 4000 */
        retryTimeoutMs: z.number().int().min(100).default(4_000),
    })
    .superRefine((t, ctx) => {
        if (t.loopMs + 2 * t.retryTimeoutMs > t.ttlMs)
            ctx.addIssue({
                code: "custom",
                path: ["ttlMs"],
                message: `loopMs + 2*retryTimeoutMs (${t.loopMs + 2 * t.retryTimeoutMs}) must be <= ttlMs (${t.ttlMs}) (Patroni's rule)`,
            });
    });

export const agentConfigSchema = z
    .strictObject({
        /** This node's name (topology key). */
        node: z.string().min(1),
        /** `<private ip>:<port>` the HTTP endpoints listen on (port default 9700). */
        listen: hostPort,
        nats: z.strictObject({
            servers: z.array(z.string().min(1)).min(1),
            user: z.string().min(1),
            /** Environment variable holding the agent user's NATS password. */
            passwordEnv: z.string().min(1),
            /** @default "failover" */
            bucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default(AGENT_DEFAULT_BUCKET),
        }),
        /** The other nodes' agents (`http://<ip>:9700`). */
        peers: z.array(z.strictObject({ node: z.string().min(1), url: z.string().url() })).default([]),
        timing: timingSchema.default({ ttlMs: 10_000, loopMs: 2_000, retryTimeoutMs: 4_000 }),
        groups: z.array(groupSchema).default([]),
        /** Services with their own consensus: reported, never overridden. */
        observe: z
            .strictObject({
                /** `host:port` of Redis Sentinels. */
                sentinels: z.array(z.string()).optional(),
                /** Environment variable with the Sentinel password. */
                sentinelPasswordEnv: z.string().optional(),
                qdrantUrl: z.string().url().optional(),
                /** Environment variable with the Qdrant API key. */
                qdrantApiKeyEnv: z.string().optional(),
                /** nats-server monitoring base URL (`http://<ip>:8222`), for /jsz meta leader. */
                natsMonitorUrl: z.string().url().optional(),
                neo4jUrl: z.string().url().optional(),
            })
            .optional(),
    })
    .superRefine((c, ctx) => {
        const names = new Set(c.groups.map((g) => g.name));
        if (names.size !== c.groups.length) ctx.addIssue({ code: "custom", path: ["groups"], message: "group names must be unique" });
    });

export type AgentConfig = output<typeof agentConfigSchema>;
export type AgentConfigInput = input<typeof agentConfigSchema>;
export type AgentGroup = AgentConfig["groups"][number];
export type AgentTiming = AgentConfig["timing"];

/** Patroni's maximum_lag_on_failover default (1 MiB). */
export const DEFAULT_MAX_LAG_BYTES = 1_048_576;

/** Parse a config; errors are one line each naming the key (`groups.0.members: ...`). */
export function parseAgentConfig(raw: unknown, file = AGENT_CONFIG_PATH): AgentConfig {
    const r = agentConfigSchema.safeParse(raw);
    if (r.success) return r.data;
    const lines = r.error.issues.map((i) => `${file}: ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(lines.join("\n"));
}
