/**
 * Ingress follows the node agent's readiness (issue 12): the backend of a failover group (seed
 * 000's router, SplitBrainAllowed) checks each server at its node's agent, `/ready/<group>`, not at
 * the service itself. Rendered from the committed topology; `haproxy -c`; then Debian's haproxy on
 * loopback switching traffic when the agent's answer changes.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderHaproxyConfig } from "../../components/ingress/haproxy";
import { ingressBackends } from "../../components/ingress/module";
import { hostResolver } from "../../components/workload/addresses";
import { loadConfig, rawConfigOf } from "../../stacks/config";
import { makeTempDir, requireBinary, run, RunningProcess, startProcess, stopAllProcesses, waitFor, waitForTcp } from "../support/process";
import { committedConfig } from "../support/topology";
import { freePort, makeCert, request, startUpstream, Upstream } from "./support";

const NODE1 = "127.0.1.11";
const NODE2 = "127.0.1.12";
const ROUTER = "router.daarion.test";

/** The committed topology, with the router published (seed 000 does not route it publicly by default). */
function topologyWithRouterHost() {
    const config = committedConfig("node1").config as Record<string, any>;
    config["daarion:topology"].ingress.hosts.push({ domain: "router.daarion.city", service: "router" });
    return loadConfig("node1", rawConfigOf(config)).topology;
}

describe("ingress: the router backend follows the agent's /ready/router", function () {
    this.timeout(90_000);

    it("checks each router server at its node's agent (port 9700); other backends keep their own health path", () => {
        const t = topologyWithRouterHost();
        assert.equal(t.failover?.groups.router?.strategy, "SplitBrainAllowed");
        const backends = ingressBackends(t, hostResolver(Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, s.privateIp]))));
        const router = backends.find((b) => b.name === "router")!;
        assert.equal(router.healthPath, "/ready/router");
        assert.deepEqual(router.servers, [
            { name: "node1", address: "10.10.2.11", port: 9102, checkAt: { address: "10.10.2.11", port: 9700 } },
            { name: "node2", address: "10.10.1.12", port: 9102, backup: true, checkAt: { address: "10.10.1.12", port: 9700 } },
        ]);
        const gateway = backends.find((b) => b.name === "gateway")!;
        assert.equal(gateway.healthPath, "/health");
        assert.ok(gateway.servers.every((s) => s.checkAt === undefined));
    });

    describe("Debian haproxy on loopback", () => {
        let dir: string;
        let proc: RunningProcess;
        let router1: Upstream, router2: Upstream, agent1: Upstream, agent2: Upstream;
        let httpsPort: number, statsPort: number, ca: string;

        before(async () => {
            const haproxy = requireBinary("haproxy");
            dir = makeTempDir("haproxy-agent");
            const cert = makeCert(dir, ROUTER);
            ca = fs.readFileSync(cert.cert, "utf8");
            // The routers' own health answers stay 200 throughout: only the agents decide.
            router1 = await startUpstream("router-node1", NODE1, "/health");
            router2 = await startUpstream("router-node2", NODE2, "/health");
            agent1 = await startUpstream("agent-node1", NODE1, "/ready/router");
            agent2 = await startUpstream("agent-node2", NODE2, "/ready/router");
            [httpsPort, statsPort] = [await freePort(NODE1), await freePort(NODE1)];
            const cfg = renderHaproxyConfig({
                bindAddress: NODE1,
                httpPort: await freePort(NODE1),
                httpsPort,
                routes: [{ host: ROUTER, backend: "router", certificate: cert.pem }],
                backends: [
                    {
                        name: "router",
                        healthPath: "/ready/router",
                        servers: [
                            { name: "node1", address: NODE1, port: router1.port, checkAt: { address: NODE1, port: agent1.port } },
                            { name: "node2", address: NODE2, port: router2.port, backup: true, checkAt: { address: NODE2, port: agent2.port } },
                        ],
                    },
                ],
                stats: { bindAddress: NODE1, port: statsPort },
                healthCheck: { interval: "200ms", fall: 2, rise: 1 },
            });
            assert.match(cfg, new RegExp(`server node1 ${NODE1.replace(/\./g, "\\.")}:${router1.port} check addr ${NODE1.replace(/\./g, "\\.")} port ${agent1.port}\\n`));
            const file = path.join(dir, "haproxy.cfg");
            fs.writeFileSync(file, cfg);
            run(haproxy, ["-c", "-q", "-f", file]);
            proc = startProcess("haproxy", haproxy, ["-db", "-f", file]);
            await waitForTcp(NODE1, httpsPort, 15_000);
        });
        after(async () => {
            await stopAllProcesses();
            await Promise.all([router1, router2, agent1, agent2].filter(Boolean).map((u) => u.close()));
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });
        afterEach(function () {
            if (this.currentTest?.state === "failed" && proc) console.error(proc.output().slice(-4000));
        });

        const get = (p: string) => request({ tls: true, host: NODE1, port: httpsPort, hostHeader: ROUTER, path: p, ca });

        it("sends traffic to node1 while its agent says ready", async () => {
            const r = await waitFor("router on node1", async () => ((await get("/a")).body === "router-node1" ? true : undefined), 10_000);
            assert.ok(r);
        });

        it("partition: node1's agent answers 503, the standby on node2 serves although node1's router is healthy", async () => {
            agent1.healthy = false;
            await waitFor("router served by node2", async () => ((await get("/b")).body === "router-node2" ? true : undefined), 10_000);
            assert.equal(router1.healthy, true);
            agent1.healthy = true;
            await waitFor("router back on node1", async () => ((await get("/c")).body === "router-node1" ? true : undefined), 10_000);
        });

        it("503 when no agent says ready", async () => {
            agent1.healthy = false;
            agent2.healthy = false;
            try {
                await waitFor("503", async () => ((await get("/d")).status === 503 ? true : undefined), 10_000);
            } finally {
                agent1.healthy = true;
                agent2.healthy = true;
            }
        });
    });
});
