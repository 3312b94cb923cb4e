/**
 * Tables in README.md generated from the config, so the docs cannot drift from what deploys.
 * `npm run docs` rewrites the marked sections; a test fails when they are stale.
 */
import type { Topology } from "./schema";

/**
 * Seed 000's data and messaging rows of the distribution table, from the replication block (the
 * application services' table is `serviceDistributionMarkdown` in components/apps/module.ts).
 */
export function platformServiceTable(t: Topology): string {
    const nodes = Object.keys(t.nodes);
    const rows: Array<[string, Record<string, string>]> = [];
    const r = t.replication;
    const mark = (list: readonly string[], label: string) => Object.fromEntries(list.map((n) => [n, `✓ (${label})`]));
    rows.push(["PostgreSQL :5432", { ...mark([r.postgresql.primary], "primary"), ...mark(r.postgresql.replicas, "replica") }]);
    const neoCluster = r.neo4j.mode === "cluster" && r.neo4j.edition === "enterprise";
    rows.push([
        `Neo4j :7687${neoCluster ? "" : " (Community: one instance)"}`,
        neoCluster ? { ...mark(r.neo4j.primaries, "primary"), ...mark(r.neo4j.secondaries, "secondary") } : mark([r.neo4j.primaries[0]!], "standalone"),
    ]);
    rows.push([`Qdrant :6333 (${r.qdrant.shards} shards, RF ${r.qdrant.replicationFactor})`, mark(r.qdrant.nodes, "peer")]);
    const redis: Record<string, string> = { ...mark([r.redis.master], "master"), ...mark(r.redis.replicas, "replica") };
    for (const n of r.redis.edgeCaches) redis[n] = redis[n] ? `${redis[n]} + cache` : "✓ (cache)";
    rows.push(["Redis :6379", redis]);
    rows.push([`Redis Sentinel :26379 (quorum ${r.redis.quorum})`, mark(r.redis.sentinels, "sentinel")]);
    const nats: Record<string, string> = {};
    for (const c of r.nats.clusters) {
        for (const n of c.nodes) {
            // A node may run a core server and its edge leaf (the leaf on its own ports).
            const cell = `${c.leafnodeTo ? `leaf of ${c.leafnodeTo}` : `cluster ${c.name}`}${c.ports?.client ? ` :${c.ports.client}` : ""}`;
            nats[n] = nats[n] ? nats[n]!.replace(/\)$/, ` + ${cell})`) : `✓ (${cell})`;
        }
    }
    rows.push(["NATS :4222", nats]);
    if (t.minio) rows.push(["MinIO :9000", mark([t.minio.node], "server")]);
    // The node agent runs on every node (components/agent/); cells name the failover groups it is a member of.
    const groups = Object.entries(t.failover?.groups ?? {});
    const member = (n: string) =>
        groups.filter(([g]) => (g === "postgres" ? [r.postgresql.primary, ...r.postgresql.replicas] : Object.entries(t.services[g]?.placement ?? {}).filter(([, role]) => role === "active" || role === "standby").map(([x]) => x)).includes(n)).map(([g]) => g);
    rows.push([`Node agent :${t.failover?.port ?? 9700} (failover leases)`, Object.fromEntries(nodes.map((n) => [n, member(n).length ? `✓ (${member(n).join(", ")})` : "✓ (observer)"]))]);
    if (t.monitoring) rows.push(["Prometheus :9090, Alertmanager :9093, Grafana :3030", mark([t.monitoring.node], "monitoring")]);
    const header = `| Service | ${nodes.map((n) => `${n.toUpperCase()} (${t.nodes[n]!.role})`).join(" | ")} |`;
    const rule = `|${"---|".repeat(nodes.length + 1)}`;
    const body = rows.map(([name, cells]) => `| ${name} | ${nodes.map((n) => cells[n] ?? "-").join(" | ")} |`);
    return [header, rule, ...body].join("\n");
}

export interface GeneratedSection {
    readonly name: string;
    readonly content: string;
}

/** Replace `<!-- BEGIN GENERATED: name -->...<!-- END GENERATED: name -->` blocks. */
export function replaceSections(text: string, sections: readonly GeneratedSection[]): string {
    let out = text;
    for (const s of sections) {
        const begin = `<!-- BEGIN GENERATED: ${s.name} -->`;
        const end = `<!-- END GENERATED: ${s.name} -->`;
        const from = out.indexOf(begin);
        const to = out.indexOf(end);
        if (from < 0 || to < from) throw new Error(`README.md has no generated section '${s.name}'`);
        out = out.slice(0, from + begin.length) + "\n" + s.content.trim() + "\n" + out.slice(to);
    }
    return out;
}
