/**
 * (Over 400 lines on purpose: one table of checkers, one per program, each with the broken copies
 * it must refuse, plus the coverage test over all of them.)
 *
 * Every file of the k8s stack's `files/` view that is NOT byte-identical to the Docker stacks' file
 * at the same path (test/golden/node1..3.json) is handed to the Debian program that reads it in
 * production. The byte-identical files are proven by the Docker stacks' own real-server tests.
 *
 * A differing file that no checker below claims fails the coverage test, so a new differing file
 * cannot slip through; the test prints which checker took which file.
 *
 * Substitutions, and why (everything else is the file exactly as rendered):
 *  - Cluster names `<node>-<workload>.<namespace>.svc.cluster.local` (serviceHost in
 *    components/workload/kubernetes-manifests.ts) do not resolve here. Where the program resolves
 *    them while loading (nginx `upstream ... server`), or where the test makes the program really
 *    connect (redis `replicaof`, sentinel `monitor`), the name becomes its node's loopback address
 *    (node1 -> 127.0.1.11, ...), as test/engine/containers.ts loopbackNatsConf maps Docker names.
 *    For redis/sentinel the port beside the name becomes the port the test's server got (6379 on
 *    loopback may belong to another test on this shared machine).
 *  - HAProxy keeps its names: the file's own `init-addr last,libc,none` defers them (the check
 *    asserts that the only warnings are those unresolved servers).
 *  - Paths that exist only in the image or on a volume (`/data`, `/etc/prometheus/`, HAProxy's
 *    `/usr/local/etc/haproxy/certs/`, the launcher's `primary` state file) become a temp dir holding
 *    the same files. The servers' own listen address and port are command-line overrides
 *    (redis `--bind/--port`, postgres `-c`), not edits of the text.
 *
 * Not proven by the real program: the Grafana datasource file (Grafana is not installed here; the
 * check is that it is the Docker stack's document with only the URLs changed). Of the PostgreSQL
 * launchers (entrypoint.sh), bash parses both and runs their address-dependent decision
 * (other_primary); only the primary's is run whole (a replica's clone needs the pod network its
 * pg_hba admits; test/data/postgres-replication.test.ts clones with the same renderer).
 */
import { strict as assert } from "node:assert";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseAgentConfig } from "../../components/agent/config";
import { serviceHost } from "../../components/workload/kubernetes-manifests";
import { placedFiles } from "../../offline/write";
import { startupProbe } from "../data/support/pg-probe";
import { freePort, makeCert } from "../ingress/support";
import { NODE_IPS } from "../nats/fixtures";
import { checkNatsConfig } from "../nats/harness";
import { GOLDEN_DIR } from "../support/fingerprint";
import { makeTempDir, postgresBinDir, requireBinary, run, RunningProcess, startProcess, stopAllProcesses, tcpOpen, waitFor } from "../support/process";
import { renderedStack } from "../support/render";
import { listFiles, renderK8s } from "./support";

/** The per-node loopback addresses of the test conventions. */
const NODES = ["node1", "node2", "node3"];
const LOOPBACK: Readonly<Record<string, string>> = Object.fromEntries(NODES.map((n) => [n, NODE_IPS[n]!]));
const sha16 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

interface Context {
    /** The k8s render's files/ directory. */
    readonly filesDir: string;
    readonly namespace: string;
    /** A fresh temp dir for one check. */
    tmp(prefix: string): string;
}

/** One real program and the files it reads; `check` throws when the program refuses a file. */
interface Checker {
    readonly program: string;
    readonly matches: (file: string) => boolean;
    readonly check: (ctx: Context, files: string[]) => Promise<void> | void;
    /** Edits of one of the files that the check must refuse (with `refusal`): proves it is live. */
    readonly broken: ReadonlyArray<{ readonly what: string; readonly edit: (text: string) => string; readonly refusal: RegExp }>;
}

/** `files/<node>/...` -> node. */
const nodeOf = (file: string): string => file.split("/")[0]!;
const read = (ctx: Context, file: string): string => fs.readFileSync(path.join(ctx.filesDir, file), "utf8");

