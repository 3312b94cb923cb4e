/**
 * (Over 400 lines on purpose: the lease, the fence and the promotion are one safety argument, kept
 * in one file so it can be read against the code.)
 *
 * One agent per node. Leadership is one lease per failover group in a JetStream KV bucket, taken
 * with `create` and renewed/taken over with `update(key, value, revision)` (compare-and-set on the
 * stream's last sequence for the key; https://docs.nats.io/nats-concepts/jetstream/key-value-store
 * "create ... update (compare and set)"). Never `put`: a put could overwrite a promotion
 * (NationTech Harmony's critical bug, issue 12).
 *
 * Time: lease age is judged from JetStream message timestamps (`entry.created`, stamped by the
 * server), never from a local clock: the "server now" is the timestamp of this agent's own
 * heartbeat written in the same loop (Harmony, issue 12). Per-key TTL is not used (ignored by
 * nats-server 2.9.10, issue 12); an expired lease simply stays in the bucket with its old timestamp.
 *
 * Safety argument (AbsoluteConsistency): the holder sends a renewal at local time S; the server
 * stamps it at C >= S. The holder's server is writable only until S + ttl - retryTimeout (the
 * `writable-until` file, enforced by the launcher's watchdog even if this agent dies). Another
 * member takes over only when serverNow > C + ttl, i.e. at least retryTimeout after the holder
 * fenced (Harmony: failover_timeout > heartbeat_timeout * failure_threshold; Patroni demotes
 * before its lock can expire, https://patroni.readthedocs.io/en/latest/dynamic_configuration.html).
 * Clock assumption: the NATS servers' clocks agree to well under retryTimeout (NTP).
 */
import { connect } from "@nats-io/transport-node";
type NatsConnection = Awaited<ReturnType<typeof connect>>;
import { jetstream } from "@nats-io/jetstream";
import { KV, KvEntry, Kvm } from "@nats-io/kv";
import { AgentConfig, AgentGroup, DEFAULT_MAX_LAG_BYTES, heartbeatKey, leaseKey } from "../config";
import { ensureSlots, lsnDiff, pgState, PgState, PgTarget, promote } from "./pg";
import { observe, Observed } from "./observe";
import { StateFiles } from "./state-files";

export interface LeaseValue {
    holder: string;
    term: number;
    /** The holder's last published WAL position (PostgreSQL groups). */
    walLsn?: string;
    /** Where the holder's server listens (the others stream from it). */
    host?: string;
    port?: number;
    ttlMs: number;
    /** ms after the entry's server timestamp at which the holder is fenced (ttl - retryTimeout). */
    fenceAfterMs: number;
}

export interface GroupStatus {
    name: string;
    strategy: AgentGroup["strategy"];
    holder?: string;
    term?: number;
    leaseAgeSeconds?: number;
    leaseHeld: boolean;
    fenced: boolean;
    primaryNode?: string;
    failovers: number;
    lagBytes?: number;
    lagBoundBytes?: number;
    /** KV revision of the lease entry this agent last read, and the WAL position published in it. */
    leaseRevision?: number;
    publishedWalLsn?: string;
    ready: boolean;
    local?: unknown;
    note?: string;
}

export interface PeerStatus {
    node: string;
    url: string;
    reachable: boolean;
    lastSeen?: string;
}

const log = (...a: unknown[]) => console.error(new Date().toISOString(), "daarion-agent:", ...a);

export class Agent {
    nc?: NatsConnection;
    kv?: KV;
    natsOk = false;
    serverNow?: number;
    observed: Observed = { errors: [] };
    readonly groups = new Map<string, GroupStatus>();
    readonly peers = new Map<string, PeerStatus>();
    private stopped = false;
    private readonly files = new Map<string, StateFiles>();
    /** Local wall-clock deadline of the write window per group (0 = fenced). */
    private readonly writableUntil = new Map<string, number>();
    /** Per group: when the local server was last seen up (undefined: never since this agent started). */
    private readonly lastUp = new Map<string, number>();

