/**
 * Platform module `redis`: master + replica with three Sentinels (seed 000), and the standalone
 * edge cache. Configs come from ./render.ts; the module only wires secrets and addresses.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { redisScrape } from "./scrape";
import { redisDiagram, redisDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { REDIS_MASTER_NAME, REDIS_PORTS, REDIS_RESERVED_PORTS, REDIS_SECRET_NAMES, REDIS_WORKLOADS } from "./contract";
import { redisAlertOptions, redisAlerts } from "./alerts";
import { validateRedis } from "./validate";
import type { AddressResolver } from "../workload/addresses";
import type { ImageSource, ProbeCheck, WorkloadSpec } from "../workload/spec";
import { redisRoleOf, RedisTopology, renderEdgeCacheConf, renderRedisConf, renderSentinelConf, renderRedisLauncher, renderSentinelLauncher, sentinelAddresses } from "./render";
import { redisDashboards } from "./dashboards";

export { REDIS_WORKLOADS } from "./contract";
export const REDIS_CACHE_SECRET = REDIS_SECRET_NAMES.cache;
export const REDIS_CACHE_PORT = REDIS_PORTS.cache;
export const DEFAULT_REDIS_IMAGE: ImageSource = { repository: "docker.io/library/redis", tag: "7.2.6-bookworm" };

/** The replication block as the renderers' topology; announced addresses come from the resolver. */
export function redisTopologyFor(t: Topology, resolver: AddressResolver): RedisTopology {
    const r = t.replication.redis;
    const node = (workload: string) => (name: string) => ({ name, privateIp: t.nodes[name]!.privateIp, host: resolver.announce(name, workload) });
    return {
        master: node(REDIS_WORKLOADS.server)(r.master),
        replicas: r.replicas.map(node(REDIS_WORKLOADS.server)),
        sentinels: r.sentinels.map(node(REDIS_WORKLOADS.sentinel)),
        quorum: r.quorum,
        downAfterMs: r.downAfterMs,
        failoverTimeoutMs: r.failoverTimeoutMs,
    };
}

/** What clients need: the sentinel list and the master name (never a fixed master address). */
export function redisSentinelsFor(t: Topology, resolver: AddressResolver): { masterName: string; sentinels: string[] } {
    return { masterName: REDIS_MASTER_NAME, sentinels: sentinelAddresses(redisTopologyFor(t, resolver)) };
}

// The official image's entrypoint chowns /data and drops to `redis` only for `redis-server`,
// so the sentinel runs as `redis-server <conf> --sentinel`.
const SENTINEL_EXEC = ["docker-entrypoint.sh", "redis-server", "{config}", "--sentinel"];
const SERVER_EXEC = ["docker-entrypoint.sh", "redis-server", "{config}"];
const ping = (port: number): ProbeCheck => ({ shell: `redis-cli -h 127.0.0.1 -p ${port} ping | grep -q PONG` });

export function buildRedisServerWorkload(topology: RedisTopology, node: string, image: ImageSource, password: pulumi.Input<string>, sentinelPassword: pulumi.Input<string>): WorkloadSpec {
    const role = redisRoleOf(topology, node)!;
    return {
        name: REDIS_WORKLOADS.server,
        service: "redis",
        // One rollout group with the sentinel (declared first): the server is replaced only after
        // its sentinel is back, so its launcher asks an up-to-date sentinel for the master.
        rolloutGroup: "redis",
        role,
        image,
        // The template is copied to the writable /data/redis.conf on every start, with `replicaof`
        // taken from the Sentinels when they answer (renderRedisLauncher says why).
        command: renderRedisLauncher({ topology, node, template: "/etc/daarion/redis/redis.conf", target: "/data/redis.conf", exec: SERVER_EXEC }),
        files: [
            {
                path: "/etc/daarion/redis/redis.conf",
                content: pulumi.all([password, sentinelPassword]).apply(([pw, spw]) => renderRedisConf({ topology, node, dataDir: "/data", bind: ["0.0.0.0"] }, { password: pw, sentinelPassword: spw })),
                secret: true,
                // Read by the launcher as root before the entrypoint drops to `redis`.
                mode: 0o600,
            },
        ],
        env: { REDISCLI_AUTH: password, SENTINEL_AUTH: sentinelPassword },
        volumes: [{ key: "data", containerPath: "/data", stateful: true }],
        ports: [{ name: "redis", containerPort: 6379 }],
        probe: { check: ping(6379) },
        // `pulumi up` moves on to the node's next stateful container only once this one answers
        // (RolloutSequence): a replaced master is serving again before anything else goes down.
        waitHealthy: true,
        memoryMb: 1536,
    };
}

