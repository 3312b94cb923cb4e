/**
 * The DAARION application services of seed 000 and the pure functions that turn one service
 * definition, one node and the platform wiring into a `WorkloadSpec`.
 *
 * The shapes mirror `services.<name>` of the topology config (./schema.ts serviceSchema) structurally, so
 * the validated config can be passed straight in; nothing here reads config or creates resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { ImageSource, WorkloadSpec } from "../workload/spec";
import { MINIO_REGION } from "../minio/workload";
import { heartbeatCheck, httpCheck } from "../workload/probes";

/** How an instance behaves on a node ("✓ (standby)" in seed 000's table is `standby`). */
export type PlacementRole = "active" | "standby" | "read" | "worker";
export type NodeRole = "primary" | "replica" | "edge";
/** Platform services an application can be wired to. */
export type Dependency = "nats" | "postgres" | "redis" | "qdrant" | "neo4j" | "s3";
export const ALL_DEPENDENCIES: readonly Dependency[] = ["nats", "postgres", "redis", "qdrant", "neo4j", "s3"];

/** One application service; structurally the `services.<name>` entry of the topology config. */
export interface AppServiceConfig {
    readonly image: ImageSource;
    /** Listening port (published on the node's private IP); 0 for a worker that serves nothing. */
    readonly port: number;
    /** @default "/health" */
    readonly healthPath?: string;
    readonly metricsPath?: string;
    /** node name -> role on that node; nodes not listed do not run the service. */
    readonly placement: Readonly<Record<string, PlacementRole>>;
    /** Needs the node's GPU (Docker device request). @default false */
    readonly gpu?: boolean;
    /** @default 512 */
    readonly memoryMb?: number;
    readonly cpus?: number;
    readonly command?: readonly string[];
    /** Platform services wired in as env (and credentials). @default [] */
    readonly uses?: readonly Dependency[];
    /** Own database on the PostgreSQL primary; its URL comes from `AppWiring.databases`. */
    readonly database?: string;
    /** Extra plain env; must not set the keys the wiring owns (see `RESERVED_ENV`). */
    readonly env?: Readonly<Record<string, string>>;
}

/** The node a workload is built for. */
export interface AppNode {
    readonly name: string;
    readonly role: NodeRole;
    /** The node has a GPU usable through the NVIDIA container toolkit. */
    readonly gpu: boolean;
    /** Seed 000's CLUSTER_PEERS: the other nodes' NATS client addresses, `host:port`. */
    readonly clusterPeers: readonly string[];
}

export interface DatabaseEndpoint {
    /** URL of the primary, with credentials. */
    readonly url: pulumi.Input<string>;
    /** URL of this node's read replica; `read` instances use it when set. */
    readonly readUrl?: pulumi.Input<string>;
}

