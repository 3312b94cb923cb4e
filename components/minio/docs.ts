/** The minio module's row of the README distribution table. */
import type { DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { MINIO_PORTS } from "./contract";

export function minioDistribution(t: Topology): DistributionRow[] {
    return t.minio ? [{ title: `MinIO :${MINIO_PORTS.api}`, cells: markNodes([t.minio.node], "server") }] : [];
}
