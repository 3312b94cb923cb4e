/**
 * Observation helpers of the lag-bound scenario (failover.test.ts): a trace of what every party
 * reports, sampled until a condition holds, and a real Prometheus that scrapes node2's agent with
 * the rendered agent alert rules.
 *
 * The trace exists because this scenario once timed out without saying why; every wait here prints
 * the samples it saw when it gives up.
 */
import { agentAlerts } from "../../components/agent/alerts";
import * as fs from "node:fs";
import * as path from "node:path";
import { jetstreamManager, JetStreamManager } from "@nats-io/jetstream";
import { AGENT_DEFAULT_BUCKET, leaseKey } from "../../components/agent/config";
import { buildAgentWorkload } from "../../components/agent/module";
import { kvStreamName } from "../../components/agent/nats-permissions";
import { buildRuleGroups } from "../../components/monitoring/alerts";
import { renderPrometheusConfig } from "../../components/monitoring/render-prometheus";
import { renderRuleFiles } from "../../components/monitoring/render-rules";
import { scrapeTargetsFromWorkloads } from "../../components/monitoring/scrape";
import { getJson, makeTempDir, requireBinary, RunningProcess, sleep, startProcess, waitFor } from "../support/process";
import { AGENT_PORT, AgentCluster, IP } from "./harness";

export interface TraceRow {
    t: string;
    /** node2's agent: what it read from the bucket and computed (GET /cluster/status). */
    agentRev?: number;
    agentWal?: string;
    agentLag?: number;
    local?: unknown;
    note?: string;
    /** The lease as the stream leader has it (STREAM.MSG.GET is answered by the leader), read as the agents read it. */
    leaderRev?: number;
    leaderWal?: string;
    node1Lsn?: string;
    node2Receive?: string;
    node2Replay?: string;
    receiver?: string;
    errors: string[];
}

const KEY_SUBJECT = `$KV.${AGENT_DEFAULT_BUCKET}.${leaseKey("postgres")}`;
const STREAM = kvStreamName(AGENT_DEFAULT_BUCKET);

export class LagTrace {
    readonly rows: TraceRow[] = [];
    private readonly t0 = Date.now();
    private jsm?: Promise<[JetStreamManager, () => Promise<void>]>;

    constructor(private readonly c: AgentCluster) {}

    private managers() {
        this.jsm ??= (async () => {
            const nc = await this.c.natsClient("node3");
            // checkAPI false: the agents' user may not call $JS.API.INFO, and needs not.
            return [await jetstreamManager(nc, { timeout: 2000, checkAPI: false }), () => nc.close()] as [JetStreamManager, () => Promise<void>];
        })();
        return this.jsm;
    }

    async sample(): Promise<TraceRow> {
        const row: TraceRow = { t: ((Date.now() - this.t0) / 1000).toFixed(1), errors: [] };
        const c = this.c;
        const step = async (what: string, f: () => Promise<void>) => f().catch((e: Error) => void row.errors.push(`${what}: ${e.message}`));
        await Promise.all([
            step("agent", async () => {
                const g = (await c.agentJson("node2", "/cluster/status")).body.groups.find((x: { name: string }) => x.name === "postgres");
                Object.assign(row, { agentRev: g.leaseRevision, agentWal: g.publishedWalLsn, agentLag: g.lagBytes, local: g.local, note: g.note });
            }),
            step("leader", async () => {
                const [leader] = await this.managers();
                const m = await leader.streams.getMessage(STREAM, { last_by_subj: KEY_SUBJECT });
                if (m) Object.assign(row, { leaderRev: m.seq, leaderWal: JSON.parse(new TextDecoder().decode(m.data)).walLsn });
            }),
            step("node1", async () => void (row.node1Lsn = (await c.query("node1", "SELECT pg_current_wal_lsn()::text AS l", [], 1500))[0].l)),
            step("node2", async () => {
                const [r] = await c.query("node2", "SELECT pg_last_wal_receive_lsn()::text AS r, pg_last_wal_replay_lsn()::text AS p, (SELECT pid || ' ' || status FROM pg_stat_wal_receiver) AS w", [], 1500);
                Object.assign(row, { node2Receive: r.r, node2Replay: r.p, receiver: r.w ?? "none" });
            }),
        ]);
        this.rows.push(row);
        return row;
    }

