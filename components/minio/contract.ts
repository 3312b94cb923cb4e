/**
 * What other modules may rely on about MinIO: workload name, ports, shared-secret names. Pure.
 */
export const MINIO_WORKLOAD = "minio";
/** `minio server --address :9000 --console-address :9001` (components/minio/workload.ts defaults). */
export const MINIO_PORTS = { api: 9000, console: 9001 } as const;
export const MINIO_SECRET_NAMES = {
    rootPassword: "minio-root-password",
    /** Secret key of MinIO user `<consumer>` (access key = consumer name). */
    user: (consumer: string) => `minio-user-${consumer}`,
} as const;

export const MINIO_RESERVED_PORTS: Readonly<Record<number, string>> = { [MINIO_PORTS.api]: "minio s3", [MINIO_PORTS.console]: "minio console" };
