/**
 * Daedalus (seed 004) as two workloads: `daedalus-api` (FastAPI under uvicorn on 8000, reachable
 * only on the node's Docker network) and `daedalus-nginx` (the SPA and the reverse proxy, 22181).
 */
import * as pulumi from "@pulumi/pulumi";
import { DAEDALUS_METRICS_NETWORKS, renderDaedalusNginxConfig, validateDaedalusNginxSpec } from "../ingress/nginx";
import { ImageSource, WorkloadSpec } from "../workload/spec";
import { httpCheck } from "../workload/probes";
import { postgresConnectionUrl, POSTGRES_PORT } from "../postgres/contract";
import { DAEDALUS_PORTS } from "./contract";

export const DAEDALUS_API_PORT = 8000;
/** Seed 004: the port HAProxy and Prometheus reach nginx on. */
export const DAEDALUS_NGINX_PORT = DAEDALUS_PORTS.nginxHost;
export const DAEDALUS_HEALTH_PATH = "/api/health";
/** Loki label value of seed 004's `{unit="daedalus"}` filter. */
export const DAEDALUS_LOG_UNIT = "daedalus";

export interface DaedalusArgs {
    /** Backend image (built from ./backend/Dockerfile in seed 004). */
    readonly apiImage: ImageSource;
    /**
     * nginx image that CONTAINS the SPA build at `/usr/share/nginx/html`, e.g. `FROM nginx:alpine`
     * plus `COPY build/ /usr/share/nginx/html/`. Must have busybox `wget` (alpine) for the healthcheck.
     */
    readonly nginxImage: ImageSource;
    /** `postgresql+asyncpg://daedalus:<password>@<host>:5432/daedalus` (see `daedalusDatabaseUrl`). */
    readonly databaseUrl: pulumi.Input<string>;
    readonly s3: {
        /** e.g. `http://10.10.1.11:9000` */
        readonly endpoint: pulumi.Input<string>;
        readonly accessKey: pulumi.Input<string>;
        readonly secretKey: pulumi.Input<string>;
        /** @default "daedalus" */
        readonly bucket?: string;
    };
    /** DAEDALUS_ENV. @default "production" */
    readonly environment?: string;
    /** Networks allowed to read /metrics. @default seed 004's list */
    readonly metricsAllow?: readonly string[];
    /** Addresses of HAProxy as nginx sees them (its node's private IP, the Docker bridge range). */
    readonly trustedProxies?: readonly string[];
    /** Host port of nginx, on the private IP. @default 22181 */
    readonly hostPort?: number;
    /** uvicorn worker processes. @default 2 (seed 004) */
    readonly apiWorkers?: number;
    /** Run `alembic upgrade head` before uvicorn starts (seed 004: migrations run from the backend container). @default true */
    readonly migrateOnStart?: boolean;
    /** @default 1024 */
    readonly apiMemoryMb?: number;
    /** @default 128 */
    readonly nginxMemoryMb?: number;
    /**
     * How nginx reaches the api container: a DNS name on the node's Docker network (the workload
     * is always named `daedalus-api`; its container is `<node>-daedalus-api`).
     * @default "daedalus-api"
     */
    readonly apiHost?: string;
}

/** The asyncpg URL of seed 004, secret, with the password percent-encoded. */
export function daedalusDatabaseUrl(args: {
    readonly host: string;
    readonly port?: number;
    readonly user?: string;
    readonly database?: string;
    readonly password: pulumi.Input<string>;
}): pulumi.Output<string> {
    const user = args.user ?? "daedalus";
    const db = args.database ?? "daedalus";
    return pulumi.secret(
        pulumi.output(args.password).apply((pw) => postgresConnectionUrl({ scheme: "postgresql+asyncpg", role: user, password: pw, hostPort: `${args.host}:${args.port ?? POSTGRES_PORT}`, database: db })),
    );
}

export function validateDaedalusArgs(args: DaedalusArgs, at = "daedalus"): string[] {
    const errors = validateDaedalusNginxSpec(
        { apiUpstreams: [`${args.apiHost ?? "daedalus-api"}:${DAEDALUS_API_PORT}`], metricsAllow: args.metricsAllow, trustedProxies: args.trustedProxies },
        at,
    );
    const port = args.hostPort ?? DAEDALUS_NGINX_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`${at}.hostPort: ${port} is not a TCP port`);
    const w = args.apiWorkers ?? 2;
    if (!Number.isInteger(w) || w < 1) errors.push(`${at}.apiWorkers: must be an integer >= 1`);
    const bucket = args.s3.bucket ?? "daedalus";
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) errors.push(`${at}.s3.bucket: '${bucket}' is not an S3 bucket name`);
    for (const k of ["apiMemoryMb", "nginxMemoryMb"] as const) {
        const v = args[k];
        if (v !== undefined && !(Number.isInteger(v) && v >= 16)) errors.push(`${at}.${k}: must be an integer >= 16`);
    }
    return errors;
}

