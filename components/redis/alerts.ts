/**
 * The redis module's alert rules (group `redis`): servers, Sentinels, masters. Promtool fixtures
 * in test/monitoring/fixtures/redis.ts.
 */
import type { Topology } from "../../stacks/schema";
import type { AlertPack, RuleDef } from "../monitoring/alerts";

export interface RedisAlertOptions {
    readonly expectedSentinels: number;
}

export function redisAlertOptions(t: Topology): RedisAlertOptions {
    return { expectedSentinels: t.replication.redis.sentinels.length };
}

function redisDefs(o: RedisAlertOptions): RuleDef[] {
    // The edge cache (service_role="cache") is a standalone master by design.
    const ha = `redis_mode!="sentinel", service_role!="cache"`;
    return [
        {
            name: "RedisDown",
            expr: `redis_up == 0`,
            for: "1m",
            severity: "critical",
            summary: "Redis {{ $labels.node }} ({{ $labels.service_role }}) is down",
            description: "redis_exporter cannot connect to the Redis (or Sentinel) server.",
        },
        {
            name: "RedisNoMaster",
            expr: `(count(redis_instance_info{role="master", ${ha}}) or on () vector(0)) < 1 and on () count(redis_up == 1) > 0`,
            for: "1m",
            severity: "critical",
            summary: "No Redis master",
            description: "No replicated Redis instance reports role master: writes fail until Sentinel promotes one.",
        },
        {
            name: "RedisMultipleMasters",
            expr: `count(redis_instance_info{role="master", ${ha}}) > 1`,
            for: "1m",
            severity: "critical",
            summary: "{{ $value }} Redis masters",
            description: "More than one replicated Redis instance reports role master (split brain).",
        },
        {
            name: "RedisReplicationBroken",
            expr: `redis_master_link_up == 0`,
            for: "1m",
            severity: "warning",
            summary: "Redis replica {{ $labels.node }} lost its master link",
            description: "master_link_status is down: the replica serves stale data.",
        },
        {
            name: "RedisSentinelCountLow",
            expr: `redis_sentinel_master_ok_sentinels < ${o.expectedSentinels}`,
            for: "2m",
            severity: "warning",
            summary: "Sentinel on {{ $labels.node }} sees {{ $value }} of ${o.expectedSentinels} sentinels",
            description: "Fewer sentinels than deployed agree on master {{ $labels.master_name }}; failover quorum is at risk.",
        },
        {
            name: "RedisSentinelMasterNotOk",
            expr: `redis_sentinel_master_status == 0`,
            for: "1m",
            severity: "critical",
            summary: "Sentinel reports master {{ $labels.master_name }} as {{ $labels.master_status }}",
            description: "Sentinel on {{ $labels.node }} considers the master down.",
        },
        {
            name: "RedisMemoryHigh",
            expr: `redis_memory_used_bytes / redis_memory_max_bytes > 0.9 and redis_memory_max_bytes > 0`,
            for: "5m",
            severity: "warning",
            summary: "Redis {{ $labels.node }} uses {{ $value | humanizePercentage }} of maxmemory",
            description: "Evictions or OOM write errors follow when maxmemory is reached.",
        },
    ];
}

export function redisAlerts(o: RedisAlertOptions): AlertPack {
    return { name: "redis", services: ["redis", "redis-sentinel", "redis-cache"], exporters: ["redis"], rules: redisDefs(o) };
}
