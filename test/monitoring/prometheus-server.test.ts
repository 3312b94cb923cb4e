/**
 * The rendered prometheus.yml and rule files run by a real Prometheus (Debian 2.42) on node1's
 * loopback address, scraping itself and a real HAProxy 2.6 exporter on node2's; nats-server's /varz on
 * node3's address checks the NATS metric catalogue. This proves:
 *   - Prometheus loads every rule group and evaluates each rule without error against live data,
 *   - the Watchdog fires end to end,
 *   - the metric families catalogued for prometheus and haproxy exist on the real servers,
 *   - the HAProxy rules select the real series (a DOWN backend is found, an idle one gives no 5xx ratio).
 *
 * The HAProxy and nats-server configs here are test fixtures (they belong to other modules); only the
 * monitoring files are rendered, and they are used exactly as rendered.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { familiesOf } from "../../components/monitoring/families";
import { renderPrometheusConfig } from "../../components/monitoring/render-prometheus";
import { renderRuleFiles } from "../../components/monitoring/render-rules";
import { scrapeTargetsFromWorkloads } from "../../components/monitoring/scrape";
import { getJson, makeTempDir, requireBinary, RunningProcess, startProcess, waitFor, waitForTcp } from "../support/process";
import { fixtureRuleGroups } from "./alert-fixtures";

const NODE1 = "127.0.1.11";
const NODE2 = "127.0.1.12";
const NODE3 = "127.0.1.13";
const PROM_PORT = 19090;
const HAPROXY_METRICS = 18405;

interface ApiResponse<T> {
    status: string;
    data: T;
}
interface RuleGroupStatus {
    name: string;
    rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[];
}

describe("monitoring: real Prometheus with the rendered config", function () {
    this.timeout(120_000);
    const procs: RunningProcess[] = [];
    let dir: string;
    const groups = fixtureRuleGroups();
    const prom = `http://${NODE1}:${PROM_PORT}`;

    before(async () => {
        const prometheus = requireBinary("prometheus");
        const haproxy = requireBinary("haproxy");
        const natsServer = requireBinary("nats-server");
        dir = makeTempDir("prometheus");

        fs.writeFileSync(
            path.join(dir, "haproxy.cfg"),
            [
                "global",
                "  log stdout format raw local0",
                "defaults",
                "  mode http",
                "  timeout connect 1s",
                "  timeout client 5s",
                "  timeout server 5s",
                "frontend metrics",
                `  bind ${NODE2}:${HAPROXY_METRICS}`,
                "  http-request use-service prometheus-exporter if { path /metrics }",
                "frontend daedalus_in",
                `  bind ${NODE2}:18080`,
                "  default_backend be",
                "backend be",
                "  option httpchk GET /api/health",
                `  server puck ${NODE2}:18999 check inter 300ms fall 1`,
                "",
            ].join("\n"),
        );
        procs.push(startProcess("haproxy", haproxy, ["-f", path.join(dir, "haproxy.cfg"), "-db"]));
        procs.push(startProcess("nats-server", natsServer, ["-a", NODE3, "-p", "14222", "-m", "18222", "-js", "-sd", path.join(dir, "js")]));

        const rules = renderRuleFiles(groups);
        fs.mkdirSync(path.join(dir, "rules"));
        for (const [name, content] of Object.entries(rules)) fs.writeFileSync(path.join(dir, "rules", name), content);
        const { targets, errors } = scrapeTargetsFromWorkloads([
            {
                node: "node1",
                address: NODE1,
                workloads: [
                    {
                        name: "prometheus",
                        service: "prometheus",
                        role: "server",
                        image: { repository: "docker.io/prom/prometheus" },
                        ports: [{ name: "http", containerPort: 9090, hostPort: PROM_PORT }],
                        metrics: [{ port: "http", job: "prometheus", interval: "1s" }],
                        probe: { check: { exec: ["true"] } },
                        memoryMb: 512,
                    },
                ],
            },
            {
                node: "node2",
                address: NODE2,
                workloads: [
                    {
                        name: "haproxy",
                        service: "haproxy",
                        role: "edge",
                        image: { repository: "docker.io/library/haproxy" },
                        ports: [{ name: "metrics", containerPort: 8405, hostPort: HAPROXY_METRICS }],
                        metrics: [{ port: "metrics", job: "haproxy", interval: "1s" }],
                        probe: { check: { exec: ["true"] } },
                        memoryMb: 128,
                    },
                ],
            },
        ]);
        assert.deepEqual(errors, []);
        fs.writeFileSync(
            path.join(dir, "prometheus.yml"),
            renderPrometheusConfig({
                scrapeInterval: "1s",
                evaluationInterval: "1s",
                ruleFiles: Object.keys(rules).map((f) => path.join(dir, "rules", f)),
                // Nothing listens there: Prometheus must still run, and count notification errors.
                alertmanagers: [`${NODE1}:19093`],
                targets,
            }),
        );
        procs.push(
            startProcess("prometheus", prometheus, [
                `--config.file=${path.join(dir, "prometheus.yml")}`,
                `--storage.tsdb.path=${path.join(dir, "data")}`,
                `--web.listen-address=${NODE1}:${PROM_PORT}`,
                "--log.level=warn",
            ]),
        );
        await Promise.all([waitForTcp(NODE2, HAPROXY_METRICS), waitForTcp(NODE3, 18222), waitForTcp(NODE1, PROM_PORT)]);
        await waitFor("Prometheus ready", async () => (await fetch(`${prom}/-/ready`)).ok, 30_000);
    });

    after(async () => {
        await Promise.all(procs.map((p) => p.stop()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("scrapes every rendered target over the node addresses", async () => {
        const active = await waitFor(
            "both targets up",
            async () => {
                const r = await getJson<ApiResponse<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>>(`${prom}/api/v1/targets`);
                const t = r.data.activeTargets;
                return t.length === 2 && t.every((x) => x.health === "up") ? t : false;
            },
            30_000,
        );
        assert.deepEqual(active.map((t) => [t.labels.job, t.labels.instance, t.labels.node]).sort(), [
            ["haproxy", `${NODE2}:${HAPROXY_METRICS}`, "node2"],
            ["prometheus", `${NODE1}:${PROM_PORT}`, "node1"],
        ]);
    });

    it("loads every rule group and evaluates every rule without error", async () => {
        const loaded = await waitFor(
            "all rules evaluated",
            async () => {
                const r = await getJson<ApiResponse<{ groups: RuleGroupStatus[] }>>(`${prom}/api/v1/rules`);
                const all = r.data.groups.flatMap((g) => g.rules);
                return all.length > 0 && all.every((x) => !x.lastEvaluation.startsWith("0001")) ? r.data.groups : false;
            },
            30_000,
        );
        assert.deepEqual(loaded.map((g) => g.name).sort(), groups.map((g) => g.name).sort());
        const bad = loaded.flatMap((g) => g.rules.filter((x) => x.health !== "ok").map((x) => `${g.name}/${x.name}: ${x.lastError}`));
        assert.deepEqual(bad, []);
        assert.equal(loaded.reduce((n, g) => n + g.rules.length, 0), groups.reduce((n, g) => n + g.rules.length, 0));
    });

    it("fires the Watchdog end to end", async () => {
        await waitFor(
            "Watchdog firing",
            async () => {
                const r = await getJson<ApiResponse<{ alerts: { labels: Record<string, string>; state: string }[] }>>(`${prom}/api/v1/alerts`);
                return r.data.alerts.some((a) => a.labels.alertname === "Watchdog" && a.state === "firing" && a.labels.severity === "none");
            },
            30_000,
        );
    });

    it("the catalogued prometheus and haproxy metric families exist on the real servers", async () => {
        const names = await waitFor(
            "haproxy series ingested",
            async () => {
                const r = await getJson<ApiResponse<string[]>>(`${prom}/api/v1/label/__name__/values`);
                return r.data.includes("haproxy_backend_status") ? new Set(r.data) : false;
            },
            30_000,
        );
        const missing = [...familiesOf("prometheus"), ...familiesOf("haproxy")].map((f) => f.name).filter((n) => !names.has(n));
        assert.deepEqual(missing, []);
    });

    it("the HAProxy rules select the real series: DOWN backend found, idle backend has no 5xx ratio", async () => {
        const query = async (expr: string) =>
            (await getJson<ApiResponse<{ result: { metric: Record<string, string> }[] }>>(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`)).data.result;
        const haproxy = groups.find((g) => g.name === "haproxy")!;
        const backendDown = haproxy.rules.find((r) => r.name === "HaproxyBackendDown")!;
        const down = await waitFor("backend be DOWN", async () => {
            const r = await query(backendDown.expr);
            return r.some((s) => s.metric.proxy === "be") ? r : false;
        });
        assert.equal(down.find((s) => s.metric.proxy === "be")!.metric.node, "node2");
        const ratio = haproxy.rules.find((r) => r.name === "HaproxyHigh5xxRatio")!;
        assert.deepEqual(await query(ratio.expr), []);
        const serverDown = haproxy.rules.find((r) => r.name === "HaproxyServerDown")!;
        assert.deepEqual((await query(serverDown.expr)).map((s) => `${s.metric.proxy}/${s.metric.server}`), ["be/puck"]);
    });

    it("the catalogued gnatsd_varz_* families are numeric /varz fields of the real nats-server", async () => {
        const varz = await getJson<Record<string, unknown>>(`http://${NODE3}:18222/varz`);
        const numeric = new Set(Object.entries(varz).filter(([, v]) => typeof v === "number").map(([k]) => `gnatsd_varz_${k}`));
        const missing = familiesOf("nats")
            .map((f) => f.name)
            .filter((n) => n.startsWith("gnatsd_varz_") && !numeric.has(n));
        assert.deepEqual(missing, []);
        const health = await getJson<{ status: string }>(`http://${NODE3}:18222/healthz`);
        assert.equal(health.status, "ok", "gnatsd_healthz_status maps status ok to 0");
    });
});