/** The cluster name of a node's workload, as the renderer writes it, as a RegExp source. */
const clusterNamePattern = (ctx: Context): RegExp => {
    const suffix = serviceHost("n", "w", ctx.namespace).slice("n-w".length);
    return new RegExp(`\\b(${NODES.join("|")})-[a-z0-9-]+${suffix.replace(/\./g, "\\.")}\\b`, "g");
};

/** Every cluster name in `text` becomes its node's loopback address (see the header). */
function clusterNamesToLoopback(ctx: Context, text: string): string {
    return text.replace(clusterNamePattern(ctx), (_name, node: string) => LOOPBACK[node]!);
}

/** The value of a `key "value"` or `key value` line of a redis config. */
function redisDirective(text: string, key: string): string {
    const m = new RegExp(`^${key} "?([^"\\n]*)"?$`, "m").exec(text);
    assert.ok(m, `no '${key}' line`);
    return m[1]!;
}

/** `dir "/data"` (the container's volume) becomes `dir`; asserts the rendered value first. */
function redisDataDirTo(text: string, dir: string): string {
    assert.equal(redisDirective(text, "dir"), "/data");
    return text.replace(/^dir "\/data"$/m, `dir ${JSON.stringify(dir)}`);
}

/** Runs `command` as the `postgres` user when root (PostgreSQL refuses to run as root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
    if (process.getuid?.() !== 0) return [command, args];
    return [requireBinary("setpriv"), ["--reuid=postgres", "--regid=postgres", "--init-groups", command, ...args]];
}

/**
 * Waits until `ready`, and fails at once with the output when the server exits first (a server that
 * refuses its config exits; waitFor alone would poll on until its timeout).
 */
async function readyOrRefused(proc: RunningProcess, what: string, ready: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
    let exited = false;
    await waitFor(what, async () => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) return (exited = true);
        return ready();
    }, timeoutMs).catch((e: Error) => {
        throw new Error(`${e.message}\n${proc.output().slice(-3000)}`);
    });
    if (exited) throw new Error(`${proc.name}: the server refused its config (exit ${proc.child.exitCode}):\n${proc.output().slice(-3000)}`);
}

/**
 * The primary's launcher run whole by bash with PostgreSQL 15, through one lease cycle as the agent
 * drives it (components/agent/config.ts AGENT_STATE_FILES): granted (`writable-until` ahead, `primary`
 * = this node's own address as the agent writes it) -> it starts writable; the window passes ->
 * the watchdog stops the server and, with no other primary known, the launcher waits with its data
 * in place; granted again -> the same cluster is writable again.
 *
 * Substituted: the image's and the volumes' paths (a temp layout, as test/data/support/place-postgres.ts
 * gives the replication tests); the server's listen address and port are the launcher's own
 * pass-through arguments ("$@" to postgres). The peers' cluster names stay: they do not resolve, as
 * a peer that is not up yet, and the k8s pg_hba admits only the pod network, so the test talks to
 * the server through its log and its data dir, not over TCP.
 */
