/**
 * The MinIO server as a WorkloadSpec (pure: no Pulumi resources; credential values are passed in).
 */
import type { WorkloadSpec } from "../workload/spec";
import { DEFAULT_MINIO_IMAGE, MinioImage } from "./image";

type EnvValue = NonNullable<WorkloadSpec["env"]>[string];


/**
 * The region MinIO signs as. S3 SDKs default to us-east-1 and MinIO rejects requests signed for
 * another region, so every client (apps, Daedalus, the Pulumi provider) uses this one value.
 */
export const MINIO_REGION = "us-east-1";

export interface MinioServerArgs {
    /** @default DEFAULT_MINIO_IMAGE */
    readonly image?: MinioImage;
    /** Root access key; pass a secret. */
    readonly rootUser: EnvValue;
    /** Root secret key; pass a secret. */
    readonly rootPassword: EnvValue;
    /** @default 9000 */
    readonly apiPort?: number;
    /** @default 9001 */
    readonly consolePort?: number;
    /** @default 2048 */
    readonly memoryMb?: number;
    /** @default MINIO_REGION */
    readonly region?: string;
}

/**
 * Liveness probe without curl: the MinIO image is ubi9-micro (bash, no curl/wget), so the probe speaks
 * HTTP over bash's /dev/tcp and succeeds only on a 200 status line from /minio/health/live.
 */
export function minioLivenessProbe(port: number, host = "127.0.0.1"): string[] {
    const script = [
        `exec 3<>/dev/tcp/${host}/${port} || exit 1`,
        `printf 'GET /minio/health/live HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n' >&3`,
        "IFS= read -r -t 5 status <&3 || exit 1",
        'case "$status" in "HTTP/1.1 200"*) exit 0 ;; *) exit 1 ;; esac',
    ].join("; ");
    return ["bash", "-c", script];
}

export function minioServerWorkload(args: MinioServerArgs): WorkloadSpec {
    const api = args.apiPort ?? 9000;
    const consolePort = args.consolePort ?? 9001;
    const image = args.image ?? DEFAULT_MINIO_IMAGE;
    return {
        name: "minio",
        service: "minio",
        role: "server",
        image: { repository: image.repository, ...(image.tag ? { tag: image.tag } : {}), ...(image.digest ? { digest: image.digest } : {}) },
        command: ["server", "/data", "--address", `:${api}`, "--console-address", `:${consolePort}`],
        env: {
            // Plain env rather than MINIO_ROOT_*_FILE: if the entrypoint of a rebuilt image did not honour
            // the _FILE variables, MinIO would silently start with the public default minioadmin:minioadmin.
            MINIO_ROOT_USER: args.rootUser,
            MINIO_ROOT_PASSWORD: args.rootPassword,
            MINIO_REGION: args.region ?? MINIO_REGION,
            // Metrics without a bearer token: the port is bound to the private IP only and the token would be
            // a JWT signed with the root key that `mc admin prometheus generate` must mint out of band.
            MINIO_PROMETHEUS_AUTH_TYPE: "public",
            MINIO_BROWSER_LOGIN_ANIMATION: "off",
            MINIO_UPDATE: "off",
        },
        volumes: [{ key: "data", containerPath: "/data", stateful: true }],
        // Neither port is ingress: S3 is reached by backends over the private network only (seed 004:
        // "all file access flows through FastAPI"), the console through an SSH tunnel.
        ports: [
            { name: "api", containerPort: api },
            { name: "console", containerPort: consolePort },
        ],
        probe: { check: { exec: minioLivenessProbe(api) }, interval: "15s", timeout: "6s", retries: 5, startPeriod: "30s" },
        // Buckets and users are created through the S3 API right after the server starts.
        waitHealthy: true,
        memoryMb: args.memoryMb ?? 2048,
        metrics: [{ port: "api", path: "/minio/v2/metrics/cluster", job: "minio", interval: "30s" }],
    };
}

/** Seed 004's backend environment for S3 access; only backend workloads may receive it. */
export function daedalusS3Env(args: { endpoint: string; accessKey: EnvValue; secretKey: EnvValue; bucket?: string }): Record<string, EnvValue> {
    return {
        DAEDALUS_S3_ENDPOINT: args.endpoint,
        DAEDALUS_S3_ACCESS_KEY: args.accessKey,
        DAEDALUS_S3_SECRET_KEY: args.secretKey,
        DAEDALUS_S3_BUCKET: args.bucket ?? "daedalus",
    };
}

const S3_CREDENTIAL_ENV = /(S3|MINIO|AWS)_.*(ACCESS_KEY|SECRET|ROOT_USER|ROOT_PASSWORD)/i;

/**
 * Workloads that carry S3 credentials although they are not allowed to (frontends, nginx, anything not
 * listed in `backends`). The MinIO server itself may hold its root credentials.
 */
export function workloadsLeakingS3Credentials(workloads: readonly WorkloadSpec[], backends: readonly string[]): string[] {
    const allowed = new Set(["minio", ...backends]);
    return workloads
        .filter((w) => !allowed.has(w.name) && Object.keys(w.env ?? {}).some((k) => S3_CREDENTIAL_ENV.test(k)))
        .map((w) => w.name)
        .sort();
}
