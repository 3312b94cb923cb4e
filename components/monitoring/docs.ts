/**
 * The README alert table, generated from the typed rules so it cannot drift from what is deployed.
 */
import { RuleGroup } from "./alerts";

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
