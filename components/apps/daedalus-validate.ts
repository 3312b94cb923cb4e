/** Cross-checks of the `daedalus` block (seed 004) against the stores it uses. */
import type { Topology } from "../../stacks/schema";
import { Finding, Findings } from "../../stacks/validate";

export function validateDaedalus(t: Topology): Finding[] {
    const f = new Findings(t);
    if (!t.daedalus) return f.list;
    f.refNode("daedalus.node", t.daedalus.node);
    if (!t.replication.postgresql.databases.includes(t.daedalus.database)) f.error("daedalus.database", `database '${t.daedalus.database}' is not in replication.postgresql.databases`);
    if (!t.minio) f.error("daedalus", "Daedalus stores files in S3: a minio block is required");
    else if (!t.minio.buckets.includes(t.daedalus.bucket)) f.error("daedalus.bucket", `bucket '${t.daedalus.bucket}' is not in minio.buckets`);
    return f.list;
}
