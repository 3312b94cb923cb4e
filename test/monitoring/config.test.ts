/**
 * prometheus.yml, alertmanager.yml and Grafana provisioning: real promtool/amtool checks plus the
 * "every panel queries metrics its exporter exposes" and "every service has a target" checks.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { WorkloadSpec } from "../../components/workload/spec";
import { EXPORTERS, exposedSeries } from "../../components/monitoring/families";
import { collectDashboards, DashboardSpec, GRAFANA_UPLOAD_ORDER, inUploadOrder, monitoringDashboards, renderDashboard, renderDashboards, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "../../components/monitoring/grafana";
import { readStackConfig } from "../../offline/render";
import { MODULES } from "../../stacks/modules";
import { topologySchema } from "../../stacks/schema";
import { metricNames } from "../../components/monitoring/promql";
import { AlertmanagerSpec, renderAlertmanagerConfig, validateAlertmanagerSpec } from "../../components/monitoring/render-alertmanager";
import { PrometheusConfigSpec, renderPrometheusConfig, validatePrometheusConfigSpec } from "../../components/monitoring/render-prometheus";
import { renderRuleFiles } from "../../components/monitoring/render-rules";
import { NodeWorkloads, scrapeTargetsFromWorkloads, servicesWithoutTargets } from "../../components/monitoring/scrape";
import { makeTempDir, requireBinary, run } from "../support/process";
import { fixtureRuleGroups } from "./alert-fixtures";

function workload(name: string, service: string, role: string, port: number, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
    return {
        name,
        service,
        role,
        image: { repository: `docker.io/example/${name}`, tag: "1" },
        ports: [{ name: "metrics", containerPort: port }],
        metrics: [{ port: "metrics", job: service }],
        probe: { check: { exec: ["true"] } },
        memoryMb: 64,
        ...extra,
    };
}

/** The seed 000 layout on the per-node loopback addresses of the test conventions. */
const NODES: NodeWorkloads[] = [
    {
        node: "node1",
        address: "127.0.1.11",
        workloads: [
            workload("nats-exporter", "nats", "core", 7777, { metrics: [{ port: "metrics", job: "nats" }] }),
            workload("postgres-exporter", "postgres", "primary", 9187),
            workload("redis-exporter", "redis", "master", 9121),
            workload("qdrant", "qdrant", "shard", 6333, { ports: [{ name: "http", containerPort: 6333 }], metrics: [{ port: "http", job: "qdrant" }] }),
            workload("minio", "minio", "server", 9000, { ports: [{ name: "api", containerPort: 9000 }], metrics: [{ port: "api", job: "minio", path: "/minio/v2/metrics/cluster" }] }),
            workload("daedalus-nginx", "daedalus", "app", 22181, { ports: [{ name: "http", containerPort: 80, hostPort: 22181 }], metrics: [{ port: "http", job: "daedalus", path: "/metrics", interval: "15s" }] }),
            workload("prometheus", "prometheus", "server", 9090),
            workload("node-exporter", "node-exporter", "host", 9100, { metrics: [{ port: "metrics", job: "node" }] }),
        ],
    },
    {
        node: "node2",
        address: "127.0.1.12",
        workloads: [
            workload("postgres-exporter", "postgres", "replica", 9187),
            workload("haproxy", "haproxy", "edge", 8405),
            workload("node-exporter", "node-exporter", "host", 9100, { metrics: [{ port: "metrics", job: "node" }] }),
        ],
    },
    {
        node: "node3",
        address: "127.0.1.13",
        workloads: [workload("node-exporter", "node-exporter", "host", 9100, { metrics: [{ port: "metrics", job: "node" }] })],
    },
];

