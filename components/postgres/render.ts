/**
 * (Over 400 lines on purpose: most of it is the launcher's bash text, rendered whole so it can be
 * read, shellchecked and run as one script; its fencing steps depend on each other.)
 *
 * Pure renderers for one node of the PostgreSQL primary/replica pair: postgresql.conf, pg_hba.conf,
 * the replication passfile, the role/slot SQL and the container entrypoint (replica bootstrap + fencing).
 *
 * The design of the fencing is documented in docs/replication.md; the short version:
 *  - every node's entrypoint knows its role from the topology it was rendered from;
 *  - a node told to be a replica whose data dir is not a standby (a demoted old primary) moves that
 *    data dir aside and re-clones from the new primary with pg_basebackup; it never starts writable;
 *  - a node told to be primary refuses to start while a peer of the same cluster is a writable primary
 *    on the same or a newer timeline (a stale config on an old primary cannot win against a promotion);
 *  - a replica told to be primary is promoted (new timeline) only when no peer primary is reachable.
 */
import {
    hostOf,
    nodeOf,
    peersOf,
    PostgresRole,
    postgresPort,
    postgresRoleOf,
    PostgresTopology,
    replicationUser,
    SLOT_PREFIX,
    slotName,
} from "./topology";

/** Where things live inside the container; tests substitute temp directories here (and only here). */
export interface PostgresPaths {
    /** Cluster data directory. Must be a SUBDIRECTORY of the volume: it is renamed when fenced/re-cloned. */
    readonly dataDir: string;
    /** Directory holding postgresql.conf, pg_hba.conf and entrypoint.sh (not secret). */
    readonly configDir: string;
    /** Directory holding pgpass and bootstrap.sql as placed by the runtime (secret, may be root-owned 0600). */
    readonly secretsDir: string;
    /** Private runtime dir: the entrypoint copies the secrets here, owned by the server user. */
    readonly runDir: string;
    /** Unix socket directory. */
    readonly socketDir: string;
    /** PostgreSQL server binaries (Debian and the official image keep them off PATH). */
    readonly binDir: string;
}

/** Paths inside the official `postgres:15` image (bookworm). */
export const CONTAINER_POSTGRES_PATHS: PostgresPaths = {
    dataDir: "/var/lib/postgresql/data/pgdata",
    configDir: "/etc/daarion/postgres",
    secretsDir: "/run/daarion/postgres",
    runDir: "/var/run/postgresql/daarion",
    socketDir: "/var/run/postgresql",
    binDir: "/usr/lib/postgresql/15/bin",
};

/** File names inside `configDir` / `secretsDir`. */
export const POSTGRES_FILES = {
    conf: "postgresql.conf",
    hba: "pg_hba.conf",
    entrypoint: "entrypoint.sh",
    pgpass: "pgpass",
    bootstrapSql: "bootstrap.sql",
} as const;

export interface PostgresTuning {
    /** @default 200 */
    readonly maxConnections?: number;
    /** @default 256 */
    readonly sharedBuffersMb?: number;
    /** WAL kept for replicas even without a slot (covers the pg_basebackup window). @default 1024 */
    readonly walKeepSizeMb?: number;
    /**
     * Upper bound of WAL a slot may pin. A replica that stays down longer loses its slot and must be
     * re-cloned (docs/replication.md) instead of filling the primary's disk. @default 20480
     */
    readonly maxSlotWalKeepSizeMb?: number;
    /** Avoids query cancellations on the read replica at the price of some bloat on the primary. @default true */
    readonly hotStandbyFeedback?: boolean;
}

