/**
 * Pure renderers for Redis (seed 000: `Redis: mode: sentinel, master: NODE1, replicas: [NODE2],
 * sentinels: 3`) and the standalone edge cache on NODE3. No Pulumi import.
 *
 * The topology's `master` is only the INITIAL master: after a failover the sentinels are the source
 * of truth (they rewrite redis.conf/sentinel.conf), and clients must discover the master through
 * them (SENTINEL get-master-addr-by-name). See docs/replication.md.
 */
import { isIPv4 } from "node:net";

export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

export interface RedisNode {
    readonly name: string;
    readonly privateIp: string;
    /** Address peers use when it is not the private IP (a container name on the local engine). */
    readonly host?: string;
}

export function redisHost(n: RedisNode): string {
    return n.host ?? n.privateIp;
}

/** Sentinel only follows host names when told to (Redis >= 6.2); IPs are the default and safer. */
function usesHostnames(t: RedisTopology): boolean {
    return [t.master, ...t.replicas, ...t.sentinels].some((n) => !isIPv4(redisHost(n)));
}

export interface RedisTopology {
    readonly master: RedisNode;
    readonly replicas: readonly RedisNode[];
    /** One sentinel per entry, each on a distinct node (3 on seed 000's three nodes). */
    readonly sentinels: readonly RedisNode[];
    /** Name clients ask the sentinels for. @default "daarion" */
    readonly masterName?: string;
    /** Sentinels that must agree the master is down. @default 2 */
    readonly quorum?: number;
    /** @default 6379 */
    readonly port?: number;
    /** @default 26379 */
    readonly sentinelPort?: number;
    /** @default 5000 */
    readonly downAfterMs?: number;
    /** @default 60000 */
    readonly failoverTimeoutMs?: number;
    /** @default 1 */
    readonly parallelSyncs?: number;
}

export interface RedisSecrets {
    /** requirepass of master and replicas, and their masterauth (identical: any replica may become master). */
    readonly password: string;
    /** requirepass of the sentinels, also what they authenticate to each other with. */
    readonly sentinelPassword: string;
}

export const REDIS_DEFAULTS = {
    masterName: "daarion",
    quorum: 2,
    port: 6379,
    sentinelPort: 26379,
    downAfterMs: 5000,
    failoverTimeoutMs: 60000,
    parallelSyncs: 1,
} as const;

export function redisSettings(t: RedisTopology) {
    return {
        masterName: t.masterName ?? REDIS_DEFAULTS.masterName,
        quorum: t.quorum ?? REDIS_DEFAULTS.quorum,
        port: t.port ?? REDIS_DEFAULTS.port,
        sentinelPort: t.sentinelPort ?? REDIS_DEFAULTS.sentinelPort,
        downAfterMs: t.downAfterMs ?? REDIS_DEFAULTS.downAfterMs,
        failoverTimeoutMs: t.failoverTimeoutMs ?? REDIS_DEFAULTS.failoverTimeoutMs,
        parallelSyncs: t.parallelSyncs ?? REDIS_DEFAULTS.parallelSyncs,
    };
}

/** Redis config string: always double-quoted, so any generated password is safe. */
export function redisString(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export interface RedisServerSpec {
    readonly topology: RedisTopology;
    /** Node this redis.conf is for: the master or one of the replicas. */
    readonly node: string;
    /** Data directory (RDB/AOF). */
    readonly dataDir: string;
    /** @default [this node's private IP]; a bridge-networked container passes ["0.0.0.0"]. */
    readonly bind?: readonly string[];
    /** @default 1024 */
    readonly maxmemoryMb?: number;
}

export function redisRoleOf(t: RedisTopology, node: string): "master" | "replica" | undefined {
    if (t.master.name === node) return "master";
    if (t.replicas.some((r) => r.name === node)) return "replica";
    return undefined;
}

function findNode(nodes: readonly RedisNode[], name: string, what: string): RedisNode {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`node '${name}' runs no ${what} in this Redis topology`);
    return n;
}