/** What the platform modules (NATS, data, storage) export, resolved for one node. */
export interface AppWiring {
    readonly nats?: { readonly url: string; readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /** Shared database for services without a `database` of their own. */
    readonly postgres?: DatabaseEndpoint;
    /** Per-database endpoints, keyed by `AppServiceConfig.database`. */
    readonly databases?: Readonly<Record<string, DatabaseEndpoint>>;
    readonly redis?: {
        /** Sentinel addresses, `host:port`. */
        readonly sentinels: readonly string[];
        readonly masterName: string;
        readonly password?: pulumi.Input<string>;
        /** requirepass of the sentinels themselves. */
        readonly sentinelPassword?: pulumi.Input<string>;
        /** The node's standalone edge cache (no persistence, LRU), when it runs one. */
        readonly cacheUrl?: pulumi.Input<string>;
    };
    readonly qdrant?: { readonly url: string; readonly apiKey?: pulumi.Input<string> };
    readonly neo4j?: { readonly uri: string; readonly user: string; readonly password: pulumi.Input<string> };
    readonly s3?: {
        readonly endpoint: pulumi.Input<string>;
        readonly accessKey: pulumi.Input<string>;
        readonly secretKey: pulumi.Input<string>;
        /** @default MINIO_REGION (must match the server's region, or MinIO rejects the signature) */
        readonly region?: string;
        /** The service's own bucket (S3_BUCKET). */
        readonly bucket?: string;
    };
}

/** Env keys set from the node identity and the wiring; service `env` may not override them. */
export const RESERVED_ENV: readonly string[] = [
    "NODE_ID",
    "NODE_ROLE",
    "CLUSTER_PEERS",
    "SERVICE_NAME",
    "SERVICE_ROLE",
    "PORT",
    "HEALTH_FILE",
    "NATS_URL",
    "NATS_USER",
    "NATS_PASSWORD",
    "DATABASE_URL",
    "DATABASE_READ_URL",
    "REDIS_SENTINELS",
    "REDIS_MASTER_NAME",
    "REDIS_PASSWORD",
    "REDIS_SENTINEL_PASSWORD",
    "REDIS_CACHE_URL",
    "QDRANT_URL",
    "QDRANT_API_KEY",
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_PASSWORD",
    "S3_ENDPOINT",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "S3_REGION",
    "S3_BUCKET",
];

/** Workers without a port prove liveness by touching this file (seen by the healthcheck). */
export const WORKER_HEALTH_FILE = "/tmp/healthy";
/** A worker whose heartbeat file is older than this is unhealthy. */
export const WORKER_HEARTBEAT_SECONDS = 60;

/** Human-readable names for the README table, in seed 000's order. */
export const SERVICE_TITLES: Readonly<Record<string, string>> = {
    gateway: "Gateway",
    router: "Router",
    swapper: "Swapper (GPU)",
    "memory-service": "Memory Service",
    crewai: "CrewAI",
    "crewai-worker": "CrewAI Worker",
    ingest: "Ingest",
    parser: "Parser",
    "async-worker": "Async Workers",
};

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface NodeFacts {
    readonly role: NodeRole;
    readonly gpu: boolean;
}

/**
 * Cross-checks the services against the nodes. Errors name the key path (`services.router.placement.node9`).
 * `requireDigest`: images must be pinned by digest (or built here), never a moving tag.
 */
export function validateAppServices(
    services: Readonly<Record<string, AppServiceConfig>>,
    nodes: Readonly<Record<string, NodeFacts>>,
    options: { readonly at?: string; readonly requireDigest?: boolean } = {},
): string[] {
    const at = options.at ?? "services";
    const errors: string[] = [];
    const portsByNode = new Map<string, Map<number, string>>();
    for (const [name, svc] of Object.entries(services)) {
        const p = `${at}.${name}`;
        if (!SERVICE_NAME.test(name)) errors.push(`${p}: service name must match ${SERVICE_NAME}`);
        if (!Number.isInteger(svc.port) || svc.port < 0 || svc.port > 65535) errors.push(`${p}.port: ${svc.port} is not a port (0 = no port)`);
        const img = svc.image;
        if (!("build" in img) && (options.requireDigest ?? true) && !img.digest) {
            errors.push(`${p}.image.digest: pin '${img.repository}' by digest (sha256:...) or give a build context; a tag can move under a running deployment`);
        }
        if (svc.healthPath !== undefined && !/^\/[A-Za-z0-9._~!$&()*+,;=:@%/-]*$/.test(svc.healthPath)) {
            errors.push(`${p}.healthPath: '${svc.healthPath}' must be an absolute path without quotes or spaces`);
        }
        if (svc.memoryMb !== undefined && !(Number.isInteger(svc.memoryMb) && svc.memoryMb >= 16)) errors.push(`${p}.memoryMb: must be an integer >= 16`);
        const roles = Object.values(svc.placement);
        if (roles.length === 0) errors.push(`${p}.placement: the service runs nowhere`);
        if (roles.includes("standby") && !roles.includes("active")) errors.push(`${p}.placement: a standby needs an active instance to stand in for`);
        for (const [node, role] of Object.entries(svc.placement)) {
            const facts = nodes[node];
            if (!facts) {
                errors.push(`${p}.placement.${node}: no node named '${node}' in the topology`);
                continue;
            }
            if (svc.gpu && !facts.gpu) errors.push(`${p}.placement.${node}: '${name}' needs a GPU and node '${node}' has none`);
            if (role === "read" && !(svc.uses ?? []).includes("postgres")) {
                errors.push(`${p}.placement.${node}: a 'read' instance only differs by reading the local replica, so it must use postgres`);
            }
            if (svc.port > 0) {
                const used = portsByNode.get(node) ?? new Map<number, string>();
                const other = used.get(svc.port);
                if (other) errors.push(`${p}.port: ${svc.port} is also published by '${other}' on node '${node}'`);
                used.set(svc.port, name);
                portsByNode.set(node, used);
            }
        }
        for (const key of Object.keys(svc.env ?? {})) {
            if (!ENV_KEY.test(key)) errors.push(`${p}.env.${key}: not a valid environment variable name`);
            if (RESERVED_ENV.includes(key)) errors.push(`${p}.env.${key}: set by the platform wiring and may not be overridden`);
        }
    }
    return errors;
}

/** Dependencies `svc` uses that `wiring` does not provide. */
export function unwiredDependencies(svc: AppServiceConfig, wiring: AppWiring): Dependency[] {
    return (svc.uses ?? []).filter((dep) => {
        if (dep === "postgres") return svc.database !== undefined ? !wiring.databases?.[svc.database] : !wiring.postgres;
        return !wiring[dep];
    });
}

/** Errors for dependencies a service uses that the wiring does not provide. */
export function validateAppWiring(services: Readonly<Record<string, AppServiceConfig>>, wiring: AppWiring, at = "services"): string[] {
    const errors: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
        for (const dep of unwiredDependencies(svc, wiring)) {
            if (dep === "postgres" && svc.database !== undefined) errors.push(`${at}.${name}.database: no endpoint wired for database '${svc.database}'`);
            else if (dep === "postgres") errors.push(`${at}.${name}.uses: 'postgres' is used but no PostgreSQL is wired`);
            else errors.push(`${at}.${name}.uses: '${dep}' is used but not wired`);
        }
    }
    return errors;
}

