/**
 * Builds `promtool test rules` files from typed per-rule fixtures (alert-fixtures.ts).
 *
 * promtool compares annotations too, so the expected annotations are the rule's templates expanded
 * here with Prometheus' own formatting rules (humanize, humanizePercentage, humanizeDuration,
 * missingkey=zero); a template that renders differently in Prometheus fails the test.
 */
import { stringify } from "yaml";
import { AlertRule, RuleGroup } from "../../components/monitoring/alerts";

export interface ExpectedAlert {
    /** @default the severity of the rule under test */
    readonly severity?: string;
    /** Output labels of the expression (without alertname and rule labels). */
    readonly labels: Record<string, string>;
    /** Value of the expression, used by annotation templates. */
    readonly value: number;
}

export interface AlertCase {
    /** [series selector, promtool expanding notation] */
    readonly series: ReadonlyArray<readonly [string, string]>;
    /** @default "10m" */
    readonly evalTime?: string;
    /** Every alert of this alertname expected to fire at evalTime (twin severities included). */
    readonly alerts: readonly ExpectedAlert[];
}

export interface AlertFixture {
    readonly fire: AlertCase;
    /** Cases in which the rule under test must not fire. Empty only for the Watchdog. */
    readonly quiet: readonly AlertCase[];
}

export const ruleKey = (r: Pick<AlertRule, "name" | "severity">) => `${r.name}/${r.severity}`;

/** Go's fmt "%.4g". */
function g4(v: number): string {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v === 0) return "0";
    const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
    if (exp < -4 || exp >= 4) {
        const [m, e] = v.toExponential(3).split("e");
        const n = Number(e);
        return `${m.replace(/\.?0+$/, "")}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
    }
    return v.toFixed(Math.max(0, 3 - exp)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function humanize(v: number): string {
    if (v === 0 || !Number.isFinite(v)) return g4(v);
    if (Math.abs(v) >= 1) {
        let prefix = "";
        for (const p of ["k", "M", "G", "T", "P", "E", "Z", "Y"]) {
            if (Math.abs(v) < 1000) break;
            prefix = p;
            v /= 1000;
        }
        return `${g4(v)}${prefix}`;
    }
    let prefix = "";
    for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
        if (Math.abs(v) >= 1) break;
        prefix = p;
        v *= 1000;
    }
    return `${g4(v)}${prefix}`;
}

function humanizeDuration(v: number): string {
    if (!Number.isFinite(v)) return g4(v);
    if (v === 0) return `${g4(v)}s`;
    if (Math.abs(v) >= 1) {
        const sign = v < 0 ? "-" : "";
        const d = Math.trunc(Math.abs(v));
        const seconds = d % 60;
        const minutes = Math.trunc(d / 60) % 60;
        const hours = Math.trunc(d / 3600) % 24;
        const days = Math.trunc(d / 86400);
        if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
        if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
        if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
        return `${sign}${g4(Math.abs(v))}s`;
    }
    let prefix = "";
    for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
        if (Math.abs(v) >= 1) break;
        prefix = p;
        v *= 1000;
    }
    return `${g4(v)}${prefix}s`;
}

/** Go's %v of a float64 (strconv 'g', shortest). */
function goFloat(v: number): string {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
    const s = String(v);
    return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** Expands the subset of Prometheus alert templates the rules use; throws on anything else. */
export function expandTemplate(template: string, labels: Record<string, string>, value: number): string {
    return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, body: string) => {
        const m = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(body);
        if (m) return labels[m[1]] ?? "";
        const fns: Record<string, (v: number) => string> = {
            "$value": goFloat,
            "$value | humanize": humanize,
            "$value | humanizePercentage": (x) => `${g4(x * 100)}%`,
            "$value | humanizeDuration": humanizeDuration,
        };
        const fn = fns[body.replace(/\s+/g, " ")];
        if (!fn) throw new Error(`template expression not supported by the test expander: {{ ${body} }}`);
        return fn(value);
    });
}

function expectedAlerts(group: RuleGroup, rule: AlertRule, c: AlertCase) {
    return c.alerts.map((a) => {
        const severity = a.severity ?? rule.severity;
        const twin = group.rules.find((r) => r.name === rule.name && r.severity === severity);
        if (!twin) throw new Error(`${ruleKey(rule)}: expected alert at severity ${severity} but the group has no such rule`);
        const labels = { ...a.labels, ...twin.labels };
        return {
            exp_labels: labels,
            exp_annotations: {
                summary: expandTemplate(twin.annotations.summary, labels, a.value),
                description: expandTemplate(twin.annotations.description, labels, a.value),
                runbook_url: twin.annotations.runbook_url,
            },
        };
    });
}

/**
 * The promtool test file for one group: for every rule one firing case and its quiet cases, each a
 * separate test with its own input series so cases cannot leak into each other.
 */
export function promtoolTestFile(group: RuleGroup, ruleFilePath: string, fixtures: Record<string, AlertFixture>): string {
    const tests: unknown[] = [];
    for (const rule of group.rules) {
        const fx = fixtures[ruleKey(rule)];
        if (!fx) throw new Error(`no fixture for ${group.name}/${ruleKey(rule)}`);
        for (const c of [fx.fire, ...fx.quiet]) {
            tests.push({
                interval: "1m",
                input_series: c.series.map(([series, values]) => ({ series, values })),
                alert_rule_test: [{ eval_time: c.evalTime ?? "10m", alertname: rule.name, exp_alerts: expectedAlerts(group, rule, c) }],
            });
        }
    }
    return stringify({ rule_files: [ruleFilePath], evaluation_interval: "1m", tests }, { lineWidth: 0 });
}

/** A fixture that cannot fail is a defect: the fire case must expect this rule, the quiet ones must not. */
export function fixtureProblems(group: RuleGroup, fixtures: Record<string, AlertFixture>): string[] {
    const problems: string[] = [];
    for (const rule of group.rules) {
        const key = ruleKey(rule);
        const fx = fixtures[key];
        if (!fx) {
            problems.push(`${group.name}/${key}: no fixture`);
            continue;
        }
        if (!fx.fire.alerts.some((a) => (a.severity ?? rule.severity) === rule.severity)) problems.push(`${key}: fire case does not expect the rule itself`);
        if (fx.quiet.length === 0 && rule.name !== "Watchdog") problems.push(`${key}: needs at least one case that must not fire`);
        fx.quiet.forEach((q, i) => {
            if (q.alerts.some((a) => (a.severity ?? rule.severity) === rule.severity)) problems.push(`${key}: quiet[${i}] expects the rule to fire`);
        });
    }
    return problems;
}