async function runPrimaryLauncher(ctx: Context, file: string, agentWrites: string): Promise<void> {
    const base = ctx.tmp("k8s-launcher-run");
    fs.chmodSync(base, 0o755); // the server user traverses it after the launcher drops root
    const dir = (d: string) => path.join(base, d);
    const bin = postgresBinDir();
    // One pass, longest prefix first, so no substituted path is substituted again.
    const paths: Array<[string, string]> = [
        ["/usr/lib/postgresql/15/bin", bin],
        ["/var/lib/postgresql/data", dir("volume")],
        ["/etc/daarion/postgres", dir("config")],
        ["/run/daarion/postgres", dir("secrets")],
        ["/var/run/postgresql/daarion", dir("run")],
        ["/var/run/postgresql", dir("socket")],
        ["/run/daarion", dir("state")],
    ];
    const pattern = new RegExp(paths.map(([from]) => from.replace(/[./]/g, "\\$&")).join("|"), "g");
    const local = (text: string) => text.replace(pattern, (m) => paths.find(([from]) => from === m)![1]);
    const nodeDir = path.dirname(file).split("/").slice(0, 2).join("/"); // <node>/postgres
    const conf = (rel: string) => read(ctx, `${nodeDir}/${rel}`);

    for (const d of ["config", "socket", "volume", "state"]) fs.mkdirSync(dir(d), { mode: 0o755 });
    fs.mkdirSync(dir("secrets"), { mode: 0o700 });
    const entry = path.join(dir("config"), "entrypoint.sh");
    fs.writeFileSync(entry, local(read(ctx, file)), { mode: 0o755 });
    fs.writeFileSync(path.join(dir("config"), "postgresql.conf"), local(conf("etc/daarion/postgres/postgresql.conf")), { mode: 0o644 });
    fs.writeFileSync(path.join(dir("config"), "pg_hba.conf"), conf("etc/daarion/postgres/pg_hba.conf"), { mode: 0o644 });
    for (const secret of ["pgpass", "bootstrap.sql"]) fs.writeFileSync(path.join(dir("secrets"), secret), conf(`run/daarion/postgres/${secret}`), { mode: 0o600 });
    if (process.getuid?.() === 0) run("chown", ["postgres:postgres", dir("socket")]);
    assert.doesNotMatch(fs.readFileSync(entry, "utf8"), /'\/(var|run|etc)\//, "a container path is left in the launcher");

    const writableUntil = (ms: number) => fs.writeFileSync(path.join(dir("state"), "writable-until"), `${ms}\n`);
    fs.writeFileSync(path.join(dir("state"), "primary"), `${agentWrites}\n`);
    writableUntil(Date.now() + 120_000);
    const host = LOOPBACK[nodeOf(file)]!;
    const port = await freePort(host);
    const proc = startProcess(file, requireBinary("bash"), [entry, "-c", `listen_addresses=${host}`, "-c", `port=${port}`]);
    const count = (re: RegExp) => (proc.output().match(new RegExp(re.source, "g")) ?? []).length;
    const until = (what: string, re: RegExp, n = 1) =>
        readyOrRefused(proc, `${file}: ${what}`, async () => count(re) >= n && (!/ready/.test(what) || (await tcpOpen(host, port))), 90_000);
    try {
        await until("writable primary ready", /starting postgres as primary \(this node holds the lease\)[\s\S]*database system is ready to accept connections/);
        const pgdata = path.join(dir("volume"), "pgdata");
        const sysid = fs.readFileSync(path.join(pgdata, "global", "pg_control")).subarray(0, 8).toString("hex");

        writableUntil(0); // what revoke() writes when the lease is lost without a known holder
        await until("fenced", /FENCED: writable without a valid lease/);
        // As rendered before this test (SELF_HOST = the private IP), the launcher took its own address
        // for another primary here: "moved .../pgdata aside ... (not a standby: demoted primary)", then
        // "cloning node1-postgres.daarion.svc.cluster.local:5432" (itself) until pg_basebackup gave up.
        await until("waiting for the lease (or moving its data aside)", /waiting: no lease for this node and no primary to follow|moved \S+ aside/);
        assert.doesNotMatch(proc.output(), /moved \S+ aside|cloning/, `${file}: its own address was taken for another primary`);
        assert.ok(fs.existsSync(path.join(pgdata, "PG_VERSION")), "the data dir stays in place");

        writableUntil(Date.now() + 120_000);
        await until("writable again", /starting postgres as primary \(this node holds the lease\)/, 2);
        await waitFor(`${file}: listening again`, () => tcpOpen(host, port), 60_000);
        assert.equal(fs.readFileSync(path.join(pgdata, "global", "pg_control")).subarray(0, 8).toString("hex"), sysid, "the same cluster");
    } finally {
        await proc.stop();
    }
}

const CHECKERS: Checker[] = [
    {
        program: "nats-server -t (2.9.10)",
        broken: [{ what: "an unclosed accounts block", edit: (t) => t.replace(/^system_account: /m, "accounts { X: {\nsystem_account: "), refusal: /nats-server -t rejected/ }],
        matches: (f) => /^node\d+\/nats(-core)?\/etc\/nats\/nats\.conf$/.test(f),
        check(ctx, files) {
            // -t parses and validates the options; routes, leaf remotes and advertise names are
            // dialled only by a running server, so the names stay as rendered.
            const nats = requireBinary("nats-server");
            for (const f of files) checkNatsConfig(nats, path.join(ctx.filesDir, f));
        },
    },
    {
        program: "haproxy -c (2.6)",
        broken: [{ what: "init-addr without none (the names must then resolve)", edit: (t) => t.replace("init-addr last,libc,none", "init-addr last,libc"), refusal: /could not resolve address 'node\d-gateway\./ }],
        matches: (f) => /^node\d+\/haproxy\/usr\/local\/etc\/haproxy\/haproxy\.cfg$/.test(f),
        check(ctx, files) {
            const haproxy = requireBinary("haproxy");
            for (const f of files) {
                const dir = ctx.tmp("k8s-haproxy");
                const text = read(ctx, f);
                const certDir = "/usr/local/etc/haproxy/certs/";
                // haproxy -c loads every `crt`: the same certificate names, made here.
                const certs = [...text.matchAll(/crt (\S+)/g)].map((m) => m[1]!);
                assert.ok(certs.length > 0 && certs.every((c) => c.startsWith(certDir)), `${f}: certificates outside ${certDir}: ${certs.join(" ")}`);
                for (const c of certs) makeCert(dir, path.basename(c, ".pem"));
                const cfg = path.join(dir, "haproxy.cfg");
                fs.writeFileSync(cfg, text.split(certDir).join(`${dir}/`));
                const out = run(haproxy, ["-c", "-f", cfg]);
                assert.match(out, /Configuration file is valid/, `${f}: ${out}`);
                // The names stay unresolved (init-addr ... none); nothing else may warn.
                const warnings = out.split("\n").filter((l) => l.includes("[WARNING]"));
                const servers = [...text.matchAll(/^\s+server \S+ (\S+):\d+/gm)].map((m) => m[1]!);
                assert.ok(servers.length > 0 && servers.every((s) => clusterNamePattern(ctx).test(s) || /^\d/.test(s)), `${f}: servers ${servers.join(" ")}`);
                for (const w of warnings) assert.match(w, /could not resolve address '[a-z0-9.-]+\.svc\.cluster\.local', disabling server/, `${f}: ${w}`);
            }
        },
    },
    {
        program: "nginx -t (1.22)",
        broken: [{ what: "a non-numeric upstream keepalive", edit: (t) => t.replace(/keepalive 16;/, "keepalive sixteen;"), refusal: /nginx -t refused it[\s\S]*"sixteen"/ }],
        matches: (f) => /^node\d+\/daedalus-nginx\/etc\/nginx\/nginx\.conf$/.test(f),
        check(ctx, files) {
            const nginx = requireBinary("nginx");
            for (const f of files) {
                const dir = ctx.tmp("k8s-nginx");
                fs.chmodSync(dir, 0o755); // workers run as nobody when the master is root
                const conf = path.join(dir, "nginx.conf");
                // nginx resolves `upstream { server <name>:<port>; }` while loading: names -> loopback.
                const text = clusterNamesToLoopback(ctx, read(ctx, f));
                assert.doesNotMatch(text, /svc\.cluster\.local/);
                fs.writeFileSync(conf, text);
                // nginx -t opens the access log (/dev/stdout); give it a regular file, as test/ingress/nginx.test.ts does.
                const log = path.join(dir, "nginx.log");
                const fd = fs.openSync(log, "a");
                try {
                    const r = spawnSync(nginx, ["-t", "-c", conf], { stdio: ["ignore", fd, fd] });
                    assert.equal(r.status, 0, `${f}: nginx -t refused it:\n${fs.readFileSync(log, "utf8")}`);
                } finally {
                    fs.closeSync(fd);
                }
                assert.match(fs.readFileSync(log, "utf8"), /test is successful/);
            }
        },
    },
    {
        program: "promtool check config (2.42)",
        broken: [{ what: "a scrape interval that is no duration", edit: (t) => t.replace(/^( {2}scrape_interval: )15s$/m, "$115x"), refusal: /not a valid duration string/ }],
        matches: (f) => /^node\d+\/prometheus\/etc\/prometheus\/prometheus\.yml$/.test(f),
        check(ctx, files) {
            const promtool = requireBinary("promtool");
            for (const f of files) {
                // The rule files and the credentials file it names are rendered beside it (same paths under /etc/prometheus/).
                const dir = ctx.tmp("k8s-prometheus");
                const src = path.join(ctx.filesDir, path.dirname(f));
                fs.cpSync(src, dir, { recursive: true });
                const text = read(ctx, f);
                const referenced = [...text.matchAll(/(\/etc\/prometheus\/\S+)/g)].map((m) => m[1]!);
                assert.ok(referenced.length > 0);
                const file = path.join(dir, "prometheus.yml");
                fs.writeFileSync(file, text.split("/etc/prometheus/").join(`${dir}/`));
                const out = run(promtool, ["check", "config", file]);
                assert.match(out, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/, out);
                for (const r of referenced.filter((p) => p.endsWith(".rules.yml"))) assert.ok(out.includes(path.join(dir, r.slice("/etc/prometheus/".length))), `${r} not checked:\n${out}`);
            }
        },
    },
    {
        program: "redis-server (7.0) + redis-sentinel (7.0), running",
        broken: [{ what: "an unknown maxmemory-policy", edit: (t) => t.replace(/^maxmemory-policy noeviction$/m, "maxmemory-policy nope"), refusal: /refused its config[\s\S]*maxmemory-policy/ }],
        matches: (f) => /^node\d+\/redis(-sentinel)?\/etc\/daarion\/redis\/(redis|sentinel)\.conf$/.test(f),
        async check(ctx, files) {
            const redisServer = requireBinary("redis-server");
            const redisSentinel = requireBinary("redis-sentinel");
            const redisCli = requireBinary("redis-cli");
            const cli = (host: string, port: number, password: string, ...args: string[]) => run(redisCli, ["-h", host, "-p", String(port), "--no-auth-warning", "-a", password, ...args]).trim();
            const servers = files.filter((f) => f.endsWith("/redis.conf"));
            const sentinels = files.filter((f) => f.endsWith("/sentinel.conf"));
            const master = servers.filter((f) => !/^replicaof /m.test(read(ctx, f)));
            assert.equal(master.length, 1, `one initial master among ${servers.join(", ")}`);
            const started: Record<string, { host: string; port: number; password: string }> = {};

            const start = async (f: string, binary: string, text: string, wait: (host: string, port: number) => Promise<boolean>) => {
                const host = LOOPBACK[nodeOf(f)]!;
                const port = await freePort(host);
                const dir = ctx.tmp("k8s-redis");
                const conf = path.join(dir, path.basename(f));
                // Sentinel rewrites its file (the launcher gives it a writable copy, components/redis/render.ts).
                fs.writeFileSync(conf, redisDataDirTo(text, dir));
                // Command-line options are appended after the file's lines and so win (redis src/config.c
                // loadServerConfig, "Append the additional options"); the PING below on host:port proves it here.
                const proc = startProcess(f, binary, [conf, "--bind", host, "--port", String(port)]);
                await readyOrRefused(proc, `${f} on ${host}:${port}`, async () => (await tcpOpen(host, port)) && wait(host, port), 30_000);
                return { host, port };
            };

            // The master first, then the replicas following it, then every sentinel watching it.
            for (const f of [...master, ...servers.filter((f) => !master.includes(f))]) {
                let text = read(ctx, f);
                const password = redisDirective(text, "requirepass");
                if (!master.includes(f)) {
                    const m = started[master[0]!]!;
                    text = text.replace(/^replicaof (\S+) \d+$/m, (_l, name: string) => `replicaof ${clusterNamesToLoopback(ctx, name)} ${m.port}`);
                    assert.match(text, new RegExp(`^replicaof ${m.host.replace(/\./g, "\\.")} ${m.port}$`, "m"), `${f}: replicaof names the master's service`);
                }
                const { host, port } = await start(f, redisServer, text, async (h, p) => cli(h, p, password, "PING") === "PONG");
                started[f] = { host, port, password };
                // Loaded as rendered: the announced name is the pod's Service name.
                assert.equal(cli(host, port, password, "CONFIG", "GET", "replica-announce-ip").split("\n")[1], redisDirective(read(ctx, f), "replica-announce-ip"));
            }
            for (const f of servers.filter((f) => !master.includes(f))) {
                const s = started[f]!;
                // masterauth is accepted by the master's requirepass: the link comes up.
                await waitFor(`${f}: master_link_status:up`, () => /master_link_status:up/.test(cli(s.host, s.port, s.password, "INFO", "replication")), 30_000);
            }
            const m = started[master[0]!]!;
            for (const f of sentinels) {
                let text = read(ctx, f);
                const password = redisDirective(text, "requirepass");
                text = text.replace(/^sentinel monitor (\S+) (\S+) \d+ (\d+)$/m, (_l, group: string, name: string, quorum: string) => `sentinel monitor ${group} ${clusterNamesToLoopback(ctx, name)} ${m.port} ${quorum}`);
                assert.match(text, new RegExp(`^sentinel monitor daarion ${m.host.replace(/\./g, "\\.")} ${m.port} \\d+$`, "m"), `${f}: monitor names the master's service`);
                const { host, port } = await start(f, redisSentinel, text, async (h, p) => cli(h, p, password, "PING") === "PONG");
                // INFO refreshes only on a successful reply, i.e. once auth-pass matched the master's requirepass.
                await waitFor(`${f}: INFO from the master`, () => {
                    const fields = cli(host, port, password, "SENTINEL", "MASTER", "daarion").split("\n");
                    const get = (k: string) => fields[fields.indexOf(k) + 1];
                    return get("flags") === "master" && Number(get("info-refresh")) < 15_000 && get("ip") === m.host;
                }, 30_000);
                const hostnames = cli(host, port, password, "SENTINEL", "CONFIG", "GET", "resolve-hostnames");
                assert.match(hostnames, /yes/, `${f}: resolve-hostnames as rendered`);
            }
        },
    },
    {
        program: "postgres 15 (server started with the file as hba_file)",
        broken: [{ what: "a /33 address", edit: (t) => t.replace(/10\.244\.0\.0\/16/g, "10.244.0.0/33"), refusal: /refused its config[\s\S]*could not load pg_hba\.conf/ }],
        matches: (f) => /^node\d+\/postgres\/etc\/daarion\/postgres\/pg_hba\.conf$/.test(f),
        async check(ctx, files) {
            const bin = postgresBinDir();
            const base = ctx.tmp("k8s-pg");
            fs.chmodSync(base, 0o755);
            if (process.getuid?.() === 0) run("chown", ["postgres:postgres", base]);
            const data = path.join(base, "data");
            const [initdb, initArgs] = asPostgres(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=reject", "--no-instructions"]);
            run(initdb, initArgs);
            for (const f of files) {
                const hba = path.join(base, `${nodeOf(f)}-pg_hba.conf`);
                fs.writeFileSync(hba, read(ctx, f), { mode: 0o644 });
                const host = LOOPBACK[nodeOf(f)]!;
                const port = await freePort(host);
                // PostgreSQL refuses to start when a pg_hba.conf line is invalid ("could not load pg_hba.conf").
                const [postgres, args] = asPostgres(path.join(bin, "postgres"), ["-D", data, "-c", `hba_file=${hba}`, "-c", `listen_addresses=${host}`, "-c", `port=${port}`, "-c", `unix_socket_directories=${base}`]);
                const proc = startProcess(f, postgres, args);
                await readyOrRefused(proc, `${f}: postgres ready`, () => /database system is ready to accept connections/.test(proc.output()));
                // The server decides with this file: the replication role is refused from outside the pod network.
                const outsider = LOOPBACK.node3!;
                const repl = await startupProbe({ localAddress: outsider, host, port, params: { user: "replicator", replication: "true" } });
                assert.deepEqual(repl.kind, "error", `${f}: ${JSON.stringify(repl)}`);
                assert.match((repl as { message: string }).message, new RegExp(`pg_hba\\.conf rejects replication connection for host "${outsider.replace(/\./g, "\\.")}", user "replicator"`));
                await proc.stop();
            }
        },
    },
    {
        program: "bash: the launchers (-n; other_primary on each agent's address; the primary's lease/fence cycle with postgres 15)",
        broken: [
            { what: "an unterminated if", edit: (t) => t.replace(/^umask 077$/m, "umask 077\nif true; then"), refusal: /syntax error/ },
            { what: "SELF_HOST = the private IP (as rendered before this test)", edit: (t) => t.replace(/^readonly SELF_HOST=.*$/m, "readonly SELF_HOST='10.10.2.11'"), refusal: /taken for another primary/ },
        ],
        matches: (f) => /^node\d+\/postgres\/etc\/daarion\/postgres\/entrypoint\.sh$/.test(f),
        async check(ctx, files) {
            const bash = requireBinary("bash");
            for (const f of files) {
                assert.match(read(ctx, f), /^#!\/usr\/bin\/env bash\n/);
                run(bash, ["-n", path.join(ctx.filesDir, f)]);
            }
            // What changed from the Docker launcher are addresses, and under the node agent the launcher
            // compares the agent's `primary` file (`<host> <port>`, written from the agent config's
            // groups[].postgres.host: components/agent/daemon/agent.ts grant/revoke) with its own
            // SELF_HOST. So bash runs the launcher's other_primary as rendered (only the state file's
            // path substituted) on what each node's rendered agent config makes the agent write:
            // its own address is not "another primary" (else a fenced primary moves its data dir
            // aside as a "demoted primary" and tries to clone from itself), every other node's is.
            const agents = files.map((f) => {
                const cfg = parseAgentConfig(JSON.parse(read(ctx, `${nodeOf(f)}/agent/etc/daarion-agent/config.json`)));
                const pg = cfg.groups.find((g) => g.kind === "postgres")?.postgres;
                assert.ok(pg, `${nodeOf(f)}'s agent has no postgres group`);
                return { node: nodeOf(f), written: `${pg.host} ${pg.port}` };
            });
            for (const f of files) {
                const text = read(ctx, f);
                const self = /^readonly SELF_HOST=.*$/m.exec(text)?.[0];
                const fn = /^other_primary\(\) \{\n[\s\S]*?\n\}$/m.exec(text)?.[0];
                assert.ok(self && fn && /^readonly PRIMARY_FILE=/m.test(text), `${f}: no failover loop (SELF_HOST, PRIMARY_FILE, other_primary)`);
                const dir = ctx.tmp("k8s-launcher");
                const state = path.join(dir, "primary");
                for (const a of agents) {
                    fs.writeFileSync(state, `${a.written}\n`);
                    const r: SpawnSyncReturns<string> = spawnSync(bash, ["-c", `set -Eeuo pipefail\n${self}\nreadonly PRIMARY_FILE=${JSON.stringify(state)}\n${fn}\nother_primary`], { encoding: "utf8" });
                    if (a.node === nodeOf(f)) assert.deepEqual([r.status, r.stdout], [1, ""], `${f}: its own agent's primary file '${a.written}' taken for another primary (${self})`);
                    else assert.deepEqual([r.status, r.stdout], [0, `${a.written}\n`], `${f}: ${a.node}'s '${a.written}' ${r.stderr}`);
                }
            }
            const primary = files.find((f) => /^readonly ROLE='primary'$/m.test(read(ctx, f)));
            assert.ok(primary, `no primary launcher among ${files.join(", ")}`);
            await runPrimaryLauncher(ctx, primary, agents.find((a) => a.node === nodeOf(primary))!.written);
        },
    },
    {
        program: "the node agent's loader (parseAgentConfig, as components/agent/daemon/main.ts)",
        broken: [{ what: "a NATS server list that is empty", edit: (t) => t.replace(/"servers": \[[^\]]*\]/, '"servers": []'), refusal: /config\.json: nats\.servers: / }],
        matches: (f) => /^node\d+\/agent\/etc\/daarion-agent\/config\.json$/.test(f),
        check(ctx, files) {
            for (const f of files) {
                const cfg = parseAgentConfig(JSON.parse(read(ctx, f)), f);
                assert.equal(cfg.node, nodeOf(f));
            }
        },
    },
];

/**
 * Grafana is not installed here (no Debian package), so its provisioning file is NOT proven by
 * Grafana: the check is that it is the Docker stack's document with only the datasource URLs
 * changed, each to the cluster name of a Prometheus/Loki Service.
 */
const GRAFANA: Checker = {
    program: "NO REAL PROGRAM (Grafana not installed): same document as the Docker stack's but datasources[].url",
    broken: [{ what: "another scrape interval", edit: (t) => t.replace(/timeInterval: 15s/, "timeInterval: 30s"), refusal: /timeInterval/ }],
    matches: (f) => /^node\d+\/grafana\/etc\/grafana\/provisioning\/datasources\/[^/]+\.yml$/.test(f),
    async check(ctx, files) {
        for (const f of files) {
            const docker = placedFiles(await renderedStack(nodeOf(f))).find((p) => path.join(p.node, p.workload, p.path) === f);
            assert.ok(docker, `${f}: no Docker counterpart`);
            type Doc = { datasources: Array<{ url: string }> };
            const k8s = parse(read(ctx, f)) as Doc;
            const dock = parse(docker.content) as Doc;
            for (const d of k8s.datasources) assert.match(new URL(d.url).hostname, clusterNamePattern(ctx), `${f}: ${d.url}`);
            const withoutUrls = (d: Doc) => ({ ...d, datasources: d.datasources.map((s) => ({ ...s, url: undefined })) });
            assert.deepEqual(withoutUrls(k8s), withoutUrls(dock), f);
        }
    },
};

describe("kubernetes: the k8s files that differ from the Docker stacks', accepted by the real programs", function () {
    this.timeout(300_000);
    const checkers = [...CHECKERS, GRAFANA];
    let ctx: Context;
    let differing: string[] = [];
    const tmps: string[] = [];
    const checked: Array<[string, string]> = [];

    before(async () => {
        const { result, dir } = await renderK8s();
        const namespace = (result.config["daarion:kubernetes"] as { namespace: string }).namespace;
        ctx = {
            filesDir: path.join(dir, "files"),
            namespace,
            tmp: (prefix) => {
                const t = makeTempDir(prefix);
                tmps.push(t);
                return t;
            },
        };
        const docker: Record<string, string> = Object.assign({}, ...NODES.map((n) => (JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${n}.json`), "utf8")) as { files: Record<string, string> }).files));
        differing = listFiles(ctx.filesDir).filter((f) => docker[f] !== sha16(fs.readFileSync(path.join(ctx.filesDir, f), "utf8")));
    });

    after(async () => {
        await stopAllProcesses();
        for (const t of tmps) fs.rmSync(t, { recursive: true, force: true });
        if (checked.length > 0) console.log(`    checked ${checked.length} differing files:\n${checked.map(([f, p]) => `      ${f}  <-  ${p}`).join("\n")}`);
    });

    it("has a checker for every differing file, and exactly one", () => {
        assert.ok(differing.length > 0, "no file differs from the Docker stacks: the comparison is broken");
        const problems = differing.flatMap((f) => {
            const n = checkers.filter((c) => c.matches(f)).length;
            return n === 1 ? [] : [`${f}: ${n === 0 ? "no checker (add one: which real program reads this file?)" : `${n} checkers`}`];
        });
        assert.deepEqual(problems, []);
    });

    for (const checker of checkers) {
        it(checker.program, async () => {
            const files = differing.filter((f) => checker.matches(f));
            assert.ok(files.length > 0, `no differing file for ${checker.program}: drop the checker or fix its pattern`);
            await checker.check(ctx, files);
            for (const f of files) checked.push([f, checker.program]);
        });
    }

    describe("each check is live: it refuses a broken file", () => {
        let copy: Context;
        before(() => {
            const filesDir = ctx.tmp("k8s-files-broken");
            fs.cpSync(ctx.filesDir, filesDir, { recursive: true });
            copy = { ...ctx, filesDir };
        });
        afterEach(() => stopAllProcesses());
        for (const checker of checkers) {
            for (const broken of checker.broken) it(`${checker.program}: ${broken.what}`, async () => {
                const files = differing.filter((f) => checker.matches(f));
                const file = files.find((f) => broken.edit(read(copy, f)) !== read(copy, f));
                assert.ok(file, `the edit '${broken.what}' no longer applies to any of ${files.join(", ")}`);
                const target = path.join(copy.filesDir, file);
                const text = fs.readFileSync(target, "utf8");
                fs.writeFileSync(target, broken.edit(text));
                try {
                    await assert.rejects(async () => checker.check(copy, files), broken.refusal);
                } finally {
                    fs.writeFileSync(target, text);
                }
            });
        }
    });
});