/** Where things are when the config runs somewhere other than the official image (tests). */
export interface DaedalusNginxPlacement {
    readonly listenAddress?: string;
    readonly listenPort?: number;
    readonly root?: string;
    readonly pidFile?: string;
    readonly tempDir?: string;
    /** `host:port` of uvicorn. @default `<apiHost>:8000` */
    readonly apiUpstream?: string;
}

/** The nginx.conf the nginx container runs (the official image's paths, listening on 80). */
export function daedalusNginxConfig(args: Pick<DaedalusArgs, "metricsAllow" | "trustedProxies" | "apiHost">, placement: DaedalusNginxPlacement = {}): string {
    return renderDaedalusNginxConfig({
        listenAddress: placement.listenAddress,
        listenPort: placement.listenPort ?? 80,
        root: placement.root,
        pidFile: placement.pidFile,
        tempDir: placement.tempDir,
        apiUpstreams: [placement.apiUpstream ?? `${args.apiHost ?? "daedalus-api"}:${DAEDALUS_API_PORT}`],
        metricsAllow: args.metricsAllow ?? DAEDALUS_METRICS_NETWORKS,
        trustedProxies: args.trustedProxies ?? [],
        logUnit: DAEDALUS_LOG_UNIT,
    });
}

/** `[api, nginx]`; nginx depends on api so its upstream name resolves when nginx starts. */
export function buildDaedalusWorkloads(args: DaedalusArgs): WorkloadSpec[] {
    const errors = validateDaedalusArgs(args);
    if (errors.length > 0) throw new Error(`invalid Daedalus args:\n  ${errors.join("\n  ")}`);
    const apiName = "daedalus-api";
    const uvicorn = `exec uvicorn daedalus.main:app --host 0.0.0.0 --port ${DAEDALUS_API_PORT} --workers ${args.apiWorkers ?? 2}`;
    // Container-level labels: Alloy's docker discovery turns `unit` into the Loki label of seed 004.
    const labels = { unit: DAEDALUS_LOG_UNIT };
    const api: WorkloadSpec = {
        name: apiName,
        service: "daedalus",
        role: "api",
        image: args.apiImage,
        command: ["sh", "-c", (args.migrateOnStart ?? true) ? `alembic upgrade head && ${uvicorn}` : uvicorn],
        env: {
            // Names exactly as seed 004's backend .env.
            DAEDALUS_ENV: args.environment ?? "production",
            DAEDALUS_DATABASE_URL: pulumi.secret(args.databaseUrl),
            DAEDALUS_S3_ENDPOINT: args.s3.endpoint,
            DAEDALUS_S3_ACCESS_KEY: pulumi.secret(args.s3.accessKey),
            DAEDALUS_S3_SECRET_KEY: pulumi.secret(args.s3.secretKey),
            DAEDALUS_S3_BUCKET: args.s3.bucket ?? "daedalus",
        },
        // Seed 004: uvicorn is internal only; nginx is its sole client.
        ports: [{ name: "http", containerPort: DAEDALUS_API_PORT, exposure: "internal" }],
        probe: { check: httpCheck("python", DAEDALUS_API_PORT, DAEDALUS_HEALTH_PATH), interval: "15s", timeout: "5s", retries: 3, startPeriod: "90s" },
        memoryMb: args.apiMemoryMb ?? 1024,
        labels,
    };
    const nginx: WorkloadSpec = {
        name: "daedalus-nginx",
        service: "daedalus",
        role: "web",
        image: args.nginxImage,
        files: [{ path: "/etc/nginx/nginx.conf", content: daedalusNginxConfig(args) }],
        // Published on the private IP only: HAProxy is the public entry (seed 004).
        ports: [{ name: "http", containerPort: 80, hostPort: args.hostPort ?? DAEDALUS_NGINX_PORT }],
        probe: { check: httpCheck("wget", 80, "/nginx-health"), interval: "15s", timeout: "5s", retries: 3, startPeriod: "10s" },
        memoryMb: args.nginxMemoryMb ?? 128,
        labels,
        metrics: [{ port: "http", path: "/metrics", job: "daedalus", interval: "15s" }],
        dependsOn: [apiName],
    };
    return [api, nginx];
}
