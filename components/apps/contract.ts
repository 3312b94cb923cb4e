/**
 * What other modules may rely on about the apps and Daedalus modules: workload names and ports of
 * the node-local PostgREST (./runtime.ts) and of Daedalus' nginx (./daedalus.ts). Pure.
 */
export const POSTGREST_WORKLOAD = "postgrest";
/** ./runtime.ts postgrestWorkload defaults: API on 3000, admin server (/live, /ready, /metrics) on 3001. */
export const POSTGREST_PORTS = { api: 3000, admin: 3001 } as const;
export const APPS_RESERVED_PORTS: Readonly<Record<number, string>> = { [POSTGREST_PORTS.api]: "postgrest", [POSTGREST_PORTS.admin]: "postgrest admin" };

export const DAEDALUS_NGINX_WORKLOAD = "daedalus-nginx";
/** Seed 004 publishes nginx's :80 as host port 22181. */
export const DAEDALUS_PORTS = { nginxContainer: 80, nginxHost: 22181 } as const;
export const DAEDALUS_RESERVED_PORTS: Readonly<Record<number, string>> = { [DAEDALUS_PORTS.nginxHost]: "daedalus nginx" };
