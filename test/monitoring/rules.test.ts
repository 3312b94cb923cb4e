/**
 * Alert rules against the real promtool (Debian prometheus 2.42): `check rules` on every rendered
 * rule file, and `test rules` with, for every rule, a series that fires it and one that must not.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildRuleGroups, RuleGroup, runbookAnchor, servicesWithoutAlerts, validateRuleGroups } from "../../components/monitoring/alerts";
import { neo4jAlerts } from "../../components/neo4j/alerts";
import { neo4jModule } from "../../components/neo4j/module";
import { monitoringModule } from "../../components/monitoring/module";
import { readStackConfig } from "../../offline/render";
import { MODULES } from "../../stacks/modules";
import { topologySchema } from "../../stacks/schema";
import { renderAlertTable } from "../../components/monitoring/docs";
import { exposedSeries } from "../../components/monitoring/families";
import { metricNames } from "../../components/monitoring/promql";
import { renderRuleFile, renderRuleFiles, ruleFileName } from "../../components/monitoring/render-rules";
import { makeTempDir, requireBinary, run } from "../support/process";
import { ALERT_FIXTURES, FIXTURE_OPTIONS, fixtureRuleGroups } from "./alert-fixtures";
import { fixtureProblems, promtoolTestFile, ruleKey } from "./promtool-tests";

const groups = fixtureRuleGroups();
const ROOT = path.join(__dirname, "..", "..");
const RUNBOOKS = path.join(ROOT, "docs", "runbooks.md");

/** GitHub's anchors of a markdown text's headings. */
function headingAnchors(doc: string): Set<string> {
    return new Set([...doc.matchAll(/^##+ (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
}

describe("monitoring: alert rules", () => {
    let promtool: string;
    let dir: string;

    before(() => {
        promtool = requireBinary("promtool");
        dir = makeTempDir("rules");
        for (const [name, content] of Object.entries(renderRuleFiles(groups))) fs.writeFileSync(path.join(dir, name), content);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds a group per deployed service with valid structure", () => {
        assert.deepEqual(
            groups.map((g) => g.name),
            // Monitoring's own groups, then the modules' in module order (stacks/modules.ts), then the generic ones.
            ["monitoring", "host", "containers", "nats", "postgres", "redis", "qdrant", "neo4j", "minio", "daedalus", "haproxy", "agent", "probes", "apps"],
        );
        assert.deepEqual(validateRuleGroups(groups), []);
    });

    it("has seed 004's seven Daedalus rules with exactly its conditions and severities", () => {
        const d = groups.find((g) => g.name === "daedalus")!;
        const table = d.rules.map((r) => [r.name, r.for ?? "", r.severity]);
        assert.deepEqual(table, [
            ["DaedalusDown", "1m", "critical"],
            ["DaedalusMCPDisconnected", "5m", "warning"],
            ["DaedalusHighErrorRate", "5m", "warning"],
            ["DaedalusClientExceptionSpike", "", "warning"],
            ["DaedalusSlowResponses", "5m", "warning"],
            ["DaedalusMCPLatency", "5m", "warning"],
            ["DaedalusS3Errors", "5m", "warning"],
        ]);
        assert.equal(d.rules[0].expr, "daedalus_up == 0");
        assert.equal(d.rules[1].expr, "daedalus_mcp_connections_active == 0");
        assert.match(d.rules[2].expr, /> 0\.05$/);
        assert.match(d.rules[3].expr, /\* 60 > 10$/);
        assert.match(d.rules[4].expr, /^histogram_quantile\(0\.95, .*\) > 5$/);
        assert.match(d.rules[5].expr, /^histogram_quantile\(0\.95, .*\) > 30$/);
        assert.match(d.rules[6].expr, /> 0\.01$/);
    });

    it("the HAProxy 5xx rule carries the `and rate > 0` guard", () => {
        const r = groups.find((g) => g.name === "haproxy")!.rules.find((x) => x.name === "HaproxyHigh5xxRatio")!;
        assert.match(r.expr, / and sum by \(job, instance, node, proxy\) \(rate\(haproxy_backend_http_responses_total\[5m\]\)\) > 0$/);
    });

    it("every rule only queries metrics its group's exporters really expose", () => {
        const problems: string[] = [];
        for (const g of groups) {
            const allowed = new Set(g.exporters.flatMap((e) => [...exposedSeries(e)]));
            for (const r of g.rules) {
                for (const m of metricNames(r.expr)) if (!allowed.has(m)) problems.push(`${g.name}/${r.name}: '${m}' is not exposed by ${g.exporters.join("/")}`);
            }
        }
        assert.deepEqual(problems, []);
    });

    it("promtool check rules accepts every rendered rule file", () => {
        for (const g of groups) {
            const out = run(promtool, ["check", "rules", path.join(dir, ruleFileName(g))]);
            assert.match(out, new RegExp(`SUCCESS: ${g.rules.length} rules found`), out);
        }
    });

    it("promtool check rules rejects a broken expression (the check is live)", () => {
        const broken: RuleGroup = { ...groups[0], rules: [{ ...groups[0].rules[0], expr: "sum by (job (up)" }] };
        const file = path.join(dir, "broken.rules.yml");
        fs.writeFileSync(file, renderRuleFile(broken));
        assert.throws(() => run(promtool, ["check", "rules", file]), /parse error|unclosed|unexpected/);
    });

    it("every rule has a fixture that fires it and one that must not", () => {
        assert.deepEqual(groups.flatMap((g) => fixtureProblems(g, ALERT_FIXTURES)), []);
        const used = new Set(groups.flatMap((g) => g.rules.map(ruleKey)));
        assert.deepEqual(Object.keys(ALERT_FIXTURES).filter((k) => !used.has(k)), [], "fixtures for rules that no longer exist");
    });

    for (const g of groups) {
        it(`promtool test rules: ${g.name} (${g.rules.length} rules, fire + quiet)`, () => {
            const testFile = path.join(dir, `${g.name}.test.yml`);
            fs.writeFileSync(testFile, promtoolTestFile(g, path.join(dir, ruleFileName(g)), ALERT_FIXTURES));
            const out = run(promtool, ["test", "rules", testFile]);
            assert.match(out, /SUCCESS/, out);
        });
    }

    it("promtool test rules fails when a fixture expects the wrong outcome (the harness can fail)", () => {
        const g = groups.find((x) => x.name === "daedalus")!;
        const wrong = { ...ALERT_FIXTURES, "DaedalusHighErrorRate/warning": { ...ALERT_FIXTURES["DaedalusHighErrorRate/warning"], quiet: [{ ...ALERT_FIXTURES["DaedalusHighErrorRate/warning"].fire, alerts: [] }] } };
        const testFile = path.join(dir, "wrong.test.yml");
        fs.writeFileSync(testFile, promtoolTestFile(g, path.join(dir, ruleFileName(g)), wrong));
        assert.throws(() => run(promtool, ["test", "rules", testFile]), /FAILED/);
    });

    it("fails when a deployed service has no alert rule", () => {
        assert.deepEqual(servicesWithoutAlerts(["nats", "postgres", "redis", "qdrant", "neo4j", "minio", "haproxy", "daedalus", "node-exporter", "cadvisor", "prometheus", "alertmanager", "grafana", "gateway", "router", "memory-service"], groups), []);
        assert.deepEqual(servicesWithoutAlerts(["nats", "swapper"], groups), ["swapper"]);
        const withoutRedis = fixtureRuleGroups({ ...FIXTURE_OPTIONS, redis: undefined });
        assert.deepEqual(servicesWithoutAlerts(["redis"], withoutRedis), ["redis"]);
    });

    it("every runbook_url points at an existing section of docs/runbooks.md", () => {
        const anchors = headingAnchors(fs.readFileSync(RUNBOOKS, "utf8"));
        const missing = new Set<string>();
        for (const g of groups) for (const r of g.rules) {
            assert.ok(r.annotations.runbook_url.startsWith(`${FIXTURE_OPTIONS.runbookBaseUrl}#`), r.annotations.runbook_url);
            if (!anchors.has(runbookAnchor(r.name))) missing.add(r.name);
        }
        assert.deepEqual([...missing], []);
    });

    it("each module's alerts have their sections in that module's own runbook file (PlatformModule.runbook)", () => {
        const missing: string[] = [];
        const check = (file: string | undefined, owner: string, names: readonly string[]) => {
            if (!file) return missing.push(`${owner} contributes alerts but names no runbook file`);
            const anchors = headingAnchors(fs.readFileSync(path.join(ROOT, file), "utf8"));
            for (const n of names) if (!anchors.has(runbookAnchor(n))) missing.push(`${file}: no section for ${n}`);
        };
        // Every committed stack's topology, so a module whose alerts depend on the topology is covered.
        for (const stack of ["node1", "local", "k8s"]) {
            const topology = topologySchema.parse(readStackConfig(ROOT, stack).config["daarion:topology"]);
            for (const m of MODULES) for (const pack of m.alerts?.(topology) ?? []) check(m.runbook, m.name, pack.rules.map((r) => r.name));
        }
        // Neo4j's rules exist only for a clustered (Enterprise) topology, which no committed stack has.
        check(neo4jModule.runbook, neo4jModule.name, neo4jAlerts(FIXTURE_OPTIONS.neo4j!).rules.map((r) => r.name));
        // Monitoring's own groups (pipeline, host, containers, probes, apps) are monitoring's sections.
        check(monitoringModule.runbook, monitoringModule.name, buildRuleGroups(FIXTURE_OPTIONS, []).flatMap((g) => g.rules.map((r) => r.name)));
        assert.deepEqual(missing, []);
    });

    it("renders the README alert table from the typed rules", () => {
        const table = renderAlertTable(groups);
        const rows = table.trim().split("\n");
        assert.equal(rows.length, 2 + groups.reduce((n, g) => n + g.rules.length, 0));
        assert.ok(table.includes("| daedalus | DaedalusDown | critical | 1m | `daedalus_up == 0` | [runbook](docs/runbooks.md#daedalusdown) |"));
        // Pipes inside PromQL regexes must not break the table.
        const disk = rows.find((r) => r.includes("HostOutOfDiskSpace"))!;
        assert.ok(disk.includes("tmpfs\\|overlay"), disk);
    });
});