    constructor(readonly cfg: AgentConfig, private readonly env: NodeJS.ProcessEnv = process.env) {
        for (const g of cfg.groups) {
            this.groups.set(g.name, { name: g.name, strategy: g.strategy, leaseHeld: false, fenced: g.kind === "postgres", failovers: 0, ready: false, lagBoundBytes: g.kind === "postgres" ? (g.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES) : undefined });
            if (g.postgres) {
                const f = new StateFiles(g.postgres.stateDir);
                f.writableUntil(0); // a restarted agent never inherits a write window
                this.files.set(g.name, f);
            }
        }
        for (const p of cfg.peers) this.peers.set(p.node, { node: p.node, url: p.url, reachable: false });
    }

    private connecting?: Promise<KV>;

    private ensureNats(): Promise<KV> {
        if (this.kv && this.nc && !this.nc.isClosed()) return Promise.resolve(this.kv);
        // One attempt at a time: a connect that outlives the loop's timeout is reused, not repeated.
        this.connecting ??= this.openNats().finally(() => (this.connecting = undefined));
        return this.connecting;
    }

    private async openNats(): Promise<KV> {
        const t = this.cfg.timing;
        this.nc = await connect({
            servers: this.cfg.nats.servers,
            user: this.cfg.nats.user,
            pass: this.env[this.cfg.nats.passwordEnv],
            timeout: t.retryTimeoutMs,
            reconnectTimeWait: 500,
            maxReconnectAttempts: -1,
            // The node's own server first (config order): it is the one that shares the node's fate.
            noRandomize: true,
            pingInterval: t.loopMs,
            name: `daarion-agent-${this.cfg.node}`,
        });
        this.kv = await new Kvm(jetstream(this.nc, { timeout: t.retryTimeoutMs })).open(this.cfg.nats.bucket);
        return this.kv;
    }

    /** Server time = the stamp of our own heartbeat, read back at the revision we wrote. */
    private async heartbeat(kv: KV): Promise<number> {
        const key = heartbeatKey(this.cfg.node);
        // Heartbeats are not leadership: a plain put is right here.
        const rev = await kv.put(key, JSON.stringify({ node: this.cfg.node, listen: this.cfg.listen }));
        const e = await kv.get(key, { revision: rev });
        if (!e) throw new Error("heartbeat not readable");
        return e.created.getTime();
    }

    async loopOnce(): Promise<void> {
        const t = this.cfg.timing;
        let kv: KV | undefined;
        try {
            kv = await withTimeout(this.ensureNats(), t.retryTimeoutMs, "NATS connect");
            this.serverNow = await withTimeout(this.heartbeat(kv), t.retryTimeoutMs, "heartbeat");
            this.natsOk = true;
        } catch (e) {
            this.natsOk = false;
            log(`NATS unavailable: ${(e as Error).message}`);
        }
        // Every step is bounded: a stalled request must not stall the loop (a replica would never
        // promote, and the status would go stale). Safety does not depend on the loop: the write
        // window simply runs out.
        const bound = 3 * t.retryTimeoutMs;
        await Promise.all([
            ...this.cfg.groups.map((g) =>
                withTimeout(this.tickGroup(g, this.natsOk ? kv : undefined), bound, `group ${g.name}`).catch((e) => log(`group ${g.name}: ${(e as Error).message}`)),
            ),
            withTimeout(this.probePeers(), bound, "peers").catch((e) => log((e as Error).message)),
            withTimeout(observe(this.cfg, this.env), bound, "observe")
                .then((o) => void (this.observed = o))
                .catch((e) => log((e as Error).message)),
        ]);
        this.refreshLocal();
    }

