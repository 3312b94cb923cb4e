/**
 * The nats module's alert rules (Prometheus rule group `nats`): servers, routes, leafnodes and
 * JetStream meta groups, with thresholds from the topology. Rendered by components/monitoring;
 * promtool fixtures in test/monitoring/fixtures/nats.ts.
 */
import type { Topology } from "../../stacks/schema";
import type { AlertPack, RuleDef } from "../monitoring/alerts";

export interface NatsClusterExpectation {
    /** NATS cluster name (the `cluster` label of the jsz metrics). */
    readonly name: string;
    /** Node names of the cluster's servers; each should hold `nodes.length - 1` routes. */
    readonly nodes: readonly string[];
    /** The cluster runs a JetStream meta group (servers with JetStream enabled). */
    readonly jetstream: boolean;
}

export interface NatsAlertOptions {
    readonly clusters: readonly NatsClusterExpectation[];
    /** Node names whose NATS server is a leafnode (each must keep >= 1 leaf connection). */
    readonly leafNodes: readonly string[];
    /** Names of the leaf clusters (the `service_role` of their servers' targets). */
    readonly leafClusters?: readonly string[];
}

/** What the rules expect, from the topology: every cluster's servers, JetStream on full clusters only. */
export function natsAlertOptions(t: Topology): NatsAlertOptions {
    const clusters = t.replication.nats.clusters;
    const cores = clusters.filter((c) => c.leafnodeTo === undefined);
    return {
        clusters: clusters.map((c) => ({ name: c.name, nodes: [...c.nodes], jetstream: c.jetstream !== undefined && cores.includes(c) })),
        leafNodes: clusters.filter((c) => c.leafnodeTo !== undefined).flatMap((c) => c.nodes),
        leafClusters: clusters.filter((c) => c.leafnodeTo !== undefined).map((c) => c.name),
    };
}

function natsDefs(o: NatsAlertOptions): RuleDef[] {
    const defs: RuleDef[] = [
        {
            name: "NatsServerUnreachable",
            // The exporter keeps answering when nats-server is gone, it just stops emitting gnatsd_*.
            expr: `up{job="nats"} == 1 unless on (instance) gnatsd_healthz_status`,
            for: "1m",
            severity: "critical",
            summary: "NATS server behind {{ $labels.instance }} is unreachable",
            description: "prometheus-nats-exporter is up but gets no /healthz answer from its nats-server.",
        },
        {
            name: "NatsServerUnhealthy",
            expr: `gnatsd_healthz_status != 0`,
            for: "2m",
            severity: "critical",
            summary: "NATS server {{ $labels.node }} reports unhealthy",
            description: "/healthz has not returned ok for 2 minutes (JetStream not current or server starting).",
        },
        {
            name: "NatsSlowConsumers",
            expr: `increase(gnatsd_varz_slow_consumers[5m]) > 0`,
            severity: "warning",
            summary: "NATS server {{ $labels.node }} disconnected slow consumers",
            description: "{{ $value | humanize }} slow consumers in the last 5 minutes; a subscriber cannot keep up.",
        },
        {
            name: "NatsConnectionsNearLimit",
            expr: `gnatsd_varz_connections / gnatsd_varz_max_connections > 0.8`,
            for: "5m",
            severity: "warning",
            summary: "NATS server {{ $labels.node }} above 80% of max_connections",
            description: "{{ $value | humanizePercentage }} of max_connections are in use.",
        },
    ];
    for (const cluster of o.clusters) {
        if (cluster.nodes.length > 1) {
            defs.push({
                name: "NatsClusterRouteMissing",
                // service_role is the server's cluster (plan.ts): node3 runs a core server AND an
                // edge leaf, and the leaf has no routes by design.
                expr: `gnatsd_varz_routes{service_role="${cluster.name}", node=~"${cluster.nodes.join("|")}"} < ${cluster.nodes.length - 1}`,
                for: "2m",
                severity: "critical",
                labels: { nats_cluster: cluster.name },
                summary: `NATS server {{ $labels.node }} lost a route in cluster ${cluster.name}`,
                description: `Each server of cluster ${cluster.name} needs at least ${cluster.nodes.length - 1} route(s); it has {{ $value }}.`,
            });
        }
    }
    if (o.leafNodes.length > 0) {
        defs.push({
            name: "NatsLeafnodeDown",
            expr: `gnatsd_varz_leafnodes{${o.leafClusters?.length ? `service_role=~"${o.leafClusters.join("|")}", ` : ""}node=~"${o.leafNodes.join("|")}"} < 1`,
            for: "2m",
            severity: "critical",
            summary: "NATS leafnode on {{ $labels.node }} is disconnected from the hub",
            description: "The leaf server has no leafnode connection: edge messages are not reaching the core cluster.",
        });
    }
    if (o.clusters.some((c) => c.jetstream)) {
        defs.push(
            {
                name: "JetStreamNoMetaLeader",
                // jsz reports meta_leader="" on every server of a clustered JetStream without a leader.
                expr: `jetstream_server_jetstream_disabled{meta_leader="", is_meta_leader="false"} == 0`,
                for: "1m",
                severity: "critical",
                summary: "JetStream cluster {{ $labels.cluster }} has no meta leader",
                description: "Server {{ $labels.server_name }} sees no JetStream meta leader: streams and consumers cannot be created or changed.",
            },
            {
                name: "JetStreamMetaLeaderDisagreement",
                expr: `count by (cluster) (count by (cluster, meta_leader) (jetstream_server_jetstream_disabled{meta_leader!=""} == 0)) > 1`,
                for: "5m",
                severity: "warning",
                summary: "JetStream servers of {{ $labels.cluster }} disagree on the meta leader",
                description: "Servers report different meta leaders for 5 minutes: the cluster is partitioned.",
            },
            {
                name: "JetStreamStorageNearFull",
                expr: `jetstream_server_total_message_bytes / jetstream_server_max_storage > 0.85 and jetstream_server_max_storage > 0`,
                for: "10m",
                severity: "warning",
                summary: "JetStream storage on {{ $labels.server_name }} above 85%",
                description: "{{ $value | humanizePercentage }} of max_file_store is used; publishes will be rejected when full.",
            },
        );
        for (const cluster of o.clusters.filter((c) => c.jetstream)) {
            defs.push({
                name: "JetStreamClusterServersMissing",
                expr: `count by (cluster) (jetstream_server_jetstream_disabled{cluster="${cluster.name}"} == 0) < ${cluster.nodes.length}`,
                for: "2m",
                severity: "critical",
                labels: { nats_cluster: cluster.name },
                summary: `JetStream cluster ${cluster.name} has fewer than ${cluster.nodes.length} servers`,
                description: `Only {{ $value }} of ${cluster.nodes.length} JetStream servers of ${cluster.name} report in; replicated streams may have lost quorum.`,
            });
        }
    }
    return defs;
}

export function natsAlerts(o: NatsAlertOptions): AlertPack {
    return { name: "nats", services: ["nats"], exporters: ["nats"], rules: natsDefs(o) };
}