function secret(v: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(v);
}

/** Env of one instance: identity, role, and the wiring of every dependency it uses. */
export function appEnv(name: string, svc: AppServiceConfig, role: PlacementRole, node: AppNode, wiring: AppWiring): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = { ...(svc.env ?? {}) };
    env.NODE_ID = node.name;
    env.NODE_ROLE = node.role;
    env.CLUSTER_PEERS = node.clusterPeers.join(",");
    env.SERVICE_NAME = name;
    env.SERVICE_ROLE = role;
    if (svc.port > 0) env.PORT = String(svc.port);
    else env.HEALTH_FILE = WORKER_HEALTH_FILE;
    const missing = (dep: string) => new Error(`service '${name}' uses ${dep} but it is not wired (run validateAppWiring first)`);
    for (const dep of svc.uses ?? []) {
        switch (dep) {
            case "nats": {
                const n = wiring.nats ?? (() => { throw missing(dep); })();
                env.NATS_URL = n.url;
                env.NATS_USER = secret(n.user);
                env.NATS_PASSWORD = secret(n.password);
                break;
            }
            case "postgres": {
                const db = (svc.database !== undefined ? wiring.databases?.[svc.database] : wiring.postgres) ?? (() => { throw missing(dep); })();
                // A read instance serves from the node's replica; writes must never reach it.
                env.DATABASE_URL = secret(role === "read" && db.readUrl !== undefined ? db.readUrl : db.url);
                if (db.readUrl !== undefined) env.DATABASE_READ_URL = secret(db.readUrl);
                break;
            }
            case "redis": {
                const r = wiring.redis ?? (() => { throw missing(dep); })();
                env.REDIS_SENTINELS = r.sentinels.join(",");
                env.REDIS_MASTER_NAME = r.masterName;
                if (r.password !== undefined) env.REDIS_PASSWORD = secret(r.password);
                if (r.sentinelPassword !== undefined) env.REDIS_SENTINEL_PASSWORD = secret(r.sentinelPassword);
                if (r.cacheUrl !== undefined) env.REDIS_CACHE_URL = secret(r.cacheUrl);
                break;
            }
            case "qdrant": {
                const q = wiring.qdrant ?? (() => { throw missing(dep); })();
                env.QDRANT_URL = q.url;
                if (q.apiKey !== undefined) env.QDRANT_API_KEY = secret(q.apiKey);
                break;
            }
            case "neo4j": {
                const n = wiring.neo4j ?? (() => { throw missing(dep); })();
                env.NEO4J_URI = n.uri;
                env.NEO4J_USER = n.user;
                env.NEO4J_PASSWORD = secret(n.password);
                break;
            }
            case "s3": {
                const s = wiring.s3 ?? (() => { throw missing(dep); })();
                env.S3_ENDPOINT = s.endpoint;
                env.S3_ACCESS_KEY = secret(s.accessKey);
                env.S3_SECRET_KEY = secret(s.secretKey);
                env.S3_REGION = s.region ?? MINIO_REGION;
                if (s.bucket !== undefined) env.S3_BUCKET = s.bucket;
                break;
            }
        }
    }
    return env;
}