    /** Samples every 500 ms until `done(row)`; on timeout the error carries every sample. */
    async until(what: string, done: (row: TraceRow) => Promise<boolean> | boolean, timeoutMs: number): Promise<TraceRow> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            const row = await this.sample();
            if (await done(row)) return row;
            await sleep(500);
        }
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; samples:\n${this.dump()}`);
    }

    dump(): string {
        return this.rows.map((r) => JSON.stringify(r)).join("\n");
    }

    async close(): Promise<void> {
        if (this.jsm) await (await this.jsm.catch(() => undefined))?.[1]().catch(() => undefined);
    }
}

/** `a >= b` for two pg_lsn values, computed by PostgreSQL (node2 is up throughout). */
export async function lsnAtLeast(c: AgentCluster, a: string, b: string): Promise<boolean> {
    const [{ d }] = await c.query("node2", "SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) AS d", [a, b], 1500);
    return Number(d) >= 0;
}

/** The one-letter state of a process (proc(5), /proc/[pid]/stat field 3): "T" when stopped. */
export function procState(pid: number): string | undefined {
    try {
        return /^\d+ \(.*\) (\S)/.exec(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
    } catch {
        return undefined;
    }
}

const PROM_PORT = 19095;

/**
 * Debian's Prometheus with the rendered prometheus.yml and the rendered agent rule group, scraping
 * node2's agent as the program declares it (the agent workload's `metrics` entry); only the
 * intervals are shortened to 1 s so the rule's `for: 1m` is the wait.
 */
export async function startLagPrometheus(c: AgentCluster): Promise<{ url: string; proc: RunningProcess; stop: () => Promise<void> }> {
    const dir = makeTempDir("agent-prom");
    const groups = buildRuleGroups({ runbookBaseUrl: "https://example.invalid/runbooks.md", host: false, containers: false, grafana: false }, [agentAlerts()]);
    if (!groups.some((g) => g.rules.some((r) => r.name === "AgentReplicationLagAboveBound"))) throw new Error("the agent rule group has no AgentReplicationLagAboveBound");
    const rules = renderRuleFiles(groups);
    for (const [name, content] of Object.entries(rules)) fs.writeFileSync(path.join(dir, name), content);
    const workload = buildAgentWorkload({ bundle: { code: "", sha256: "unused" }, config: "", port: AGENT_PORT, env: {}, sharesPostgresVolume: false });
    const { targets, errors } = scrapeTargetsFromWorkloads([{ node: "node2", address: IP.node2, workloads: [workload] }]);
    if (errors.length) throw new Error(errors.join("\n"));
    fs.writeFileSync(
        path.join(dir, "prometheus.yml"),
        renderPrometheusConfig({
            scrapeInterval: "1s",
            evaluationInterval: "1s",
            ruleFiles: Object.keys(rules).map((f) => path.join(dir, f)),
            alertmanagers: [`${IP.node3}:19093`],
            targets: targets.map((t) => ({ ...t, interval: "1s" })),
        }),
    );
    const proc = startProcess("prometheus", requireBinary("prometheus"), [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=${IP.node3}:${PROM_PORT}`,
        "--log.level=warn",
    ]);
    const url = `http://${IP.node3}:${PROM_PORT}`;
    const stop = async () => {
        await proc.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitFor("Prometheus scraping node2's agent", async () => {
            const r = await getJson<{ data: { activeTargets: { labels: Record<string, string>; health: string }[] } }>(`${url}/api/v1/targets`);
            return r.data.activeTargets.some((t) => t.labels.job === "agent" && t.labels.node === "node2" && t.health === "up");
        }, 60_000, 500);
    } catch (e) {
        await stop();
        throw new Error(`${(e as Error).message}\n${proc.output().slice(-2000)}`);
    }
    return { url, proc, stop };
}
