/**
 * Three "nodes" on 127.0.1.11/.12/.13, each with real processes: a member of a 3-server JetStream
 * cluster (Debian's nats-server, config rendered by components/nats/render.ts), PostgreSQL 15 on
 * node1 (primary) and node2 (replica) started by the RENDERED launcher in failover mode (only paths
 * substituted), and the node agent: the bundle the program uploads into every agent container
 * (components/agent/bundle.ts), run by this machine's Node 20 as the pinned node:20 image runs it.
 *
 * Faults are real: kill -9 of a node's process groups, SIGSTOP, and iptables partitions. Routes
 * between nats-servers are dialled by Go without a chosen source address (the kernel picks
 * 127.0.0.1), so each node's nats-server runs under its own uid and the partition also drops its
 * packets with `-m owner --uid-owner` (iptables-extensions(8), "owner"); everything else (agents,
 * PostgreSQL) binds its node address through the LD_PRELOAD shim of test/data/support.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AGENT_DEFAULT_BUCKET, AgentConfigInput } from "../../components/agent/config";
import { bundleAgent } from "../../components/agent/bundle";
import { agentNatsPermissions } from "../../components/agent/nats-permissions";
import { natsServerName } from "../../components/nats/types";
import { PostgresPaths, PostgresSecrets, POSTGRES_FILES, renderPostgresNodeFiles } from "../../components/postgres/render";
import { PostgresTopology } from "../../components/postgres/topology";
import { loopbackTopology, NODE_IPS, PASSWORDS } from "../nats/fixtures";
import { NatsTopologyHarness } from "../nats/harness";
import { getJson, makeTempDir, tcpOpen, requireBinary, run, RunningProcess, sleep, startProcess, waitFor } from "../support/process";
import { nodeEnv } from "../data/support/bind-source";
import { loopbackPostgresPaths, placePostgresFiles } from "../data/support/place-postgres";

export const NODES = ["node1", "node2", "node3"] as const;
export type NodeName = (typeof NODES)[number];
export const IP: Record<NodeName, string> = { node1: NODE_IPS.node1, node2: NODE_IPS.node2, node3: NODE_IPS.node3 };
export const PG_PORT = 5432;
export const AGENT_PORT = 9700;
const AGENT_PASSWORD = "agent-pass-0008";
const ADMIN_PASSWORD = "bucket-admin-pass-0009";
const NATS_UID: Record<NodeName, number> = { node1: 64011, node2: 64012, node3: 64013 };
export const SECRETS: PostgresSecrets = { superuserPassword: "su-pass-agent", replicationPassword: "repl-pass-agent" };
const TOPOLOGY: PostgresTopology = {
    primary: { name: "node1", privateIp: IP.node1 },
    replicas: [{ name: "node2", privateIp: IP.node2 }],
    clientCidrs: ["127.0.0.0/8"],
};

export interface ClusterOptions {
    postgres?: boolean;
    maxLagBytes?: number;
    router?: { healthUrls: Record<"node1" | "node2", string> };
}

export class AgentCluster {
    readonly base = makeTempDir("agent");
    readonly nats = new NatsTopologyHarness(
        (() => {
            const spec = loopbackTopology(["node1", "node2", "node3"], []);
            // The agents' user carries the rendered allow-lists (what the program deploys); the bucket
            // is created with an unrestricted user, as the program does with its admin user.
            const agent = { service: "agent", password: AGENT_PASSWORD, permissions: agentNatsPermissions(AGENT_DEFAULT_BUCKET) };
            // A route password of its own: another suite's "core-node3" on these addresses (same
            // fixture credentials) was seen joining this cluster's routes and its meta group.
            const route = { user: "route", password: `route-${randomBytes(8).toString("hex")}` };
            return { ...spec, auth: { ...spec.auth, route, services: [...spec.auth.services, agent, { service: "bucket-admin", password: ADMIN_PASSWORD }] } };
        })(),
        "agent-nats",
    );
    readonly natsProcs = new Map<NodeName, RunningProcess>();
    readonly pgProcs = new Map<NodeName, RunningProcess>();
    readonly agentProcs = new Map<NodeName, RunningProcess>();
    private readonly partitions: string[][] = [];
    private readonly stopped = new Set<number>();

    constructor(readonly opts: ClusterOptions = {}) {
        fs.chmodSync(this.base, 0o755);
        fs.chmodSync(this.nats.dir, 0o755);
    }

    // ---- NATS --------------------------------------------------------------------------------
    startNats(node: NodeName): void {
        const name = natsServerName("core", node);
        const conf = this.nats.render(name);
        fs.chmodSync(conf, 0o644);
        const uid = String(NATS_UID[node]);
        run("chown", ["-R", `${uid}:${uid}`, path.join(this.nats.dir, name)]);
        const proc = startProcess(`nats-${node}`, "setpriv", ["--reuid", uid, "--regid", uid, "--clear-groups", requireBinary("nats-server"), "-c", conf], { detached: true });
        this.natsProcs.set(node, proc);
    }

    async startAllNats(): Promise<void> {
        for (const n of NODES) this.startNats(n);
        for (const n of NODES) {
            // Another suite on this machine may take a port between the free-port check and the
            // bind; that server exits at once ("address already in use"): wait and start it again.
            for (let attempt = 1; ; attempt++) {
                const proc = this.natsProcs.get(n)!;
                const up = await waitFor(
                    `nats ${n}`,
                    async () => (proc.child.exitCode !== null ? "exited" : (await getJson<{ server_name: string }>(`http://${IP[n]}:8222/varz`).catch(() => undefined))?.server_name === natsServerName("core", n) && "up"),
                    30_000,
                );
                if (up === "up") break;
                if (attempt >= 3 || !/address already in use/.test(proc.output())) throw new Error(`nats-server of ${n} exited:\n${proc.output().slice(-2000)}`);
                for (const port of [4222, 6222, 8222]) await waitFor(`${IP[n]}:${port} free`, async () => !(await tcpOpen(IP[n], port)), 120_000, 500);
                this.startNats(n);
            }
        }
        for (const n of NODES) {
            // the harness looks servers up by name for its monitor helpers
            this.nats.servers.set(natsServerName("core", n), { name: natsServerName("core", n), host: IP[n], confPath: "", monitorUrl: `http://${IP[n]}:8222`, proc: this.natsProcs.get(n)! });
        }
        await this.nats.waitForMetaPeers(NODES.map((n) => natsServerName("core", n)), 40_000);
        const nc = await connect({ servers: NODES.map((n) => `nats://${IP[n]}:4222`), user: "bucket-admin", pass: ADMIN_PASSWORD });
        try {
            // The Pulumi program creates this bucket (agent-deploy); here the test does, with the same
            // shape: R3, history 1, no max_age (leases are judged by their timestamps).
            await waitFor("KV bucket failover (R3)", async () => {
                try {
                    await new Kvm(jetstream(nc)).create(AGENT_DEFAULT_BUCKET, { replicas: 3, history: 1 });
                    return true;
                } catch (e) {
                    return /no suitable peers|insufficient resources/i.test((e as Error).message) ? false : Promise.reject(e);
                }
            }, 30_000, 500);
        } finally {
            await nc.close();
        }
    }

    // ---- PostgreSQL --------------------------------------------------------------------------
    paths(node: NodeName): PostgresPaths {
        return loopbackPostgresPaths(path.join(this.base, node));
    }

    stateDir(node: NodeName): string {
        return path.join(this.base, node, "state");
    }

    startPostgres(node: "node1" | "node2"): RunningProcess {
        const p = this.paths(node);
        const files = renderPostgresNodeFiles({ topology: TOPOLOGY, node, paths: p, basebackupAttempts: 60, failover: { stateDir: this.stateDir(node) } }, SECRETS);
        const entrypoint = placePostgresFiles(files, p, [this.stateDir(node)]);
        const proc = startProcess(`postgres-${node}`, "bash", [entrypoint], { env: nodeEnv(IP[node]), detached: true });
        this.pgProcs.set(node, proc);
        return proc;
    }

    // ---- agents ------------------------------------------------------------------------------
    agentConfig(node: NodeName): AgentConfigInput {
        const groups: NonNullable<AgentConfigInput["groups"]> = [];
        if (this.opts.postgres !== false && node !== "node3") {
            groups.push({
                name: "postgres",
                strategy: "AbsoluteConsistency",
                kind: "postgres",
                members: [{ node: "node1", priority: 2 }, { node: "node2", priority: 1 }],
                maxLagBytes: this.opts.maxLagBytes,
                postgres: { host: IP[node], port: PG_PORT, user: "postgres", passwordEnv: "PGPASSWORD", stateDir: this.stateDir(node) },
            });
        }
        if (this.opts.router && node !== "node3") {
            groups.push({ name: "router", strategy: "SplitBrainAllowed", kind: "http", members: [{ node: "node1", priority: 2 }, { node: "node2", priority: 1 }], http: { healthUrl: this.opts.router.healthUrls[node] } });
        }
        return {
            node,
            listen: `${IP[node]}:${AGENT_PORT}`,
            nats: { servers: [node, ...NODES.filter((n) => n !== node)].map((n) => `nats://${IP[n]}:4222`), user: "agent", passwordEnv: "NATS_PASSWORD" },
            peers: NODES.filter((n) => n !== node).map((n) => ({ node: n, url: `http://${IP[n]}:${AGENT_PORT}` })),
            groups,
            observe: { natsMonitorUrl: `http://${IP[node]}:8222` },
        };
    }

    /** A NATS connection with the agents' (restricted) credentials, or the unrestricted admin's. */
    natsClient(node: NodeName = "node3", as: "agent" | "admin" = "agent"): ReturnType<typeof connect> {
        return as === "agent"
            ? connect({ servers: [`nats://${IP[node]}:4222`], user: "agent", pass: AGENT_PASSWORD })
            : connect({ servers: [`nats://${IP[node]}:4222`], user: "bucket-admin", pass: ADMIN_PASSWORD });
    }

    startAgent(node: NodeName): RunningProcess {
        const file = path.join(this.base, `agent-${node}.json`);
        fs.writeFileSync(file, JSON.stringify(this.agentConfig(node), null, 1));
        const bundle = path.join(this.base, "agent.js");
        if (!fs.existsSync(bundle)) fs.writeFileSync(bundle, bundleAgent().code);
        const proc = startProcess(`agent-${node}`, process.execPath, [bundle, "--config", file], {
            env: nodeEnv(IP[node], { NATS_PASSWORD: AGENT_PASSWORD, PGPASSWORD: SECRETS.superuserPassword }),
            detached: true,
        });
        this.agentProcs.set(node, proc);
        return proc;
    }

    async agentJson<T = any>(node: NodeName, endpoint: string): Promise<{ status: number; body: T }> {
        const r = await fetch(`http://${IP[node]}:${AGENT_PORT}${endpoint}`, { signal: AbortSignal.timeout(3000) });
        const text = await r.text();
        return { status: r.status, body: (endpoint === "/metrics" ? text : JSON.parse(text)) as T };
    }

    /** Starts everything and waits for node1 writable and node2 streaming. */
    async startAll(): Promise<void> {
        // Other real-server suites use the same per-node addresses and default ports; a neighbour's
        // server answering here would make this cluster talk to the wrong processes.
        for (const n of NODES) {
            for (const port of [4222, 6222, 8222, PG_PORT, AGENT_PORT]) {
                await waitFor(`${IP[n]}:${port} free`, async () => !(await tcpOpen(IP[n], port)), 120_000, 500);
            }
        }
        await this.startAllNats();
        for (const n of NODES) this.startAgent(n);
        if (this.opts.postgres === false) return;
        this.startPostgres("node1");
        await this.waitRole("node1", "primary", 90_000);
        this.startPostgres("node2");
        await this.waitRole("node2", "standby", 120_000);
        // Both agents have seen their server in its role (node1: lease held and writable).
        for (const n of ["node1", "node2"] as const) {
            await waitFor(`${n}'s agent ready for postgres`, async () => (await this.agentJson(n, "/ready/postgres").catch(() => ({ status: 0 }))).status === 200, 30_000, 250);
        }
    }

    // ---- SQL ---------------------------------------------------------------------------------
    async query(node: NodeName, sql: string, params: unknown[] = [], timeoutMs = 2000): Promise<any[]> {
        const c = new Client({ host: IP[node], port: PG_PORT, user: "postgres", password: SECRETS.superuserPassword, database: "postgres", connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs });
        c.on("error", () => undefined);
        await c.connect();
        try {
            return (await c.query(sql, params)).rows;
        } finally {
            await c.end().catch(() => undefined);
        }
    }

    async role(node: NodeName): Promise<"primary" | "standby" | "down"> {
        try {
            const [r] = await this.query(node, "SELECT pg_is_in_recovery() AS rec");
            return r.rec ? "standby" : "primary";
        } catch {
            return "down";
        }
    }

    async waitRole(node: NodeName, role: "primary" | "standby", timeoutMs: number): Promise<void> {
        await waitFor(`${node} ${role}`, async () => (await this.role(node)) === role, timeoutMs, 200).catch((e: Error) => {
            throw new Error(`${e.message}\n${this.logs()}`);
        });
    }

    // ---- faults ------------------------------------------------------------------------------
    /** kill -9 of the whole process group (a launcher and its postgres; nats-server; the agent). */
    kill9(proc: RunningProcess | undefined): void {
        if (!proc?.child.pid || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
        try {
            process.kill(-proc.child.pid, "SIGKILL");
        } catch {
            /* already gone */
        }
    }

    killNode(node: NodeName): void {
        this.kill9(this.pgProcs.get(node as "node1"));
        this.kill9(this.agentProcs.get(node));
        this.kill9(this.natsProcs.get(node));
    }

    /** SIGSTOP/SIGCONT of a process id (remembered, and continued in cleanup). */
    signal(pid: number, sig: "SIGSTOP" | "SIGCONT"): void {
        process.kill(pid, sig);
        if (sig === "SIGSTOP") this.stopped.add(pid);
        else this.stopped.delete(pid);
    }

    /** Drops every packet between `node` and the others (both directions), with iptables. */
    partition(node: NodeName): void {
        const others = NODES.filter((n) => n !== node);
        const rules: string[][] = [];
        for (const o of others) {
            rules.push(["INPUT", "-s", IP[node], "-d", IP[o], "-j", "DROP"], ["INPUT", "-s", IP[o], "-d", IP[node], "-j", "DROP"]);
            rules.push(["OUTPUT", "-m", "owner", "--uid-owner", String(NATS_UID[node]), "-d", IP[o], "-j", "DROP"]);
            rules.push(["OUTPUT", "-m", "owner", "--uid-owner", String(NATS_UID[o]), "-d", IP[node], "-j", "DROP"]);
        }
        // A comment unique to this process: another suite deleting its own identical rule
        // (`iptables -D` removes the first match) cannot remove ours, nor we theirs.
        for (const r of rules) r.splice(r.length - 2, 0, "-m", "comment", "--comment", `daarion-agent-test-${process.pid}`);
        for (const r of rules) {
            run(requireBinary("iptables"), ["-A", ...r]);
            this.partitions.push(r);
        }
    }

    heal(): void {
        while (this.partitions.length) {
            const r = this.partitions.pop()!;
            spawnSync(requireBinary("iptables"), ["-D", ...r]);
        }
    }

    logs(): string {
        return [...this.natsProcs.values(), ...this.pgProcs.values(), ...this.agentProcs.values()].map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join("\n");
    }

    async cleanup(): Promise<void> {
        this.heal();
        for (const pid of this.stopped) {
            try {
                process.kill(pid, "SIGCONT");
            } catch {
                /* gone */
            }
        }
        for (const p of [...this.agentProcs.values(), ...this.pgProcs.values(), ...this.natsProcs.values()]) this.kill9(p);
        await Promise.all([...this.agentProcs.values(), ...this.pgProcs.values(), ...this.natsProcs.values()].map((p) => p.stop()));
        await sleep(200);
        fs.rmSync(this.base, { recursive: true, force: true });
        this.nats.cleanup();
    }
}

