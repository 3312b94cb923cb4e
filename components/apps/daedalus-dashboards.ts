/**
 * The Grafana dashboard of Daedalus: panels query only the `daedalus` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";
import { DaedalusMetricNames, DEFAULT_DAEDALUS_METRICS } from "../monitoring/families";

export function daedalusDashboards(daedalus: DaedalusMetricNames = DEFAULT_DAEDALUS_METRICS): DashboardSpec[] {
    const d = daedalus;
    return [
        {
            uid: "daarion-daedalus",
            title: "Daedalus",
            exporter: "daedalus",
            job: "daedalus",
            panels: [
                { title: "Up", expr: `${d.up}{${N}}`, unit: "short" },
                { title: "HTTP requests", expr: `sum by (${d.statusLabel}) (rate(${d.httpRequests}{${N}}[${RI}]))`, unit: "reqps", legend: `{{${d.statusLabel}}}` },
                { title: "HTTP 5xx ratio", expr: `sum(rate(${d.httpRequests}{${N}, ${d.statusLabel}=~"5.."}[${RI}])) / sum(rate(${d.httpRequests}{${N}}[${RI}]))`, unit: "percentunit" },
                { title: "HTTP p95 latency", expr: `histogram_quantile(0.95, sum by (le) (rate(${d.httpDuration}_bucket{${N}}[${RI}])))`, unit: "s" },
                { title: "Active MCP connections", expr: `${d.mcpConnectionsActive}{${N}}`, unit: "short" },
                { title: "MCP p95 latency", expr: `histogram_quantile(0.95, sum by (le) (rate(${d.mcpDuration}_bucket{${N}}[${RI}])))`, unit: "s" },
                { title: "Client exceptions / min", expr: `sum(rate(${d.clientExceptions}{${N}}[${RI}])) * 60`, unit: "short" },
                { title: "S3 error ratio", expr: `sum(rate(${d.s3Errors}{${N}}[${RI}])) / sum(rate(${d.s3Operations}{${N}}[${RI}]))`, unit: "percentunit" },
            ],
        },
    ];
}
