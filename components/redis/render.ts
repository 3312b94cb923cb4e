/**
 * (Over 400 lines on purpose: redis.conf, sentinel.conf and their launchers for the same set of
 * nodes, rendered from one topology walk.)
 *
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

export interface SentinelLauncherSpec {
    readonly topology: RedisTopology;
    /** Node this sentinel runs on (one of `topology.sentinels`). */
    readonly node: string;
    /** Read-only rendered sentinel.conf. */
    readonly template: string;
    /** Writable sentinel.conf that Sentinel rewrites (on the sentinel's data volume). */
    readonly target: string;
    /** Command with "{config}" where the config path goes. @default ["redis-sentinel", "{config}"] */
    readonly exec?: readonly string[];
}

/**
 * `sh -c` command for the sentinel container. The rendered config is placed read-only at `template`;
 * Sentinel itself needs a writable file it rewrites with what it learned (current master, epochs,
 * known replicas and sentinels): "it is mandatory to use a configuration file ... used by the system
 * in order to save the current state", and "Sentinel state is persisted in the sentinel configuration
 * file ... together with the configuration epoch" (redis/redis-doc@10442244:docs/management/sentinel.md,
 * "Running Sentinel" and "Sentinel persistent state").
 *
 * - Same template as last start: the rewritten file is used as is (a plain restart keeps the state).
 * - Changed template (password rotation, quorum, timeouts) or no state yet: the template is NOT copied
 *   over the state as it was (issue 10 finding 7: that reset every sentinel to the topology's INITIAL
 *   master after a failover, so clients got a read-only master and a restarted Redis could become a
 *   second master). Instead the launcher picks the current master with the highest config epoch among
 *   (a) its own rewritten state and (b) every other sentinel's `SENTINEL MASTER <name>` answer (tried
 *   with the current password and with the previous one, so peers not yet rotated still answer). "The
 *   greater version always wins over smaller versions" is Sentinel's own rule for configurations
 *   (sentinel.md, "Configurations propagation"), applied here before Sentinel starts so no stale
 *   `sentinel monitor` is ever served. The new file is the template with only the address of
 *   `sentinel monitor` replaced, plus the learned state: `myid`, `current-epoch`, `config-epoch`,
 *   `leader-epoch`, and the `known-sentinel`/`known-replica` entries that are still in the topology
 *   ("Sentinels never forget already seen Sentinels", sentinel.md "Adding or removing Sentinels": an entry
 *   for a removed sentinel would count forever in the failover majority).
 * - Nothing known anywhere (first boot of the platform): the template's initial master stands.
 *
 * Tools used from the image: sh, printenv, sha256sum, cut, cat, sed, grep, head, paste, timeout, mv, cp, redis-cli.
 * REDISCLI_AUTH holds the sentinels' current password; the previous one is kept in `<target>.auth`.
 */
