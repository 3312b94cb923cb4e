/**
 * Alert rules as typed values, grouped per service, rendered into Prometheus rule files by
 * `renderRuleFile` (render-rules.ts). Every rule points at a section of docs/runbooks.md.
 *
 * Target labels every scrape target carries (see scrape.ts): `job`, `instance`, `node`, `service`,
 * `service_role`. They are deliberately not called `role`: redis_exporter exports its own `role`
 * label and a clash would rename it to `exported_role`.
 */
import type { Topology } from "../../stacks/schema";
import { ExporterKind } from "./families";

export type Severity = "critical" | "warning" | "info" | "none";

export interface AlertAnnotations {
    readonly summary: string;
    readonly description: string;
    /** `<runbookBaseUrl>#<anchor>`; the anchor is a heading of docs/runbooks.md. */
    readonly runbook_url: string;
}

export interface AlertRule {
    /** Prometheus `alert:` name (CamelCase). Two rules may share a name at different severities. */
    readonly name: string;
    readonly expr: string;
    /** Prometheus duration; omitted means the alert fires on the first failing evaluation. */
    readonly for?: string;
    readonly severity: Severity;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: AlertAnnotations;
}

export interface RuleGroup {
    /** Group name and rule file stem: `daedalus` -> `daedalus.rules.yml`. */
    readonly name: string;
    /** Deployed services (WorkloadSpec.service) this group covers. */
    readonly services: readonly string[];
    /** Exporters whose metrics the expressions may use (checked by tests). */
    readonly exporters: readonly ExporterKind[];
    readonly interval?: string;
    readonly rules: readonly AlertRule[];
}

/** A rule before its runbook URL is known. */
export interface RuleDef {
    readonly name: string;
    readonly expr: string;
    readonly for?: string;
    readonly severity: Severity;
    readonly labels?: Record<string, string>;
    readonly summary: string;
    readonly description: string;
}

/**
 * A module's rule group before its runbook URLs are known: what `PlatformModule.alerts` returns.
 * The module owns the rules (components/<module>/alerts.ts); monitoring renders them.
 */
export interface AlertPack {
    /** Group name and rule file stem: `daedalus` -> `daedalus.rules.yml`. */
    readonly name: string;
    /** Deployed services (WorkloadSpec.service) this group covers. */
    readonly services: readonly string[];
    /** Exporters whose metrics the expressions may use (checked by tests). */
    readonly exporters: readonly ExporterKind[];
    readonly rules: readonly RuleDef[];
}

/** What monitoring's own groups need; the module groups come from `PlatformModule.alerts`. */
export interface MonitoringAlertOptions {
    /** Absolute URL of docs/runbooks.md, e.g. `https://github.com/org/repo/blob/main/docs/runbooks.md`. */
    readonly runbookBaseUrl: string;
    /** Services without metrics of their own, probed by blackbox_exporter (health endpoint or TCP). */
    readonly probes?: { readonly services: readonly string[] };
    /** Application services exposing their own /metrics (job = service name). */
    readonly apps?: { readonly services: readonly string[] };
    /** Host (node_exporter) and container (cAdvisor) packs; on by default. */
    readonly host?: boolean;
    readonly containers?: boolean;
    readonly grafana?: boolean;
}

/** Anchor of a rule's runbook section: GitHub lowercases heading text. */
export function runbookAnchor(alertName: string): string {
    return alertName.toLowerCase();
}

function finish(defs: RuleDef[], runbookBaseUrl: string): AlertRule[] {
    return defs.map((d) => ({
        name: d.name,
        expr: d.expr,
        ...(d.for ? { for: d.for } : {}),
        severity: d.severity,
        labels: { ...(d.labels ?? {}), severity: d.severity },
        annotations: {
            summary: d.summary,
            description: d.description,
            runbook_url: `${runbookBaseUrl}#${runbookAnchor(d.name)}`,
        },
    }));
}

/** `sum by (by) (num) / sum by (by) (den)`. */
export const ratio = (num: string, den: string, by: string) => `sum by (${by}) (${num}) / sum by (${by}) (${den})`;

