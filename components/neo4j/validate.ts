/**
 * Cross-checks of `replication.neo4j` (seed 000's causal cluster; Enterprise-only clustering),
 * then the renderer's own checks (./render.ts validateNeo4jBlock) on the block the module deploys.
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { validateNeo4jBlock } from "./render";

export function validateNeo4j(t: Topology): Finding[] {
    const f = new Findings(t);
    const neo = t.replication.neo4j;
    neo.primaries.forEach((n, i) => f.refNode(`replication.neo4j.primaries[${i}]`, n));
    neo.secondaries.forEach((n, i) => {
        f.refNode(`replication.neo4j.secondaries[${i}]`, n);
        if (neo.primaries.includes(n)) f.error(`replication.neo4j.secondaries[${i}]`, `node '${n}' is both a primary and a secondary`);
    });
    for (const d of duplicates([...neo.primaries, ...neo.secondaries])) f.error("replication.neo4j", `node '${d}' is listed twice`);
    const members = neo.primaries.length + neo.secondaries.length;
    if (neo.mode === "cluster") {
        if (neo.edition === "enterprise" && !neo.acceptLicenseAgreement) {
            f.error("replication.neo4j.acceptLicenseAgreement", "Neo4j clustering needs Enterprise Edition; set acceptLicenseAgreement: true to accept its license, or use edition: community");
        }
        if (neo.edition === "community") {
            f.warn("replication.neo4j.edition", `clustering is Enterprise-only: falling back to a single Community instance on '${neo.primaries[0]}' (the other ${members - 1} member(s) run nothing)`);
        }
        if (neo.edition === "enterprise" && neo.primaries.length === 2) {
            f.warn("replication.neo4j.primaries", "2 primaries cannot agree on writes after one is lost (Raft needs a majority); use 1 or 3");
        }
    } else if (members > 1) {
        f.error("replication.neo4j.mode", "standalone mode takes exactly one primary and no secondaries");
    }
    // The renderer's checks (memory, one server per node) on the block the module deploys
    // (neo4j/module.ts neo4jBlockFor, with private IPs): they need every node to exist.
    if ([...neo.primaries, ...neo.secondaries].every((n) => t.nodes[n])) {
        const node = (name: string) => ({ name, privateIp: t.nodes[name]!.privateIp });
        f.adopt(
            validateNeo4jBlock(
                {
                    primaries: neo.primaries.map(node),
                    secondaries: neo.mode === "cluster" ? neo.secondaries.map(node) : [],
                    edition: neo.edition,
                    acceptLicenseAgreement: neo.acceptLicenseAgreement,
                    heapGb: neo.heapGb,
                    pageCacheGb: neo.pageCacheGb,
                },
                "replication.neo4j",
            ),
        );
    }
    return f.list;
}
