/**
 * The public path of seed 004 end to end on loopback: client -> HAProxy (TLS) -> Daedalus nginx ->
 * uvicorn stand-in, every config rendered by this repository. Proves the two layers of the
 * /metrics guard: HAProxy refuses it for the public host, and nginx judges relayed requests by the
 * client address HAProxy forwards, not by HAProxy's own (internal) address.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { daedalusNginxConfig } from "../../components/apps/daedalus";
import { renderHaproxyConfig } from "../../components/ingress/haproxy";
import { makeTempDir, requireBinary, run, startProcess, stopAllProcesses, waitFor, waitForTcp } from "../support/process";
import { freePort, makeCert, request, startUpstream, Upstream } from "./support";

const EDGE = "127.0.1.11";
const APP = "127.0.1.12";
const PUBLIC_CLIENT = "127.0.1.50";
const INTERNAL_CLIENT = "127.0.1.21";
const PUBLIC_HOST = "daedalus.ouranos.test";
/** Same backend without HAProxy's deny: shows nginx alone still keeps the public out. */
const UNGUARDED_HOST = "daedalus-unguarded.ouranos.test";

describe("ingress chain: HAProxy -> Daedalus nginx -> api on loopback", function () {
    this.timeout(90_000);
    let dir: string;
    let api: Upstream;
    let httpsPort: number;
    let ca: Record<string, string>;
    let nginxLog: string;
    let logFd: number | undefined;

    before(async () => {
        const haproxy = requireBinary("haproxy");
        const nginx = requireBinary("nginx");
        dir = makeTempDir("chain");
        fs.chmodSync(dir, 0o755);
        const root = path.join(dir, "build");
        fs.mkdirSync(root, { mode: 0o755 });
        fs.writeFileSync(path.join(root, "index.html"), "<title>Daedalus</title>");
        fs.mkdirSync(path.join(dir, "tmp"));
        api = await startUpstream("daedalus-api", APP, "/api/health", { "/metrics": "daedalus_up 1\n" });

        // nginx: HAProxy reaches it from 127.0.0.1 (the kernel's source for loopback routes).
        const nginxPort = await freePort(APP);
        const nginxConf = path.join(dir, "nginx.conf");
        fs.writeFileSync(
            nginxConf,
            daedalusNginxConfig(
                { metricsAllow: [`${INTERNAL_CLIENT}/32`], trustedProxies: ["127.0.0.1/32"] },
                { listenAddress: APP, listenPort: nginxPort, root, pidFile: path.join(dir, "nginx.pid"), tempDir: path.join(dir, "tmp"), apiUpstream: `${api.host}:${api.port}` },
            ),
        );
        nginxLog = path.join(dir, "nginx.log");
        logFd = fs.openSync(nginxLog, "a");
        // A file on fd 1/2, as Docker gives a pipe: nginx reopens /dev/stdout (see nginx.test.ts).
        const t = spawnSync(nginx, ["-t", "-q", "-c", nginxConf], { stdio: ["ignore", logFd, logFd] });
        assert.equal(t.status, 0, fs.readFileSync(nginxLog, "utf8"));
        startProcess("nginx", nginx, ["-c", nginxConf, "-g", "daemon off;"], { stdio: ["ignore", logFd, logFd] });
        await waitForTcp(APP, nginxPort, 15_000);

        ca = {};
        const certs = [PUBLIC_HOST, UNGUARDED_HOST].map((h) => {
            const c = makeCert(dir, h);
            ca[h] = fs.readFileSync(c.cert, "utf8");
            return c.pem;
        });
        httpsPort = await freePort(EDGE);
        const cfg = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(
            cfg,
            renderHaproxyConfig({
                bindAddress: EDGE,
                httpPort: await freePort(EDGE),
                httpsPort,
                routes: [
                    { host: PUBLIC_HOST, backend: "daedalus", certificate: certs[0]!, denyPaths: ["/metrics"] },
                    { host: UNGUARDED_HOST, backend: "daedalus", certificate: certs[1]! },
                ],
                backends: [{ name: "daedalus", healthPath: "/api/health", servers: [{ name: "node1", address: APP, port: nginxPort }] }],
                stats: { bindAddress: EDGE, port: await freePort(EDGE) },
                healthCheck: { interval: "200ms", fall: 2, rise: 1 },
            }),
        );
        run(haproxy, ["-c", "-q", "-f", cfg]);
        startProcess("haproxy", haproxy, ["-db", "-f", cfg]);
        await waitForTcp(EDGE, httpsPort, 15_000);
        await waitFor("the SPA through HAProxy", async () => (await get(PUBLIC_HOST, "/", PUBLIC_CLIENT)).status === 200, 15_000);
    });
    after(async () => {
        await stopAllProcesses();
        if (logFd !== undefined) fs.closeSync(logFd);
        if (api) await api.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const get = (host: string, p: string, from: string, headers: Record<string, string> = {}) =>
        request({ tls: true, host: EDGE, port: httpsPort, hostHeader: host, path: p, ca: ca[host], localAddress: from, headers });

    it("serves the SPA and the API to the public, logging the real client address", async () => {
        const spa = await get(PUBLIC_HOST, "/workspaces/7", PUBLIC_CLIENT);
        assert.equal(spa.status, 200);
        assert.match(spa.body, /<title>Daedalus<\/title>/);
        const r = await get(PUBLIC_HOST, "/api/chain-probe", PUBLIC_CLIENT);
        assert.equal(r.body, "daedalus-api");
        const seen = api.seen.find((s) => s.url === "/api/chain-probe")!;
        assert.equal(seen.headers["x-forwarded-proto"], "https");
        assert.equal(seen.headers["x-real-ip"], PUBLIC_CLIENT);
        const line = await waitFor("the nginx access-log line", () => fs.readFileSync(nginxLog, "utf8").split("\n").find((l) => l.includes("/api/chain-probe")), 5_000);
        assert.equal((JSON.parse(line) as { remote_addr: string }).remote_addr, PUBLIC_CLIENT);
    });

    it("HAProxy refuses /metrics on the public host, whoever asks", async () => {
        assert.equal((await get(PUBLIC_HOST, "/metrics", PUBLIC_CLIENT)).status, 403);
        assert.equal((await get(PUBLIC_HOST, "/metrics", INTERNAL_CLIENT)).status, 403);
    });

    it("without HAProxy's deny, nginx still refuses a public client relayed by HAProxy", async () => {
        assert.equal((await get(UNGUARDED_HOST, "/metrics", PUBLIC_CLIENT)).status, 403);
        assert.equal((await get(UNGUARDED_HOST, "/metrics", PUBLIC_CLIENT, { "x-forwarded-for": INTERNAL_CLIENT })).status, 403, "a forged X-Forwarded-For must not help");
        const internal = await get(UNGUARDED_HOST, "/metrics", INTERNAL_CLIENT);
        assert.equal(internal.status, 200);
        assert.equal(internal.body, "daedalus_up 1\n");
    });
});
