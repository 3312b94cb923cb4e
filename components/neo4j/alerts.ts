/**
 * The neo4j module's alert rules (group `neo4j`), for Enterprise Edition only: Community has no
 * metrics endpoint, so monitoring probes its Bolt port instead. Promtool fixtures in
 * test/monitoring/fixtures/neo4j.ts.
 */
import type { Topology } from "../../stacks/schema";
import type { AlertPack, RuleDef } from "../monitoring/alerts";

export interface Neo4jAlertOptions {
    readonly database?: string;
    readonly clustered: boolean;
}

/** Undefined for Community Edition, which exposes no metrics. */
export function neo4jAlertOptions(t: Topology): Neo4jAlertOptions | undefined {
    const n4 = t.replication.neo4j;
    return n4.edition === "enterprise" ? { clustered: n4.mode === "cluster" } : undefined;
}

function neo4jDefs(o: Neo4jAlertOptions): RuleDef[] {
    const db = `neo4j_database_${(o.database ?? "neo4j").replace(/[^a-zA-Z0-9_]/g, "_")}`;
    const defs: RuleDef[] = [
        {
            name: "Neo4jDown",
            expr: `up{job="neo4j"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Neo4j on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape Neo4j's metrics endpoint.",
        },
        {
            name: "Neo4jHeapHigh",
            expr: `neo4j_dbms_vm_heap_used / neo4j_dbms_vm_heap_max > 0.9 and neo4j_dbms_vm_heap_max > 0`,
            for: "10m",
            severity: "warning",
            summary: "Neo4j on {{ $labels.node }} uses {{ $value | humanizePercentage }} of its heap",
            description: "Long GC pauses and OutOfMemoryError follow a full heap.",
        },
        {
            name: "Neo4jPageCacheHitRatioLow",
            expr: `neo4j_dbms_page_cache_hit_ratio < 0.98`,
            for: "15m",
            severity: "warning",
            summary: "Neo4j page cache hit ratio {{ $value | humanizePercentage }} on {{ $labels.node }}",
            description: "Reads go to disk; the page cache is too small for the working set.",
        },
    ];
    if (o.clustered) {
        defs.push({
            name: "Neo4jNoLeader",
            expr: `max(${db}_cluster_raft_is_leader) == 0`,
            for: "1m",
            severity: "critical",
            summary: `Neo4j database ${o.database ?? "neo4j"} has no Raft leader`,
            description: "No primary is leader for the database: writes are rejected.",
        });
    }
    return defs;
}

export function neo4jAlerts(o: Neo4jAlertOptions): AlertPack {
    return { name: "neo4j", services: ["neo4j"], exporters: ["neo4j"], rules: neo4jDefs(o) };
}
