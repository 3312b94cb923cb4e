/**
 * Daedalus nginx: validation (pure), `nginx -t` on every rendered variant, and Debian's nginx on
 * loopback serving the SPA, proxying the API, and enforcing the /metrics allow list by source
 * address (the client socket is bound to different 127.x addresses).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { daedalusNginxConfig } from "../../components/apps/daedalus";
import { DAEDALUS_METRICS_NETWORKS, DaedalusNginxSpec, renderDaedalusNginxConfig, validateDaedalusNginxSpec } from "../../components/ingress/nginx";
import { makeTempDir, requireBinary, RunningProcess, startProcess, stopAllProcesses, waitFor, waitForTcp } from "../support/process";
import { freePort, request, startUpstream, Upstream } from "./support";

const NODE1 = "127.0.1.11";
const ALLOWED = "127.0.1.21";
const DENIED = "127.0.1.22";
const PROXY = "127.0.1.23";

/**
 * nginx reopens /dev/stdout for the access log. Node gives children sockets, not pipes, on fd 1/2,
 * and opening a socket through /dev/stdout fails (ENXIO); Docker gives containers pipes. So nginx
 * gets a regular file on fd 1/2 here, the closest stand-in that reopens the same way.
 */
function nginxTest(nginx: string, file: string, logFile: string): void {
    const fd = fs.openSync(logFile, "a");
    try {
        const r = spawnSync(nginx, ["-t", "-q", "-c", file], { stdio: ["ignore", fd, fd] });
        if (r.status !== 0) throw new Error(`nginx -t -c ${file} failed (${r.status}):\n${fs.readFileSync(logFile, "utf8")}`);
    } finally {
        fs.closeSync(fd);
    }
}

/** A world-readable temp dir: nginx workers run as `nobody` when the master is root. */
function readableTempDir(prefix: string): string {
    const dir = makeTempDir(prefix);
    fs.chmodSync(dir, 0o755);
    return dir;
}

