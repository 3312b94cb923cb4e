/**
 * The Grafana dashboard of Neo4j: panels query only the `neo4j` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function neo4jDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-neo4j",
            title: "Neo4j",
            exporter: "neo4j",
            job: "neo4j",
            panels: [
                { title: "Up", expr: `up{job="neo4j", ${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Heap used", expr: `neo4j_dbms_vm_heap_used{${N}} / neo4j_dbms_vm_heap_max{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Page cache hit ratio", expr: `neo4j_dbms_page_cache_hit_ratio{${N}}`, unit: "percentunit", legend: "{{node}}" },
                { title: "Active transactions", expr: `neo4j_database_neo4j_transaction_active{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Commits / s", expr: `rate(neo4j_database_neo4j_transaction_committed_total{${N}}[${RI}])`, unit: "short", legend: "{{node}}" },
                { title: "Raft leader", expr: `neo4j_database_neo4j_cluster_raft_is_leader{${N}}`, unit: "short", legend: "{{node}}" },
                { title: "Bolt connections running", expr: `neo4j_dbms_bolt_connections_running{${N}}`, unit: "short", legend: "{{node}}" },
            ],
        },
    ];
}
