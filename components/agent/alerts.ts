/**
 * The node agent's alert rules (group `agent`): failover, fencing, leases, lag (issue 12).
 * Promtool fixtures in test/monitoring/fixtures/agent.ts.
 */
import type { AlertPack, RuleDef } from "../monitoring/alerts";

function agentDefs(): RuleDef[] {
    const on = "on (job, instance, group)";
    return [
        {
            name: "AgentDown",
            expr: `up{job="agent"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "The node agent on {{ $labels.node }} is down",
            description: "Nothing renews or takes over this node's leases; its PostgreSQL fences itself when its write window ends.",
        },
        {
            name: "AgentFailoverHappened",
            expr: `increase(daarion_agent_failovers_total[15m]) > 0`,
            severity: "warning",
            summary: "Failover of {{ $labels.group }}: {{ $labels.node }} took over the lease",
            description: "The agent on {{ $labels.node }} took the {{ $labels.group }} lease from another node in the last 15 minutes. Find out why the old holder lost it.",
        },
        {
            name: "AgentNodeFenced",
            expr: `daarion_agent_fenced == 1 and ${on} max_over_time(daarion_agent_lease_held[10m]) == 1`,
            severity: "critical",
            summary: "{{ $labels.node }} fenced its {{ $labels.group }} primary",
            description: "The node held the {{ $labels.group }} lease within 10 minutes and now refuses writes: it could not renew the lease (partition, NATS quorum lost, or the agent stalled).",
        },
        {
            name: "AgentLeaseLost",
            expr: `max by (group) (daarion_agent_lease_held) == 0`,
            for: "1m",
            severity: "critical",
            summary: "No node holds the {{ $labels.group }} lease",
            description: "Every agent reports that it does not hold the lease: the group has no primary/active member.",
        },
        {
            name: "AgentReplicationLagAboveBound",
            // Both series carry the same labels (job, instance, node, group...): one-to-one matching keeps them.
            expr: `daarion_agent_replication_lag_bytes > daarion_agent_lag_bound_bytes`,
            for: "1m",
            severity: "critical",
            summary: "{{ $labels.node }} lags behind the {{ $labels.group }} primary by more than its bound",
            description: "This replica will not be promoted if the primary dies now (maxLagBytes): a failover would lose committed writes.",
        },
    ];
}

export function agentAlerts(): AlertPack {
    return { name: "agent", services: ["agent"], exporters: ["agent"], rules: agentDefs() };
}