export interface PostgresNodeSpec {
    readonly topology: PostgresTopology;
    /** The node this file set is rendered for. */
    readonly node: string;
    readonly paths: PostgresPaths;
    /**
     * Addresses the server binds. @default [this node's private IP]
     * (a runtime that publishes a bridge-networked container on the private IP passes ["*"]).
     */
    readonly listenAddresses?: readonly string[];
    /**
     * Where peers and clients do not connect from the topology's IPs, the pg_hba address fields
     * that admit them instead, on the replication and the client lines: `samenet` on the local
     * engine's one Docker network (the subnets the server is attached to: the network's range comes
     * from whichever pool Docker picked), the pod CIDRs in a Kubernetes cluster.
     * @default the replicas' private IPs and the topology's client CIDRs
     */
    readonly peerNetworks?: readonly string[];
    readonly tuning?: PostgresTuning;
    /** OS user the server runs as; the entrypoint drops to it when started as root. @default "postgres" */
    readonly runAsUser?: string;
    /** pg_basebackup attempts (5 s apart) before the entrypoint exits and lets the runtime restart it. @default 60 */
    readonly basebackupAttempts?: number;
    /**
     * Automatic failover by the node agent (components/agent, issue 12). The role no longer comes
     * from the topology (which then only says where PostgreSQL may run) but from the files the agent
     * keeps in `stateDir` (AGENT_STATE_FILES in components/agent/config.ts):
     *  - writable only while `writable-until` (epoch ms) is in the future; otherwise it waits, or
     *    streams from the host named in `primary` (re-cloning a demoted primary, as below);
     *  - a watchdog beside the running server shuts it down (SIGQUIT, immediate shutdown) the moment
     *    a writable server's `writable-until` passes, even when the agent is dead;
     *  - the launcher never exits on a fence: it loops back to the decision, so a restart of the
     *    container during a partition also waits instead of starting writable.
     * @default undefined (topology roles, docs/replication.md)
     */
    readonly failover?: { readonly stateDir: string };
}

function roleOf(spec: PostgresNodeSpec): PostgresRole {
    const role = postgresRoleOf(spec.topology, spec.node);
    if (!role) throw new Error(`node '${spec.node}' runs no PostgreSQL in this topology`);
    return role;
}

/** postgresql.conf string literal. */
function confString(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** libpq conninfo value (quoted when needed). */
function conninfoValue(value: string): string {
    return /^[A-Za-z0-9_./:-]+$/.test(value) ? value : `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** POSIX shell single-quoted word. */
function shellWord(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
function sqlString(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

function sqlIdent(value: string): string {
    return `"${value.replace(/"/g, '""')}"`;
}

/** The conninfo a replica streams with (no password: it comes from the passfile). */
export function primaryConninfo(spec: PostgresNodeSpec): string {
    const t = spec.topology;
    return [
        `host=${conninfoValue(hostOf(t.primary))}`,
        `port=${postgresPort(t)}`,
        `user=${conninfoValue(replicationUser(t))}`,
        `passfile=${conninfoValue(`${spec.paths.runDir}/${POSTGRES_FILES.pgpass}`)}`,
        `application_name=${conninfoValue(spec.node)}`,
        "connect_timeout=10",
    ].join(" ");
}

