/**
 * prometheus.yml from typed scrape targets. One scrape job per `job`; each target keeps its own
 * `node`/`service`/`service_role` labels so rules and dashboards can select by node.
 */
import { stringify } from "yaml";
import { ScrapeTarget } from "./scrape";

export interface PrometheusConfigSpec {
    /** @default "15s" */
    readonly scrapeInterval?: string;
    /** @default "15s" */
    readonly evaluationInterval?: string;
    readonly externalLabels?: Readonly<Record<string, string>>;
    /** Absolute paths of the rule files inside the Prometheus container. */
    readonly ruleFiles: readonly string[];
    /** Alertmanager `host:port` addresses. */
    readonly alertmanagers: readonly string[];
    readonly targets: readonly ScrapeTarget[];
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const HOSTPORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export function validatePrometheusConfigSpec(spec: PrometheusConfigSpec): string[] {
    const errors: string[] = [];
    for (const [key, v] of [["scrapeInterval", spec.scrapeInterval], ["evaluationInterval", spec.evaluationInterval]] as const) {
        if (v !== undefined && !DURATION.test(v)) errors.push(`${key}: '${v}' is not a Prometheus duration`);
    }
    spec.ruleFiles.forEach((f, i) => {
        if (!f.startsWith("/")) errors.push(`ruleFiles[${i}]: '${f}' must be absolute`);
    });
    spec.alertmanagers.forEach((a, i) => {
        if (!HOSTPORT.test(a)) errors.push(`alertmanagers[${i}]: '${a}' must be host:port`);
    });
    const byJob = new Map<string, ScrapeTarget[]>();
    spec.targets.forEach((t, i) => {
        const at = `targets[${i}]`;
        if (!/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(t.job)) errors.push(`${at}.job: '${t.job}' is not a valid job name`);
        if (!HOSTPORT.test(t.address)) errors.push(`${at}.address: '${t.address}' must be host:port`);
        if (t.interval !== undefined && !DURATION.test(t.interval)) errors.push(`${at}.interval: '${t.interval}' is not a Prometheus duration`);
        if (t.metricsPath !== undefined && !t.metricsPath.startsWith("/")) errors.push(`${at}.metricsPath: must start with /`);
        for (const k of Object.keys(t.labels ?? {})) {
            if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith("__")) errors.push(`${at}.labels.${k}: invalid label name`);
            if (k === "node" || k === "job" || k === "instance") errors.push(`${at}.labels.${k}: reserved, set by the renderer`);
        }
        byJob.set(t.job, [...(byJob.get(t.job) ?? []), t]);
    });
    for (const [job, ts] of byJob) {
        const paths = new Set(ts.map((t) => t.metricsPath ?? "/metrics"));
        const intervals = new Set(ts.map((t) => t.interval ?? spec.scrapeInterval ?? "15s"));
        const tokens = new Set(ts.map((t) => t.bearerTokenFile ?? ""));
        const probes = new Set(ts.map((t) => (t.probe ? `${t.probe.module}@${t.address}` : "")));
        if (probes.size > 1) errors.push(`targets[job=${job}].probe: targets of one job must all be probes of one module through one exporter, or none`);
        if (tokens.size > 1) errors.push(`targets[job=${job}].bearerTokenFile: targets of one job must share the credentials`);
        if (paths.size > 1) errors.push(`targets[job=${job}].metricsPath: targets of one job must share the path (${[...paths].join(", ")})`);
        if (intervals.size > 1) errors.push(`targets[job=${job}].interval: targets of one job must share the interval (${[...intervals].join(", ")})`);
        const seen = new Set<string>();
        for (const t of ts) {
            const key = t.probe?.target ?? t.address;
            if (seen.has(key)) errors.push(`targets[job=${job}].address: '${key}' listed twice`);
            seen.add(key);
        }
    }
    return errors;
}

export function renderPrometheusConfig(spec: PrometheusConfigSpec): string {
    const errors = validatePrometheusConfigSpec(spec);
    if (errors.length > 0) throw new Error(`invalid Prometheus config:\n  ${errors.join("\n  ")}`);
    const jobs = [...new Set(spec.targets.map((t) => t.job))].sort();
    const doc = {
        global: {
            scrape_interval: spec.scrapeInterval ?? "15s",
            evaluation_interval: spec.evaluationInterval ?? "15s",
            ...(spec.externalLabels && Object.keys(spec.externalLabels).length > 0 ? { external_labels: { ...spec.externalLabels } } : {}),
        },
        rule_files: [...spec.ruleFiles],
        alerting: {
            alertmanagers: spec.alertmanagers.length > 0 ? [{ static_configs: [{ targets: [...spec.alertmanagers] }] }] : [],
        },
        scrape_configs: jobs.map((job) => {
            const key = (t: ScrapeTarget) => t.probe?.target ?? t.address;
            const ts = spec.targets.filter((t) => t.job === job).sort((a, b) => key(a).localeCompare(key(b)));
            const probe = ts[0].probe;
            return {
                job_name: job,
                scrape_interval: ts[0].interval ?? spec.scrapeInterval ?? "15s",
                metrics_path: probe ? "/probe" : (ts[0].metricsPath ?? "/metrics"),
                ...(probe ? { params: { module: [probe.module] } } : {}),
                ...(ts[0].bearerTokenFile ? { authorization: { type: "Bearer", credentials_file: ts[0].bearerTokenFile } } : {}),
                static_configs: ts.map((t) => ({
                    targets: [key(t)],
                    labels: { node: t.node, ...(t.labels ?? {}) },
                })),
                // The standard blackbox pattern: the probed address becomes ?target= and the instance label,
                // the scrape itself goes to the exporter.
                ...(probe
                    ? {
                          relabel_configs: [
                              { source_labels: ["__address__"], target_label: "__param_target" },
                              { source_labels: ["__param_target"], target_label: "instance" },
                              { target_label: "__address__", replacement: ts[0].address },
                          ],
                      }
                    : {}),
            };
        }),
    };
    return `# Generated by components/monitoring/render-prometheus.ts\n${stringify(doc, { lineWidth: 0 })}`;
}
