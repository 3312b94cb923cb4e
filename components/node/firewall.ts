/**
 * Public firewall rules of a cloud node. Hetzner Cloud firewalls filter the public interface
 * only; private-network traffic between nodes is not affected, so data and broker ports need
 * no rule at all: not opening them is what keeps them private.
 */

export interface FirewallRuleSpec {
    readonly direction: "in";
    readonly protocol: "tcp" | "udp" | "icmp";
    readonly port?: string;
    readonly sourceIps: string[];
    readonly description: string;
}

export const ANYWHERE = ["0.0.0.0/0", "::/0"];

export function firewallRules(adminCidrs: readonly string[], ingress: boolean): FirewallRuleSpec[] {
    const rules: FirewallRuleSpec[] = [
        { direction: "in", protocol: "tcp", port: "22", sourceIps: [...adminCidrs], description: "SSH from admin networks only" },
        // Path MTU discovery and ping need ICMP; it carries no data port.
        { direction: "in", protocol: "icmp", sourceIps: ANYWHERE, description: "ICMP (PMTU discovery, ping)" },
    ];
    if (ingress) {
        rules.push(
            { direction: "in", protocol: "tcp", port: "80", sourceIps: ANYWHERE, description: "HTTP ingress (redirects to HTTPS, ACME)" },
            { direction: "in", protocol: "tcp", port: "443", sourceIps: ANYWHERE, description: "HTTPS ingress (HAProxy)" },
        );
    }
    return rules;
}
