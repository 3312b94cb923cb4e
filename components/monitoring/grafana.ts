/**
 * Grafana provisioning: datasources (Prometheus, Loki), a file dashboard provider, and one dashboard
 * per exporter whose panels query only metrics that exporter exposes (tested against families.ts).
 */
import { stringify } from "yaml";
import type { Topology } from "../../stacks/schema";
import type { ExporterKind } from "./families";

export interface GrafanaDatasourceSpec {
    /** e.g. `http://10.0.0.2:9090` */
    readonly prometheusUrl: string;
    /** Loki is optional: Daedalus logs go there (seed 004), but the platform may not run one yet. */
    readonly lokiUrl?: string;
    /** @default "15s", matches the scrape interval so $__rate_interval is right. */
    readonly scrapeInterval?: string;
}

export const PROMETHEUS_DATASOURCE_UID = "prometheus";
export const LOKI_DATASOURCE_UID = "loki";

export function renderGrafanaDatasources(spec: GrafanaDatasourceSpec): string {
    const datasources: Record<string, unknown>[] = [
        {
            name: "Prometheus",
            type: "prometheus",
            uid: PROMETHEUS_DATASOURCE_UID,
            access: "proxy",
            url: spec.prometheusUrl,
            isDefault: true,
            editable: false,
            jsonData: { timeInterval: spec.scrapeInterval ?? "15s", httpMethod: "POST" },
        },
    ];
    if (spec.lokiUrl) {
        datasources.push({ name: "Loki", type: "loki", uid: LOKI_DATASOURCE_UID, access: "proxy", url: spec.lokiUrl, editable: false });
    }
    return stringify({ apiVersion: 1, deleteDatasources: [], datasources }, { lineWidth: 0 });
}

/** Dashboards are files in `dashboardsPath` inside the Grafana container. */
export function renderGrafanaDashboardProvider(dashboardsPath: string): string {
    return stringify(
        {
            apiVersion: 1,
            providers: [
                {
                    name: "daarion",
                    orgId: 1,
                    folder: "DAARION",
                    type: "file",
                    // Provisioned dashboards are code: UI edits would be lost on the next deploy.
                    disableDeletion: true,
                    allowUiUpdates: false,
                    updateIntervalSeconds: 60,
                    options: { path: dashboardsPath, foldersFromFilesStructure: false },
                },
            ],
        },
        { lineWidth: 0 },
    );
}

export interface PanelSpec {
    readonly title: string;
    readonly expr: string;
    /** Grafana unit id: `percentunit`, `s`, `bytes`, `reqps`, `short`, ... */
    readonly unit: string;
    readonly legend?: string;
}

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly exporter: ExporterKind;
    /** Prometheus job whose `node` label values fill the node selector. */
    readonly job: string;
    readonly panels: readonly PanelSpec[];
}

/** The node selector every panel filters by (the dashboard's `node` variable). */
export const PANEL_NODE = `node=~"$node"`;
/** Grafana's rate window, sized to the scrape interval. */
export const RATE_INTERVAL = "$__rate_interval";
const N = PANEL_NODE;
const RI = RATE_INTERVAL;

/**
 * Monitoring's own dashboards (hosts, containers, probes, the pipeline); the modules' come from
 * `PlatformModule.dashboards` (components/<module>/dashboards.ts), gathered by `collectDashboards`.
 */
export function monitoringDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-host",
            title: "Hosts",
            exporter: "node",
            job: "node",
            panels: [
                { title: "CPU busy", expr: `1 - avg by (node) (rate(node_cpu_seconds_total{${N}, mode="idle"}[${RI}]))`, unit: "percentunit", legend: "{{node}}" },
                { title: "Load 1m", expr: `node_load1{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Memory available", expr: `node_memory_MemAvailable_bytes{${N}} / node_memory_MemTotal_bytes{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Disk free", expr: `node_filesystem_avail_bytes{${N}, fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{${N}, fstype!~"tmpfs|overlay"}`, unit: "percentunit", legend: "{{node}} {{mountpoint}}" },
                { title: "Network receive", expr: `rate(node_network_receive_bytes_total{${N}, device!="lo"}[${RI}])`, unit: "Bps", legend: "{{node}} {{device}}" },
                { title: "Disk busy", expr: `rate(node_disk_io_time_seconds_total{${N}}[${RI}])`, unit: "percentunit", legend: "{{node}} {{device}}" },
                { title: "Clock offset", expr: `node_timex_offset_seconds{${N}}`, unit: "s", legend: "{{node}}" },
            ],
        },
        {
            uid: "daarion-containers",
            title: "Containers",
            exporter: "cadvisor",
            job: "cadvisor",
            panels: [
                { title: "CPU", expr: `sum by (node, name) (rate(container_cpu_usage_seconds_total{${N}, name!=""}[${RI}]))`, unit: "short", legend: "{{node}} {{name}}" },
                { title: "Memory working set", expr: `container_memory_working_set_bytes{${N}, name!=""}`, unit: "bytes", legend: "{{node}} {{name}}" },
                { title: "Memory vs limit", expr: `container_memory_working_set_bytes{${N}, name!=""} / (container_spec_memory_limit_bytes{${N}, name!=""} > 0)`, unit: "percentunit", legend: "{{node}} {{name}}" },
                { title: "OOM events", expr: `increase(container_oom_events_total{${N}, name!=""}[1h])`, unit: "short", legend: "{{node}} {{name}}" },
                { title: "Network receive", expr: `sum by (node, name) (rate(container_network_receive_bytes_total{${N}, name!=""}[${RI}]))`, unit: "Bps", legend: "{{node}} {{name}}" },
            ],
        },
        {
            uid: "daarion-probes",
            title: "Health probes",
            exporter: "blackbox",
            job: "blackbox-http",
            panels: [
                { title: "Probe success", expr: `probe_success{${N}}`, unit: "short", legend: "{{service}} {{instance}}" },
                { title: "Probe duration", expr: `probe_duration_seconds{${N}}`, unit: "s", legend: "{{service}} {{instance}}" },
                { title: "HTTP status", expr: `probe_http_status_code{${N}}`, unit: "short", legend: "{{service}} {{instance}}" },
            ],
        },
        {
            uid: "daarion-monitoring",
            title: "Monitoring",
            exporter: "prometheus",
            job: "prometheus",
            panels: [
                { title: "Targets up", expr: `sum by (job) (up)`, unit: "short", legend: "{{job}}" },
                { title: "Head series", expr: `prometheus_tsdb_head_series`, unit: "short" },
                { title: "Rule evaluation failures", expr: `increase(prometheus_rule_evaluation_failures_total[1h])`, unit: "short" },
                { title: "Alertmanagers discovered", expr: `prometheus_notifications_alertmanagers_discovered`, unit: "short" },
                { title: "Notifications sent / s", expr: `rate(prometheus_notifications_sent_total[${RI}])`, unit: "short" },
            ],
        },
    ];
}

