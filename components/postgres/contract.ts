/**
 * What other modules may rely on about PostgreSQL: workload name, port, shared-secret names, the
 * database naming rule and the ONE connection-URL builder. Pure: no Pulumi import.
 */
import { DEFAULT_POSTGRES_PORT } from "./topology";

export const POSTGRES_WORKLOAD = "postgres";
export const POSTGRES_PORT = DEFAULT_POSTGRES_PORT;

/** Shared-secret names the postgres module requests and applies (components/secrets). */
export const POSTGRES_SECRET_NAMES = {
    superuser: "postgres-superuser",
    replication: "postgres-replication",
    /** Password of the owner role `<database>` of database `<database>`. */
    user: (role: string) => `postgres-user-${role}`,
} as const;

/** Ports PostgreSQL publishes on a node's private IP; services must not claim them. */
export const POSTGRES_RESERVED_PORTS: Readonly<Record<number, string>> = { [POSTGRES_PORT]: "postgresql" };

/** Database (and owner role) a service uses: its own, else one named after the service. */
export function serviceDatabase(service: string, svc: { readonly database?: string }): string {
    return svc.database ?? service.replace(/-/g, "_");
}

/** `<scheme>://<role>:<password>@<host:port>/<db>`, user and password percent-encoded. */
export function postgresConnectionUrl(args: { scheme?: string; role: string; password: string; hostPort: string; database: string }): string {
    return `${args.scheme ?? "postgresql"}://${encodeURIComponent(args.role)}:${encodeURIComponent(args.password)}@${args.hostPort}/${args.database}`;
}