export function renderPostgresqlConf(spec: PostgresNodeSpec): string {
    const role = roleOf(spec);
    const t = spec.topology;
    const self = nodeOf(t, spec.node);
    const tuning = spec.tuning ?? {};
    const replicas = t.replicas.length;
    const listen = spec.listenAddresses ?? [self.privateIp];
    const lines = [
        `# Rendered by daarion components/postgres for ${spec.node} (${role}). Re-rendered on every topology change.`,
        "",
        `listen_addresses = ${confString(listen.join(","))}`,
        `port = ${postgresPort(t)}`,
        `unix_socket_directories = ${confString(spec.paths.socketDir)}`,
        `hba_file = ${confString(`${spec.paths.configDir}/${POSTGRES_FILES.hba}`)}`,
        `max_connections = ${tuning.maxConnections ?? 200}`,
        `shared_buffers = '${tuning.sharedBuffersMb ?? 256}MB'`,
        "password_encryption = 'scram-sha-256'",
        "",
        "# Streaming replication. Both roles carry the sender settings so a promoted replica can serve",
        "# the rebuilt old primary without a second restart.",
        "wal_level = replica",
        // pg_basebackup -X stream holds a second walsender while cloning; +2 leaves room for a re-clone.
        `max_wal_senders = ${2 * replicas + 2}`,
        `max_replication_slots = ${replicas + 2}`,
        `wal_keep_size = '${tuning.walKeepSizeMb ?? 1024}MB'`,
        `max_slot_wal_keep_size = '${tuning.maxSlotWalKeepSizeMb ?? 20480}MB'`,
        // Lets pg_rewind resync a demoted primary by hand (initdb also enables data checksums).
        "wal_log_hints = on",
        "wal_compression = on",
        "wal_sender_timeout = '60s'",
        "hot_standby = on",
        `hot_standby_feedback = ${(tuning.hotStandbyFeedback ?? true) ? "on" : "off"}`,
        "wal_receiver_timeout = '60s'",
        "recovery_target_timeline = 'latest'",
    ];
    if (spec.failover) {
        lines.push(
            "",
            "# Failover by the node agent: the launcher writes the current upstream here before every start",
            "# (absent while this node is the primary).",
            `include_if_exists = ${confString(`${spec.paths.runDir}/failover.conf`)}`,
        );
    } else if (role === "replica") {
        lines.push(
            "",
            "# Kept here, not in postgresql.auto.conf (the entrypoint strips what pg_basebackup -R wrote there),",
            "# so a topology change re-points the replica. The password comes from the passfile, not this file.",
            `primary_conninfo = ${confString(primaryConninfo(spec))}`,
            `primary_slot_name = ${confString(slotName(spec.node))}`,
        );
    }
    lines.push(
        "",
        "# Logs go to the container's stderr.",
        "logging_collector = off",
        "log_destination = 'stderr'",
        "log_line_prefix = '%m [%p] %q%u@%d/%a from %h '",
        "log_connections = on",
        "log_replication_commands = on",
        "log_min_duration_statement = '2s'",
        "",
    );
    return lines.join("\n");
}

export function renderPgHba(spec: PostgresNodeSpec): string {
    const role = roleOf(spec);
    const t = spec.topology;
    const repl = replicationUser(t);
    const lines = [
        `# Rendered by daarion components/postgres for ${spec.node} (${role}). First match wins.`,
        "# TYPE  DATABASE     USER         ADDRESS            METHOD",
        "local   all          postgres                        peer",
        "local   all          all                             scram-sha-256",
        "# Physical replication only from each replica's private IP (rendered identically on every data node,",
        "# so the fencing checks of docs/replication.md can ask peers for their timeline).",
    ];
    for (const r of t.replicas) {
        for (const address of spec.peerNetworks ?? [`${r.privateIp}/32`]) lines.push(`host    replication  ${repl}  ${address}  scram-sha-256  # ${r.name}`);
    }
    // The primary's address too: before it initializes an empty data dir, its entrypoint asks the
    // peers for their timeline over a replication connection (fencing). Without this line a
    // primary that lost its volume could not see a live replica and would initdb beside it.
    if (!spec.peerNetworks && !t.replicas.some((r) => r.privateIp === t.primary.privateIp)) {
        lines.push(`host    replication  ${repl}  ${t.primary.privateIp}/32  scram-sha-256  # ${t.primary.name} (fencing checks)`);
    }
    lines.push(
        "# The replication role never gets a normal session, and nobody else replicates.",
        `host    all          ${repl}  all                reject`,
        "host    replication  all          all                reject",
    );
    for (const cidr of spec.peerNetworks ?? t.clientCidrs) {
        lines.push(`host    all          all          ${cidr}  scram-sha-256`);
    }
    lines.push("");
    return lines.join("\n");
}

/** libpq passfile field (`:` and `\` are escaped with a backslash). */
function passfileField(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
}

export interface PostgresSecrets {
    readonly superuserPassword: string;
    readonly replicationPassword: string;
}

/** Passfile for the replication connection and the local superuser (secret; placed mode 0600). */
export function renderPgpass(topology: PostgresTopology, secrets: PostgresSecrets): string {
    return [
        `*:*:*:${passfileField(replicationUser(topology))}:${passfileField(secrets.replicationPassword)}`,
        `*:*:*:postgres:${passfileField(secrets.superuserPassword)}`,
        "",
    ].join("\n");
}

/**
 * Idempotent SQL run by the entrypoint on every start of the primary (and right after a promotion):
 * passwords (rotation = new secret + `pulumi up`), the replication role, one physical slot per replica.
 * Slots are not replicated, so a promoted replica must create them itself; that is why this runs in the
 * container and not through the Pulumi provider.
 */
