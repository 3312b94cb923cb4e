/**
 * The daedalus module's alert rules (group `daedalus`): seed 004's seven rules. Promtool fixtures
 * in test/monitoring/fixtures/daedalus.ts.
 */
import { DaedalusMetricNames, DEFAULT_DAEDALUS_METRICS } from "../monitoring/families";
import { AlertPack, ratio, RuleDef } from "../monitoring/alerts";

/** Seed 004's seven Daedalus rules, with exactly its conditions and severities. */
function daedalusDefs(m: DaedalusMetricNames): RuleDef[] {
    const by = "job, instance";
    const status5xx = `${m.statusLabel}=~"5.."`;
    return [
        {
            name: "DaedalusDown",
            expr: `${m.up} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Daedalus reports itself down on {{ $labels.instance }}",
            description: `${m.up} has been 0 for 1 minute.`,
        },
        {
            name: "DaedalusMCPDisconnected",
            expr: `${m.mcpConnectionsActive} == 0`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus has no active MCP connection on {{ $labels.instance }}",
            description: "No MCP server connection has been active for 5 minutes; agent tools are unavailable.",
        },
        {
            name: "DaedalusHighErrorRate",
            expr: `${ratio(`rate(${m.httpRequests}{${status5xx}}[5m])`, `rate(${m.httpRequests}[5m])`, by)} > 0.05`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus HTTP 5xx ratio above 5% on {{ $labels.instance }}",
            description: "{{ $value | humanizePercentage }} of HTTP responses were 5xx over the last 5 minutes.",
        },
        {
            name: "DaedalusClientExceptionSpike",
            expr: `sum by (${by}) (rate(${m.clientExceptions}[2m])) * 60 > 10`,
            severity: "warning",
            summary: "Browser exceptions above 10/min for Daedalus",
            description: "Clients report {{ $value | humanize }} exceptions per minute.",
        },
        {
            name: "DaedalusSlowResponses",
            expr: `histogram_quantile(0.95, sum by (${by}, le) (rate(${m.httpDuration}_bucket[5m]))) > 5`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus HTTP p95 latency above 5s on {{ $labels.instance }}",
            description: "p95 response time is {{ $value | humanizeDuration }}.",
        },
        {
            name: "DaedalusMCPLatency",
            expr: `histogram_quantile(0.95, sum by (${by}, le) (rate(${m.mcpDuration}_bucket[5m]))) > 30`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus MCP p95 latency above 30s on {{ $labels.instance }}",
            description: "p95 MCP request time is {{ $value | humanizeDuration }}.",
        },
        {
            name: "DaedalusS3Errors",
            expr: `${ratio(`rate(${m.s3Errors}[5m])`, `rate(${m.s3Operations}[5m])`, by)} > 0.01`,
            for: "5m",
            severity: "warning",
            summary: "Daedalus S3 error rate above 1% on {{ $labels.instance }}",
            description: "{{ $value | humanizePercentage }} of S3 operations failed over the last 5 minutes.",
        },
    ];
}

export function daedalusAlerts(o: { readonly metrics?: DaedalusMetricNames } = {}): AlertPack {
    return { name: "daedalus", services: ["daedalus"], exporters: ["daedalus"], rules: daedalusDefs(o.metrics ?? DEFAULT_DAEDALUS_METRICS) };
}
