/**
 * The agent's view of its local PostgreSQL. Functions used (PostgreSQL 15 docs,
 * https://www.postgresql.org/docs/15/functions-admin.html): pg_is_in_recovery(),
 * pg_current_wal_lsn(), pg_last_wal_replay_lsn(), pg_wal_lsn_diff(), pg_promote(wait, seconds),
 * pg_create_physical_replication_slot(name, immediately_reserve).
 *
 * The state query takes no LWLock that a stuck server process can hold. pg_control_checkpoint()
 * reads pg_control under ControlFileLock (src/backend/utils/misc/pg_controldata.c, read in a 2024
 * copy of the source; the 15 branch was not checked, CI's trace fits it), which the
 * walreceiver holds exclusively while it installs a new WAL segment (InstallXLogFileSegment in
 * src/backend/access/transam/xlog.c). A walreceiver stopped there (CI saw one under SIGSTOP in
 * the lag-bound test) left every state query of the agent waiting on that lock; LWLock waits
 * ignore statement_timeout, so each attempt also left a backend behind. The timeline comes the
 * way Patroni reads it instead (patroni/postgresql/__init__.py, TL_LSN): from the current WAL
 * file's name on a primary, and from pg_stat_wal_receiver.received_tli on a standby.
 */
import { Client } from "pg";
import { slotName } from "../../postgres/topology";

export interface PgTarget {
    host: string;
    port: number;
    user: string;
    password?: string;
    database: string;
    timeoutMs: number;
}

export type PgState = { up: false; error: string } | { up: true; inRecovery: boolean; lsn: string; timeline?: number };

async function withClient<T>(t: PgTarget, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({
        host: t.host,
        port: t.port,
        user: t.user,
        password: t.password,
        database: t.database,
        connectionTimeoutMillis: t.timeoutMs,
        statement_timeout: t.timeoutMs,
        query_timeout: t.timeoutMs,
        application_name: "daarion-agent",
    });
    c.on("error", () => undefined);
    await c.connect();
    try {
        return await fn(c);
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** Writable: pg_current_wal_lsn(); standby: the replay position (what a promotion keeps). */
export async function pgState(t: PgTarget): Promise<PgState> {
    try {
        return await withClient(t, async (c) => {
            const r = await c.query(
                `SELECT pg_is_in_recovery() AS rec,
                        CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn,
                        CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver)
                             ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS tli`,
            );
            const row = r.rows[0];
            return { up: true as const, inRecovery: row.rec === true, lsn: row.lsn ?? "0/0", timeline: row.tli === null ? undefined : Number(row.tli) };
        });
    } catch (e) {
        return { up: false, error: (e as Error).message };
    }
}

/** Bytes from `from` to `to` (negative when `to` is behind), computed by the server. */
export async function lsnDiff(t: PgTarget, to: string, from: string): Promise<number> {
    return withClient(t, async (c) => Number((await c.query("SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) AS d", [to, from])).rows[0].d));
}

export async function promote(t: PgTarget): Promise<boolean> {
    return withClient({ ...t, timeoutMs: Math.max(t.timeoutMs, 60_000) }, async (c) => (await c.query("SELECT pg_promote(true, 60) AS ok")).rows[0].ok === true);
}

/**
 * Slots are not replicated: a promoted replica must create the slot its old primary will clone
 * and stream through (docs/replication.md). Reserved at once (like bootstrap.sql); the rendered
 * max_slot_wal_keep_size caps what a member that never returns can pin.
 */
export async function ensureSlots(t: PgTarget, members: string[]): Promise<void> {
    await withClient(t, async (c) => {
        for (const m of members) {
            const slot = slotName(m);
            await c.query("SELECT pg_create_physical_replication_slot($1, true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = $1)", [slot]);
        }
    });
}
