/**
 * Monitoring collects what modules contribute (PlatformModule.scrape / .alerts) over the module
 * list it is given, and knows no module itself: a module it has never heard of is scraped,
 * probed and alerted on.
 */
import * as assert from "node:assert/strict";
import { buildRuleGroups, collectAlertPacks } from "../../components/monitoring/alerts";
import { monitoringPlan } from "../../components/monitoring/plan";
import { scrapeTarget } from "../../components/monitoring/scrape";
import { hostResolver } from "../../components/workload/addresses";
import type { PlatformModule } from "../../stacks/context";
import { loadConfig } from "../../stacks/config";
import { rawTopology } from "../support/topology";

const topology = loadConfig("node1", { topology: rawTopology(), settings: { node: "node1" } }).topology;
const resolver = hostResolver(Object.fromEntries(Object.entries(topology.nodes).map(([n, s]) => [n, s.privateIp])));

const foo: PlatformModule = {
    name: "foo",
    scrape: (t, r) => ({
        targets: [scrapeTarget(r, { job: "foo", exporter: "app", node: "node2", workload: "foo", port: 9999, service: "foo", role: "active" })],
        probes: [{ job: "blackbox-tcp", node: "node3", interval: "30s", probe: { module: "tcp_connect", target: r.endpoint("node3", "foo-db", 7000) }, labels: { service: "foo-db", service_role: "db" } }],
        // Contributed before the host's own exporter would sort first: the plan orders by kind.
        exporters: [{ node: "node2", placement: { kind: "redis-exporter", redis: "cache", address: r.endpoint("node2", "foo-cache", 6390), passwordSecret: "foo-cache-password" } }],
        metricServices: ["foo"],
        probedServices: ["foo-db"],
        gaps: [{ service: "foo-worker", node: "node1", reason: "worker-without-port" }],
    }),
    alerts: () => [{ name: "foo", services: ["foo"], exporters: ["app"], rules: [{ name: "FooDown", expr: 'up{job="foo"} == 0', severity: "critical", summary: "s", description: "d" }] }],
};

describe("monitoring: collects module contributions", () => {
    it("scrapes, probes and runs exporters for a module it does not know", () => {
        const plan = monitoringPlan(topology, resolver, [foo]);
        const ip = (n: string) => topology.nodes[n]!.privateIp;
        assert.deepEqual(
            plan.targets.find((t) => t.job === "foo"),
            { job: "foo", exporter: "app", node: "node2", address: `${ip("node2")}:9999`, metricsPath: "/metrics", interval: "15s", labels: { service: "foo", service_role: "active" } },
        );
        const probe = plan.targets.find((t) => t.labels?.service === "foo-db")!;
        assert.equal(probe.exporter, "blackbox");
        assert.equal(probe.address, `${ip(plan.node)}:9115`, "probes go through the blackbox exporter on the monitoring node");
        assert.deepEqual(plan.exporters.node2!.map((e) => e.kind), ["node-exporter", "redis-exporter"]);
        assert.deepEqual(plan.gaps, [{ service: "foo-worker", node: "node1", reason: "worker-without-port" }]);
        assert.deepEqual(plan.ruleOptions.apps, { services: ["foo"] });
        assert.deepEqual(plan.ruleOptions.probes, { services: ["foo-db"] });
        // Without modules, only hosts and monitoring's own servers are scraped.
        assert.deepEqual([...new Set(monitoringPlan(topology, resolver, []).targets.map((t) => t.job))].sort(), ["alertmanager", "grafana", "node", "prometheus"]);
    });

    it("renders monitoring's groups, then each module's in module order, then probes and apps", () => {
        const plan = monitoringPlan(topology, resolver, [foo]);
        const other: PlatformModule = { name: "bar", alerts: () => [{ name: "bar", services: ["bar"], exporters: ["app"], rules: [{ name: "BarDown", expr: "vector(1)", severity: "warning", summary: "s", description: "d" }] }] };
        const groups = buildRuleGroups(plan.ruleOptions, collectAlertPacks(topology, [foo, other]));
        assert.deepEqual(groups.map((g) => g.name), ["monitoring", "host", "foo", "bar", "probes", "apps"]);
        assert.equal(groups[2]!.rules[0]!.annotations.runbook_url, `${topology.monitoring!.runbookBaseUrl}#foodown`);
    });
});
