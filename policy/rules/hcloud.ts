/**
 * Stack-level checks over hcloud servers: each one sits behind a firewall and on the private network.
 *
 * Links between resources are resolved through dependencies, not IDs: at preview the IDs of new
 * servers and firewalls are unknown, but the engine always knows which resource feeds which property.
 */
import { asArray, asRecord, asString, isUnknown, labelsOf, ResourceView, TYPES, Violation } from "../lib/resource";

function dependsOn(r: ResourceView, urn: string, property?: string): boolean {
    if (property !== undefined) {
        const deps = r.propertyDependencies[property];
        if (deps && deps.includes(urn)) return true;
    }
    return r.dependencies.includes(urn);
}

/** hcloud label selector `k=v,k2=v2` / `k` / `k!=v` against a label map. */
export function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
    return selector
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .every((term) => {
            const neq = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(term);
            if (neq) return labels[neq[1]] !== neq[2];
            const eq = /^([^=\s]+)\s*==?\s*(.*)$/.exec(term);
            if (eq) return labels[eq[1]] === eq[2];
            if (term.startsWith("!")) return !(term.slice(1) in labels);
            return term in labels;
        });
}

function hasFirewall(server: ResourceView, all: readonly ResourceView[]): boolean {
    const ids = server.props["firewallIds"];
    if (isUnknown(ids) || asArray(ids).length > 0) return true;
    const labels = labelsOf(server.props);
    for (const fw of all.filter((r) => r.type === TYPES.hcloudFirewall)) {
        for (const raw of asArray(fw.props["applyTos"])) {
            const applyTo = asRecord(raw);
            const selector = asString(applyTo["labelSelector"]);
            if (selector && matchesLabelSelector(selector, labels)) return true;
            if (applyTo["server"] !== undefined && dependsOn(fw, server.urn, "applyTos")) return true;
        }
    }
    for (const att of all.filter((r) => r.type === TYPES.hcloudFirewallAttachment)) {
        if (asArray(att.props["serverIds"]).length > 0 && dependsOn(att, server.urn, "serverIds")) return true;
        for (const sel of asArray(att.props["labelSelectors"])) {
            if (typeof sel === "string" && matchesLabelSelector(sel, labels)) return true;
        }
    }
    return false;
}

function hasPrivateNetwork(server: ResourceView, all: readonly ResourceView[]): boolean {
    const inline = server.props["networks"];
    if (isUnknown(inline) || asArray(inline).length > 0) return true;
    return all.some((r) => r.type === TYPES.hcloudServerNetwork && dependsOn(r, server.urn, "serverId"));
}

export function checkServersFirewalledAndPrivate(resources: readonly ResourceView[]): Violation[] {
    const violations: Violation[] = [];
    for (const server of resources.filter((r) => r.type === TYPES.hcloudServer)) {
        if (!hasFirewall(server, resources)) {
            violations.push({
                urn: server.urn,
                message: `hcloud server '${server.name}' has no firewall (firewallIds, a Firewall applyTo or a FirewallAttachment)`,
            });
        }
        if (!hasPrivateNetwork(server, resources)) {
            violations.push({
                urn: server.urn,
                message: `hcloud server '${server.name}' is not attached to a private network (networks or a ServerNetwork); data traffic would cross the public internet`,
            });
        }
    }
    return violations;
}
