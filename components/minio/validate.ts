/**
 * Cross-checks of the `minio` block, then the module's own checks (validateMinioTopology: image,
 * bucket names), which used to throw at deploy time.
 */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";
import { minioBuckets } from "./contract";
import { validateMinioImage } from "./image";
import { DAEDALUS_BUCKET } from "./layout";
import { validateBucketName } from "./policy";

export function validateMinio(t: Topology): Finding[] {
    const f = new Findings(t);
    if (!t.minio) return f.list;
    f.refNode("minio.node", t.minio.node);
    for (const d of duplicates(t.minio.buckets)) f.error("minio.buckets", `bucket '${d}' is listed twice`);
    // Warnings (an unpinned image) depend on the stack (allowed on the local engine): the module
    // prints them when it deploys.
    f.adopt(validateMinioTopology(t, { allowUnpinned: true }).errors);
    return f.list;
}

export function validateMinioTopology(t: Topology, options: { allowUnpinned?: boolean } = {}): { errors: string[]; warnings: string[] } {
    const errors: string[] = [];
    const warnings: string[] = [];
    if (!t.minio) return { errors, warnings };
    if (!t.nodes[t.minio.node]) errors.push(`minio.node: '${t.minio.node}' is not a node of the topology`);
    if ("build" in t.minio.image) errors.push("minio.image: must be a published image (repository + tag/digest)");
    else {
        // An unpinned image is advisory here (the tag is a fixed release); the digest check names the fix.
        for (const e of validateMinioImage(t.minio.image, { allowUnpinned: true, prefix: "minio.image" })) errors.push(e);
        if (!t.minio.image.digest && !options.allowUnpinned) warnings.push(...validateMinioImage(t.minio.image, { prefix: "minio.image" }));
    }
    minioBuckets(t).forEach((b) => errors.push(...validateBucketName(b, `minio.buckets[${b}]`)));
    if (t.daedalus && t.daedalus.bucket !== DAEDALUS_BUCKET) warnings.push(`daedalus.bucket: '${t.daedalus.bucket}' differs from seed 004's '${DAEDALUS_BUCKET}'`);
    return { errors, warnings };
}

