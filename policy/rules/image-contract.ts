/**
 * Image contracts (issue 10, layer 1): every container against the catalogued facts of the image
 * it runs — effective argv, healthcheck tools and probing, file and volume permissions, catalogued
 * version. The facts and the check live in components/images (pure, no Pulumi import); this rule
 * only adapts the pack's views to it.
 *
 * Note for publishing the pack (`pulumi policy publish` packs this folder only): components/images
 * is imported from outside policy/, so it must be copied in (or vendored) before publishing.
 * `pulumi preview --policy-pack policy` from the repository works as is.
 */
import { checkContainers, formatViolation } from "../../components/images/check";
import { CONTAINER_TYPE, containersUnderCheck, REMOTE_IMAGE_TYPE } from "../../components/images/resources";
import { isUnknown, ResourceView, Violation } from "../lib/resource";

function hasUnknown(value: unknown, depth = 0): boolean {
    if (isUnknown(value)) return true;
    if (depth > 8 || value === null || typeof value !== "object") return false;
    return Object.values(value as Record<string, unknown>).some((v) => hasUnknown(v, depth + 1));
}

const CHECKED_INPUTS = ["entrypoints", "command", "user", "healthcheck", "uploads", "volumes", "labels"];

export function checkImageContracts(views: readonly ResourceView[]): Violation[] {
    const byName = new Map(views.map((v) => [v.name, v]));
    const checked = views.filter((v) => {
        if (v.type !== CONTAINER_TYPE) return false;
        // Unknown at preview (a built image's digest, a computed input): nothing certain to check,
        // and a guess is not a check. Everything in the committed stacks is known at preview.
        const image = byName.get(`${v.name}-image`);
        if (image && isUnknown(image.props["name"])) return false;
        return !CHECKED_INPUTS.some((k) => hasUnknown(v.props[k]));
    });
    const resources = [
        ...checked.map((v) => ({ type: v.type, name: v.name, inputs: v.props })),
        ...views.filter((v) => v.type === REMOTE_IMAGE_TYPE).map((v) => ({ type: v.type, name: v.name, inputs: v.props })),
    ];
    const containers = containersUnderCheck(resources);
    const out: Violation[] = [];
    containers.forEach((c, i) => {
        for (const v of checkContainers([c])) out.push({ message: formatViolation(v), urn: checked[i]!.urn });
    });
    return out;
}
