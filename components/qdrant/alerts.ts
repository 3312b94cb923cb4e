/**
 * The qdrant module's alert rules (group `qdrant`). Promtool fixtures in
 * test/monitoring/fixtures/qdrant.ts.
 */
import type { Topology } from "../../stacks/schema";
import { AlertPack, ratio, RuleDef } from "../monitoring/alerts";

export interface QdrantAlertOptions {
    readonly expectedPeers: number;
}

export function qdrantAlertOptions(t: Topology): QdrantAlertOptions {
    return { expectedPeers: t.replication.qdrant.nodes.length };
}

function qdrantDefs(o: QdrantAlertOptions): RuleDef[] {
    const by = "job, instance, node";
    return [
        {
            name: "QdrantDown",
            expr: `up{job="qdrant"} == 0`,
            for: "1m",
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} is down",
            description: "Prometheus cannot scrape Qdrant's /metrics.",
        },
        {
            name: "QdrantRecoveryMode",
            expr: `app_status_recovery_mode == 1`,
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} started in recovery mode",
            description: "Collections are not loaded; only snapshot recovery works.",
        },
        {
            name: "QdrantRestErrorRate",
            expr: `${ratio("rate(rest_responses_fail_total[5m])", "rate(rest_responses_total[5m])", by)} > 0.05 and sum by (${by}) (rate(rest_responses_total[5m])) > 0`,
            for: "5m",
            severity: "warning",
            summary: "Qdrant REST failure ratio above 5% on {{ $labels.node }}",
            description: "{{ $value | humanizePercentage }} of REST responses failed.",
        },
        {
            name: "QdrantClusterPeersMissing",
            expr: `cluster_peers_total{job="qdrant"} < ${o.expectedPeers}`,
            for: "2m",
            severity: "critical",
            summary: "Qdrant on {{ $labels.node }} sees {{ $value }} of ${o.expectedPeers} peers",
            description: "A Qdrant peer left the Raft cluster; shards with replication_factor 2 run on one copy.",
        },
        {
            name: "QdrantPendingOperations",
            expr: `cluster_pending_operations_total > 0`,
            for: "10m",
            severity: "warning",
            summary: "Qdrant consensus on {{ $labels.node }} has pending operations",
            description: "{{ $value }} consensus operations have been pending for 10 minutes: the cluster cannot commit.",
        },
        {
            name: "QdrantLeaderElections",
            expr: `changes(cluster_term[15m]) > 3`,
            severity: "warning",
            summary: "Qdrant Raft term changed {{ $value }} times in 15m",
            description: "Frequent elections point at an unstable network between the peers.",
        },
    ];
}

export function qdrantAlerts(o: QdrantAlertOptions): AlertPack {
    return { name: "qdrant", services: ["qdrant"], exporters: ["qdrant"], rules: qdrantDefs(o) };
}