const FS = `fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"`;

function hostDefs(): RuleDef[] {
    return [
        {
            name: "HostDown",
            expr: `up{job="node"} == 0`,
            for: "2m",
            severity: "critical",
            summary: "Node {{ $labels.node }} is unreachable",
            description: "node_exporter on {{ $labels.instance }} has not answered for 2 minutes: the host or its private network is down.",
        },
        {
            name: "HostOutOfMemory",
            expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1`,
            for: "5m",
            severity: "warning",
            summary: "Node {{ $labels.node }} has {{ $value | humanizePercentage }} memory available",
            description: "The kernel OOM killer will start killing containers.",
        },
        {
            name: "HostOutOfDiskSpace",
            expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.1 and node_filesystem_readonly{${FS}} == 0`,
            for: "5m",
            severity: "warning",
            summary: "{{ $labels.mountpoint }} on {{ $labels.node }} has {{ $value | humanizePercentage }} free",
            description: "Databases stop accepting writes when their volume is full.",
        },
        {
            name: "HostOutOfDiskSpace",
            expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.03 and node_filesystem_readonly{${FS}} == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.mountpoint }} on {{ $labels.node }} is almost full",
            description: "Less than 3% free: writes are about to fail.",
        },
        {
            name: "HostHighCpuLoad",
            expr: `1 - avg by (job, instance, node) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9`,
            for: "15m",
            severity: "warning",
            summary: "Node {{ $labels.node }} CPU busy {{ $value | humanizePercentage }}",
            description: "CPU has been above 90% for 15 minutes.",
        },
        {
            name: "HostClockSkew",
            expr: `abs(node_timex_offset_seconds) > 0.05`,
            for: "10m",
            severity: "warning",
            summary: "Clock on {{ $labels.node }} is off by {{ $value | humanizeDuration }}",
            description: "Raft-based services (NATS JetStream, Qdrant, Neo4j) and TLS depend on synchronised clocks.",
        },
        {
            name: "HostOomKill",
            expr: `increase(node_vmstat_oom_kill[5m]) > 0`,
            severity: "warning",
            summary: "The kernel OOM killer ran on {{ $labels.node }}",
            description: "{{ $value | humanize }} process(es) were killed for lack of memory in the last 5 minutes.",
        },
    ];
}

function containerDefs(): RuleDef[] {
    const named = `name!=""`;
    return [
        {
            name: "ContainerAbsent",
            expr: `time() - container_last_seen{${named}} > 60`,
            for: "1m",
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} disappeared",
            description: "cAdvisor has not seen the container for over a minute.",
        },
        {
            name: "ContainerRestarting",
            expr: `changes(container_start_time_seconds{${named}}[15m]) > 2`,
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} restarted {{ $value }} times in 15m",
            description: "The container is crash-looping.",
        },
        {
            name: "ContainerOomKilled",
            expr: `increase(container_oom_events_total{${named}}[5m]) > 0`,
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} hit its memory limit",
            description: "An OOM event occurred inside the container's cgroup.",
        },
        {
            name: "ContainerMemoryNearLimit",
            expr: `container_memory_working_set_bytes{${named}} / container_spec_memory_limit_bytes{${named}} > 0.9 and container_spec_memory_limit_bytes{${named}} > 0`,
            for: "10m",
            severity: "warning",
            summary: "Container {{ $labels.name }} on {{ $labels.node }} uses {{ $value | humanizePercentage }} of its memory limit",
            description: "The container will be OOM-killed if its usage keeps growing.",
        },
    ];
}