describe("monitoring: prometheus.yml", () => {
    let promtool: string;
    let dir: string;
    let spec: PrometheusConfigSpec;

    before(() => {
        promtool = requireBinary("promtool");
        dir = makeTempDir("promcfg");
        const rules = renderRuleFiles(fixtureRuleGroups());
        for (const [name, content] of Object.entries(rules)) fs.writeFileSync(path.join(dir, name), content);
        const { targets, errors } = scrapeTargetsFromWorkloads(NODES);
        assert.deepEqual(errors, []);
        spec = { ruleFiles: Object.keys(rules).map((f) => path.join(dir, f)), alertmanagers: ["127.0.1.11:9093"], targets, externalLabels: { platform: "daarion" } };
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("promtool check config accepts the rendered prometheus.yml with its rule files", () => {
        const file = path.join(dir, "prometheus.yml");
        fs.writeFileSync(file, renderPrometheusConfig(spec));
        const out = run(promtool, ["check", "config", file]);
        assert.match(out, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/, out);
        for (const f of spec.ruleFiles) assert.ok(out.includes(`SUCCESS: `) && out.includes(f), `rule file ${f} not checked:\n${out}`);
    });

    it("promtool check config fails when a referenced rule file does not exist (the check is live)", () => {
        const file = path.join(dir, "missing-rules.yml");
        fs.writeFileSync(file, renderPrometheusConfig({ ...spec, ruleFiles: [path.join(dir, "nope.rules.yml")] }));
        assert.throws(() => run(promtool, ["check", "config", file]), /nope\.rules\.yml/);
    });

    it("renders blackbox probe jobs and bearer-token jobs that promtool accepts", () => {
        const probes = [
            { job: "blackbox-http", exporter: "blackbox" as const, node: "node1", address: "127.0.1.11:9115", interval: "30s", probe: { module: "http_2xx" as const, target: "http://127.0.1.12:9300/health" }, labels: { service: "gateway", service_role: "active" } },
            { job: "blackbox-http", exporter: "blackbox" as const, node: "node2", address: "127.0.1.11:9115", interval: "30s", probe: { module: "http_2xx" as const, target: "http://127.0.1.13:9300/health" }, labels: { service: "gateway", service_role: "active" } },
        ];
        const tokenFile = path.join(dir, "qdrant-api-key");
        fs.writeFileSync(tokenFile, "not-a-real-key\n");
        const qdrant = spec.targets.filter((t) => t.job === "qdrant").map((t) => ({ ...t, bearerTokenFile: tokenFile }));
        const file = path.join(dir, "probes.yml");
        const text = renderPrometheusConfig({ ...spec, targets: [...spec.targets.filter((t) => t.job !== "qdrant"), ...qdrant, ...probes] });
        fs.writeFileSync(file, text);
        assert.match(run(promtool, ["check", "config", file]), /SUCCESS/);
        const job = parse(text).scrape_configs.find((j: { job_name: string }) => j.job_name === "blackbox-http");
        assert.equal(job.metrics_path, "/probe");
        assert.deepEqual(job.params, { module: ["http_2xx"] });
        assert.deepEqual(job.static_configs.map((s: { targets: string[] }) => s.targets[0]), ["http://127.0.1.12:9300/health", "http://127.0.1.13:9300/health"]);
        assert.deepEqual(job.relabel_configs[2], { target_label: "__address__", replacement: "127.0.1.11:9115" });
        assert.deepEqual(parse(text).scrape_configs.find((j: { job_name: string }) => j.job_name === "qdrant").authorization, { type: "Bearer", credentials_file: tokenFile });
        assert.deepEqual(validatePrometheusConfigSpec({ ...spec, targets: [...probes, { ...probes[0], probe: { module: "tcp_connect", target: "x:1" } }] }), [
            "targets[job=blackbox-http].probe: targets of one job must all be probes of one module through one exporter, or none",
        ]);
    });

    it("renders the Daedalus job exactly as seed 004: 15s, /metrics", () => {
        const doc = parse(renderPrometheusConfig(spec));
        const job = doc.scrape_configs.find((j: { job_name: string }) => j.job_name === "daedalus");
        assert.deepEqual(job, {
            job_name: "daedalus",
            scrape_interval: "15s",
            metrics_path: "/metrics",
            static_configs: [{ targets: ["127.0.1.11:22181"], labels: { node: "node1", service: "daedalus", service_role: "app" } }],
        });
    });

    it("scrapes every node over its private address, one job per exporter", () => {
        const doc = parse(renderPrometheusConfig(spec));
        const node = doc.scrape_configs.find((j: { job_name: string }) => j.job_name === "node");
        assert.deepEqual(
            node.static_configs.map((s: { targets: string[] }) => s.targets[0]),
            ["127.0.1.11:9100", "127.0.1.12:9100", "127.0.1.13:9100"],
        );
        assert.deepEqual(
            doc.scrape_configs.map((j: { job_name: string }) => j.job_name),
            ["daedalus", "haproxy", "minio", "nats", "node", "postgres", "prometheus", "qdrant", "redis"],
        );
        assert.equal(doc.scrape_configs.find((j: { job_name: string }) => j.job_name === "minio").metrics_path, "/minio/v2/metrics/cluster");
    });

    it("fails when a deployed service has no scrape target", () => {
        const { targets } = scrapeTargetsFromWorkloads(NODES);
        assert.deepEqual(servicesWithoutTargets(NODES, targets), []);
        const withSilent: NodeWorkloads[] = [...NODES, { node: "node4", address: "127.0.1.14", workloads: [workload("swapper", "swapper", "gpu", 8890, { metrics: undefined })] }];
        assert.deepEqual(servicesWithoutTargets(withSilent, scrapeTargetsFromWorkloads(withSilent).targets), ["swapper"]);
    });

    it("rejects metrics ports that Prometheus on node1 cannot reach", () => {
        const bad: NodeWorkloads[] = [
            {
                node: "node2",
                address: "127.0.1.12",
                workloads: [
                    workload("a", "a", "x", 1, { ports: [{ name: "metrics", containerPort: 1, exposure: "internal" }] }),
                    workload("b", "b", "x", 2, { metrics: [{ port: "nope" }] }),
                ],
            },
        ];
        assert.deepEqual(scrapeTargetsFromWorkloads(bad).errors, [
            "nodes[node2].workloads[a].metrics[0].port: port 'metrics' is internal; metrics ports must be published on the private IP",
            "nodes[node2].workloads[b].metrics[0].port: 'nope' is not one of the workload's named ports",
        ]);
    });

    it("validation names the offending key", () => {
        const t = spec.targets[0];
        assert.deepEqual(
            validatePrometheusConfigSpec({
                ruleFiles: ["rules.yml"],
                alertmanagers: ["nohost"],
                scrapeInterval: "15 seconds",
                targets: [t, { ...t, interval: "30s" }, { ...t, job: "x", address: "1.2.3.4", labels: { instance: "i" } }],
            }),
            [
                "scrapeInterval: '15 seconds' is not a Prometheus duration",
                "ruleFiles[0]: 'rules.yml' must be absolute",
                "alertmanagers[0]: 'nohost' must be host:port",
                "targets[2].address: '1.2.3.4' must be host:port",
                "targets[2].labels.instance: reserved, set by the renderer",
                `targets[job=${t.job}].interval: targets of one job must share the interval (15s, 30s)`,
                `targets[job=${t.job}].address: '${t.address}' listed twice`,
            ],
        );
    });
});

describe("monitoring: alertmanager.yml", () => {
    let amtool: string;
    let dir: string;
    const spec: AlertmanagerSpec = {
        receivers: [
            { name: "oncall-telegram", telegrams: [{ botToken: "123456:TEST-TOKEN", chatId: -1001234567890 }] },
            { name: "ops-email", emails: [{ to: "ops@daarion.city", from: "alerts@daarion.city", smarthost: "smtp.example.org:587", authUsername: "alerts", authPasswordFile: "/etc/alertmanager/secrets/smtp-password" }] },
            { name: "deadmans-switch", webhooks: [{ url: "https://hc-ping.example.org/0f3c-uuid", sendResolved: false }] },
        ],
        routes: { critical: ["oncall-telegram", "ops-email"], warning: ["ops-email"], heartbeat: "deadmans-switch" },
    };

    before(() => {
        amtool = requireBinary("amtool");
        dir = makeTempDir("amcfg");
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), renderAlertmanagerConfig(spec));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("amtool check-config accepts the rendered alertmanager.yml", () => {
        const out = run(amtool, ["check-config", path.join(dir, "alertmanager.yml")]);
        assert.match(out, /SUCCESS/, out);
        assert.match(out, /- 4 receivers/, out);
        assert.match(out, /- 3 inhibit rules/, out);
    });

    it("amtool check-config rejects an invalid file (the check is live)", () => {
        const file = path.join(dir, "broken.yml");
        fs.writeFileSync(file, renderAlertmanagerConfig(spec).replace("receiver: oncall-telegram", "receiver: nobody"));
        assert.throws(() => run(amtool, ["check-config", file]), /undefined receiver "nobody"/);
    });

    const routed = (labels: string[]) => run(amtool, ["config", "routes", "test", `--config.file=${path.join(dir, "alertmanager.yml")}`, ...labels]).trim();

    it("routes by severity: critical to every critical receiver, warning to email, info dropped", () => {
        assert.equal(routed(["alertname=PostgresDown", "severity=critical"]), "oncall-telegram,ops-email");
        assert.equal(routed(["alertname=RedisMemoryHigh", "severity=warning"]), "ops-email");
        assert.equal(routed(["alertname=Something", "severity=info"]), "null");
        assert.equal(routed(["alertname=Watchdog", "severity=none"]), "deadmans-switch");
        // No severity label at all: better noisy than silent.
        assert.equal(routed(["alertname=Unlabelled"]), "oncall-telegram");
    });

    it("critical inhibits warning for the same alertname and instance", () => {
        const doc = parse(renderAlertmanagerConfig(spec));
        assert.deepEqual(doc.inhibit_rules[0], { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "instance"] });
        assert.deepEqual(doc.inhibit_rules[1].equal, ["instance"]);
        assert.deepEqual(doc.inhibit_rules[2], { source_matchers: ['alertname="HostDown"'], target_matchers: ['severity=~"warning|info"'], equal: ["node"] });
    });

    it("reads the SMTP password from a file and never inlines it", () => {
        const text = renderAlertmanagerConfig(spec);
        assert.match(text, /auth_password_file: \/etc\/alertmanager\/secrets\/smtp-password/);
        assert.doesNotMatch(text, /auth_password:/);
    });

    it("validation names the offending key", () => {
        assert.deepEqual(
            validateAlertmanagerSpec({
                receivers: [{ name: "a", emails: [{ to: "x", from: "a@b", smarthost: "h", authPasswordFile: "rel" }] }, { name: "a", telegrams: [{ botToken: "", chatId: 1.5 }] }, { name: "null" }],
                routes: { critical: [], warning: ["ghost"] },
            }),
            [
                "receivers[0].emails[0].to: 'x' is not an address",
                "receivers[0].emails[0].smarthost: must be host:port",
                "receivers[0].emails[0].authPasswordFile: must be absolute",
                "receivers[0].emails[0].authUsername: required with authPasswordFile",
                "receivers[1].name: duplicate receiver 'a'",
                "receivers[1].telegrams[0].chatId: must be an integer",
                "receivers[1].telegrams[0].botToken: empty",
                "receivers[2].name: 'null' is reserved",
                "receivers[2]: a receiver needs at least one webhook, email or telegram config",
                "routes.warning[0]: unknown receiver 'ghost'",
                "routes.critical: critical alerts must reach at least one receiver",
            ],
        );
    });
});

describe("monitoring: Grafana provisioning", () => {
    const topology = topologySchema.parse(readStackConfig(path.join(__dirname, "..", ".."), "node1").config["daarion:topology"]);
    /** Every dashboard monitoring renders for the committed topology: the modules' (module order), then its own. */
    const dashboardSpecs = (): DashboardSpec[] => collectDashboards(topology, MODULES);

    it("collects the modules' dashboards in module order, then monitoring's own, and refuses a duplicate uid", () => {
        const uids = dashboardSpecs().map((d) => d.uid);
        assert.deepEqual(uids, [
            ...["nats", "postgres", "redis", "qdrant", "neo4j", "minio", "daedalus", "haproxy", "agent"].map((m) => `daarion-${m}`),
            ...monitoringDashboards().map((d) => d.uid),
        ]);
        assert.throws(() => collectDashboards(topology, [...MODULES, { dashboards: () => [monitoringDashboards()[0]!] }]), /dashboard uid 'daarion-host' is contributed twice/);
    });

    it("uploads the dashboards in the historical order, a new one after them", () => {
        assert.deepEqual(inUploadOrder(dashboardSpecs()).map((d) => d.uid), GRAFANA_UPLOAD_ORDER);
        const extra: DashboardSpec = { uid: "daarion-extra", title: "Extra", exporter: "nats", job: "nats", panels: [] };
        assert.deepEqual(inUploadOrder([extra, ...dashboardSpecs()]).map((d) => d.uid), [...GRAFANA_UPLOAD_ORDER, "daarion-extra"]);
    });

    it("every panel queries only metrics its exporter really exposes", () => {
        const problems: string[] = [];
        for (const d of dashboardSpecs()) {
            const allowed = exposedSeries(d.exporter);
            for (const p of d.panels) for (const m of metricNames(p.expr)) if (!allowed.has(m)) problems.push(`${d.uid}/${p.title}: '${m}' not exposed by ${d.exporter}`);
        }
        assert.deepEqual(problems, []);
    });

    it("the metric-family check is live: a panel with a foreign metric is caught", () => {
        const names = metricNames(`sum by (le) (rate(pg_up{node=~"$node"}[$__rate_interval])) / on () group_left (x) redis_up`);
        assert.deepEqual([...names].sort(), ["pg_up", "redis_up"]);
        assert.ok(!exposedSeries("redis").has("pg_up"));
    });

    it("has a dashboard for every exporter that carries service metrics", () => {
        const covered = new Set(dashboardSpecs().map((d) => d.exporter));
        const missing = EXPORTERS.filter((e) => !covered.has(e) && !["app", "alertmanager", "grafana"].includes(e));
        assert.deepEqual(missing, []);
    });

    it("renders valid dashboard JSON with unique panel ids and the provisioned datasource", () => {
        const files = renderDashboards(dashboardSpecs());
        assert.equal(Object.keys(files).length, dashboardSpecs().length);
        for (const [name, json] of Object.entries(files)) {
            const d = JSON.parse(json);
            assert.equal(`${d.uid}.json`, name);
            assert.equal(new Set(d.panels.map((p: { id: number }) => p.id)).size, d.panels.length);
            for (const p of d.panels) {
                assert.equal(p.datasource.uid, "prometheus");
                assert.equal(p.targets[0].datasource.uid, "prometheus");
                assert.ok(p.targets[0].expr.length > 0);
            }
            assert.equal(d.templating.list[0].name, "node");
        }
        assert.equal(JSON.parse(renderDashboard(dashboardSpecs().find((d) => d.uid === "daarion-daedalus")!)).title, "Daedalus");
    });

    it("provisions Prometheus (default) and Loki datasources and a read-only file provider", () => {
        const ds = parse(renderGrafanaDatasources({ prometheusUrl: "http://10.0.0.2:9090", lokiUrl: "http://10.0.0.2:3100" }));
        assert.equal(ds.apiVersion, 1);
        assert.deepEqual(
            ds.datasources.map((d: { name: string; type: string; uid: string; isDefault?: boolean }) => [d.name, d.type, d.uid, d.isDefault ?? false]),
            [
                ["Prometheus", "prometheus", "prometheus", true],
                ["Loki", "loki", "loki", false],
            ],
        );
        const noLoki = parse(renderGrafanaDatasources({ prometheusUrl: "http://10.0.0.2:9090" }));
        assert.equal(noLoki.datasources.length, 1);
        const prov = parse(renderGrafanaDashboardProvider("/var/lib/grafana/dashboards"));
        assert.deepEqual(prov.providers[0].options, { path: "/var/lib/grafana/dashboards", foldersFromFilesStructure: false });
        assert.equal(prov.providers[0].allowUiUpdates, false);
    });
});