/** One committed row per call; returns the commit's ack time, or undefined when refused. */
export async function tryWrite(c: AgentCluster, node: NodeName, tag: string): Promise<{ start: number; ack: number } | undefined> {
    const start = Date.now();
    try {
        await c.query(node, "INSERT INTO agent_writes(node, tag) VALUES ($1, $2)", [node, tag], 1500);
        return { start, ack: Date.now() };
    } catch {
        return undefined;
    }
}

/**
 * The benchmark's measurement: a fresh 3-node cluster, kill -9 of node1 (postgres, agent, nats),
 * and the time until the first committed write on node2.
 */
export async function measureKillRto(): Promise<{ rtoMs: number; lostRows: number }> {
    const c = new AgentCluster();
    try {
        await c.startAll();
        await c.query("node1", "CREATE TABLE agent_writes (id bigserial PRIMARY KEY, node text, tag text, at timestamptz DEFAULT clock_timestamp())");
        for (let i = 0; i < 50; i++) assert.ok(await tryWrite(c, "node1", `before-${i}`), "write to node1 before the kill");
        await waitFor("node2 caught up", async () => {
            const [p] = await c.query("node1", "SELECT pg_current_wal_lsn()::text AS l");
            const [r] = await c.query("node2", "SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()) AS d", [p.l]);
            return Number(r.d) <= 0;
        }, 20_000, 100);
        const killedAt = Date.now();
        c.killNode("node1");
        let ack: number | undefined;
        while (Date.now() - killedAt < 60_000) {
            const w = await tryWrite(c, "node2", "after");
            if (w) {
                ack = w.ack;
                break;
            }
            await sleep(100);
        }
        if (ack === undefined) throw new Error(`no write on node2 within 60 s of the kill\n${c.logs()}`);
        const [{ n }] = await c.query("node2", "SELECT count(*)::int AS n FROM agent_writes WHERE tag LIKE 'before-%'");
        return { rtoMs: ack - killedAt, lostRows: 50 - n };
    } finally {
        await c.cleanup();
    }
}
