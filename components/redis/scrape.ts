/** What monitoring scrapes for the redis module: a redis_exporter beside every server, Sentinel and edge cache. */
import type { Topology } from "../../stacks/schema";
import type { ExporterPlacement, ScrapeRequests } from "../monitoring/scrape";
import { scrapeTarget } from "../monitoring/scrape";
import { MONITORING_PORTS } from "../monitoring/workloads";
import type { AddressResolver } from "../workload/addresses";
import { REDIS_PORTS, REDIS_SECRET_NAMES, REDIS_WORKLOADS } from "./contract";

export function redisScrape(t: Topology, resolver: AddressResolver): ScrapeRequests {
    const r = t.replication.redis;
    const exporters: Array<{ node: string; placement: ExporterPlacement }> = [];
    const targets = [];
    for (const [node, role] of [[r.master, "master"], ...r.replicas.map((n) => [n, "replica"])] as const) {
        exporters.push({ node, placement: { kind: "redis-exporter", redis: "server", address: resolver.endpoint(node, REDIS_WORKLOADS.server, REDIS_PORTS.server), passwordSecret: REDIS_SECRET_NAMES.server } });
        targets.push(scrapeTarget(resolver, { job: "redis", exporter: "redis", node, workload: "redis-exporter", port: MONITORING_PORTS.redisExporter, service: "redis", role }));
    }
    for (const node of r.sentinels) {
        exporters.push({ node, placement: { kind: "redis-exporter", redis: "sentinel", address: resolver.endpoint(node, REDIS_WORKLOADS.sentinel, REDIS_PORTS.sentinel), passwordSecret: REDIS_SECRET_NAMES.sentinel } });
        targets.push(scrapeTarget(resolver, { job: "redis", exporter: "redis", node, workload: "redis-sentinel-exporter", port: MONITORING_PORTS.redisSentinelExporter, service: "redis-sentinel", role: "sentinel" }));
    }
    for (const node of r.edgeCaches) {
        exporters.push({ node, placement: { kind: "redis-exporter", redis: "cache", address: resolver.endpoint(node, REDIS_WORKLOADS.cache, REDIS_PORTS.cache), passwordSecret: REDIS_SECRET_NAMES.cache } });
        // service_role "cache" keeps it out of the master/replica alerts.
        targets.push(scrapeTarget(resolver, { job: "redis", exporter: "redis", node, workload: "redis-cache-exporter", port: MONITORING_PORTS.redisCacheExporter, service: "redis-cache", role: "cache" }));
    }
    return { exporters, targets };
}
