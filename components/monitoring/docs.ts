/**
 * The README alert table, generated from the typed rules so it cannot drift from what is deployed.
 */
import type { Topology } from "../../stacks/schema";
import { hostResolver } from "../workload/addresses";
import { AlertPack, buildRuleGroups, collectAlertPacks, RuleGroup } from "./alerts";
import { monitoringPlan, ScrapedModule } from "./plan";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderAlertTable(groups: readonly RuleGroup[]): string {
    const lines = ["| Group | Alert | Severity | For | Condition | Runbook |", "|---|---|---|---|---|---|"];
    for (const g of groups) {
        for (const r of g.rules) {
            const anchor = r.annotations.runbook_url.slice(r.annotations.runbook_url.indexOf("#"));
            lines.push(`| ${g.name} | ${r.name} | ${r.severity} | ${r.for ?? "-"} | \`${cell(r.expr)}\` | [runbook](docs/runbooks.md${anchor}) |`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** The table for the platform as declared in Pulumi.yaml (rule thresholds follow the topology). */
export function renderAlertTableForTopology(t: Topology, modules: ReadonlyArray<{ alerts?(t: Topology): AlertPack[] } & ScrapedModule>): string {
    const resolver = hostResolver(Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, s.privateIp])));
    return renderAlertTable(buildRuleGroups(monitoringPlan(t, resolver, modules).ruleOptions, collectAlertPacks(t, modules)));
}