    async run(): Promise<void> {
        while (!this.stopped) {
            const started = Date.now();
            await this.loopOnce();
            await sleep(Math.max(0, this.cfg.timing.loopMs - (Date.now() - started)));
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.nc?.close().catch(() => undefined);
    }

    /** Lease-held/fenced from the local write window, so a scrape never reports a stale window. */
    refreshLocal(): void {
        for (const g of this.cfg.groups) {
            if (g.kind !== "postgres") continue;
            const s = this.groups.get(g.name)!;
            s.leaseHeld = (this.writableUntil.get(g.name) ?? 0) > Date.now();
            s.fenced = !s.leaseHeld;
            if (s.leaseHeld) s.primaryNode = this.cfg.node;
            else if (s.primaryNode === this.cfg.node) s.primaryNode = undefined;
            const local = s.local as PgState | undefined;
            s.ready = !!local?.up && ((s.leaseHeld && !local.inRecovery) || (!s.leaseHeld && local.inRecovery));
        }
    }

    private pgTarget(g: AgentGroup): PgTarget {
        const p = g.postgres!;
        return { host: p.host, port: p.port, user: p.user, password: this.env[p.passwordEnv], database: p.database, timeoutMs: this.cfg.timing.retryTimeoutMs };
    }

    private priorityOf(g: AgentGroup, node: string): number {
        return g.members.find((m) => m.node === node)?.priority ?? -Infinity;
    }

    private preferred(g: AgentGroup): string {
        return [...g.members].sort((a, b) => b.priority - a.priority)[0].node;
    }

    private async tickGroup(g: AgentGroup, kv: KV | undefined): Promise<void> {
        if (g.kind === "postgres") return this.tickPostgres(g, kv);
        return this.tickHttp(g, kv);
    }

    private leaseOf(e: KvEntry | null): LeaseValue | undefined {
        if (!e || e.operation !== "PUT") return undefined;
        try {
            return JSON.parse(e.string()) as LeaseValue;
        } catch {
            return undefined;
        }
    }

    private expired(e: KvEntry, lease: LeaseValue): boolean {
        return this.serverNow !== undefined && this.serverNow > e.created.getTime() + lease.ttlMs;
    }

    private newLease(g: AgentGroup, term: number, walLsn?: string): LeaseValue {
        const t = this.cfg.timing;
        return {
            holder: this.cfg.node,
            term,
            walLsn,
            host: g.postgres?.host,
            port: g.postgres?.port,
            ttlMs: t.ttlMs,
            fenceAfterMs: t.ttlMs - t.retryTimeoutMs,
        };
    }

    /** Opens (or extends) the local write window after a successful CAS sent at `sentAt`. */
    private grant(g: AgentGroup, sentAt: number): void {
        const until = sentAt + this.cfg.timing.ttlMs - this.cfg.timing.retryTimeoutMs;
        this.writableUntil.set(g.name, until);
        const f = this.files.get(g.name);
        f?.writableUntil(until);
        if (g.postgres) f?.primary(g.postgres.host, g.postgres.port);
    }

    private revoke(g: AgentGroup, holder?: LeaseValue): void {
        this.writableUntil.set(g.name, 0);
        const f = this.files.get(g.name);
        f?.writableUntil(0);
        if (holder?.host && holder.port) f?.primary(holder.host, holder.port);
    }

    private async tickPostgres(g: AgentGroup, kv: KV | undefined): Promise<void> {
        const s = this.groups.get(g.name)!;
        const target = this.pgTarget(g);
        const local: PgState = await pgState(target);
        const before = s.local as PgState | undefined;
        // Transitions only: a server that is down for a while must not flood the log.
        if (!local.up && (before === undefined || before.up || before.error !== local.error)) log(`group ${g.name}: local PostgreSQL unreadable: ${local.error}`);
        if (local.up && before !== undefined && !before.up) log(`group ${g.name}: local PostgreSQL readable again (${local.inRecovery ? "standby" : "primary"} at ${local.lsn})`);
        s.local = local;
        if (local.up) this.lastUp.set(g.name, Date.now());
        const me = this.cfg.node;
        const bound = g.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES;
        try {
            if (!kv) return;
            const key = leaseKey(g.name);
            const e = await kv.get(key);
            const lease = this.leaseOf(e);
            s.holder = lease?.holder;
            s.term = lease?.term;
            s.leaseRevision = e?.revision;
            s.publishedWalLsn = lease?.walLsn;
            s.leaseAgeSeconds = e && this.serverNow !== undefined ? Math.max(0, (this.serverNow - e.created.getTime()) / 1000) : undefined;
            if (!e || !lease) {
                // First boot: only the topology's preferred member creates the lease.
                if (this.preferred(g) !== me) return;
                const sentAt = Date.now();
                await kv.create(key, JSON.stringify(this.newLease(g, 1, local.up && !local.inRecovery ? local.lsn : undefined)));
                this.grant(g, sentAt);
                log(`group ${g.name}: created lease (term 1)`);
                return;
            }
            if (lease.holder === me) {
                // A holder whose server stays down longer than a ttl lets the lease lapse, so a replica
                // can take over (Patroni releases the leader key when PostgreSQL cannot run). Not at
                // first boot: the launcher needs the lease to create the cluster at all.
                const seen = this.lastUp.get(g.name);
                if (!local.up && seen !== undefined && Date.now() - seen > this.cfg.timing.ttlMs) {
                    // ...unless the lapsed lease stayed untaken for another ttl: then no standby could
                    // take over, this node is still the last primary, and its launcher will not start
                    // the server without a write window (it fenced itself when a renewal came too late,
                    // e.g. while JetStream re-elected after a partition). Without this, holder and
                    // launcher wait for each other forever. Reclaimed by CAS on the revision, like any
                    // take-over, and treated as a fresh start.
                    const untaken = this.serverNow !== undefined && this.serverNow > e.created.getTime() + lease.ttlMs + this.cfg.timing.ttlMs;
                    if (!untaken) {
                        s.note = `local PostgreSQL down since ${new Date(seen).toISOString()}: not renewing the lease`;
                        log(`group ${g.name}: ${s.note}`);
                        return;
                    }
                    log(`group ${g.name}: the lease lapsed and no other member took it: reclaiming it so this node's server can start`);
                    this.lastUp.set(g.name, Date.now());
                }
                const sentAt = Date.now();
                const walLsn = local.up && !local.inRecovery ? local.lsn : lease.walLsn;
                try {
                    await kv.update(key, JSON.stringify({ ...this.newLease(g, lease.term, walLsn) }), e.revision, this.cfg.timing.retryTimeoutMs);
                } catch (err) {
                    // Someone else won the revision: we are not the holder any more.
                    if (/wrong last sequence/i.test((err as Error).message)) this.revoke(g);
                    throw err;
                }
                this.grant(g, sentAt);
                if (local.up && local.inRecovery) await this.promoteIfCaughtUp(g, s, lease, local, kv, key, null);
                if (local.up && !local.inRecovery) await ensureSlots(target, g.members.map((m) => m.node).filter((n) => n !== me)).catch((err) => log(`slots: ${err.message}`));
                return;
            }
            // Another member holds (or held) the lease.
            this.revoke(g, lease);
            if (local.up && local.inRecovery) {
                s.lagBytes = lease.walLsn ? Math.max(0, await lsnDiff(target, lease.walLsn, local.lsn)) : undefined;
                if (this.expired(e, lease)) await this.promoteIfCaughtUp(g, s, lease, local, kv, key, e);
            } else {
                // No replay position to measure: an old figure would claim a lag nobody measured.
                s.lagBytes = undefined;
            }
        } finally {
            const until = this.writableUntil.get(g.name) ?? 0;
            s.leaseHeld = until > Date.now();
            s.fenced = !s.leaseHeld;
            s.primaryNode = s.leaseHeld ? me : s.holder;
            s.lagBoundBytes = bound;
            s.ready = local.up && ((s.leaseHeld && !local.inRecovery) || (!s.leaseHeld && local.inRecovery));
        }
    }

    /**
     * Takes over (if `e` is given: CAS on its revision) only when the replay position is within
     * maxLagBytes of the last WAL position the old primary published (Patroni's
     * maximum_lag_on_failover), then opens the write window and promotes.
     */
    private async promoteIfCaughtUp(g: AgentGroup, s: GroupStatus, lease: LeaseValue, local: PgState & { up: true }, kv: KV, key: string, e: KvEntry | null): Promise<void> {
        const bound = g.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES;
        const target = this.pgTarget(g);
        if (!lease.walLsn) {
            // Unknown is not zero: without the old primary's last position the bound cannot be
            // judged, and promoting could lose what it committed. An operator decides instead.
            s.lagBytes = undefined;
            s.note = `not promoting: ${lease.holder} never published a WAL position, so the lag cannot be judged`;
            log(`group ${g.name}: ${s.note}`);
            return;
        }
        const lag = Math.max(0, await lsnDiff(target, lease.walLsn, local.lsn));
        s.lagBytes = lag;
        if (lag > bound) {
            s.note = `not promoting: replay ${local.lsn} is ${lag} bytes behind the last published ${lease.walLsn} (bound ${bound})`;
            log(`group ${g.name}: ${s.note}`);
            return;
        }
        if (e) {
            const sentAt = Date.now();
            await kv.update(key, JSON.stringify(this.newLease(g, lease.term + 1, lease.walLsn)), e.revision, this.cfg.timing.retryTimeoutMs);
            this.grant(g, sentAt);
            s.failovers++;
            log(`group ${g.name}: took the lease from ${lease.holder} (term ${lease.term + 1}, lag ${lag} bytes)`);
        }
        s.note = undefined;
        // writable-until is in place before the server leaves recovery, so the watchdog lets it be.
        await promote(target);
        log(`group ${g.name}: promoted`);
        await ensureSlots(target, g.members.map((m) => m.node).filter((n) => n !== this.cfg.node)).catch((err) => log(`slots: ${err.message}`));
    }

    /**
     * SplitBrainAllowed: the lease records who is active (taken by CAS like any lease), but serving
     * does not wait for it: a healthy member serves when it holds the lease, when it is the
     * preferred member, or when it cannot confirm that the holder is serving (partition).
     */
    private async tickHttp(g: AgentGroup, kv: KV | undefined): Promise<void> {
        const s = this.groups.get(g.name)!;
        const me = this.cfg.node;
        const healthy = await httpOk(g.http!.healthUrl, this.cfg.timing.retryTimeoutMs);
        s.local = { healthy };
        let holderServing = false;
        if (kv) {
            try {
                const key = leaseKey(g.name);
                const e = await kv.get(key);
                const lease = this.leaseOf(e);
                const preferredMe = this.preferred(g) === me;
                if (!e || !lease) {
                    if (healthy && preferredMe) await kv.create(key, JSON.stringify(this.newLease(g, 1)));
                } else if (lease.holder === me) {
                    if (healthy) await kv.update(key, JSON.stringify(this.newLease(g, lease.term)), e.revision, this.cfg.timing.retryTimeoutMs);
                } else if (healthy && (this.expired(e, lease) || (preferredMe && this.priorityOf(g, lease.holder) < this.priorityOf(g, me)))) {
                    await kv.update(key, JSON.stringify(this.newLease(g, lease.term + 1)), e.revision, this.cfg.timing.retryTimeoutMs);
                    if (lease.holder !== me) s.failovers++;
                }
                const now = this.leaseOf(await kv.get(key));
                s.holder = now?.holder;
                s.term = now?.term;
            } catch (err) {
                log(`group ${g.name}: ${(err as Error).message}`);
            }
        }
        s.leaseHeld = s.holder === me && this.natsOk;
        if (!s.leaseHeld && s.holder) {
            const peer = this.peers.get(s.holder);
            holderServing = peer ? await httpOk(`${peer.url}/ready/${g.name}`, this.cfg.timing.retryTimeoutMs) : false;
        }
        s.primaryNode = s.holder;
        s.fenced = false;
        s.ready = healthy && (s.leaseHeld || this.preferred(g) === me || !holderServing);
    }

    private async probePeers(): Promise<void> {
        await Promise.all(
            [...this.peers.values()].map(async (p) => {
                p.reachable = await httpOk(`${p.url}/health`, this.cfg.timing.retryTimeoutMs, true);
                if (p.reachable) p.lastSeen = new Date().toISOString();
            }),
        );
    }
}

export async function httpOk(url: string, timeoutMs: number, anyAnswer = false): Promise<boolean> {
    try {
        const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await r.arrayBuffer();
        return anyAnswer ? true : r.status >= 200 && r.status < 300;
    } catch {
        return false;
    }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms);
        p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
    });
}
