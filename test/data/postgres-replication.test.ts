/**
 * Real PostgreSQL primary (127.0.1.11) and replica (127.0.1.12) started by the rendered entrypoint with
 * the rendered postgresql.conf / pg_hba.conf / pgpass / bootstrap.sql; only paths are substituted
 * (through PostgresPaths). Covers streaming through the slot, pg_hba, failover by topology change,
 * and the fencing of the demoted primary.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    PostgresNodeSpec,
    PostgresPaths,
    PostgresSecrets,
    POSTGRES_FILES,
    renderPostgresNodeFiles,
} from "../../components/postgres/render";
import { PostgresTopology } from "../../components/postgres/topology";
import {
    makeTempDir,
    postgresBinDir,
    RunningProcess,
    run,
    startProcess,
    stopAllProcesses,
    tcpOpen,
    waitFor,
} from "../support/process";
import { nodeEnv } from "./support/bind-source";
import { startupProbe } from "./support/pg-probe";
import { loopbackPostgresPaths, placePostgresFiles } from "./support/place-postgres";

const NODE1 = { name: "node1", privateIp: "127.0.1.11" };
const NODE2 = { name: "node2", privateIp: "127.0.1.12" };
const OUTSIDER = "127.0.1.13";
const PORT = 5432;
// The test's own psql connects from 127.0.0.1 (Linux's loopback source), the "app subnet" here.
const CLIENT_CIDRS = ["127.0.0.0/8"];

const BEFORE: PostgresTopology = { primary: NODE1, replicas: [NODE2], clientCidrs: CLIENT_CIDRS };
const AFTER: PostgresTopology = { primary: NODE2, replicas: [NODE1], clientCidrs: CLIENT_CIDRS };
const SECRETS: PostgresSecrets = { superuserPassword: "su'per:pass\\word", replicationPassword: "repl:i'cat\\or pw" };

describe("postgres replication (real servers)", function () {
    this.timeout(150_000);
    const bin = postgresBinDir();
    const psqlBin = path.join(bin, "psql");
    let base: string;
    const procs: Record<string, RunningProcess> = {};

    const paths = (node: string): PostgresPaths => loopbackPostgresPaths(path.join(base, node));

    /** Places the rendered files the way the runtime does: config readable, secrets 0600 (root-owned when root). */
    function place(topology: PostgresTopology, node: string): string {
        const p = paths(node);
        const spec: PostgresNodeSpec = { topology, node, paths: p, basebackupAttempts: 6 };
        const files = renderPostgresNodeFiles(spec, SECRETS);
        return placePostgresFiles(files, p);
    }

    function start(node: { name: string; privateIp: string }, topology: PostgresTopology): RunningProcess {
        const entrypoint = place(topology, node.name);
        const proc = startProcess(`postgres-${node.name}`, "bash", [entrypoint], { env: nodeEnv(node.privateIp) });
        procs[node.name] = proc;
        return proc;
    }

    function sql(host: string, query: string): string {
        return run(psqlBin, ["-XAtq", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(PORT), "-U", "postgres", "-d", "postgres", "-c", query], {
            env: { ...process.env, PGPASSWORD: SECRETS.superuserPassword, PGCONNECT_TIMEOUT: "3" },
        }).trim();
    }

    async function waitReady(node: { name: string; privateIp: string }, recovery: "t" | "f", timeoutMs = 60_000): Promise<void> {
        const proc = procs[node.name];
        await waitFor(
            `${node.name} up with pg_is_in_recovery=${recovery}`,
            async () => {
                if (proc.child.exitCode !== null) throw new Error(`${node.name} exited ${proc.child.exitCode}:\n${proc.output()}`);
                if (!(await tcpOpen(node.privateIp, PORT))) return false;
                return sql(node.privateIp, "SELECT pg_is_in_recovery()") === recovery;
            },
            timeoutMs,
            250,
        ).catch((err: Error) => {
            throw new Error(`${err.message}\n--- ${node.name} output ---\n${proc.output()}`);
        });
    }

    before(function () {
        base = makeTempDir("pg");
        fs.chmodSync(base, 0o755); // the server user must traverse it after the entrypoint drops root
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed") {
            for (const [name, proc] of Object.entries(procs)) console.error(`--- ${name} ---\n${proc.output().slice(-4000)}`);
        }
    });

    after(async function () {
        await stopAllProcesses();
        if (base) fs.rmSync(base, { recursive: true, force: true });
    });

    it("bootstraps the primary and clones the replica through its slot", async function () {
        start(NODE1, BEFORE);
        await waitReady(NODE1, "f");
        start(NODE2, BEFORE);
        await waitReady(NODE2, "t");
        assert.match(procs.node2.output(), /cloning 127\.0\.1\.11:5432 through slot daarion_node2/);
        // The conninfo pg_basebackup -R pinned was stripped; the rendered postgresql.conf is authoritative.
        const auto = fs.readFileSync(path.join(paths("node2").dataDir, "postgresql.auto.conf"), "utf8");
        assert.doesNotMatch(auto, /primary_conninfo|primary_slot_name/);
    });

    it("streams rows written on the primary to the replica, through the slot, from the replica's IP", async function () {
        sql(NODE1.privateIp, "CREATE TABLE items (id int PRIMARY KEY, note text NOT NULL)");
        sql(NODE1.privateIp, "INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
        await waitFor("1000 rows on the replica", () => sql(NODE2.privateIp, "SELECT count(*) FROM items") === "1000");
        assert.equal(sql(NODE2.privateIp, "SELECT note FROM items WHERE id = 777"), "row 777");

        const stat = sql(
            NODE1.privateIp,
            "SELECT r.application_name, r.client_addr, r.state, s.slot_name, s.active FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid",
        );
        assert.equal(stat, "node2|127.0.1.12|streaming|daarion_node2|t");
        assert.throws(() => sql(NODE2.privateIp, "INSERT INTO items VALUES (5000, 'x')"), /read-only transaction/);
    });

    it("lets the replication role in only from the replica's IP, and never as a normal session", async function () {
        const probe = (localAddress: string, params: Record<string, string>) => startupProbe({ localAddress, host: NODE1.privateIp, port: PORT, params });
        const allowed = await probe(NODE2.privateIp, { user: "replicator", replication: "true" });
        assert.deepEqual(allowed, { kind: "auth", code: 10 }, "scram-sha-256 (SASL) expected from the replica's IP");

        const outsider = await probe(OUTSIDER, { user: "replicator", replication: "true" });
        assert.equal(outsider.kind, "error");
        assert.match((outsider as { message: string }).message, /pg_hba\.conf rejects replication connection for host "127\.0\.1\.13", user "replicator"/);

        const session = await probe(NODE2.privateIp, { user: "replicator", database: "postgres" });
        assert.equal(session.kind, "error");
        assert.match((session as { message: string }).message, /pg_hba\.conf rejects connection for host "127\.0\.1\.12", user "replicator"/);

        // Full login with the wrong source: psql through the shim, real password, still refused.
        assert.throws(
            () =>
                run(psqlBin, ["-XAtq", "-d", `host=${NODE1.privateIp} port=${PORT} user=replicator replication=true`, "-c", "IDENTIFY_SYSTEM"], {
                    env: nodeEnv(OUTSIDER, { PGPASSWORD: SECRETS.replicationPassword }),
                }),
            /pg_hba\.conf rejects replication connection for host "127\.0\.1\.13"/,
        );
    });

    it("promotes node2 when the topology makes it primary (only once node1 is gone), with every committed row", async function () {
        sql(NODE1.privateIp, "INSERT INTO items SELECT g, 'late ' || g FROM generate_series(1001, 1500) g");
        const committed = sql(NODE1.privateIp, "SELECT count(*) FROM items");
        assert.equal(committed, "1500");
        // Async replication promises only what the replica received; wait for that, then crash node1.
        await waitFor("replica to replay everything", () =>
            sql(NODE1.privateIp, "SELECT bool_and(replay_lsn = pg_current_wal_lsn()) FROM pg_stat_replication") === "t",
        );
        await procs.node2.stop("SIGINT");

        // Promotion while the old primary still answers would make two writable primaries.
        const early = start(NODE2, AFTER);
        await waitFor("early promotion attempt to exit", () => early.child.exitCode !== null, 30_000);
        assert.notEqual(early.child.exitCode, 0);
        assert.match(early.output(), /FENCED: peer 127\.0\.1\.11:5432 is still a writable primary \(timeline 1\); stop it before promoting/);
        assert.ok(fs.existsSync(path.join(paths("node2").dataDir, "standby.signal")), "the refused node is still a standby");

        await procs.node1.stop("SIGKILL");
        start(NODE2, AFTER);
        await waitReady(NODE2, "f");
        assert.match(procs.node2.output(), /promoting/);
        assert.equal(sql(NODE2.privateIp, "SELECT count(*) FROM items"), committed);
        assert.equal(sql(NODE2.privateIp, "SELECT timeline_id FROM pg_control_checkpoint()"), "2");
        assert.equal(sql(NODE2.privateIp, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots"), "daarion_node1");
        sql(NODE2.privateIp, "INSERT INTO items VALUES (2001, 'after failover')");
    });

    it("refuses to start the old primary writable while it still has the old topology", async function () {
        const stale = start(NODE1, BEFORE);
        await waitFor("stale node1 entrypoint to exit", () => stale.child.exitCode !== null, 30_000);
        assert.notEqual(stale.child.exitCode, 0);
        assert.match(stale.output(), /FENCED: peer 127\.0\.1\.12:5432 is the writable primary on timeline 2 >= ours \(1\)/);
        assert.equal(await tcpOpen(NODE1.privateIp, PORT), false);
    });

    it("rebuilds the demoted primary as a replica of node2 and keeps its old data aside", async function () {
        start(NODE1, AFTER);
        await waitReady(NODE1, "t");
        assert.match(procs.node1.output(), /not a standby: demoted primary/);
        const fenced = fs.readdirSync(path.dirname(paths("node1").dataDir)).filter((d) => d.startsWith("pgdata.fenced-"));
        assert.equal(fenced.length, 1);
        await waitFor("node1 to see the post-failover row", () => sql(NODE1.privateIp, "SELECT note FROM items WHERE id = 2001") === "after failover");
        assert.equal(sql(NODE1.privateIp, "SELECT count(*) FROM items"), "1501");
        const stat = sql(
            NODE2.privateIp,
            "SELECT r.application_name, r.client_addr, r.state, s.slot_name FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid",
        );
        assert.equal(stat, "node1|127.0.1.11|streaming|daarion_node1");
    });
});
