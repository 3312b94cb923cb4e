/** What other modules may rely on about ingress: workload name and ports. Pure. */
export const HAPROXY_WORKLOAD = "haproxy";
export const INGRESS_PORTS = { http: 80, https: 443, stats: 8404 } as const;
export const INGRESS_RESERVED_PORTS: Readonly<Record<number, string>> = {
    [INGRESS_PORTS.http]: "ingress http",
    [INGRESS_PORTS.https]: "ingress https",
    [INGRESS_PORTS.stats]: "haproxy stats",
};
