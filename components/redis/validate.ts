/**
 * Cross-checks of `replication.redis` (seed 000: sentinel mode, master NODE1, replica NODE2, 3
 * sentinels), then the renderer's own checks (./render.ts validateRedisTopology).
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { validateRedisTopology } from "./render";

export function validateRedis(t: Topology): Finding[] {
    const f = new Findings(t);
    const redis = t.replication.redis;
    f.refNode("replication.redis.master", redis.master);
    redis.replicas.forEach((n, i) => {
        f.refNode(`replication.redis.replicas[${i}]`, n);
        if (n === redis.master) f.error(`replication.redis.replicas[${i}]`, `replica '${n}' is on its master's node`);
    });
    redis.sentinels.forEach((n, i) => f.refNode(`replication.redis.sentinels[${i}]`, n));
    const distinct = new Set(redis.sentinels);
    for (const d of duplicates(redis.sentinels)) f.error("replication.redis.sentinels", `two Sentinels on node '${d}': they fail together, so they count as one`);
    if (distinct.size < 3) {
        f.error("replication.redis.sentinels", `Sentinels on ${distinct.size} distinct node(s); at least 3 are needed so a majority survives the loss of one node`);
    }
    if (redis.quorum > distinct.size) f.error("replication.redis.quorum", `quorum ${redis.quorum} is larger than the ${distinct.size} Sentinel(s): the master can never be seen as down`);
    if (redis.quorum <= distinct.size / 2) f.warn("replication.redis.quorum", `quorum ${redis.quorum} is not a majority of ${distinct.size}: a minority can flag the master down (failover still needs a majority to authorize)`);
    redis.edgeCaches.forEach((n, i) => f.refNode(`replication.redis.edgeCaches[${i}]`, n));
    // The renderer's checks (timeouts, a replica to promote) on the topology the module deploys
    // (redis/module.ts redisTopologyFor, with private IPs): they need every node to exist.
    if ([redis.master, ...redis.replicas, ...redis.sentinels].every((n) => t.nodes[n])) {
        const node = (name: string) => ({ name, privateIp: t.nodes[name]!.privateIp });
        f.adopt(
            validateRedisTopology(
                { master: node(redis.master), replicas: redis.replicas.map(node), sentinels: redis.sentinels.map(node), quorum: redis.quorum, downAfterMs: redis.downAfterMs, failoverTimeoutMs: redis.failoverTimeoutMs },
                "replication.redis",
            ),
        );
    }
    return f.list;
}
