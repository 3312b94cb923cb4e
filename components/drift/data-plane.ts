/**
 * Data-plane drift: what the node agents say (`GET /cluster/status`, components/agent/) compared
 * with what the topology prefers. The Pulumi state cannot see these: a failover changes who is
 * primary without touching any resource.
 *
 * Pure apart from `askAgents` (HTTP). Exit codes follow report.ts: 0 none, 1 drift, 2 error; an
 * agent that cannot be asked makes the result inconclusive (2), never "no drift".
 */
import type { Topology } from "../../stacks/schema";
import { failoverGroups, failoverOf, preferredMember } from "../agent/render";

/** One group as an agent reports it (components/agent/daemon GroupStatus; extra keys are ignored). */
export interface AgentGroupStatus {
    readonly name: string;
    readonly strategy?: string;
    readonly holder?: string;
    readonly term?: number;
    readonly leaseHeld?: boolean;
    readonly fenced?: boolean;
    readonly primaryNode?: string;
    readonly lagBytes?: number;
    readonly lagBoundBytes?: number;
    readonly ready?: boolean;
}

/**
 * What the agent observes of services with their own consensus (issue 12 item 5): `services` of
 * /cluster/status (components/agent/daemon/observe.ts `Observed`). An absent key is "not
 * reported", never guessed; `null` means the agent asked and got no answer.
 */
export interface AgentObservations {
    /** `meta_cluster.leader` of the node's nats-server /jsz. */
    readonly natsMetaLeader?: string | null;
    /** The master most Sentinels name, and how many of the Sentinels asked name it. */
    readonly sentinelMaster?: { readonly host: string; readonly port: number; readonly agreeing: number; readonly asked: number } | null;
}

export interface AgentStatus {
    readonly node: string;
    readonly nats?: boolean;
    readonly groups?: readonly AgentGroupStatus[];
    readonly services?: AgentObservations;
}

/** The answer of one node's agent, or why there is none. */
export type AgentAnswer = { readonly ok: true; readonly status: AgentStatus } | { readonly ok: false; readonly error: string };

export type DataPlaneKind = "fenced" | "primary-differs" | "lag-above-bound" | "no-sentinel-quorum" | "no-jetstream-meta-leader";

export interface DataPlaneFinding {
    readonly kind: DataPlaneKind;
    readonly node: string;
    readonly group?: string;
    readonly message: string;
}

export interface DataPlaneReport {
    readonly findings: DataPlaneFinding[];
    /** Facts no answering agent reported (e.g. an older agent without `observe`). */
    readonly notReported: string[];
    readonly errors: string[];
    readonly hasDrift: boolean;
}