export function buildSentinelWorkload(topology: RedisTopology, node: string, image: ImageSource, password: pulumi.Input<string>, sentinelPassword: pulumi.Input<string>): WorkloadSpec {
    const template = "/etc/daarion/redis/sentinel.conf";
    return {
        name: REDIS_WORKLOADS.sentinel,
        service: "redis-sentinel",
        rolloutGroup: "redis",
        role: "sentinel",
        image,
        command: renderSentinelLauncher({ topology, node, template, target: "/data/sentinel.conf", exec: SENTINEL_EXEC }),
        files: [
            {
                path: template,
                content: pulumi.all([password, sentinelPassword]).apply(([pw, spw]) => renderSentinelConf({ topology, node, dir: "/data", bind: ["0.0.0.0"] }, { password: pw, sentinelPassword: spw })),
                secret: true,
                mode: 0o600,
            },
        ],
        env: { REDISCLI_AUTH: sentinelPassword },
        // What the sentinel learned (current master, epochs) must survive a restart.
        volumes: [{ key: "data", containerPath: "/data", stateful: true }],
        ports: [{ name: "sentinel", containerPort: 26379 }],
        probe: { check: ping(26379) },
        // The server after it asks this sentinel for the current master: it must be up first.
        waitHealthy: true,
        memoryMb: 128,
    };
}

export function buildEdgeCacheWorkload(t: Topology, node: string, image: ImageSource, password: pulumi.Input<string>): WorkloadSpec {
    const r = t.replication.redis;
    return {
        name: REDIS_WORKLOADS.cache,
        service: "redis-cache",
        role: "cache",
        image,
        command: ["redis-server", "/etc/daarion/redis/cache.conf"],
        files: [
            {
                path: "/etc/daarion/redis/cache.conf",
                content: pulumi.output(password).apply((pw) =>
                    renderEdgeCacheConf({ node: { name: node, privateIp: t.nodes[node]!.privateIp }, port: REDIS_CACHE_PORT, maxmemoryMb: r.edgeCacheMaxMemoryMb, bind: ["0.0.0.0"] }, pw),
                ),
                secret: true,
                mode: 0o644,
            },
        ],
        env: { REDISCLI_AUTH: password },
        // No volume: a cache is disposable by design (save "" / appendonly no).
        ports: [{ name: "redis", containerPort: REDIS_CACHE_PORT }],
        probe: { check: ping(REDIS_CACHE_PORT) },
        // maxmemory plus allocator and connection overhead.
        memoryMb: r.edgeCacheMaxMemoryMb + 128,
    };
}

export const redisModule: PlatformModule = {
    name: "redis",
    runbook: "components/redis/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => redisDashboards(),
    ports: REDIS_RESERVED_PORTS,
    validate: validateRedis,
    alerts: (t) => [redisAlerts(redisAlertOptions(t))],
    scrape: redisScrape,
    distribution: redisDistribution,
    diagram: redisDiagram,

    secrets(t) {
        const names: string[] = [REDIS_SECRET_NAMES.server, REDIS_SECRET_NAMES.sentinel];
        if (t.replication.redis.edgeCaches.length > 0) names.push(REDIS_CACHE_SECRET);
        return names.map((name) => ({ name }));
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const r = t.replication.redis;
        const image = t.images.redis ?? DEFAULT_REDIS_IMAGE;
        const topology = redisTopologyFor(t, ctx.resolver);
        const role = redisRoleOf(topology, ctx.nodeName);
        const sentinel = r.sentinels.includes(ctx.nodeName);
        const cache = r.edgeCaches.includes(ctx.nodeName);
        if (!role && !sentinel && !cache) return;
        return new NodeService("daarion:redis:Node", `${ctx.nodeName}-redis`, ctx.deploy, (deploy) => {
            const outputs: Record<string, unknown> = {};
            if (role || sentinel) {
                const password = ctx.secrets.get(REDIS_SECRET_NAMES.server);
                const sentinelPassword = ctx.secrets.get(REDIS_SECRET_NAMES.sentinel);
                // The sentinel first: in a rollout (one stateful container of a node at a time) the server's
                // launcher then finds an up-to-date local sentinel to ask for the current master.
                if (sentinel) deploy(buildSentinelWorkload(topology, ctx.nodeName, image, password, sentinelPassword));
                if (role) {
                    deploy(buildRedisServerWorkload(topology, ctx.nodeName, image, password, sentinelPassword));
                    outputs.initialRole = role;
                }
                outputs.sentinels = redisSentinelsFor(t, ctx.resolver).sentinels;
            }
            if (cache) {
                deploy(buildEdgeCacheWorkload(t, ctx.nodeName, image, ctx.secrets.get(REDIS_CACHE_SECRET)));
                outputs.cache = ctx.resolver.endpoint(ctx.nodeName, REDIS_WORKLOADS.cache, REDIS_CACHE_PORT);
            }
            return outputs;
        }).exports;
    },
};

