/**
 * Known permanent diffs: properties that show up as changed on every refresh although nobody
 * changed anything, because of how a provider reads them back. This is the ONE place they are
 * listed. The drift report still shows them (marked `known`), it only stops them from failing
 * the run on their own; fix the upstream cause and delete the entry.
 */

export interface KnownPermanentDiff {
    /** Pulumi type token. */
    readonly type: string;
    /** Property path prefix (`image`, `privileges`); `*` matches every property of the type. */
    readonly property: string;
    readonly reason: string;
    /** Upstream issue or the provider behaviour behind it. */
    readonly reference: string;
}

export const KNOWN_PERMANENT_DIFFS: readonly KnownPermanentDiff[] = [
    {
        type: "docker:index/container:Container",
        property: "image",
        reason: "the provider reads back the image ID (sha256:...) while the program declares a reference; a tag or a RemoteImage output re-resolves on refresh",
        reference: "pulumi/pulumi-docker#325, pulumi/pulumi-docker#1431",
    },
    {
        type: "docker:index/remoteImage:RemoteImage",
        property: "repoDigest",
        reason: "a tag that moved upstream changes repoDigest on refresh although the pulled image on the node did not change",
        reference: "pulumi/pulumi-docker#1431",
    },
    {
        type: "postgresql:index/grant:Grant",
        property: "*",
        reason: "grants are re-read from the catalog in a different form (privilege lists, objects) than declared",
        reference: "pulumi/pulumi-postgresql#233",
    },
    {
        type: "minio:index/iamServiceAccount:IamServiceAccount",
        property: "*",
        reason: "MinIO never returns a service account's secret key (and normalizes its policy JSON) on read, so refresh always differs from the declared values",
        reference: "provider behaviour of aminueza/terraform-provider-minio (no upstream issue tracked yet)",
    },
];

function pathMatches(prefix: string, path: string): boolean {
    if (prefix === "*") return true;
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

export function findKnownDiff(type: string, path: string, known: readonly KnownPermanentDiff[] = KNOWN_PERMANENT_DIFFS): KnownPermanentDiff | undefined {
    return known.find((k) => k.type === type && pathMatches(k.property, path));
}
