/**
 * The per-node runtime of seed 003: herodb on each node that enables it, and PostgreSQL + PostgREST
 * on the nodes configured for it.
 *
 * Seed 003's remark decides herodb's shape: scripts on a node may use it, but "can and will be
 * lost" and it "cannot communicate with anyone else outside of the node". So its volume is not
 * protected and its port is never published: only containers on the node's Docker network reach it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ImageSource, WorkloadSpec } from "../workload/spec";
import { respPingCheck } from "../workload/probes";

export interface HerodbArgs {
    /** herodb has no official image: build it from its repository or pin your registry's digest. */
    readonly image: ImageSource;
    /** RESP port inside the node's Docker network. @default 6379 */
    readonly port?: number;
    /**
     * Server command. @default ["herodb", "--dir", "/data", "--port", "<port>"]
     * (herodb's CLI; override when your build differs).
     */
    readonly command?: readonly string[];
    /** @default 256 */
    readonly memoryMb?: number;
}

export function buildHerodbWorkload(args: HerodbArgs): WorkloadSpec {
    const port = args.port ?? 6379;
    return {
        name: "herodb",
        service: "herodb",
        role: "node-local",
        image: args.image,
        command: [...(args.command ?? ["herodb", "--dir", "/data", "--port", String(port)])],
        // NOT protected, by design (seed 003): herodb state may be lost on any redeploy or node loss.
        volumes: [{ key: "data", containerPath: "/data", stateful: false }],
        ports: [{ name: "resp", containerPort: port, exposure: "internal" }],
        // Needs bash in the image (Debian-based Rust images have it); no redis-cli required.
        probe: { check: respPingCheck(port), interval: "15s", timeout: "5s", retries: 3, startPeriod: "10s" },
        memoryMb: args.memoryMb ?? 256,
    };
}

export interface NodePostgresArgs {
    /** Official `postgres` image, pinned by digest. */
    readonly image: ImageSource;
    /** Superuser password (POSTGRES_PASSWORD). */
    readonly password: pulumi.Input<string>;
    /** @default "app" */
    readonly database?: string;
    /**
     * SQL run once, when the data directory is first initialized (the image's
     * /docker-entrypoint-initdb.d); e.g. `postgrestRolesSql`. Mounted as a secret file.
     */
    readonly initSql?: pulumi.Input<string>;
    /** @default 1024 */
    readonly memoryMb?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Roles of PostgREST's documented setup: `authenticator` logs in (NOINHERIT, so it holds no
 * privileges itself) and switches to `anonRole` or the JWT's role per request.
 */
export function postgrestRolesSql(args: { readonly authenticatorPassword: string; readonly anonRole: string; readonly schemas: readonly string[]; readonly authenticator?: string }): string {
    const auth = args.authenticator ?? "authenticator";
    for (const [what, v] of [["authenticator", auth], ["anonRole", args.anonRole], ...args.schemas.map((s) => ["schema", s])] as const) {
        if (!IDENT.test(v)) throw new Error(`${what} '${v}' must be a lower-case SQL identifier`);
    }
    const literal = `'${args.authenticatorPassword.replace(/'/g, "''")}'`;
    return [
        "-- Rendered by daarion components/apps/runtime.ts; runs once, at first initialization.",
        `CREATE ROLE ${auth} LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD ${literal};`,
        `CREATE ROLE ${args.anonRole} NOLOGIN;`,
        `GRANT ${args.anonRole} TO ${auth};`,
        ...args.schemas.flatMap((s) => [`CREATE SCHEMA IF NOT EXISTS ${s};`, `GRANT USAGE ON SCHEMA ${s} TO ${args.anonRole};`]),
        "",
    ].join("\n");
}

/**
 * A node-local PostgreSQL for nodes that run PostgREST but host no member of the replicated cluster
 * (seed 003: "some nodes: PostgreSQL + PostgREST"). Its data is protected like any database.
 */
export function buildNodePostgresWorkload(args: NodePostgresArgs): WorkloadSpec {
    const db = args.database ?? "app";
    return {
        name: "node-postgres",
        service: "node-postgres",
        role: "node-local",
        image: args.image,
        env: { POSTGRES_PASSWORD: pulumi.secret(args.password), POSTGRES_DB: db, PGDATA: "/var/lib/postgresql/data/pgdata" },
        ...(args.initSql !== undefined ? { files: [{ path: "/docker-entrypoint-initdb.d/10-init.sql", content: args.initSql, secret: true }] } : {}),
        volumes: [{ key: "data", containerPath: "/var/lib/postgresql/data", stateful: true }],
        ports: [{ name: "postgres", containerPort: 5432, exposure: "internal" }],
        // Over TCP: during first start the image runs a socket-only temporary server that
        // pg_isready on the socket would report ready (docker-library/docs#2393).
        probe: { check: { exec: ["pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", db] }, interval: "10s", timeout: "5s", retries: 5, startPeriod: "60s" },
        memoryMb: args.memoryMb ?? 1024,
    };
}

export interface PostgrestArgs {
    /** `postgrest/postgrest` v14 or newer (the healthcheck uses `postgrest --ready`, PostgREST#4269). */
    readonly image: ImageSource;
    /** PGRST_DB_URI: the authenticator role's connection URI. */
    readonly dbUri: pulumi.Input<string>;
    /** @default ["public"] */
    readonly schemas?: readonly string[];
    /** Role for unauthenticated requests; unset disables anonymous access. */
    readonly anonRole?: string;
    /** PGRST_JWT_SECRET (at least 32 characters). */
    readonly jwtSecret: pulumi.Input<string>;
    /** API port, published on the private IP. @default 3000 */
    readonly port?: number;
    /** Admin server (/live, /ready, /metrics). @default 3001 */
    readonly adminPort?: number;
    /** Workload that must start first (e.g. `node-postgres`). */
    readonly dependsOn?: readonly string[];
    /** @default 256 */
    readonly memoryMb?: number;
}

export function buildPostgrestWorkload(args: PostgrestArgs): WorkloadSpec {
    const port = args.port ?? 3000;
    const admin = args.adminPort ?? 3001;
    const env: Record<string, pulumi.Input<string>> = {
        PGRST_DB_URI: pulumi.secret(args.dbUri),
        PGRST_DB_SCHEMAS: (args.schemas ?? ["public"]).join(","),
        PGRST_JWT_SECRET: pulumi.secret(args.jwtSecret),
        PGRST_SERVER_PORT: String(port),
        PGRST_ADMIN_SERVER_PORT: String(admin),
        PGRST_LOG_LEVEL: "warn",
    };
    if (args.anonRole !== undefined) env.PGRST_DB_ANON_ROLE = args.anonRole;
    return {
        name: "postgrest",
        service: "postgrest",
        role: "node-local",
        image: args.image,
        env,
        ports: [
            { name: "http", containerPort: port },
            { name: "admin", containerPort: admin },
        ],
        // The image is FROM scratch: no shell, no curl. `--ready` queries the admin server itself.
        probe: { check: { exec: ["postgrest", "--ready"] }, interval: "10s", timeout: "5s", retries: 3, startPeriod: "20s" },
        memoryMb: args.memoryMb ?? 256,
        metrics: [{ port: "admin", path: "/metrics", job: "postgrest" }],
        ...(args.dependsOn?.length ? { dependsOn: [...args.dependsOn] } : {}),
    };
}