function probeDefs(): RuleDef[] {
    return [
        {
            name: "ServiceProbeFailed",
            expr: `probe_success == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.service }} on {{ $labels.node }} fails its health probe",
            description: "blackbox_exporter cannot get a healthy answer from {{ $labels.instance }} for 2 minutes.",
        },
        {
            name: "ServiceProbeSlow",
            expr: `probe_duration_seconds > 2 and probe_success == 1`,
            for: "10m",
            severity: "warning",
            summary: "{{ $labels.service }} on {{ $labels.node }} answers its health probe in {{ $value | humanizeDuration }}",
            description: "The health endpoint has been slower than 2s for 10 minutes.",
        },
    ];
}

function appDefs(services: readonly string[]): RuleDef[] {
    return [
        {
            name: "AppServiceDown",
            expr: `up{job=~"${services.join("|")}"} == 0`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.job }} on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape the service's /metrics for 2 minutes.",
        },
    ];
}

function monitoringDefs(includeGrafana: boolean): RuleDef[] {
    const defs: RuleDef[] = [
        {
            name: "Watchdog",
            expr: `vector(1)`,
            severity: "none",
            summary: "Alerting pipeline heartbeat",
            description: "Always firing. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is broken.",
        },
        {
            name: "TargetDown",
            expr: `up == 0`,
            for: "5m",
            severity: "warning",
            summary: "Scrape target {{ $labels.job }}/{{ $labels.instance }} is down",
            description: "Prometheus has failed to scrape the target for 5 minutes.",
        },
        {
            name: "PrometheusRuleEvaluationFailures",
            expr: `increase(prometheus_rule_evaluation_failures_total[5m]) > 0`,
            severity: "critical",
            summary: "Prometheus failed to evaluate rules",
            description: "{{ $value | humanize }} rule evaluations failed in 5 minutes: alerts may be missed.",
        },
        {
            name: "PrometheusNotificationsFailing",
            expr: `rate(prometheus_notifications_errors_total[5m]) > 0`,
            for: "5m",
            severity: "critical",
            summary: "Prometheus cannot send alerts to Alertmanager",
            description: "Notification errors towards {{ $labels.alertmanager }}.",
        },
        {
            name: "PrometheusAlertmanagerMissing",
            expr: `prometheus_notifications_alertmanagers_discovered < 1`,
            for: "5m",
            severity: "critical",
            summary: "Prometheus knows no Alertmanager",
            description: "Alerts fire but reach nobody.",
        },
        {
            name: "PrometheusConfigReloadFailed",
            expr: `prometheus_config_last_reload_successful == 0`,
            for: "5m",
            severity: "warning",
            summary: "Prometheus configuration reload failed",
            description: "Prometheus keeps running the previous configuration.",
        },
        {
            name: "AlertmanagerConfigReloadFailed",
            expr: `alertmanager_config_last_reload_successful == 0`,
            for: "5m",
            severity: "warning",
            summary: "Alertmanager configuration reload failed",
            description: "Alertmanager keeps running the previous configuration.",
        },
        {
            name: "AlertmanagerNotificationsFailing",
            expr: `rate(alertmanager_notifications_failed_total[5m]) > 0`,
            for: "5m",
            severity: "critical",
            summary: "Alertmanager cannot deliver to {{ $labels.integration }}",
            description: "Notifications through {{ $labels.integration }} fail: check the receiver's credentials and reachability.",
        },
    ];
    if (includeGrafana) {
        defs.push({
            name: "GrafanaDown",
            expr: `up{job="grafana"} == 0`,
            for: "5m",
            severity: "warning",
            summary: "Grafana is down",
            description: "Dashboards are unavailable; alerting is not affected.",
        });
    }
    return defs;
}

/** A pack with its runbook URLs: a rule group ready to render. */
export function finishPack(pack: AlertPack, runbookBaseUrl: string): RuleGroup {
    return { name: pack.name, services: [...pack.services], exporters: [...pack.exporters], rules: finish([...pack.rules], runbookBaseUrl) };
}

/** Monitoring's own packs: the alerting pipeline itself, hosts, containers. */
export function monitoringAlerts(options: Omit<MonitoringAlertOptions, "runbookBaseUrl" | "probes" | "apps">): AlertPack[] {
    const packs: AlertPack[] = [
        {
            name: "monitoring",
            services: ["prometheus", "alertmanager", ...(options.grafana === false ? [] : ["grafana"])],
            exporters: ["prometheus", "alertmanager", "grafana"],
            rules: monitoringDefs(options.grafana !== false),
        },
    ];
    if (options.host !== false) packs.push({ name: "host", services: ["node-exporter"], exporters: ["node"], rules: hostDefs() });
    if (options.containers !== false) packs.push({ name: "containers", services: ["cadvisor"], exporters: ["cadvisor"], rules: containerDefs() });
    return packs;
}

/** The generic packs over services that have no pack of their own: blackbox probes and `up` of /metrics. */
export function serviceAlerts(options: Pick<MonitoringAlertOptions, "probes" | "apps">): AlertPack[] {
    const packs: AlertPack[] = [];
    if (options.probes && options.probes.services.length > 0) packs.push({ name: "probes", services: [...options.probes.services], exporters: ["blackbox"], rules: probeDefs() });
    if (options.apps && options.apps.services.length > 0) packs.push({ name: "apps", services: [...options.apps.services], exporters: ["app"], rules: appDefs(options.apps.services) });
    return packs;
}

/**
 * Every rule group: monitoring's own first, then each module's in module order, then the generic
 * probe and app groups. `modulePacks` are what the modules contributed (PlatformModule.alerts).
 */
export function buildRuleGroups(options: MonitoringAlertOptions, modulePacks: readonly AlertPack[]): RuleGroup[] {
    return [...monitoringAlerts(options), ...modulePacks, ...serviceAlerts(options)].map((p) => finishPack(p, options.runbookBaseUrl));
}

/** The packs the modules contribute for this topology, in module order (PlatformModule.alerts). */
export function collectAlertPacks(t: Topology, modules: ReadonlyArray<{ alerts?(t: Topology): AlertPack[] }>): AlertPack[] {
    return modules.flatMap((m) => m.alerts?.(t) ?? []);
}

/** Deployed services that no rule group covers; a non-empty result is a deployment defect. */
export function servicesWithoutAlerts(services: Iterable<string>, groups: readonly RuleGroup[]): string[] {
    const covered = new Set(groups.flatMap((g) => g.services));
    return [...new Set(services)].filter((s) => !covered.has(s)).sort();
}

/** Structural validation; errors name the offending path (`groups[nats].rules[3].for`). */
export function validateRuleGroups(groups: readonly RuleGroup[]): string[] {
    const errors: string[] = [];
    const names = new Set<string>();
    for (const g of groups) {
        const at = `groups[${g.name}]`;
        if (!/^[a-z][a-z0-9-]*$/.test(g.name)) errors.push(`${at}.name: must be a lowercase file stem`);
        if (names.has(g.name)) errors.push(`${at}.name: duplicate group name`);
        names.add(g.name);
        if (g.rules.length === 0) errors.push(`${at}.rules: a group without rules alerts on nothing`);
        const seen = new Set<string>();
        g.rules.forEach((r, i) => {
            const rat = `${at}.rules[${i}]`;
            if (!/^[A-Z][A-Za-z0-9]*$/.test(r.name)) errors.push(`${rat}.name: '${r.name}' must be CamelCase`);
            const key = `${r.name}/${r.severity}${JSON.stringify(Object.entries(r.labels).sort())}`;
            if (seen.has(key)) errors.push(`${rat}: duplicate alert ${key}`);
            seen.add(key);
            if (r.for !== undefined && !/^(\d+(ms|s|m|h|d|w|y))+$/.test(r.for)) errors.push(`${rat}.for: '${r.for}' is not a Prometheus duration`);
            if (r.labels.severity !== r.severity) errors.push(`${rat}.labels.severity: must equal severity`);
            if (!/^https?:\/\/[^#]+#[a-z0-9-]+$/.test(r.annotations.runbook_url)) errors.push(`${rat}.annotations.runbook_url: '${r.annotations.runbook_url}' must be <url>#<anchor>`);
            if (!r.annotations.summary || !r.annotations.description) errors.push(`${rat}.annotations: summary and description are required`);
        });
    }
    return errors;
}
