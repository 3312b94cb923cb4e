/**
 * What other modules may rely on about Redis: workload names, ports, shared-secret names, the
 * Sentinel master name. Pure.
 */
import { REDIS_DEFAULTS } from "./render";

export const REDIS_WORKLOADS = { server: "redis", sentinel: "redis-sentinel", cache: "redis-cache" } as const;
export const REDIS_PORTS = { server: REDIS_DEFAULTS.port, sentinel: REDIS_DEFAULTS.sentinelPort, cache: 6380 } as const;
/** The name clients ask the Sentinels for. */
export const REDIS_MASTER_NAME = REDIS_DEFAULTS.masterName;

/** Shared-secret names the redis module requests and applies. */
export const REDIS_SECRET_NAMES = {
    /** requirepass of master and replicas (also the Sentinels' auth-pass). */
    server: "redis-password",
    /** requirepass of the Sentinels. */
    sentinel: "redis-sentinel-password",
    /** requirepass of the edge cache. */
    cache: "redis-cache-password",
} as const;

export const REDIS_RESERVED_PORTS: Readonly<Record<number, string>> = {
    [REDIS_PORTS.server]: "redis",
    [REDIS_PORTS.cache]: "redis edge cache",
    [REDIS_PORTS.sentinel]: "redis sentinel",
};