export function renderRedisConf(spec: RedisServerSpec, secrets: RedisSecrets): string {
    const t = spec.topology;
    const s = redisSettings(t);
    const role = redisRoleOf(t, spec.node);
    if (!role) throw new Error(`node '${spec.node}' runs no Redis server in this topology`);
    const self = findNode([t.master, ...t.replicas], spec.node, "Redis server");
    const lines = [
        `# Rendered by daarion components/redis for ${spec.node} (initial ${role}).`,
        "# Sentinel rewrites this file on failover (replicaof), so it is placed writable.",
        `bind ${(spec.bind ?? [self.privateIp]).join(" ")}`,
        `port ${s.port}`,
        "protected-mode yes",
        `requirepass ${redisString(secrets.password)}`,
        `masterauth ${redisString(secrets.password)}`,
        // Docker NAT: the master would otherwise report the replica's NATed address to the sentinels,
        // which then cannot reach it to promote it.
        `replica-announce-ip ${redisHost(self)}`,
        `replica-announce-port ${s.port}`,
        `dir ${redisString(spec.dataDir)}`,
        "appendonly yes",
        "appendfsync everysec",
        'save 3600 1 300 100 60 10000',
        `maxmemory ${spec.maxmemoryMb ?? 1024}mb`,
        // Shared state (sessions, queues): refuse writes rather than silently evicting.
        "maxmemory-policy noeviction",
        "replica-read-only yes",
        "replica-serve-stale-data yes",
        "repl-diskless-sync yes",
        "loglevel notice",
        'logfile ""',
    ];
    if (role === "replica") lines.push(`replicaof ${redisHost(t.master)} ${s.port}`);
    lines.push("");
    return lines.join("\n");
}

export interface SentinelSpec {
    readonly topology: RedisTopology;
    /** Node this sentinel runs on (one of `topology.sentinels`). */
    readonly node: string;
    /** Writable working directory. */
    readonly dir: string;
    /** @default [this node's private IP]; a bridge-networked container passes ["0.0.0.0"]. */
    readonly bind?: readonly string[];
}

/**
 * sentinel.conf. Sentinel REWRITES its config file (known replicas/sentinels, epochs, the current
 * master), so the file must live at a writable path; see `renderSentinelLauncher` for how the
 * rendered file and the rewritten state coexist.
 */
export function renderSentinelConf(spec: SentinelSpec, secrets: RedisSecrets): string {
    const t = spec.topology;
    const s = redisSettings(t);
    const self = findNode(t.sentinels, spec.node, "sentinel");
    const m = s.masterName;
    return [
        `# Rendered by daarion components/redis for the sentinel on ${spec.node}.`,
        `bind ${(spec.bind ?? [self.privateIp]).join(" ")}`,
        `port ${s.sentinelPort}`,
        "protected-mode no",
        `dir ${redisString(spec.dir)}`,
        'logfile ""',
        // Docker NAT: hello messages would otherwise carry the container address.
        `sentinel announce-ip ${redisHost(self)}`,
        `sentinel announce-port ${s.sentinelPort}`,
        `sentinel resolve-hostnames ${usesHostnames(t) ? "yes" : "no"}`,
        `sentinel announce-hostnames ${usesHostnames(t) ? "yes" : "no"}`,
        `requirepass ${redisString(secrets.sentinelPassword)}`,
        `sentinel sentinel-pass ${redisString(secrets.sentinelPassword)}`,
        `sentinel monitor ${m} ${redisHost(t.master)} ${s.port} ${s.quorum}`,
        `sentinel auth-pass ${m} ${redisString(secrets.password)}`,
        `sentinel down-after-milliseconds ${m} ${s.downAfterMs}`,
        `sentinel failover-timeout ${m} ${s.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${m} ${s.parallelSyncs}`,
        // Clients and scripts may not re-point the sentinels at runtime (SENTINEL SET ... notification-script).
        "sentinel deny-scripts-reconfig yes",
        "",
    ].join("\n");
}