/** The workload of `name` on `node`, or undefined when the service is not placed there. */
export function buildAppWorkload(name: string, svc: AppServiceConfig, node: AppNode, wiring: AppWiring): WorkloadSpec | undefined {
    const role = svc.placement[node.name];
    if (role === undefined) return undefined;
    if (svc.gpu && !node.gpu) throw new Error(`service '${name}' needs a GPU and node '${node.name}' has none`);
    const healthPath = svc.healthPath ?? "/health";
    const probe =
        svc.port > 0
            ? { check: httpCheck("python", svc.port, healthPath), interval: "15s", timeout: "5s", retries: 3, startPeriod: "60s" }
            : // No port: the worker touches HEALTH_FILE from its main loop; a stale file means stuck.
              { check: heartbeatCheck(WORKER_HEALTH_FILE, WORKER_HEARTBEAT_SECONDS), interval: "30s", timeout: "5s", retries: 3, startPeriod: "60s" };
    return {
        name,
        service: name,
        role,
        image: svc.image,
        ...(svc.command ? { command: [...svc.command] } : {}),
        env: appEnv(name, svc, role, node, wiring),
        ports: svc.port > 0 ? [{ name: "http", containerPort: svc.port }] : [],
        probe,
        memoryMb: svc.memoryMb ?? 512,
        ...(svc.cpus !== undefined ? { cpus: svc.cpus } : {}),
        ...(svc.gpu ? { gpu: true } : {}),
        ...(svc.metricsPath && svc.port > 0 ? { metrics: [{ port: "http", path: svc.metricsPath, job: name }] } : {}),
    };
}

/** Every application workload placed on `node`, in a stable (name) order. */
export function buildAppWorkloads(services: Readonly<Record<string, AppServiceConfig>>, node: AppNode, wiring: AppWiring): WorkloadSpec[] {
    return Object.keys(services)
        .sort()
        .map((name) => buildAppWorkload(name, services[name], node, wiring))
        .filter((w): w is WorkloadSpec => w !== undefined);
}

/**
 * Seed 000's service distribution table for the README, generated from the same config that
 * places the workloads. Columns follow `nodeOrder`.
 */
export function renderServiceTable(
    services: Readonly<Record<string, AppServiceConfig & { readonly title?: string }>>,
    nodeOrder: readonly string[],
    extraRows: readonly { readonly title: string; readonly cells: Readonly<Record<string, string>> }[] = [],
): string {
    const header = `| Service | ${nodeOrder.map((n) => n.toUpperCase()).join(" | ")} |`;
    const rule = `|---------|${nodeOrder.map(() => "-------").join("|")}|`;
    const cell = (role: PlacementRole | undefined) => (role === undefined ? "-" : role === "active" ? "✓" : `✓ (${role})`);
    const rows = Object.entries(services).map(([name, svc]) => {
        const title = `${svc.title ?? SERVICE_TITLES[name] ?? name}${svc.port > 0 ? ` :${svc.port}` : ""}`;
        return `| ${title} | ${nodeOrder.map((n) => cell(svc.placement[n])).join(" | ")} |`;
    });
    const extra = extraRows.map((r) => `| ${r.title} | ${nodeOrder.map((n) => r.cells[n] ?? "-").join(" | ")} |`);
    return [header, rule, ...rows, ...extra].join("\n") + "\n";
}
