/**
 * Services with their own consensus: the agent reports what they say and never acts on it.
 *  - NATS: `GET /jsz` on the monitoring port, `meta_cluster.leader`
 *    (https://docs.nats.io/running-a-nats-service/nats_admin/monitoring#jetstream-information).
 *  - Redis Sentinel: `SENTINEL get-master-addr-by-name <master>` over RESP
 *    (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#sentinel-api).
 *  - Qdrant: `GET /cluster` with the `api-key` header (https://api.qdrant.tech/api-reference/distributed/cluster-status).
 *  - Neo4j: `GET /` of the HTTP connector (discovery document) answers or not.
 */
import * as net from "node:net";
import { AgentConfig } from "../config";

export interface Observed {
    natsMetaLeader?: string | null;
    sentinelMaster?: { host: string; port: number; agreeing: number; asked: number } | null;
    qdrant?: { status: string; peers?: number; raftLeader?: number | string | null } | null;
    neo4jUp?: boolean;
    errors: string[];
}

import { REDIS_DEFAULTS } from "../../redis/render";

/** The Sentinel master name components/redis renders into `sentinel monitor <name> ...`. */
export const SENTINEL_MASTER_NAME = REDIS_DEFAULTS.masterName;

function resp(args: string[]): string {
    return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/** Sends AUTH (optional) and SENTINEL get-master-addr-by-name; returns [host, port] or null. */
export function askSentinel(hostPort: string, password: string | undefined, timeoutMs: number): Promise<[string, number] | null> {
    const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(":")), Number(hostPort.slice(hostPort.lastIndexOf(":") + 1))];
    return new Promise((resolve, reject) => {
        const s = net.connect({ host, port });
        let buf = "";
        const t = setTimeout(() => (s.destroy(), reject(new Error(`sentinel ${hostPort}: timeout`))), timeoutMs);
        s.on("error", (e) => (clearTimeout(t), reject(e)));
        s.on("connect", () => {
            if (password) s.write(resp(["AUTH", password]));
            s.write(resp(["SENTINEL", "get-master-addr-by-name", SENTINEL_MASTER_NAME]));
        });
        s.on("data", (d) => {
            buf += d.toString();
            let body = buf;
            if (password) {
                const nl = body.indexOf("\r\n");
                if (nl < 0) return;
                if (body.startsWith("-")) return finish(new Error(`sentinel ${hostPort}: ${body.slice(1, nl)}`));
                body = body.slice(nl + 2);
            }
            if (body.startsWith("*-1") || body.startsWith("$-1")) return finish(null);
            const m = /^\*2\r\n\$\d+\r\n([^\r]+)\r\n\$\d+\r\n(\d+)\r\n/.exec(body);
            if (m) return finish([m[1], Number(m[2])]);
            if (body.startsWith("-")) return finish(new Error(`sentinel ${hostPort}: ${body.split("\r\n")[0].slice(1)}`));
        });
        function finish(v: [string, number] | null | Error) {
            clearTimeout(t);
            s.destroy();
            if (v instanceof Error) reject(v);
            else resolve(v);
        }
    });
}

async function getJson(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<any> {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
}

export async function observe(cfg: AgentConfig, env: NodeJS.ProcessEnv = process.env): Promise<Observed> {
    const o = cfg.observe;
    const out: Observed = { errors: [] };
    if (!o) return out;
    const timeout = cfg.timing.retryTimeoutMs;
    const jobs: Promise<void>[] = [];
    if (o.natsMonitorUrl) {
        jobs.push(
            getJson(`${o.natsMonitorUrl.replace(/\/$/, "")}/jsz`, timeout)
                .then((j) => void (out.natsMetaLeader = j?.meta_cluster?.leader ?? null))
                .catch((e) => void ((out.natsMetaLeader = null), out.errors.push(`nats: ${e.message}`))),
        );
    }
    if (o.sentinels?.length) {
        const password = o.sentinelPasswordEnv ? env[o.sentinelPasswordEnv] : undefined;
        jobs.push(
            Promise.all(o.sentinels.map((s) => askSentinel(s, password, timeout).catch((e) => (out.errors.push(`sentinel: ${e.message}`), undefined)))).then((answers) => {
                const counts = new Map<string, number>();
                for (const a of answers) if (a) counts.set(`${a[0]}:${a[1]}`, (counts.get(`${a[0]}:${a[1]}`) ?? 0) + 1);
                const best = [...counts.entries()].sort((x, y) => y[1] - x[1])[0];
                out.sentinelMaster = best
                    ? { host: best[0].slice(0, best[0].lastIndexOf(":")), port: Number(best[0].slice(best[0].lastIndexOf(":") + 1)), agreeing: best[1], asked: answers.length }
                    : null;
            }),
        );
    }
    if (o.qdrantUrl) {
        const key = o.qdrantApiKeyEnv ? env[o.qdrantApiKeyEnv] : undefined;
        jobs.push(
            getJson(`${o.qdrantUrl.replace(/\/$/, "")}/cluster`, timeout, key ? { "api-key": key } : {})
                .then((j) => void (out.qdrant = { status: j?.result?.status, peers: j?.result?.peers ? Object.keys(j.result.peers).length : undefined, raftLeader: j?.result?.raft_info?.leader ?? null }))
                .catch((e) => void ((out.qdrant = null), out.errors.push(`qdrant: ${e.message}`))),
        );
    }
    if (o.neo4jUrl) {
        jobs.push(
            fetch(o.neo4jUrl, { signal: AbortSignal.timeout(timeout) })
                .then((r) => void (out.neo4jUp = r.ok))
                .catch((e) => void ((out.neo4jUp = false), out.errors.push(`neo4j: ${e.message}`))),
        );
    }
    await Promise.all(jobs);
    return out;
}
