/**
 * The ingress module's alert rules (group `haproxy`). Promtool fixtures in
 * test/monitoring/fixtures/ingress.ts.
 */
import type { AlertPack, RuleDef } from "../monitoring/alerts";

function haproxyDefs(): RuleDef[] {
    const by = "job, instance, node, proxy";
    const total = `sum by (${by}) (rate(haproxy_backend_http_responses_total[5m]))`;
    return [
        {
            name: "HaproxyDown",
            expr: `up{job="haproxy"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "HAProxy on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape HAProxy's built-in exporter.",
        },
        {
            name: "HaproxyBackendDown",
            expr: `haproxy_backend_active_servers + haproxy_backend_backup_servers == 0`,
            for: "1m",
            severity: "critical",
            summary: "HAProxy backend {{ $labels.proxy }} has no server up on {{ $labels.node }}",
            description: "Every server of the backend fails its health check: requests get 503.",
        },
        {
            name: "HaproxyServerDown",
            expr: `haproxy_server_status{state="DOWN"} == 1`,
            for: "2m",
            severity: "warning",
            summary: "HAProxy server {{ $labels.proxy }}/{{ $labels.server }} is DOWN",
            description: "The server fails its health check; the backend runs with reduced capacity.",
        },
        {
            name: "HaproxyHigh5xxRatio",
            // Without `and ... > 0` an idle backend gives 0/0 = NaN, and a restart can give spurious ratios.
            expr: `sum by (${by}) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / ${total} > 0.05 and ${total} > 0`,
            for: "5m",
            severity: "warning",
            summary: "HAProxy backend {{ $labels.proxy }} returns more than 5% 5xx",
            description: "{{ $value | humanizePercentage }} of responses from {{ $labels.proxy }} were 5xx over 5 minutes.",
        },
    ];
}

/**
 * The node agent's rules (issue 12). Metric names are the agent contract's; a replica of an
 * AbsoluteConsistency group is always fenced (it may not accept writes), so "a fenced node" means
 * a node that held the lease within the last 10 minutes and is fenced now: the primary fenced itself.
 */

export function haproxyAlerts(): AlertPack {
    return { name: "haproxy", services: ["ingress", "haproxy"], exporters: ["haproxy"], rules: haproxyDefs() };
}
