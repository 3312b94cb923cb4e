/**
 * Data that must survive a bad `pulumi up`: protected resources and provider-side protection.
 */
import { isTrueLabel, isUnknown, labelsOf, LABELS, ResourceView, TYPES, Violation } from "../lib/resource";

/**
 * Dynamic-provider resources of this repository that hold data: JetStream streams and KV buckets
 * (components/nats), Qdrant collections (components/qdrant). Deleting one drops its messages/vectors.
 */
export const DEFAULT_STATEFUL_TYPES: readonly string[] = [
    "pulumi-nodejs:dynamic/nats:Stream",
    "pulumi-nodejs:dynamic/nats:KeyValue",
    "pulumi-nodejs:dynamic/qdrant:Collection",
];

/** Whether the rule applies to this resource: it holds data the platform cannot recreate. */
export function isStatefulResource(r: ResourceView, extraTypes: readonly string[] = DEFAULT_STATEFUL_TYPES): boolean {
    if (extraTypes.includes(r.type)) return true;
    switch (r.type) {
        case TYPES.hcloudVolume:
        case TYPES.pgDatabase:
        case TYPES.minioBucket:
            return true;
        case TYPES.dockerVolume:
            return isTrueLabel(labelsOf(r.props)[LABELS.stateful]);
        default:
            return false;
    }
}

/**
 * A service's own database and bucket: `retainOnDelete` without `protect`, so retiring the service
 * removes them from the stack and leaves the data on the server (issue 11 finding 5; README
 * "Retiring a service"). Protect would block that `up`: the engine refuses to delete a protected
 * resource the program no longer declares. The data itself lives in the PostgreSQL/MinIO data
 * volumes, which stay protected.
 */
export const RETAINED_NOT_PROTECTED: readonly string[] = [TYPES.pgDatabase, TYPES.minioBucket];

/**
 * Stateful resources carry `protect: true` (a delete needs an explicit unprotect first), except
 * RETAINED_NOT_PROTECTED. `retainOnDelete` is not passed to analyzers, so it cannot be checked.
 */
export function checkStatefulProtected(r: ResourceView, extraTypes: readonly string[] = DEFAULT_STATEFUL_TYPES): Violation[] {
    if (!isStatefulResource(r, extraTypes)) return [];
    const violations: Violation[] = [];
    if (!r.protect && !RETAINED_NOT_PROTECTED.includes(r.type)) {
        violations.push({ message: `${r.type} '${r.name}' holds data but is not protected (set the protect resource option)` });
    }
    if (r.type === TYPES.hcloudVolume && r.props["deleteProtection"] !== true && !isUnknown(r.props["deleteProtection"])) {
        violations.push({ message: `hcloud volume '${r.name}' has no deleteProtection; the Hetzner API would delete it on request` });
    }
    if (r.type === TYPES.minioBucket && r.props["forceDestroy"] === true) {
        violations.push({ message: `minio bucket '${r.name}' sets forceDestroy, which deletes every object with the bucket` });
    }
    return violations;
}

/** hcloud servers: both protections (the API requires them to be equal) and the protect option. */
export function checkServerProtection(server: ResourceView): Violation[] {
    if (server.type !== TYPES.hcloudServer) return [];
    const violations: Violation[] = [];
    for (const key of ["deleteProtection", "rebuildProtection"]) {
        const v = server.props[key];
        if (v !== true && !isUnknown(v)) {
            violations.push({ message: `hcloud server '${server.name}' has ${key} disabled` });
        }
    }
    return violations;
}

/**
 * A change to `userData` or `image` replaces an hcloud server, i.e. wipes a node. Both change
 * upstream without any edit here (new Debian image ID, cloud-init template tweaks), the top
 * complaint on the hcloud provider's tracker, so the server must ignore them.
 */
export function checkServerIgnoresReplacementTriggers(server: ResourceView, triggers: readonly string[] = ["userData", "image"]): Violation[] {
    if (server.type !== TYPES.hcloudServer) return [];
    const missing = triggers.filter((t) => !server.ignoreChanges.includes(t));
    if (missing.length === 0) return [];
    return [{ message: `hcloud server '${server.name}' does not ignoreChanges on ${missing.join(", ")}; a change there replaces (wipes) the server` }];
}