/**
 * `sh -c` command for the sentinel container: the rendered config is placed read-only at `template`
 * and copied to the writable `target` only when the rendered content changed (tracked by checksum).
 * A plain restart therefore keeps what the sentinel learned (current master after a failover, epochs),
 * while a topology change (new quorum, new sentinel) does reach it. `exec` is the final command,
 * with `{config}` standing for the writable config path.
 */
export function renderSentinelLauncher(template: string, target: string, exec: readonly string[] = ["redis-sentinel", "{config}"]): string[] {
    const script = [
        "set -eu",
        `t=${shQuote(template)}; c=${shQuote(target)}; sum="$c.rendered.sha256"`,
        'new=$(sha256sum "$t" | cut -d" " -f1)',
        'if [ ! -f "$c" ] || [ "$(cat "$sum" 2>/dev/null)" != "$new" ]; then cp "$t" "$c"; echo "$new" >"$sum"; fi',
        `exec ${exec.map((a) => (a === "{config}" ? '"$c"' : shQuote(a))).join(" ")}`,
    ].join("\n");
    return ["sh", "-c", script];
}

/**
 * Start command of a Redis server that follows the Sentinels, not the topology. The rendered
 * config names the INITIAL master; after a failover the Sentinels know better. Every start copies
 * the template to the writable config and, when a Sentinel answers, replaces `replicaof` with the
 * master it reports (none when that master is this node). Without this, recreating the container
 * of a promoted node2 (image bump, config change) would write back `replicaof node1` and throw away
 * every write made since the failover. With no Sentinel reachable (first boot of the platform) the
 * topology's initial role stands.
 */
export function renderRedisLauncher(spec: {
    readonly topology: RedisTopology;
    readonly node: string;
    readonly template: string;
    readonly target: string;
    /** Command with "{config}" where the config path goes. */
    readonly exec?: readonly string[];
}): string[] {
    const t = spec.topology;
    const s = redisSettings(t);
    const self = findNode([t.master, ...t.replicas], spec.node, "Redis server");
    const exec = spec.exec ?? ["redis-server", "{config}"];
    const script = [
        "set -eu",
        `t=${shQuote(spec.template)}; c=${shQuote(spec.target)}; self=${shQuote(`${redisHost(self)} ${s.port}`)}`,
        'cp "$t" "$c"',
        'master=""',
        `for s in ${sentinelAddresses(t).map(shQuote).join(" ")}; do`,
        // SENTINEL_AUTH holds the Sentinels' password (they require their own).
        `  out=$(REDISCLI_AUTH="$\{SENTINEL_AUTH:-}" timeout 3 redis-cli --no-auth-warning -h "$\{s%:*}" -p "$\{s##*:}" SENTINEL get-master-addr-by-name ${shQuote(s.masterName)} 2>/dev/null | tr '\\n' ' ' | sed 's/ *$//') || out=""`,
        // Only a well-formed "host port" answer counts; an error reply (NOAUTH ...) does not.
        `  if printf '%s\\n' "$out" | grep -Eq '^[A-Za-z0-9._-]+ [0-9]+$'; then master="$out"; break; fi`,
        "done",
        'if [ -n "$master" ]; then',
        '  grep -v "^replicaof " "$c" > "$c.tmp" && mv "$c.tmp" "$c"',
        '  if [ "$master" != "$self" ]; then echo "replicaof $master" >> "$c"; fi',
        '  echo "daarion: sentinels report master $master"',
        "fi",
        `exec ${exec.map((a) => (a === "{config}" ? '"$c"' : shQuote(a))).join(" ")}`,
    ].join("\n");
    return ["sh", "-c", script];
}