export function renderSentinelLauncher(spec: SentinelLauncherSpec): string[] {
    const t = spec.topology;
    const s = redisSettings(t);
    const self = findNode(t.sentinels, spec.node, "sentinel");
    const m = s.masterName;
    // masterName is validated to [A-Za-z0-9._-]; only '.' needs escaping in a sed/grep pattern.
    const re = m.replace(/\./g, "\\.");
    const exec = spec.exec ?? ["redis-sentinel", "{config}"];
    const peers = t.sentinels.filter((n) => n.name !== self.name).map((n) => shQuote(`${redisHost(n)} ${s.sentinelPort}`)).join(" ");
    const servers = [t.master, ...t.replicas].map((n) => shQuote(`${redisHost(n)} ${s.port}`)).join(" ");
    const final = exec.map((a) => (a === "{config}" ? '"$c"' : shQuote(a))).join(" ");
    // String.raw keeps every backslash for sed; no shell "${...}" is used, so JS interpolation is unambiguous.
    const script = String.raw`set -eu
t=${shQuote(spec.template)}; c=${shQuote(spec.target)}; sum="$c.rendered.sha256"; auth="$c.auth"
now=$(printenv REDISCLI_AUTH || true)
new=$(sha256sum "$t" | cut -d" " -f1)
if [ ! -f "$c" ] || [ "$(cat "$sum" 2>/dev/null)" != "$new" ]; then
  best=""; epoch=-1; current=0
  if [ -f "$c" ]; then
    best=$(sed -n 's/^sentinel monitor ${re} \([^ ]*\) \([0-9]*\) .*/\1 \2/p' "$c" | head -n 1)
    epoch=$(sed -n 's/^sentinel config-epoch ${re} \([0-9]*\)$/\1/p' "$c" | head -n 1)
    current=$(sed -n 's/^sentinel current-epoch \([0-9]*\)$/\1/p' "$c" | head -n 1)
    [ -n "$epoch" ] || epoch=0
    [ -n "$current" ] || current=0
    if [ -z "$best" ]; then epoch=-1; else echo "daarion: own state: master $best, config-epoch $epoch"; fi
  fi
  old=$(cat "$auth" 2>/dev/null || true)
  for p in ${peers}; do
    h=$(echo "$p" | cut -d" " -f1); n=$(echo "$p" | cut -d" " -f2)
    for pw in "$now" "$old"; do
      out=$(REDISCLI_AUTH="$pw" timeout 3 redis-cli --no-auth-warning -h "$h" -p "$n" SENTINEL MASTER '${m}' 2>/dev/null | paste -d" " - -) || out=""
      ip=$(printf '%s\n' "$out" | sed -n 's/^ip //p' | head -n 1)
      port=$(printf '%s\n' "$out" | sed -n 's/^port //p' | head -n 1)
      e=$(printf '%s\n' "$out" | sed -n 's/^config-epoch //p' | head -n 1)
      if printf '%s %s %s\n' "$ip" "$port" "$e" | grep -Eq '^[A-Za-z0-9._:-]+ [0-9]+ [0-9]+$'; then
        echo "daarion: sentinel $p reports master $ip $port, config-epoch $e"
        if [ "$e" -gt "$epoch" ]; then best="$ip $port"; epoch=$e; fi
        break
      fi
    done
  done
  tmp="$c.tmp"
  if [ -n "$best" ]; then
    sed "s/^sentinel monitor ${re} [^ ]* [0-9]* /sentinel monitor ${m} $best /" "$t" > "$tmp"
  else
    cp "$t" "$tmp"
  fi
  if [ -f "$c" ]; then
    grep '^sentinel myid ' "$c" >> "$tmp" || true
    grep '^sentinel leader-epoch ${re} ' "$c" >> "$tmp" || true
    for a in ${peers}; do grep "^sentinel known-sentinel ${re} $a " "$c" >> "$tmp" || true; done
    for a in ${servers}; do if [ "$a" != "$best" ]; then grep -x "sentinel known-replica ${re} $a" "$c" >> "$tmp" || true; fi; done
  fi
  if [ "$epoch" -gt 0 ]; then
    echo "sentinel config-epoch ${m} $epoch" >> "$tmp"
    if [ "$epoch" -gt "$current" ]; then current=$epoch; fi
  fi
  echo "sentinel current-epoch $current" >> "$tmp"
  mv "$tmp" "$c"
  echo "$new" > "$sum"
  echo "daarion: sentinel template applied, monitoring: $best (config-epoch $epoch; -1 = initial master of the template)"
fi
if [ -n "$now" ]; then (umask 077; printf '%s' "$now" > "$auth"); fi
exec ${final}`;
    return ["sh", "-c", script];
}

