/**
 * Public firewall of a dedicated (Robot) node, as an nftables ruleset the operator loads on the host.
 * Hetzner Cloud firewalls do not apply to Robot servers, so without this node1 is open apart from
 * whatever Robot's stateless firewall does by hand. The rules are the same data as the cloud nodes'
 * (firewall.ts). Only traffic arriving untagged on the uplink is filtered: the vSwitch VLAN is its
 * own interface (vlan<id>), so private traffic between nodes passes untouched.
 *
 * Docker publishes ports with DNAT, so published traffic crosses the forward hook, not input; this
 * table does not rely on that path: non-ingress ports are bound to the private IP only, which the
 * public interface never routes to, and 80/443 are public by design.
 */
import { ANYWHERE, FirewallRuleSpec } from "./firewall";

export const FIREWALL_TABLE = "daarion_public";
export const FIREWALL_FILE = "/etc/nftables.d/daarion-public.nft";

function sourceMatch(sourceIps: readonly string[]): string[] {
    if (ANYWHERE.every((a) => sourceIps.includes(a))) return [""];
    const v4 = sourceIps.filter((s) => !s.includes(":"));
    const v6 = sourceIps.filter((s) => s.includes(":"));
    return [...(v4.length ? [`ip saddr { ${v4.join(", ")} } `] : []), ...(v6.length ? [`ip6 saddr { ${v6.join(", ")} } `] : [])];
}

export function renderPublicFirewall(uplink: string, rules: readonly FirewallRuleSpec[]): string {
    const lines = [
        "#!/usr/sbin/nft -f",
        "# Rendered by components/node/nftables.ts; load with nft -f and include from /etc/nftables.conf.",
        `table inet ${FIREWALL_TABLE}`,
        `delete table inet ${FIREWALL_TABLE}`,
        `table inet ${FIREWALL_TABLE} {`,
        "    chain input {",
        "        type filter hook input priority filter; policy accept;",
        `        iifname != "${uplink}" accept`,
        "        ct state established,related accept",
    ];
    for (const r of rules) {
        for (const src of sourceMatch(r.sourceIps)) {
            const match = r.protocol === "icmp" ? "meta l4proto { icmp, ipv6-icmp }" : `${r.protocol} dport ${r.port}`;
            lines.push(`        ${src}${match} accept comment "${r.description.replace(/"/g, "'")}"`);
        }
    }
    lines.push("        drop", "    }", "}", "");
    return lines.join("\n");
}