export function renderBootstrapSql(topology: PostgresTopology, secrets: PostgresSecrets): string {
    const repl = replicationUser(topology);
    const slots = topology.replicas.map((r) => slotName(r.name));
    const lines = [
        "-- Rendered by daarion components/postgres; run by the entrypoint with ON_ERROR_STOP.",
        "SET password_encryption = 'scram-sha-256';",
        // A failing statement is logged with its text by default: never let a password reach the log.
        "SET log_min_error_statement = panic;",
        "SET log_statement = 'none';",
        `ALTER ROLE postgres WITH PASSWORD ${sqlString(secrets.superuserPassword)};`,
        `SELECT format('CREATE ROLE %I', ${sqlString(repl)}) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${sqlString(repl)}) \\gexec`,
        `ALTER ROLE ${sqlIdent(repl)} WITH REPLICATION LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT CONNECTION LIMIT ${2 * topology.replicas.length + 4} PASSWORD ${sqlString(secrets.replicationPassword)};`,
    ];
    for (const s of slots) {
        // immediately_reserve: WAL is kept from now on, even before the replica first connects.
        lines.push(`SELECT pg_create_physical_replication_slot(${sqlString(s)}, true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = ${sqlString(s)});`);
    }
    const keep = slots.length ? ` AND slot_name NOT IN (${slots.map(sqlString).join(", ")})` : "";
    lines.push(
        "-- A slot of a replica removed from the topology would pin WAL until max_slot_wal_keep_size.",
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_type = 'physical' AND NOT active AND starts_with(slot_name, ${sqlString(SLOT_PREFIX)})${keep};`,
        "",
    );
    return lines.join("\n");
}

/**
 * The container entrypoint (bash). Run as root it copies the secrets for the server user and drops
 * privileges (gosu in the official image, setpriv elsewhere); run as that user it goes straight on.
 * Extra arguments are passed to `postgres`.
 */
export function renderEntrypoint(spec: PostgresNodeSpec): string {
    const role = roleOf(spec);
    const t = spec.topology;
    const p = spec.paths;
    const peers = peersOf(t, spec.node).map((n) => shellWord(`${hostOf(n)}:${postgresPort(t)}`));
    const slot = role === "replica" ? slotName(spec.node) : "";
    return `#!/usr/bin/env bash
# Rendered by daarion components/postgres for ${spec.node} (${role}); see docs/replication.md (fencing).
set -Eeuo pipefail

readonly ROLE=${shellWord(role)}
readonly NODE=${shellWord(spec.node)}
PRIMARY_HOST=${shellWord(hostOf(t.primary))}
readonly PORT=${shellWord(String(postgresPort(t)))}
readonly SLOT=${shellWord(spec.failover ? slotName(spec.node) : slot)}
readonly REPL_USER=${shellWord(replicationUser(t))}
# Other data nodes of the topology, asked before this node becomes writable.
readonly PEERS=(${peers.join(" ")})
readonly BIN=${shellWord(p.binDir)}
readonly DATA=${shellWord(p.dataDir)}
readonly CONF_FILE=${shellWord(`${p.configDir}/${POSTGRES_FILES.conf}`)}
readonly SECRETS=${shellWord(p.secretsDir)}
readonly RUN=${shellWord(p.runDir)}
readonly RUN_AS=${shellWord(spec.runAsUser ?? "postgres")}
readonly BASEBACKUP_ATTEMPTS=${spec.basebackupAttempts ?? 60}
readonly STATE="\${DATA%/*}"

log() { printf '%s daarion-postgres[%s/%s]: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$NODE" "$ROLE" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

if [ "$(id -u)" = 0 ]; then
    # The runtime places secrets root-owned 0600; libpq and the server need them owned by the server user.
    install -d -o "$RUN_AS" -g "$RUN_AS" -m 0700 "$RUN"
    install -o "$RUN_AS" -g "$RUN_AS" -m 0600 "$SECRETS/${POSTGRES_FILES.pgpass}" "$RUN/${POSTGRES_FILES.pgpass}"
    install -o "$RUN_AS" -g "$RUN_AS" -m 0600 "$SECRETS/${POSTGRES_FILES.bootstrapSql}" "$RUN/${POSTGRES_FILES.bootstrapSql}"
    install -d -o "$RUN_AS" -g "$RUN_AS" -m 0700 "$STATE"
    if [ -d "$DATA" ]; then find "$DATA" ! -user "$RUN_AS" -exec chown "$RUN_AS:" {} +; fi
    export DAARION_PG_DROPPED=1
    if command -v gosu >/dev/null 2>&1; then exec gosu "$RUN_AS" "$0" "$@"; fi
    exec setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups "$0" "$@"
fi

umask 077
if [ -z "\${DAARION_PG_DROPPED:-}" ]; then
    install -d -m 0700 "$RUN"
    install -m 0600 "$SECRETS/${POSTGRES_FILES.pgpass}" "$RUN/${POSTGRES_FILES.pgpass}"
    install -m 0600 "$SECRETS/${POSTGRES_FILES.bootstrapSql}" "$RUN/${POSTGRES_FILES.bootstrapSql}"
    mkdir -p "$STATE"
fi
export PGPASSFILE="$RUN/${POSTGRES_FILES.pgpass}"
export PATH="$BIN:$PATH"

has_cluster() { [ -s "$DATA/PG_VERSION" ]; }

control_field() {
    LC_ALL=C pg_controldata "$DATA" | sed -n "s/^$1: *//p"
}

# "<system id> <timeline> <in_hot_standby>" of a peer, or nothing when it cannot be asked
# (down, partitioned, or its pg_hba does not let this node replicate).
peer_state() {
    local host=\${1%:*} port=\${1##*:} conn sysid tli standby
    conn="host=$host port=$port user=$REPL_USER replication=true connect_timeout=3 application_name=$NODE-fence-check"
    read -r sysid tli _ < <(psql -XAtq -F ' ' -d "$conn" -c 'IDENTIFY_SYSTEM' 2>/dev/null) || return 0
    standby=$(psql -XAtq -d "$conn" -c 'SHOW in_hot_standby' 2>/dev/null) || return 0
    printf '%s %s %s\\n' "$sysid" "$tli" "$standby"
}

move_aside() {
    local dest
    dest="$STATE/pgdata.fenced-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$DATA" "$dest"
    log "moved $DATA aside to $dest ($1); delete it once you no longer need it"
}

clone_from_primary() {
    local target="$STATE/pgdata.basebackup" attempt=1
    local conn="host=$PRIMARY_HOST port=$PORT user=$REPL_USER application_name=$NODE connect_timeout=10"
    rm -rf "$target"
    log "cloning $PRIMARY_HOST:$PORT through slot $SLOT"
    until pg_basebackup -D "$target" -d "$conn" -S "$SLOT" -R -X stream -c fast -w; do
        rm -rf "$target"
        [ "$attempt" -lt "$BASEBACKUP_ATTEMPTS" ] || die "pg_basebackup failed $attempt times"
        attempt=$((attempt + 1))
        sleep 5
    done
    # -R pinned primary_conninfo/primary_slot_name in postgresql.auto.conf, which would override the
    # rendered postgresql.conf and keep pointing at this primary after a failover.
    sed -i -e '/^primary_conninfo[[:space:]]*=/d' -e '/^primary_slot_name[[:space:]]*=/d' "$target/postgresql.auto.conf"
    [ -f "$target/standby.signal" ] || die "pg_basebackup -R wrote no standby.signal"
    mv "$target" "$DATA"
    log "clone complete"
}

# Starts a socket-only server (nobody else can connect) to promote and/or apply bootstrap.sql.
maintenance() {
    local sock="$RUN/maint"
    install -d -m 0700 "$sock"
    printf 'local all all trust\\n' >"$RUN/maint_hba.conf"
    if ! pg_ctl -D "$DATA" -w -t 600 -l "$RUN/maint.log" \\
        -o "-c config_file=$CONF_FILE -c hba_file=$RUN/maint_hba.conf -c listen_addresses='' -c unix_socket_directories=$sock" start; then
        cat "$RUN/maint.log" >&2
        die "maintenance start failed"
    fi
    if [ "$1" = promote ]; then
        log "promoting (topology says primary; data dir is a standby)"
        pg_ctl -D "$DATA" -w -t 600 promote
    fi
    psql -XAtq -v ON_ERROR_STOP=1 -h "$sock" -p "$PORT" -U postgres -d postgres -f "$RUN/${POSTGRES_FILES.bootstrapSql}"
    pg_ctl -D "$DATA" -w -t 600 -m fast stop
    rm -f "$RUN/maint_hba.conf"
}

start_primary() {
    local peer state sysid tli standby my_sysid my_tli promote=none
    if ! has_cluster; then
        for peer in "\${PEERS[@]}"; do
            state=$(peer_state "$peer")
            # An empty primary next to a live replica would orphan the replica's data: promote it instead.
            [ -z "$state" ] || die "refusing to initdb: peer $peer already serves cluster \${state%% *}; make it the primary in the topology (docs/replication.md)"
        done
        log "initializing a new cluster"
        initdb -D "$DATA" --username=postgres --auth-local=peer --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 --data-checksums --no-instructions >/dev/null
    else
        my_sysid=$(control_field 'Database system identifier')
        my_tli=$(control_field "Latest checkpoint's TimeLineID")
        [ -f "$DATA/standby.signal" ] && promote=promote
        for peer in "\${PEERS[@]}"; do
            state=$(peer_state "$peer")
            [ -n "$state" ] || continue
            read -r sysid tli standby <<<"$state"
            [ "$sysid" = "$my_sysid" ] || { log "peer $peer serves another cluster ($sysid); ignored"; continue; }
            [ "$standby" = off ] || continue
            if [ "$promote" = promote ]; then
                die "FENCED: peer $peer is still a writable primary (timeline $tli); stop it before promoting this node"
            fi
            if [ "$tli" -ge "$my_tli" ]; then
                die "FENCED: peer $peer is the writable primary on timeline $tli >= ours ($my_tli); this node was demoted: set it as a replica in the topology and pulumi up"
            fi
            log "WARNING: peer $peer is a stale writable primary on timeline $tli < ours ($my_tli): fence it"
        done
    fi
    maintenance "$promote"
}

start_replica() {
    local state sysid my_sysid
    if has_cluster; then
        if [ ! -f "$DATA/standby.signal" ]; then
            # A data dir that is not a standby was (or became) a primary; starting it could accept writes
            # that the new primary never sees.
            move_aside "not a standby: demoted primary"
        else
            state=$(peer_state "$PRIMARY_HOST:$PORT")
            my_sysid=$(control_field 'Database system identifier')
            sysid=\${state%% *}
            if [ -n "$state" ] && [ "$sysid" != "$my_sysid" ]; then move_aside "primary serves another cluster ($sysid)"; fi
        fi
    fi
    if ! has_cluster; then clone_from_primary; fi
}

${spec.failover ? renderFailoverLoop(spec) : `if [ "$ROLE" = primary ]; then start_primary; else start_replica; fi
log "starting postgres"
exec postgres -D "$DATA" -c config_file="$CONF_FILE" "$@"`}
`;
}

/**
 * The launcher's decision loop under the node agent (spec.failover). Sources for the server's side:
 * SIGQUIT is "Immediate Shutdown" (https://www.postgresql.org/docs/15/server-shutdown.html); a
 * standby starts when standby.signal exists and follows primary_conninfo, which may come from an
 * included file (https://www.postgresql.org/docs/15/warm-standby.html#STANDBY-SERVER-SETUP,
 * https://www.postgresql.org/docs/15/config-setting.html#CONFIG-INCLUDES); pg_promote() removes
 * standby.signal when promotion completes (https://www.postgresql.org/docs/15/functions-admin.html).
 */
function renderFailoverLoop(spec: PostgresNodeSpec): string {
    const self = nodeOf(spec.topology, spec.node);
    const dir = spec.failover!.stateDir;
    // SELF_HOST is compared with the host the agent writes into `primary`: the agent config's
    // groups[].postgres.host, i.e. resolver.host (components/agent/render.ts), which is hostOf here.
    // The private IP never matched it where the runtime addresses by name (local: container names,
    // kubernetes: Service names), so a fenced primary took itself for "another primary", moved its
    // data dir aside as a demoted primary and tried to clone from itself
    // (test/kubernetes/real-configs.test.ts runs other_primary on each node's rendered agent config).
    return `readonly SELF_HOST=${shellWord(hostOf(self))}
readonly WRITABLE_UNTIL_FILE=${shellWord(`${dir}/writable-until`)}
readonly PRIMARY_FILE=${shellWord(`${dir}/primary`)}
readonly UPSTREAM_CONF="$RUN/failover.conf"

now_ms() { date +%s%3N; }
# The agent renews this only while it holds the lease; a missing or garbled file means "not writable".
lease_held() {
    local v
    v=$(cat "$WRITABLE_UNTIL_FILE" 2>/dev/null) || return 1
    [[ "$v" =~ ^[0-9]+$ ]] || return 1
    [ "$v" -gt "$(now_ms)" ]
}
# "<host> <port>" of the primary the agent last saw in the lease, when it is not this node.
other_primary() {
    local h p
    read -r h p <"$PRIMARY_FILE" 2>/dev/null || return 1
    [ -n "$h" ] && [ -n "$p" ] && [ "$h" != "$SELF_HOST" ] || return 1
    printf '%s %s\n' "$h" "$p"
}
write_upstream() {
    printf "primary_conninfo = 'host=%s port=%s user=%s passfile=%s application_name=%s connect_timeout=10'\nprimary_slot_name = '%s'\n" \
        "$1" "$2" "$REPL_USER" "$RUN/${POSTGRES_FILES.pgpass}" "$NODE" "$SLOT" >"$UPSTREAM_CONF.tmp"
    mv "$UPSTREAM_CONF.tmp" "$UPSTREAM_CONF"
}

PG_PID=
trap '[ -n "$PG_PID" ] && kill -TERM "$PG_PID" 2>/dev/null; [ -n "$PG_PID" ] && wait "$PG_PID"; exit 0' TERM INT

while true; do
    upstream=
    if lease_held && ! { has_cluster && [ -f "$DATA/standby.signal" ]; }; then
        rm -f "$UPSTREAM_CONF"
        start_primary
        log "starting postgres as primary (this node holds the lease)"
    elif upstream=$(other_primary); then
        read -r PRIMARY_HOST _ <<<"$upstream"
        start_replica
        write_upstream $upstream
        log "starting postgres as a standby of $upstream"
    elif has_cluster && [ -f "$DATA/standby.signal" ]; then
        # A standby never accepts writes; the agent promotes it when it wins the lease.
        log "starting postgres as a standby (no primary known yet)"
    else
        log "waiting: no lease for this node and no primary to follow"
        sleep 1
        continue
    fi
    postgres -D "$DATA" -c config_file="$CONF_FILE" "$@" &
    PG_PID=$!
    # Fence: a writable server (no standby.signal) whose lease window ran out is shut down at once.
    while kill -0 "$PG_PID" 2>/dev/null; do
        if [ ! -f "$DATA/standby.signal" ] && ! lease_held; then
            log "FENCED: writable without a valid lease (writable-until passed); immediate shutdown"
            kill -QUIT "$PG_PID" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    wait "$PG_PID" || true
    PG_PID=
    log "postgres stopped; deciding again"
    sleep 1
done`;
}

/** Everything a node needs, keyed by file name (config files first, then secret files). */
export function renderPostgresNodeFiles(spec: PostgresNodeSpec, secrets: PostgresSecrets): Record<string, string> {
    return {
        [POSTGRES_FILES.conf]: renderPostgresqlConf(spec),
        [POSTGRES_FILES.hba]: renderPgHba(spec),
        [POSTGRES_FILES.entrypoint]: renderEntrypoint(spec),
        [POSTGRES_FILES.pgpass]: renderPgpass(spec.topology, secrets),
        [POSTGRES_FILES.bootstrapSql]: renderBootstrapSql(spec.topology, secrets),
    };
}