/** Compare the agents' answers with the topology. */
export function buildDataPlaneReport(t: Topology, answers: Readonly<Record<string, AgentAnswer>>): DataPlaneReport {
    const findings: DataPlaneFinding[] = [];
    const errors: string[] = [];
    const notReported = new Set<string>();
    const groups = failoverGroups(t);
    for (const node of Object.keys(t.nodes)) {
        const a = answers[node];
        if (!a) errors.push(`${node}: no agent answer collected`);
        else if (!a.ok) errors.push(`${node}: agent did not answer /cluster/status: ${a.error}`);
    }
    const answered = Object.entries(answers).flatMap(([node, a]) => (a.ok ? [[node, a.status] as const] : []));
    for (const [node, s] of answered) {
        if (s.node !== node) errors.push(`${node}: the agent answering there says it is '${s.node}'`);
        for (const g of s.groups ?? []) {
            const placed = groups.find((x) => x.name === g.name);
            if (!placed) continue;
            const preferred = preferredMember(placed);
            const primary = g.primaryNode ?? g.holder;
            // Fenced is the normal state of a replica; it is a finding on the node that should be
            // writable: the lease holder, or (with no holder) the topology's preferred primary.
            if (placed.strategy === "AbsoluteConsistency" && g.fenced && (g.holder ?? preferred) === node) {
                findings.push({ kind: "fenced", node, group: g.name, message: `${node} is fenced for ${g.name}: it ${g.holder === node ? "holds the lease but may not accept writes" : "is the topology's preferred primary but may not accept writes"}` });
            }
            if (primary !== undefined && primary !== preferred) {
                findings.push({ kind: "primary-differs", node, group: g.name, message: `${g.name}: ${node}'s agent sees ${primary} as primary; the topology prefers ${preferred} (term ${g.term ?? "?"})` });
            }
            if (g.lagBytes !== undefined && g.lagBoundBytes !== undefined && g.lagBytes > g.lagBoundBytes) {
                findings.push({ kind: "lag-above-bound", node, group: g.name, message: `${g.name}: ${node} lags ${g.lagBytes} bytes behind the published WAL position, above its bound of ${g.lagBoundBytes}` });
            }
        }
    }
    // Services with their own consensus: one finding for the whole platform, from any agent that saw it.
    const js = answered.filter(([, s]) => s.services?.natsMetaLeader !== undefined);
    if (js.length === 0) notReported.add("JetStream meta leader");
    else if (js.every(([, s]) => !s.services!.natsMetaLeader)) {
        findings.push({ kind: "no-jetstream-meta-leader", node: js.map(([n]) => n).join(","), message: `JetStream has no meta leader according to ${js.map(([n]) => n).join(", ")}: no stream or bucket (leases included) accepts writes` });
    }
    if (answered.length > 0 && answered.every(([, s]) => s.nats === false) && js.length === 0) {
        findings.push({ kind: "no-jetstream-meta-leader", node: answered.map(([n]) => n).join(","), message: "no agent reaches its JetStream lease bucket" });
    }
    // Quorum as the topology sets it (replication.redis.quorum): that many Sentinels must agree.
    const quorum = t.replication.redis.quorum;
    const sentinel = answered.filter(([, s]) => s.services?.sentinelMaster !== undefined);
    if (sentinel.length === 0) notReported.add("Sentinel quorum");
    else if (sentinel.every(([, s]) => (s.services!.sentinelMaster?.agreeing ?? 0) < quorum)) {
        const best = Math.max(...sentinel.map(([, s]) => s.services!.sentinelMaster?.agreeing ?? 0));
        findings.push({ kind: "no-sentinel-quorum", node: sentinel.map(([n]) => n).join(","), message: `Redis Sentinel has no quorum according to ${sentinel.map(([n]) => n).join(", ")}: at most ${best} Sentinel(s) agree on a master, quorum is ${quorum}; no automatic Redis failover is possible` });
    }
    return { findings, notReported: [...notReported], errors, hasDrift: findings.length > 0 };
}

export function dataPlaneExitCode(r: DataPlaneReport): 0 | 1 | 2 {
    if (r.errors.length > 0) return 2;
    return r.hasDrift ? 1 : 0;
}

export function renderDataPlaneMarkdown(r: DataPlaneReport): string {
    const lines = ["", "## Data plane (node agents)", ""];
    const code = dataPlaneExitCode(r);
    lines.push(code === 0 ? "The agents agree with the topology." : code === 1 ? "**The agents report drift.**" : "**Some agents could not be asked**; the result is incomplete.", "");
    for (const f of r.findings) lines.push(`- \`${f.kind}\` ${f.message}`);
    for (const e of r.errors) lines.push(`- error: ${e}`);
    for (const n of r.notReported) lines.push(`- not reported by any agent: ${n}`);
    return lines.join("\n") + "\n";
}

/** Agent URLs from the topology: `http://<private IP>:<failover.port>` per node. */
export function agentUrls(t: Topology): Record<string, string> {
    const port = failoverOf(t).port;
    return Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, `http://${s.privateIp}:${port}`]));
}

/** GET `<url>/cluster/status` of every agent. A 503 still carries the agent's view (its body is parsed). */
export async function askAgents(urls: Readonly<Record<string, string>>, timeoutMs = 5000): Promise<Record<string, AgentAnswer>> {
    const entries = await Promise.all(
        Object.entries(urls).map(async ([node, url]): Promise<[string, AgentAnswer]> => {
            try {
                const res = await fetch(`${url.replace(/\/$/, "")}/cluster/status`, { signal: AbortSignal.timeout(timeoutMs) });
                const body = (await res.json()) as AgentStatus;
                if (typeof body !== "object" || body === null || typeof body.node !== "string") return [node, { ok: false, error: `HTTP ${res.status}: not an agent status` }];
                return [node, { ok: true, status: body }];
            } catch (err) {
                return [node, { ok: false, error: err instanceof Error ? err.message : String(err) }];
            }
        }),
    );
    return Object.fromEntries(entries);
}
