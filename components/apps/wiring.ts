/**
 * Where the application services find the platform, computed from the topology and the address
 * resolver (private IPs on Hetzner nodes, container names on the local engine), plus the shared
 * secrets the owning modules generate.
 *
 * The secret names below are the contract with the modules that own each server: they create the
 * user/role with exactly this secret. A name no module provides is reported (ctx.warn) and the
 * variable is left unset, rather than inventing a credential the server would not accept.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentContext } from "../../stacks/context";
import { MINIO_PORTS, MINIO_SECRET_NAMES, MINIO_WORKLOAD } from "../minio/contract";
import { NATS_PORTS, NATS_SECRET_NAMES, NATS_WORKLOAD } from "../nats/contract";
import { natsLayout, natsUrlFor } from "../nats/workload";
import { NEO4J_PORTS, NEO4J_SECRET_NAMES, NEO4J_WORKLOAD } from "../neo4j/contract";
import { postgresConnectionUrl, POSTGRES_SECRET_NAMES, POSTGRES_WORKLOAD, serviceDatabase } from "../postgres/contract";
import { QDRANT_PORTS, QDRANT_SECRET_NAMES, QDRANT_WORKLOAD } from "../qdrant/contract";
import { REDIS_MASTER_NAME, REDIS_PORTS, REDIS_SECRET_NAMES, REDIS_WORKLOADS } from "../redis/contract";
import { AppNode, AppServiceConfig, AppWiring, DatabaseEndpoint, NodeRole } from "./services";

/**
 * Shared-secret names the apps read, each owned (requested and applied) by the module whose
 * contract defines it; kept as one map because the secret catalogue test and the apps module
 * look them up by dependency.
 */
export const APP_SECRET_NAMES = {
    natsUser: NATS_SECRET_NAMES.user,
    postgresUser: POSTGRES_SECRET_NAMES.user,
    redis: REDIS_SECRET_NAMES.server,
    redisSentinel: REDIS_SECRET_NAMES.sentinel,
    redisCache: REDIS_SECRET_NAMES.cache,
    qdrantApiKey: QDRANT_SECRET_NAMES.apiKey,
    neo4j: NEO4J_SECRET_NAMES.password,
    minioUser: MINIO_SECRET_NAMES.user,
} as const;

export { serviceDatabase };

/** The node identity the services see (NODE_ID, NODE_ROLE, CLUSTER_PEERS). */
export function appNode(ctx: DeploymentContext, nodeName: string, gpu: boolean): AppNode {
    const t = ctx.topology;
    const role = t.nodes[nodeName]!.role as NodeRole;
    // Seed 000: CLUSTER_PEERS=node2:4222,node3:4222 — every other node's NATS client address.
    const peers = Object.keys(t.nodes)
        .filter((n) => n !== nodeName)
        .map((n) => ctx.resolver.endpoint(n, NATS_WORKLOAD, NATS_PORTS.client));
    return { name: nodeName, role, gpu, clusterPeers: peers };
}

/** A shared secret, or undefined (with a warning) when no module provides it. */
function optionalSecret(ctx: DeploymentContext, name: string, purpose: string): pulumi.Output<string> | undefined {
    try {
        return ctx.secrets.get(name);
    } catch {
        ctx.warn(`${purpose}: no module provides the shared secret '${name}', so it is not set`);
        return undefined;
    }
}

function pgUrl(role: string, password: pulumi.Input<string>, hostPort: string, db: string): pulumi.Output<string> {
    return pulumi.secret(pulumi.output(password).apply((pw) => postgresConnectionUrl({ role, password: pw, hostPort, database: db })));
}

/**
 * Everything `services` (as placed on `node`) use, resolved for `node`. Only dependencies some
 * service uses are resolved, so a node without, say, Neo4j users asks for no Neo4j secret.
 */