function shQuote(v: string): string {
    return `'${v.replace(/'/g, `'\\''`)}'`;
}

export interface EdgeCacheSpec {
    readonly node: RedisNode;
    /** @default 6379 */
    readonly port?: number;
    readonly maxmemoryMb: number;
    /** @default [node private IP] */
    readonly bind?: readonly string[];
}

/** Standalone cache on the edge node: nothing persisted, least-recently-used keys evicted. */
export function renderEdgeCacheConf(spec: EdgeCacheSpec, password: string): string {
    return [
        `# Rendered by daarion components/redis: edge cache on ${spec.node.name} (standalone, disposable).`,
        `bind ${(spec.bind ?? [spec.node.privateIp]).join(" ")}`,
        `port ${spec.port ?? REDIS_DEFAULTS.port}`,
        "protected-mode yes",
        `requirepass ${redisString(password)}`,
        'save ""',
        "appendonly no",
        `maxmemory ${spec.maxmemoryMb}mb`,
        "maxmemory-policy allkeys-lru",
        "loglevel notice",
        'logfile ""',
        "",
    ].join("\n");
}

/** `host:port` of every sentinel, what clients are given instead of a master address. */
export function sentinelAddresses(t: RedisTopology): string[] {
    const s = redisSettings(t);
    return t.sentinels.map((n) => `${redisHost(n)}:${s.sentinelPort}`);
}

export function validateRedisTopology(t: RedisTopology, base = "replication.redis"): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const add = (path: string, message: string) => issues.push({ path: `${base}${path ? `.${path}` : ""}`, message });
    const s = redisSettings(t);
    const checkIp = (n: RedisNode, path: string) => {
        if (!isIPv4(n.privateIp)) add(`${path}.privateIp`, `'${n.privateIp}' is not an IPv4 address`);
    };
    checkIp(t.master, "master");
    t.replicas.forEach((r, i) => {
        checkIp(r, `replicas[${i}]`);
        if (r.name === t.master.name) add(`replicas[${i}]`, `replica '${r.name}' is on the master's node`);
    });
    if (new Set(t.replicas.map((r) => r.name)).size !== t.replicas.length) add("replicas", "a node is listed twice");
    if (t.replicas.length === 0) add("replicas", "sentinel mode needs at least one replica to promote");
    t.sentinels.forEach((n, i) => checkIp(n, `sentinels[${i}]`));
    const distinct = new Set(t.sentinels.map((n) => n.name));
    if (distinct.size !== t.sentinels.length) add("sentinels", "two sentinels on one node fail together: each sentinel needs its own node");
    if (distinct.size < 3) add("sentinels", `${distinct.size} sentinel node(s): at least 3 on distinct nodes are needed to survive the loss of one`);
    if (!Number.isInteger(s.quorum) || s.quorum < 1) add("quorum", `quorum ${s.quorum} must be a positive integer`);
    else if (s.quorum > t.sentinels.length) add("quorum", `quorum ${s.quorum} exceeds the ${t.sentinels.length} sentinels: no failover could ever be agreed`);
    if (!/^[A-Za-z0-9._-]+$/.test(s.masterName)) add("masterName", `'${s.masterName}' must be letters, digits, '.', '_' or '-'`);
    for (const [key, port] of [["port", s.port], ["sentinelPort", s.sentinelPort]] as const) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) add(key, `${port} is not a TCP port`);
    }
    if (s.port === s.sentinelPort) add("sentinelPort", "sentinel and server ports collide on nodes running both");
    if (!(s.downAfterMs >= 1000)) add("downAfterMs", "below 1000 ms a GC pause or a slow fsync triggers a failover");
    if (!(s.failoverTimeoutMs > s.downAfterMs)) add("failoverTimeoutMs", "failover-timeout must exceed down-after-milliseconds");
    if (!(s.parallelSyncs >= 1)) add("parallelSyncs", "must be at least 1");
    return issues;
}
