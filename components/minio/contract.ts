/**
 * What other modules may rely on about MinIO: workload name, ports, shared-secret names, who
 * consumes which bucket. Pure.
 */
import type { Topology } from "../../stacks/schema";

export const MINIO_WORKLOAD = "minio";
/** `minio server --address :9000 --console-address :9001` (components/minio/workload.ts defaults). */
export const MINIO_PORTS = { api: 9000, console: 9001 } as const;
export const MINIO_SECRET_NAMES = {
    rootPassword: "minio-root-password",
    /** Secret key of MinIO user `<consumer>` (access key = consumer name). */
    user: (consumer: string) => `minio-user-${consumer}`,
} as const;

export const MINIO_RESERVED_PORTS: Readonly<Record<number, string>> = { [MINIO_PORTS.api]: "minio s3", [MINIO_PORTS.console]: "minio console" };

export interface MinioConsumer {
    /** IAM user name = access key. */
    readonly user: string;
    readonly bucket: string;
}

/**
 * Who talks S3, and to which bucket: Daedalus to `daedalus.bucket` (seed 004), every service with
 * `uses: [s3]` to a bucket named after it. Pure: derived from the topology only.
 */
export function minioConsumers(t: Topology): MinioConsumer[] {
    const consumers: MinioConsumer[] = [];
    if (t.daedalus) consumers.push({ user: "daedalus", bucket: t.daedalus.bucket });
    for (const [name, svc] of Object.entries(t.services)) {
        if ((svc.uses ?? []).includes("s3")) consumers.push({ user: name, bucket: name.replace(/_/g, "-") });
    }
    return consumers;
}

/** Every bucket the platform needs: configured ones plus each consumer's. */
export function minioBuckets(t: Topology): string[] {
    return [...new Set([...(t.minio?.buckets ?? []), ...minioConsumers(t).map((c) => c.bucket)])].sort();
}

