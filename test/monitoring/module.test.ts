/**
 * The monitoring and minio modules inside the whole program (offline render under Pulumi mocks):
 *   - every deployed service has a scrape target (or a documented gap) and an alert rule group,
 *   - every workload that declares a metrics endpoint is in Prometheus' plan with the same path,
 *   - the placed prometheus.yml, rule files and alertmanager.yml pass promtool / amtool,
 *   - MinIO buckets (retained on delete), users and policies are declared, and S3 keys reach backends only.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { renderBucketPolicy } from "../../components/minio/policy";
import { buildRuleGroups, collectAlertPacks, servicesWithoutAlerts } from "../../components/monitoring/alerts";
import { MODULES } from "../../stacks/modules";
import { monitoringPlan } from "../../components/monitoring/plan";
import { localResolver } from "../../components/workload/addresses";
import { isSecretValue, RenderResult } from "../../offline/render";
import { containers, labelsOf, placedFiles } from "../../offline/write";
import { loadConfig } from "../../stacks/config";
import { makeTempDir, requireBinary, run } from "../support/process";
import { renderEdited, renderedStack } from "../support/render";
import { container, envOf, ofType, placedFile, resource } from "../support/resources";
import { rawTopology } from "../support/topology";
import { ALERT_FIXTURES } from "./alert-fixtures";
import { promtoolTestFile } from "./promtool-tests";
import { ruleFileName } from "../../components/monitoring/render-rules";
import { hostResolver } from "../../components/workload/addresses";

const EXPORTER_SERVICE = "monitoring";

describe("monitoring + minio modules in the offline render", function () {
    this.timeout(180_000);
    let local: RenderResult;
    let node1: RenderResult;
    let dir: string;

    before(async () => {
        dir = makeTempDir("monmodule");
        local = await renderedStack("local");
        // Receivers of every kind, and their secret slots: not in the committed stack files.
        node1 = await renderEdited("node1", (config) => {
            const topology = config["daarion:topology"] as { monitoring: Record<string, unknown> };
            topology.monitoring.receivers = [
                { kind: "telegram", name: "oncall", chatId: -100123 },
                { kind: "email", name: "ops", to: "ops@daarion.city", from: "alerts@daarion.city", smarthost: "smtp.example.org:587" },
                { kind: "webhook", name: "heartbeat", url: "https://hc-ping.example.org/uuid" },
            ];
            topology.monitoring.routes = { heartbeat: "heartbeat" };
            // Secret slots like the stack file's (the render fills them with secret placeholders).
            config["daarion:secrets"] = {
                ...((config["daarion:secrets"] as Record<string, unknown> | undefined) ?? {}),
                "alertmanager-telegram-oncall": { secure: "SET-WITH-pulumi-config-set-secret" },
                "alertmanager-smtp-ops": { secure: "SET-WITH-pulumi-config-set-secret" },
            };
        });
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("deploys Prometheus, Alertmanager, Grafana on node1 and exporters on every node", () => {
        const byNode = new Map<string, string[]>();
        for (const c of containers(local)) {
            const l = labelsOf(c);
            byNode.set(l["daarion.node"], [...(byNode.get(l["daarion.node"]) ?? []), l["daarion.workload"]]);
        }
        for (const w of ["prometheus", "alertmanager", "grafana", "blackbox-exporter", "node-exporter", "postgres-exporter", "redis-exporter", "redis-sentinel-exporter", "nats-exporter"]) {
            assert.ok(byNode.get("node1")!.includes(w), `node1 lacks ${w}`);
        }
        for (const w of ["node-exporter", "postgres-exporter", "redis-exporter", "redis-sentinel-exporter", "nats-exporter"]) assert.ok(byNode.get("node2")!.includes(w), `node2 lacks ${w}`);
        for (const w of ["node-exporter", "redis-cache-exporter", "redis-sentinel-exporter", "nats-exporter"]) assert.ok(byNode.get("node3")!.includes(w), `node3 lacks ${w}`);
        assert.ok(!byNode.get("node2")!.includes("prometheus"));
    });

    it("every deployed service has a scrape target or a documented gap, and an alert rule group", () => {
        const topology = loadConfig("local", { topology: rawTopology(), settings: { node: "all" } }).topology;
        const plan = monitoringPlan(topology, localResolver(), MODULES);
        const deployed = new Map<string, Set<string>>();
        for (const c of containers(local)) {
            const l = labelsOf(c);
            if (l["daarion.service"] === EXPORTER_SERVICE) continue;
            deployed.set(l["daarion.service"], new Set([...(deployed.get(l["daarion.service"]) ?? []), l["daarion.node"]]));
        }
        const scraped = new Set(plan.targets.map((t) => `${t.labels?.service}@${t.node}`));
        const gaps = new Set(plan.gaps.map((g) => `${g.service}@${g.node}`));
        const missing = [...deployed].flatMap(([service, nodes]) => [...nodes].filter((n) => !scraped.has(`${service}@${n}`) && !gaps.has(`${service}@${n}`)).map((n) => `${service}@${n}`));
        assert.deepEqual(missing, []);
        const groups = buildRuleGroups(plan.ruleOptions, collectAlertPacks(topology, MODULES));
        const unalerted = servicesWithoutAlerts([...deployed.keys()].filter((s) => plan.gaps.every((g) => g.service !== s)), groups);
        assert.deepEqual(unalerted, []);
    });

    it("every workload's declared metrics endpoint is scraped with the same path", () => {
        const plan = monitoringPlan(loadConfig("local", { topology: rawTopology(), settings: { node: "all" } }).topology, localResolver(), MODULES);
        const missing: string[] = [];
        for (const c of containers(local)) {
            const l = labelsOf(c);
            const metrics = l["daarion.metrics"];
            if (!metrics) continue;
            const name = `${l["daarion.node"]}-${l["daarion.workload"]}`;
            for (const m of metrics.split(",")) {
                const p = m.slice(m.indexOf("/"));
                if (!plan.targets.some((t) => !t.probe && t.address.startsWith(`${name}:`) && (t.metricsPath ?? "/metrics") === p)) missing.push(`${name} ${p}`);
            }
        }
        assert.deepEqual(missing, []);
    });

    it("the placed prometheus.yml, rule files and alertmanager.yml pass promtool and amtool", () => {
        const promtool = requireBinary("promtool");
        const amtool = requireBinary("amtool");
        const files = placedFiles(node1);
        const prom = files.find((f) => f.workload === "prometheus" && f.path === "/etc/prometheus/prometheus.yml")!;
        fs.writeFileSync(path.join(dir, "prometheus.yml"), prom.content);
        // The rule files live at their container paths; --syntax-only skips opening them, they are checked below.
        assert.match(run(promtool, ["check", "config", "--syntax-only", path.join(dir, "prometheus.yml")]), /SUCCESS/);
        const rules = files.filter((f) => f.workload === "prometheus" && f.path.startsWith("/etc/prometheus/rules/"));
        assert.ok(rules.length >= 10, `only ${rules.length} rule files`);
        for (const r of rules) {
            const file = path.join(dir, path.basename(r.path));
            fs.writeFileSync(file, r.content);
            assert.match(run(promtool, ["check", "rules", file]), /SUCCESS/);
        }
        assert.deepEqual([...parse(prom.content).rule_files].sort(), rules.map((r) => r.path).sort());
        const am = files.find((f) => f.workload === "alertmanager" && f.path === "/etc/alertmanager/alertmanager.yml")!;
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), am.content);
        assert.match(run(amtool, ["check-config", path.join(dir, "alertmanager.yml")]), /SUCCESS/);
        const routed = run(amtool, ["config", "routes", "test", `--config.file=${path.join(dir, "alertmanager.yml")}`, "severity=critical"]).trim();
        assert.equal(routed, "oncall,ops");
        assert.ok(files.some((f) => f.workload === "alertmanager" && f.path === "/etc/alertmanager/secrets/smtp-ops"));
    });

    it("the rules deployed from the topology pass the per-rule promtool fixtures", () => {
        const promtool = requireBinary("promtool");
        const t = loadConfig("node1", { topology: rawTopology(), settings: { node: "node1" } }).topology;
        const plan = monitoringPlan(t, hostResolver(Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, s.privateIp]))), MODULES);
        const placed = placedFiles(node1).filter((f) => f.workload === "prometheus" && f.path.startsWith("/etc/prometheus/rules/"));
        for (const g of buildRuleGroups(plan.ruleOptions, collectAlertPacks(t, MODULES))) {
            const file = placed.find((f) => f.path.endsWith(`/${ruleFileName(g)}`))!;
            const rulePath = path.join(dir, `deployed-${ruleFileName(g)}`);
            fs.writeFileSync(rulePath, file.content);
            const testPath = path.join(dir, `deployed-${g.name}.test.yml`);
            fs.writeFileSync(testPath, promtoolTestFile(g, rulePath, ALERT_FIXTURES));
            assert.match(run(promtool, ["test", "rules", testPath]), /SUCCESS/);
        }
    });

    it("scrapes peers over their private IPs on the host stacks, Daedalus exactly as seed 004", () => {
        const prom = parse(placedFiles(node1).find((f) => f.workload === "prometheus" && f.path.endsWith("prometheus.yml"))!.content);
        const job = (name: string) => prom.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
        const nodeTargets = job("node").static_configs.map((s: { targets: string[] }) => s.targets[0]);
        assert.deepEqual(nodeTargets, ["10.10.1.12:9100", "10.10.1.13:9100", "10.10.2.11:9100"]);
        assert.equal(job("daedalus").scrape_interval, "15s");
        assert.equal(job("daedalus").metrics_path, "/metrics");
        assert.deepEqual(job("daedalus").static_configs[0].targets, ["10.10.2.11:22181"]);
        assert.deepEqual(job("qdrant").authorization, { type: "Bearer", credentials_file: "/etc/prometheus/secrets/qdrant-api-key" });
    });

    it("marks the alertmanager config and credential files secret", () => {
        const am = container(node1, "node1", "alertmanager");
        // Either the uploads as a whole or the file's content is wrapped secret.
        const uploads = am.inputs.uploads;
        const wrapped = isSecretValue(uploads) || isSecretValue((uploads as Array<{ file: string; content: unknown }>).find((u) => u.file === "/etc/alertmanager/alertmanager.yml")!.content);
        assert.ok(wrapped, "alertmanager.yml (it embeds the Telegram bot token) must be a secret value");
        const text = placedFile(node1, "node1", "alertmanager", "/etc/alertmanager/alertmanager.yml");
        assert.match(text, /bot_token: \S*RENDERSECRET\S*/);
        assert.match(text, /auth_password_file: \/etc\/alertmanager\/secrets\/smtp-ops/);
    });

    it("declares MinIO buckets (retained, not protected: issue 11 finding 5), users and bucket-scoped policies", () => {
        const buckets = ofType(local, "minio:index/s3Bucket:S3Bucket");
        assert.ok(buckets.some((b) => b.inputs.bucket === "daedalus"), "daedalus bucket");
        for (const b of buckets) {
            assert.equal(b.options.protect, undefined, `${b.name} not protected: a retired service's bucket leaves the stack`);
            assert.equal(b.options.retainOnDelete, true, `${b.name} retained`);
            assert.equal(b.inputs.acl, "private");
        }
        const policy = resource(local, "minio:index/iamPolicy:IamPolicy", "minio-policy-daedalus");
        assert.equal(policy.inputs.policy, renderBucketPolicy({ bucket: "daedalus", access: "readwrite" }));
        const user = resource(local, "minio:index/iamUser:IamUser", "minio-user-daedalus");
        assert.equal(user.inputs.name, "daedalus");
        assert.ok(isSecretValue(user.inputs.secret), "the user's secret key is a secret");
    });

    it("S3 credentials reach backend containers only", () => {
        const holders = containers(local)
            .filter((c) => Object.keys(envOf(c)).some((k) => /(S3|MINIO)_.*(ACCESS_KEY|SECRET_KEY|ROOT_PASSWORD)/.test(k)))
            .map((c) => labelsOf(c)["daarion.workload"])
            .sort();
        assert.ok(holders.includes("daedalus-api") && holders.includes("minio"), holders.join(","));
        assert.ok(!holders.includes("daedalus-nginx"), "nginx (frontend) must not hold S3 keys");
        assert.ok(holders.every((h) => h === "minio" || h === "daedalus-api" || (rawTopology().services as Record<string, { uses?: string[] }>)[h]?.uses?.includes("s3")), holders.join(","));
    });
});
