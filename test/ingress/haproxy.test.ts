/**
 * HAProxy: validation (pure), `haproxy -c` on every rendered variant, and Debian's haproxy on
 * loopback routing by Host, health-checking, failing over to a backup, and guarding /metrics.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HaproxySpec, renderHaproxyConfig, validateHaproxySpec } from "../../components/ingress/haproxy";
import { buildHaproxyWorkload, haproxyContainerConfig, HAPROXY_CONFIG_PATH } from "../../components/ingress/workload";
import { makeTempDir, requireBinary, run, RunningProcess, startProcess, stopAllProcesses, tcpOpen, waitFor, waitForTcp } from "../support/process";
import { freePort, makeCert, request, startUpstream, Upstream } from "./support";

const NODE1 = "127.0.1.11";
const NODE2 = "127.0.1.12";
const NODE3 = "127.0.1.13";
const GW = "gateway.daarion.test";
const DAEDALUS = "daedalus.ouranos.test";

function baseSpec(): HaproxySpec {
    return {
        routes: [
            { host: GW, backend: "gateway", certificate: "/certs/gw.pem" },
            { host: DAEDALUS, backend: "daedalus", certificate: "/certs/d.pem", denyPaths: ["/metrics"] },
        ],
        backends: [
            { name: "gateway", healthPath: "/health", servers: [{ name: "node1", address: "10.10.1.11", port: 9300 }] },
            { name: "daedalus", healthPath: "/api/health", servers: [{ name: "node1", address: "10.10.1.11", port: 22181 }] },
        ],
        stats: { bindAddress: "10.10.1.11" },
    };
}

describe("ingress/haproxy: validation", () => {
    const cases: [string, (s: HaproxySpec) => HaproxySpec, string][] = [
        ["unknown backend", (s) => ({ ...s, routes: [{ ...s.routes[0], backend: "nope" }] }), "haproxy.routes[0].backend: no backend named 'nope'"],
        ["duplicate host", (s) => ({ ...s, routes: [s.routes[0], { ...s.routes[1], host: GW.toUpperCase() }] }), `haproxy.routes[1].host: duplicate host '${GW.toUpperCase()}'`],
        ["bad host", (s) => ({ ...s, routes: [{ ...s.routes[0], host: "bad host" }] }), "haproxy.routes[0].host: 'bad host' is not a host name"],
        ["only backups", (s) => ({ ...s, backends: [{ ...s.backends[0], servers: [{ name: "n2", address: "10.0.0.2", port: 1, backup: true }] }, s.backends[1]] }), "haproxy.backends[0].servers: every server is a backup; at least one must be active"],
        ["no servers", (s) => ({ ...s, backends: [{ ...s.backends[0], servers: [] }, s.backends[1]] }), "haproxy.backends[0].servers: at least one server is required"],
        ["health path with space", (s) => ({ ...s, backends: [{ ...s.backends[0], healthPath: "/a b" }, s.backends[1]] }), "haproxy.backends[0].healthPath: '/a b' must be an absolute path without spaces"],
        ["public stats", (s) => ({ ...s, stats: { bindAddress: "*" } }), "haproxy.stats.bindAddress: an explicit address is required (stats must not listen publicly)"],
        ["user without password", (s) => ({ ...s, stats: { ...s.stats, user: "admin" } }), "haproxy.stats: user and password must be set together"],
        ["bad port", (s) => ({ ...s, httpsPort: 70000 }), "haproxy.httpsPort: 70000 is not a TCP port"],
        ["bad timeout", (s) => ({ ...s, timeouts: { server: "5 minutes" } }), "haproxy.timeouts.server: '5 minutes' is not an HAProxy duration"],
        ["duplicate server", (s) => ({ ...s, backends: [{ ...s.backends[0], servers: [s.backends[0].servers[0], s.backends[0].servers[0]] }, s.backends[1]] }), "haproxy.backends[0].servers[1].name: duplicate server 'node1' in backend 'gateway'"],
    ];
    it("accepts the base spec", () => assert.deepEqual(validateHaproxySpec(baseSpec()), []));
    for (const [what, mutate, error] of cases) {
        it(`rejects ${what}`, () => {
            const errors = validateHaproxySpec(mutate(baseSpec()));
            assert.ok(errors.includes(error), `expected ${JSON.stringify(error)} in ${JSON.stringify(errors)}`);
            assert.throws(() => renderHaproxyConfig(mutate(baseSpec())), /invalid HAProxy spec/);
        });
    }
    it("renders one ACL per host, httpchk per backend, backup servers and the private stats bind", () => {
        const spec = baseSpec();
        const cfg = renderHaproxyConfig({
            ...spec,
            backends: [{ ...spec.backends[0], servers: [...spec.backends[0].servers, { name: "node2", address: "10.10.1.12", port: 9300, backup: true }] }, spec.backends[1]],
        });
        assert.match(cfg, /^ {4}acl host_gateway_daarion_test req\.hdr\(host\),field\(1,:\) -i gateway\.daarion\.test$/m);
        assert.match(cfg, /^ {4}acl host_daedalus_ouranos_test req\.hdr\(host\),field\(1,:\) -i daedalus\.ouranos\.test$/m);
        assert.match(cfg, /^backend daedalus\n {4}balance roundrobin\n {4}option httpchk GET \/api\/health$/m);
        assert.match(cfg, /^ {4}server node2 10\.10\.1\.12:9300 check backup$/m);
        assert.match(cfg, /^frontend stats\n {4}bind 10\.10\.1\.11:8404$/m);
        assert.match(cfg, /^ {4}bind \*:443 ssl crt \/certs\/gw\.pem crt \/certs\/d\.pem alpn h2,http\/1\.1$/m);
    });
});

describe("ingress/haproxy: haproxy -c on every rendered config", function () {
    let dir: string;
    let haproxy: string;
    before(() => {
        haproxy = requireBinary("haproxy");
        dir = makeTempDir("haproxy-check");
        makeCert(dir, GW);
        makeCert(dir, DAEDALUS);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const check = (name: string, text: string) => {
        const file = path.join(dir, `${name}.cfg`);
        fs.writeFileSync(file, text);
        run(haproxy, ["-c", "-q", "-f", file]);
    };
    const certs = () => ({ gw: path.join(dir, `${GW}.pem`), d: path.join(dir, `${DAEDALUS}.pem`) });

    it("the minimal spec", () => {
        const spec = baseSpec();
        check("minimal", renderHaproxyConfig({ ...spec, routes: spec.routes.map((r, i) => ({ ...r, certificate: i === 0 ? certs().gw : certs().d })) }));
    });
    it("every option set (resolvers, auth, admin socket, timeouts, health host)", () => {
        const spec = baseSpec();
        check(
            "full",
            renderHaproxyConfig({
                ...spec,
                routes: spec.routes.map((r, i) => ({ ...r, certificate: i === 0 ? certs().gw : certs().d })),
                backends: [spec.backends[0], { ...spec.backends[1], healthHost: DAEDALUS, servers: [{ name: "node1", address: "daedalus-nginx", port: 80 }] }],
                stats: { bindAddress: "10.10.1.11", port: 9404, uri: "/haproxy", user: "admin", password: "s3cr3t!" },
                timeouts: { connect: "3s", client: "30s", server: "10m", httpRequest: "5s", httpKeepAlive: "5s", queue: "10s", tunnel: "2h", check: "2s" },
                healthCheck: { interval: "2s", fall: 2, rise: 1 },
                resolvers: ["127.0.0.11:53"],
                adminSocket: path.join(dir, "admin.sock"),
                hstsMaxAge: 0,
                maxconn: 10000,
            }),
        );
    });
    it("the config of the HAProxy container (cert paths substituted as inputs)", () => {
        // haproxy -c loads the PEMs, so the same args are rendered with this test's directory as
        // the cert dir (an input of the renderer, not an edit of its text).
        const args = {
            hosts: [
                { host: GW, backend: "gateway", pem: "" },
                { host: DAEDALUS, backend: "daedalus", pem: "", denyPaths: ["/metrics"] },
            ],
            backends: baseSpec().backends,
            statsUser: "admin",
        };
        assert.match(haproxyContainerConfig(args, "pw"), /crt \/usr\/local\/etc\/haproxy\/certs\/gateway\.daarion\.test\.pem /);
        check("container", haproxyContainerConfig(args, "pw", dir));
        const w = buildHaproxyWorkload({ ...args, image: { repository: "haproxy", tag: "2.6" }, statsPassword: "pw" });
        assert.equal(w.files?.[0].path, HAPROXY_CONFIG_PATH);
    });
});

describe("ingress/haproxy: Debian haproxy on loopback", function () {
    this.timeout(90_000);
    let dir: string;
    let proc: RunningProcess;
    let gw1: Upstream;
    let gw2: Upstream;
    let daedalus: Upstream;
    let httpPort: number;
    let httpsPort: number;
    let statsPort: number;
    let gwCa: string;
    let dCa: string;

    before(async () => {
        const haproxy = requireBinary("haproxy");
        dir = makeTempDir("haproxy-loop");
        const gwCert = makeCert(dir, GW);
        const dCert = makeCert(dir, DAEDALUS);
        gwCa = fs.readFileSync(gwCert.cert, "utf8");
        dCa = fs.readFileSync(dCert.cert, "utf8");
        gw1 = await startUpstream("gw-node1", NODE1, "/health");
        gw2 = await startUpstream("gw-node2", NODE2, "/health");
        daedalus = await startUpstream("daedalus-node3", NODE3, "/api/health");
        [httpPort, httpsPort, statsPort] = [await freePort(NODE1), await freePort(NODE1), await freePort(NODE1)];
        const cfg = renderHaproxyConfig({
            bindAddress: NODE1,
            httpPort,
            httpsPort,
            routes: [
                { host: GW, backend: "gateway", certificate: gwCert.pem },
                { host: DAEDALUS, backend: "daedalus", certificate: dCert.pem, denyPaths: ["/metrics"] },
            ],
            backends: [
                {
                    name: "gateway",
                    healthPath: "/health",
                    servers: [
                        { name: "node1", address: gw1.host, port: gw1.port },
                        { name: "node2", address: gw2.host, port: gw2.port, backup: true },
                    ],
                },
                { name: "daedalus", healthPath: "/api/health", healthHost: DAEDALUS, servers: [{ name: "node3", address: daedalus.host, port: daedalus.port }] },
            ],
            stats: { bindAddress: NODE1, port: statsPort, user: "admin", password: "pw" },
            // Fast detection keeps the suite short; production keeps the 5s/3/2 defaults.
            healthCheck: { interval: "200ms", fall: 2, rise: 1 },
        });
        const file = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(file, cfg);
        run(haproxy, ["-c", "-q", "-f", file]);
        proc = startProcess("haproxy", haproxy, ["-db", "-f", file]);
        await waitForTcp(NODE1, httpsPort, 15_000);
        await waitFor("both gateway servers UP", async () => (await serverStatus("gateway", "node1")) === "UP" && (await serverStatus("gateway", "node2")) === "UP", 15_000);
    });
    after(async () => {
        await stopAllProcesses();
        await Promise.all([gw1, gw2, daedalus].filter(Boolean).map((u) => u.close()));
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
    afterEach(function () {
        if (this.currentTest?.state === "failed" && proc) console.error(proc.output().slice(-4000));
    });

    async function serverStatus(backend: string, server: string): Promise<string> {
        const r = await request({ tls: false, host: NODE1, port: statsPort, hostHeader: NODE1, path: "/stats;csv", headers: { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}` } });
        assert.equal(r.status, 200, r.body);
        const header = r.body.split("\n")[0].replace(/^# /, "").split(",");
        const col = header.indexOf("status");
        const row = r.body.split("\n").find((l) => l.startsWith(`${backend},${server},`));
        if (!row) throw new Error(`no stats row for ${backend}/${server}`);
        return row.split(",")[col];
    }
    const get = (hostHeader: string, p: string, ca = hostHeader === GW ? gwCa : dCa) => request({ tls: true, host: NODE1, port: httpsPort, hostHeader, path: p, ca, localAddress: "127.0.1.50" });

    it("routes by Host header and presents each host's own certificate", async () => {
        const a = await get(GW, "/v1/agents");
        assert.equal(a.status, 200);
        assert.equal(a.body, "gw-node1");
        assert.equal(a.peerCn, GW);
        const d = await get(DAEDALUS, "/api/workspaces");
        assert.equal(d.body, "daedalus-node3");
        assert.equal(d.peerCn, DAEDALUS);
        assert.equal(d.headers["strict-transport-security"], "max-age=31536000");
        const unknown = await request({ tls: true, host: NODE1, port: httpsPort, hostHeader: "other.test", path: "/", localAddress: "127.0.1.50" });
        assert.equal(unknown.status, 404);
    });

    it("sets X-Forwarded-* from the real client, overriding forged ones", async () => {
        await request({ tls: true, host: NODE1, port: httpsPort, hostHeader: `${GW}:443`, path: "/xf", ca: gwCa, localAddress: "127.0.1.51", headers: { "x-forwarded-proto": "http" } });
        const seen = gw1.seen.find((s) => s.url === "/xf");
        assert.ok(seen, "upstream did not receive /xf");
        assert.equal(seen.headers["x-forwarded-proto"], "https");
        assert.equal(seen.headers["x-forwarded-for"], "127.0.1.51");
        assert.equal(seen.headers["x-forwarded-host"], `${GW}:443`);
    });

    it("redirects plain HTTP to HTTPS", async () => {
        const r = await request({ tls: false, host: NODE1, port: httpPort, hostHeader: GW, path: "/login?x=1" });
        assert.equal(r.status, 301);
        assert.equal(r.headers.location, `https://${GW}/login?x=1`);
    });

    it("refuses /metrics on the public frontend, including encoded and dot-segment variants", async () => {
        for (const p of ["/metrics", "//metrics", "/%6Detrics", "/metrics?x"]) assert.equal((await get(DAEDALUS, p)).status, 403, p);
        for (const p of ["/x/../metrics", "/./metrics", "/%2e%2e/metrics"]) assert.equal((await get(DAEDALUS, p)).status, 400, p);
        assert.equal((await get(DAEDALUS, "/api/ab/metrics.json")).status, 200);
        assert.equal((await get(GW, "/metrics")).status, 200, "the deny applies to the Daedalus host only");
        assert.ok(!daedalus.seen.some((s) => s.url.includes("etrics") && !s.url.includes("metrics.json")), "a /metrics variant reached the upstream");
    });

    it("keeps stats off every address but the configured one", async () => {
        assert.equal(await tcpOpen(NODE2, statsPort), false);
        const unauth = await request({ tls: false, host: NODE1, port: statsPort, hostHeader: NODE1, path: "/stats" });
        assert.equal(unauth.status, 401);
        const metrics = await request({ tls: false, host: NODE1, port: statsPort, hostHeader: NODE1, path: "/metrics" });
        assert.match(metrics.body, /haproxy_backend_active_servers\{proxy="gateway"\} 1/);
    });

    it("marks a server down when its health path fails and sends traffic to the backup", async () => {
        gw1.healthy = false;
        await waitFor("gateway/node1 DOWN", async () => (await serverStatus("gateway", "node1")).startsWith("DOWN"), 10_000);
        const r = await get(GW, "/during-failover");
        assert.equal(r.body, "gw-node2");
        gw1.healthy = true;
        await waitFor("gateway/node1 UP", async () => (await serverStatus("gateway", "node1")) === "UP", 10_000);
        assert.equal((await get(GW, "/after-recovery")).body, "gw-node1");
    });

    it("answers 503 when every server of a backend is down", async () => {
        daedalus.healthy = false;
        try {
            await waitFor("daedalus/node3 DOWN", async () => (await serverStatus("daedalus", "node3")).startsWith("DOWN"), 10_000);
            assert.equal((await get(DAEDALUS, "/")).status, 503);
        } finally {
            daedalus.healthy = true;
        }
        await waitFor("daedalus/node3 UP", async () => (await serverStatus("daedalus", "node3")) === "UP", 10_000);
    });
});
