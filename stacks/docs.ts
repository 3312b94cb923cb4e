/**
 * Tables in README.md generated from the config, so the docs cannot drift from what deploys.
 * `npm run docs` rewrites the marked sections; a test fails when they are stale.
 */
import type { Topology } from "./schema";

/** One row of README's platform distribution table: what a module runs on which node. */
export interface DistributionRow {
    /** First cell, e.g. `PostgreSQL :5432`. */
    readonly title: string;
    /** Cell per node name; a node without a cell shows `-`. */
    readonly cells: Readonly<Record<string, string>>;
}

/** A link of the topology diagram (offline/mermaid.ts): replication, peering, routes. */
export interface DiagramLink {
    readonly from: string;
    readonly to: string;
    readonly label: string;
    /** arrow `-->`, dotted `.->`, both `<-->`, thick `==>`. */
    readonly style: "arrow" | "dotted" | "both" | "thick";
}

/** What a module adds to the docs (a structural subset of PlatformModule). */
export interface DocumentedModule {
    distribution?(t: Topology): DistributionRow[];
    diagram?(t: Topology): Array<DiagramLink | { readonly comment: string }>;
}

/** Cells `✓ (<label>)` for every node of `list`. */
export function markNodes(list: readonly string[], label: string): Record<string, string> {
    return Object.fromEntries(list.map((n) => [n, `✓ (${label})`]));
}

/**
 * Seed 000's data and messaging rows of the distribution table, contributed by the modules in
 * module order (PlatformModule.distribution; the application services' table is
 * `serviceDistributionMarkdown` in components/apps/module.ts).
 */
export function platformServiceTable(t: Topology, modules: readonly DocumentedModule[]): string {
    const nodes = Object.keys(t.nodes);
    const rows = modules.flatMap((m) => m.distribution?.(t) ?? []);
    const header = `| Service | ${nodes.map((n) => `${n.toUpperCase()} (${t.nodes[n]!.role})`).join(" | ")} |`;
    const rule = `|${"---|".repeat(nodes.length + 1)}`;
    const body = rows.map(({ title, cells }) => `| ${title} | ${nodes.map((n) => cells[n] ?? "-").join(" | ")} |`);
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