describe("ingress/nginx: validation", () => {
    const base: DaedalusNginxSpec = { apiUpstreams: ["daedalus-api:8000"] };
    const cases: [string, DaedalusNginxSpec, string][] = [
        ["no upstream", { apiUpstreams: [] }, "daedalusNginx.apiUpstreams: at least one uvicorn upstream is required"],
        ["upstream without port", { apiUpstreams: ["daedalus-api"] }, "daedalusNginx.apiUpstreams[0]: 'daedalus-api' must be host:port"],
        ["bad CIDR", { ...base, metricsAllow: ["10.10.0.0/33"] }, "daedalusNginx.metricsAllow[0]: '10.10.0.0/33' is not an address or CIDR"],
        ["empty allow list", { ...base, metricsAllow: [] }, "daedalusNginx.metricsAllow: empty list would hide /metrics from Prometheus too"],
        ["bad proxy", { ...base, trustedProxies: ["haproxy"] }, "daedalusNginx.trustedProxies[0]: 'haproxy' is not an address or CIDR"],
        ["relative root", { ...base, root: "srv/build" }, "daedalusNginx.root: 'srv/build' must be an absolute path without spaces, quotes, ';' or braces"],
        ["injection in path", { ...base, pidFile: "/run/x; user root" }, "daedalusNginx.pidFile: '/run/x; user root' must be an absolute path without spaces, quotes, ';' or braces"],
        ["bad port", { ...base, listenPort: 0 }, "daedalusNginx.listenPort: 0 is not a TCP port"],
        ["bad size", { ...base, clientMaxBodySize: "1 GB" }, "daedalusNginx.clientMaxBodySize: '1 GB' is not an nginx size"],
    ];
    it("accepts the minimal spec and defaults to seed 004's networks", () => {
        assert.deepEqual(validateDaedalusNginxSpec(base), []);
        const text = renderDaedalusNginxConfig(base);
        assert.deepEqual(DAEDALUS_METRICS_NETWORKS, ["10.10.0.0/24", "172.16.0.0/12", "127.0.0.0/8"]);
        assert.match(text, /location = \/metrics \{\n {12}allow 10\.10\.0\.0\/24;\n {12}allow 172\.16\.0\.0\/12;\n {12}allow 127\.0\.0\.0\/8;\n {12}deny all;/);
    });
    for (const [what, spec, error] of cases) {
        it(`rejects ${what}`, () => {
            assert.ok(validateDaedalusNginxSpec(spec).includes(error), JSON.stringify(validateDaedalusNginxSpec(spec)));
            assert.throws(() => renderDaedalusNginxConfig(spec), /invalid Daedalus nginx spec/);
        });
    }
});

describe("ingress/nginx: nginx -t on every rendered config", () => {
    let dir: string;
    let nginx: string;
    before(() => {
        nginx = requireBinary("nginx");
        dir = readableTempDir("nginx-check");
        fs.mkdirSync(path.join(dir, "tmp"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const check = (name: string, text: string) => {
        const file = path.join(dir, `${name}.conf`);
        fs.writeFileSync(file, text);
        nginxTest(nginx, file, path.join(dir, `${name}.log`));
    };
    const paths = () => ({ pidFile: path.join(dir, "nginx.pid"), tempDir: path.join(dir, "tmp"), root: dir });

    it("the container config (official image paths; upstream and pid/temp paths given as inputs)", () => {
        check("container", daedalusNginxConfig({ trustedProxies: ["172.16.0.0/12", "10.10.1.11"] }, { ...paths(), apiUpstream: "127.0.0.1:8000" }));
    });
    it("every option set", () => {
        check(
            "full",
            renderDaedalusNginxConfig({
                ...paths(),
                listenAddress: NODE1,
                listenPort: 22181,
                apiUpstreams: ["127.0.0.1:8000", "[::1]:8000"],
                metricsAllow: ["10.10.0.0/24", "fd00::/8", "127.0.0.1"],
                trustedProxies: ["10.10.1.11"],
                accessLog: "/dev/stdout",
                errorLog: "/dev/stderr",
                workerProcesses: 2,
                clientMaxBodySize: "1g",
                apiReadTimeout: "10m",
                logUnit: "daedalus-dev",
            }),
        );
    });
});

describe("ingress/nginx: Debian nginx on loopback", function () {
    this.timeout(60_000);
    let dir: string;
    let api: Upstream;
    let proc: RunningProcess;
    let port: number;
    let logFile: string;
    let logFd: number | undefined;
    const output = () => (logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");

    before(async () => {
        const nginx = requireBinary("nginx");
        dir = readableTempDir("nginx-loop");
        const root = path.join(dir, "build");
        fs.mkdirSync(path.join(root, "_app", "immutable"), { recursive: true, mode: 0o755 });
        fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>Daedalus</title>");
        fs.writeFileSync(path.join(root, "_app", "immutable", "app.123.js"), "console.log(1)");
        fs.mkdirSync(path.join(dir, "tmp"));
        api = await startUpstream("daedalus-api", NODE1, "/api/health", { "/metrics": "daedalus_up 1\n" });
        port = await freePort(NODE1);
        const text = daedalusNginxConfig(
            { metricsAllow: [`${ALLOWED}/32`], trustedProxies: [`${PROXY}/32`] },
            { listenAddress: NODE1, listenPort: port, root, pidFile: path.join(dir, "nginx.pid"), tempDir: path.join(dir, "tmp"), apiUpstream: `${api.host}:${api.port}` },
        );
        const file = path.join(dir, "nginx.conf");
        fs.writeFileSync(file, text);
        logFile = path.join(dir, "stdout.log");
        nginxTest(nginx, file, logFile);
        logFd = fs.openSync(logFile, "a");
        // The official image starts nginx the same way: foreground via -g, not via the config.
        proc = startProcess("nginx", nginx, ["-c", file, "-g", "daemon off;"], { stdio: ["ignore", logFd, logFd] });
        await waitForTcp(NODE1, port, 15_000);
    });
    after(async () => {
        await stopAllProcesses();
        if (logFd !== undefined) fs.closeSync(logFd);
        if (api) await api.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
    afterEach(function () {
        if (this.currentTest?.state === "failed" && proc) console.error(output().slice(-4000));
    });

    const get = (p: string, localAddress: string, headers: Record<string, string> = {}) =>
        request({ tls: false, host: NODE1, port, hostHeader: "daedalus.ouranos.test", path: p, localAddress, headers });

    it("serves /metrics to an allowed source address", async () => {
        const r = await get("/metrics", ALLOWED);
        assert.equal(r.status, 200);
        assert.equal(r.body, "daedalus_up 1\n");
    });

    it("refuses /metrics to a disallowed source address without reaching the api", async () => {
        const before = api.seen.filter((s) => s.url === "/metrics").length;
        const r = await get("/metrics", DENIED);
        assert.equal(r.status, 403);
        assert.equal(api.seen.filter((s) => s.url === "/metrics").length, before);
    });

    it("judges requests relayed by a trusted proxy by the real client, and ignores forged X-Forwarded-For", async () => {
        assert.equal((await get("/metrics", PROXY, { "x-forwarded-for": "203.0.113.9" })).status, 403, "public client via HAProxy");
        assert.equal((await get("/metrics", PROXY, { "x-forwarded-for": `203.0.113.9, ${ALLOWED}` })).status, 200, "internal client via HAProxy");
        assert.equal((await get("/metrics", DENIED, { "x-forwarded-for": ALLOWED })).status, 403, "forged header from an untrusted source");
        assert.equal((await get("/metrics", PROXY, { "x-forwarded-for": `${ALLOWED}, 203.0.113.9` })).status, 403, "client-supplied internal address before the real one");
    });

    it("serves the SPA with an index.html fallback and immutable assets", async () => {
        const deep = await get("/workspaces/42/files", DENIED);
        assert.equal(deep.status, 200);
        assert.match(deep.body, /<title>Daedalus<\/title>/);
        assert.equal(deep.headers["cache-control"], "no-cache");
        const asset = await get("/_app/immutable/app.123.js", DENIED);
        assert.equal(asset.body, "console.log(1)");
        assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
        assert.match(String(asset.headers["content-type"]), /javascript/);
        assert.equal((await get("/_app/immutable/missing.js", DENIED)).status, 404);
    });

    it("proxies /api/* to uvicorn with forwarding headers", async () => {
        const r = await get("/api/workspaces?limit=5", DENIED, { "x-forwarded-proto": "https" });
        assert.equal(r.status, 200);
        assert.equal(r.headers["x-upstream"], "daedalus-api");
        const seen = api.seen.find((s) => s.url === "/api/workspaces?limit=5");
        assert.ok(seen);
        assert.equal(seen.headers["x-forwarded-for"], DENIED);
        assert.equal(seen.headers["x-real-ip"], DENIED);
        assert.equal(seen.headers["x-forwarded-proto"], "https");
        assert.match(String(seen.headers["x-request-id"]), /^[0-9a-f]{32}$/);
        assert.equal((await get("/api/health", DENIED)).status, 200);
    });

    it("writes one JSON access-log line per request to stdout, labelled unit=daedalus", async () => {
        await get("/api/log-probe", DENIED);
        const line = await waitFor("the access-log line", () => output().split("\n").find((l) => l.includes("/api/log-probe")), 5_000);
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.equal(entry.unit, "daedalus");
        assert.equal(entry.component, "nginx");
        assert.equal(entry.status, 200);
        assert.equal(entry.method, "GET");
        assert.equal(entry.remote_addr, DENIED);
        assert.equal(typeof entry.request_time, "number");
    });
});
