/**
 * The Grafana dashboard of the node agent (issue 12): leases, fencing, failovers and lag per failover group: panels query only the `agent` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function agentDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-agent",
            title: "Node agent (failover)",
            exporter: "agent",
            job: "agent",
            panels: [
                { title: "Agent up", expr: `daarion_agent_up{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Primary per group", expr: `daarion_agent_primary{${N}} == 1`, unit: "short", legend: "{{group}}: {{node}}" },
                { title: "Lease held", expr: `daarion_agent_lease_held{${N}}`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Lease age", expr: `daarion_agent_lease_age_seconds{${N}}`, unit: "s", legend: "{{group}} on {{node}}" },
                { title: "Fenced", expr: `daarion_agent_fenced{${N}}`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Failovers", expr: `increase(daarion_agent_failovers_total{${N}}[${RI}])`, unit: "short", legend: "{{group}} on {{node}}" },
                { title: "Replication lag vs bound", expr: `daarion_agent_replication_lag_bytes{${N}} / daarion_agent_lag_bound_bytes{${N}}`, unit: "percentunit", legend: "{{group}} on {{node}}" },
                { title: "Peers reachable", expr: `daarion_agent_peer_up{${N}}`, unit: "short", legend: "{{node}} -> {{peer}}" },
            ],
        },
    ];
}