export function appWiringFor(ctx: DeploymentContext, node: string, services: Readonly<Record<string, AppServiceConfig>>): { wiring: AppWiring; perService: Record<string, AppWiring> } {
    const t = ctx.topology;
    const r = ctx.resolver;
    const used = new Set(Object.values(services).flatMap((s) => s.uses ?? []));
    const base: {
        -readonly [K in keyof AppWiring]: AppWiring[K];
    } = {};

    if (used.has("redis")) {
        const redis = t.replication.redis;
        base.redis = {
            sentinels: redis.sentinels.map((n) => r.endpoint(n, REDIS_WORKLOADS.sentinel, REDIS_PORTS.sentinel)),
            masterName: REDIS_MASTER_NAME,
            password: optionalSecret(ctx, APP_SECRET_NAMES.redis, "REDIS_PASSWORD"),
            sentinelPassword: optionalSecret(ctx, APP_SECRET_NAMES.redisSentinel, "REDIS_SENTINEL_PASSWORD"),
        };
        // Seed 000's edge cache: a node that runs one offers it to its services, which would
        // otherwise cross the WAN to the master for every cached read.
        if (redis.edgeCaches.includes(node)) {
            const password = optionalSecret(ctx, APP_SECRET_NAMES.redisCache, "REDIS_CACHE_URL");
            if (password) {
                const hostPort = r.endpoint(node, REDIS_WORKLOADS.cache, REDIS_PORTS.cache);
                base.redis = { ...base.redis, cacheUrl: pulumi.secret(pulumi.output(password).apply((pw) => `redis://:${encodeURIComponent(pw)}@${hostPort}/0`)) };
            }
        }
    }
    if (used.has("qdrant")) {
        const q = t.replication.qdrant;
        // The local peer when this node holds shards (no extra hop), else the first peer.
        const peer = q.nodes.includes(node) ? node : (q.firstPeer ?? q.nodes[0]!);
        base.qdrant = { url: `http://${r.endpoint(peer, QDRANT_WORKLOAD, QDRANT_PORTS.http)}`, apiKey: optionalSecret(ctx, APP_SECRET_NAMES.qdrantApiKey, "QDRANT_API_KEY") };
    }
    if (used.has("neo4j")) {
        const n4 = t.replication.neo4j;
        // neo4j:// is the routing scheme: the driver discovers the cluster's writers and readers.
        const scheme = n4.mode === "cluster" && n4.edition === "enterprise" ? "neo4j" : "bolt";
        const password = optionalSecret(ctx, APP_SECRET_NAMES.neo4j, "NEO4J_PASSWORD");
        if (password) base.neo4j = { uri: `${scheme}://${r.endpoint(n4.primaries[0]!, NEO4J_WORKLOAD, NEO4J_PORTS.bolt)}`, user: "neo4j", password };
    }

    const perService: Record<string, AppWiring> = {};
    for (const [name, svc] of Object.entries(services)) {
        const w: { -readonly [K in keyof AppWiring]: AppWiring[K] } = { ...base };
        const uses = new Set(svc.uses ?? []);
        if (uses.has("nats")) {
            const password = optionalSecret(ctx, APP_SECRET_NAMES.natsUser(name), `services.${name}: NATS_PASSWORD`);
            // The nats module's own rule: the local server first, then the rest of its cluster.
            const url = natsUrlFor(natsLayout(t.replication.nats, r), node);
            if (password) w.nats = { url, user: name, password };
        }
        if (uses.has("postgres")) {
            const pg = t.replication.postgresql;
            const db = serviceDatabase(name, svc);
            const password = optionalSecret(ctx, APP_SECRET_NAMES.postgresUser(db), `services.${name}: DATABASE_URL`);
            if (password) {
                const endpoint: DatabaseEndpoint = {
                    url: pgUrl(db, password, r.endpoint(pg.primary, POSTGRES_WORKLOAD, pg.port), db),
                    ...(pg.replicas.includes(node) ? { readUrl: pgUrl(db, password, r.endpoint(node, POSTGRES_WORKLOAD, pg.port), db) } : {}),
                };
                if (svc.database !== undefined) w.databases = { [db]: endpoint };
                else w.postgres = endpoint;
            }
        }
        if (uses.has("s3") && !t.minio) ctx.warn(`services.${name}.uses: 's3' is used but the topology has no minio block`);
        if (uses.has("s3") && t.minio) {
            const secretKey = optionalSecret(ctx, APP_SECRET_NAMES.minioUser(name), `services.${name}: S3_SECRET_KEY`);
            // The minio module gives each S3 consumer a bucket named after it (minioConsumers).
            if (secretKey) w.s3 = { endpoint: `http://${r.endpoint(t.minio.node, MINIO_WORKLOAD, MINIO_PORTS.api)}`, accessKey: name, secretKey, bucket: name };
        }
        perService[name] = w;
    }
    return { wiring: base, perService };
}