/** What collectDashboards needs of a module (a structural subset of PlatformModule). */
export interface DashboardModule {
    dashboards?(topology: Topology): DashboardSpec[];
}

/** Every dashboard: the modules' in module order (stacks/modules.ts), then monitoring's own. */
export function collectDashboards(t: Topology, modules: readonly DashboardModule[]): DashboardSpec[] {
    const specs = [...modules.flatMap((m) => m.dashboards?.(t) ?? []), ...monitoringDashboards()];
    const seen = new Set<string>();
    for (const d of specs) {
        // Grafana keys provisioned dashboards by uid, and the file name is `<uid>.json`: a duplicate would silently overwrite one.
        if (seen.has(d.uid)) throw new Error(`dashboard uid '${d.uid}' is contributed twice`);
        seen.add(d.uid);
    }
    return specs;
}

/**
 * The order the grafana container's dashboard files were uploaded in before the modules owned
 * their dashboards (issue 13). The upload list is an input of the container resource, so
 * reordering it shows up as a change of `node1-grafana` in the render fingerprint (test/golden);
 * whether the Docker provider would then recreate the container is not verified here (no source
 * looked up), so the historical order is kept. Dashboards not listed follow in collection order.
 */
export const GRAFANA_UPLOAD_ORDER: readonly string[] = [
    "daarion-daedalus", "daarion-agent", "daarion-nats", "daarion-postgres", "daarion-redis", "daarion-qdrant", "daarion-neo4j",
    "daarion-minio", "daarion-haproxy", "daarion-host", "daarion-containers", "daarion-probes", "daarion-monitoring",
];

/** `specs` in GRAFANA_UPLOAD_ORDER, then the rest in their given order (stable). */
export function inUploadOrder(specs: readonly DashboardSpec[]): DashboardSpec[] {
    const rank = (d: DashboardSpec) => {
        const i = GRAFANA_UPLOAD_ORDER.indexOf(d.uid);
        return i < 0 ? GRAFANA_UPLOAD_ORDER.length : i;
    };
    return [...specs].sort((a, b) => rank(a) - rank(b));
}

/** Grafana dashboard JSON (schema 39) for one spec. */
export function renderDashboard(spec: DashboardSpec): string {
    const panels = spec.panels.map((p, i) => ({
        id: i + 1,
        type: "timeseries",
        title: p.title,
        datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID },
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
        targets: [{ refId: "A", datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID }, expr: p.expr, legendFormat: p.legend ?? "__auto", range: true }],
    }));
    const dashboard = {
        uid: spec.uid,
        title: spec.title,
        tags: ["daarion", spec.exporter],
        editable: false,
        schemaVersion: 39,
        version: 1,
        time: { from: "now-6h", to: "now" },
        refresh: "30s",
        templating: {
            list: [
                {
                    name: "node",
                    label: "Node",
                    type: "query",
                    datasource: { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID },
                    query: { query: `label_values(up{job="${spec.job}"}, node)`, refId: "PrometheusVariableQueryEditor-VariableQuery" },
                    definition: `label_values(up{job="${spec.job}"}, node)`,
                    includeAll: true,
                    allValue: ".*",
                    multi: true,
                    refresh: 2,
                    current: { selected: true, text: ["All"], value: ["$__all"] },
                },
            ],
        },
        panels,
    };
    return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** File name -> JSON for every dashboard. */
export function renderDashboards(specs: readonly DashboardSpec[]): Record<string, string> {
    return Object.fromEntries(specs.map((s) => [`${s.uid}.json`, renderDashboard(s)]));
}