/**
 * Start command of a Redis server that follows the Sentinels, not the topology. The rendered
 * config names the INITIAL master; after a failover the Sentinels know better. Every start writes
 * the template to the writable config with `replicaof` taken, in this order, from:
 * 1. a Sentinel's `SENTINEL get-master-addr-by-name` (none when that master is this node), asked with
 *    the Sentinels' current password (SENTINEL_AUTH) and with the previous one (kept in
 *    `<target>.sentinel-auth`), so a rotated password still reaches sentinels not yet restarted;
 * 2. else this server's own last config, which Sentinel rewrote on every role change (Sentinel sends
 *    `CONFIG REWRITE` after `REPLICAOF`: the ACL it needs lists `+config|rewrite`,
 *    redis/redis-doc@10442244:docs/management/sentinel.md "Redis access control list authentication");
 * 3. else (first boot of the platform) the topology's initial role.
 * When the Sentinels name THIS node as master but flag it `s_down`/`o_down`/`failover_in_progress`, it
 * was down long enough to be noticed and a failover may be under way: the launcher waits for their
 * verdict (see `verdictS`) instead of starting as a master that Sentinel would only convert seconds
 * later (measured here: 10.9 s with two masters before this wait existed).
 * Tools used from the image: sh, cat, cut, grep, head, sed, paste, tr, timeout, date, sleep, mv, redis-cli.
 * Without this, recreating the container of a promoted node2 (image bump, config change) would write
 * back `replicaof node1` and throw away every write made since the failover, and a demoted node1
 * restarted while no sentinel answers would come back as a second master (issue 10 finding 7).
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
    const sentinels = t.sentinels.map((n) => shQuote(`${redisHost(n)} ${s.sentinelPort}`)).join(" ");
    // While the sentinels still flag this master down, a failover may be under way: starting now as
    // master would make two masters until Sentinel converts it, seconds later. Wait for their verdict,
    // bounded by down-after + failover-timeout; a lone s_down that never reaches quorum is waited out
    // for two down-after periods only.
    const verdictS = Math.ceil((s.downAfterMs + s.failoverTimeoutMs) / 1000);
    const quorumGraceS = Math.ceil((2 * s.downAfterMs) / 1000) + 2;
    const final = exec.map((a) => (a === "{config}" ? '"$c"' : shQuote(a))).join(" ");
    // String.raw keeps every backslash; no shell "${...}" is used, so JS interpolation is unambiguous.
    const script = String.raw`set -eu
t=${shQuote(spec.template)}; c=${shQuote(spec.target)}; self=${shQuote(`${redisHost(self)} ${s.port}`)}; auth="$c.sentinel-auth"
now=$(printenv SENTINEL_AUTH || true)
old=$(cat "$auth" 2>/dev/null || true)
ask() {
  master=""; flags=""
  for p in ${sentinels}; do
    h=$(echo "$p" | cut -d" " -f1); n=$(echo "$p" | cut -d" " -f2)
    for pw in "$now" "$old"; do
      out=$(REDISCLI_AUTH="$pw" timeout 3 redis-cli --no-auth-warning -h "$h" -p "$n" SENTINEL MASTER ${shQuote(s.masterName)} 2>/dev/null | paste -d" " - -) || out=""
      a=$(printf '%s\n' "$out" | sed -n 's/^ip //p' | head -n 1) b=$(printf '%s\n' "$out" | sed -n 's/^port //p' | head -n 1)
      if printf '%s %s\n' "$a" "$b" | grep -Eq '^[A-Za-z0-9._:-]+ [0-9]+$'; then
        if [ -z "$master" ]; then master="$a $b"; fi
        if [ "$master" = "$a $b" ]; then flags="$flags $(printf '%s\n' "$out" | sed -n 's/^flags //p' | head -n 1)"; fi
        break
      fi
    done
  done
}
ask
if [ "$master" = "$self" ]; then
  start=$(date +%s)
  while :; do
    case "$flags" in
      *o_down*|*failover_in_progress*) ;;
      *s_down*) if [ "$(date +%s)" -ge $((start + ${quorumGraceS})) ]; then break; fi ;;
      *) break ;;
    esac
    if [ "$(date +%s)" -ge $((start + ${verdictS})) ]; then echo "daarion: no verdict after ${verdictS} s; starting as master"; break; fi
    echo "daarion: the sentinels see this master as down ($flags); waiting for their verdict"
    sleep 1
    ask
    if [ "$master" != "$self" ]; then break; fi
  done
fi
grep -v '^replicaof ' "$t" > "$c.tmp"
if [ -n "$master" ]; then
  echo "daarion: sentinels report master $master"
  if [ "$master" != "$self" ]; then echo "replicaof $master" >> "$c.tmp"; fi
elif [ -f "$c" ]; then
  echo "daarion: no sentinel answered; keeping the role Sentinel last wrote into $c"
  grep '^replicaof ' "$c" | head -n 1 >> "$c.tmp" || true
else
  echo "daarion: no sentinel answered and no earlier config: the topology's initial role"
  grep '^replicaof ' "$t" >> "$c.tmp" || true
fi
mv "$c.tmp" "$c"
if [ -n "$now" ]; then (umask 077; printf '%s' "$now" > "$auth"); fi
exec ${final}`;
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
