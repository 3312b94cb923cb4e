/**
 * Rules over `hcloud:index/firewall:Firewall`.
 *
 * Hetzner Cloud firewalls filter the PUBLIC interface only; traffic on a private network never
 * passes them. So every inbound rule is, by construction, a rule about the internet.
 */
import { asArray, asRecord, asString, isUnknown, ResourceView, Violation } from "../lib/resource";
import {
    cidrContains,
    formatRange,
    isWorldCidr,
    parseCidr,
    parsePortList,
    parsePortSpec,
    PortRange,
    rangesOverlap,
} from "../lib/net";

/** Ports of data stores and brokers that must never face the internet. */
export const DEFAULT_DATA_PORTS: readonly (number | string)[] = [
    5432, // PostgreSQL
    6379, // Redis
    26379, // Redis Sentinel
    "6333-6335", // Qdrant HTTP, gRPC, cluster p2p
    7687, // Neo4j Bolt
    "9000-9001", // MinIO API, console
    4222, // NATS clients
    6222, // NATS routes
    7222, // NATS gateways
    7422, // NATS leafnodes
    8222, // NATS monitoring
];

/**
 * Ports of metrics endpoints and observability UIs. They leak topology and credentials in labels
 * and have no authentication of their own.
 */
export const DEFAULT_METRICS_PORTS: readonly (number | string)[] = [
    9090, // Prometheus
    9091, // Pushgateway
    "9093-9094", // Alertmanager (HTTP, cluster)
    9100, // node_exporter
    9113, // nginx exporter
    9121, // redis_exporter
    9187, // postgres_exporter
    9400, // NVIDIA DCGM exporter (GPU node)
    7777, // prometheus-nats-exporter
    8404, // HAProxy stats and Prometheus exporter
    3100, // Loki
];

interface InboundRule {
    readonly index: number;
    readonly description: string;
    readonly ports: PortRange | undefined;
    readonly portText: string;
    readonly sources: readonly string[];
    /** Some part of the rule is unknown at preview; it cannot be judged yet. */
    readonly unknown: boolean;
}

function inboundRules(firewall: ResourceView): InboundRule[] {
    const out: InboundRule[] = [];
    asArray(firewall.props["rules"]).forEach((raw, index) => {
        const rule = asRecord(raw);
        if (asString(rule["direction"]) !== "in") return;
        const protocol = asString(rule["protocol"]);
        // icmp, gre and esp carry no ports.
        if (protocol !== "tcp" && protocol !== "udp" && !isUnknown(rule["protocol"])) return;
        const portText = asString(rule["port"]);
        const sourcesRaw = rule["sourceIps"];
        const sources = asArray(sourcesRaw).filter((s): s is string => typeof s === "string");
        out.push({
            index,
            description: asString(rule["description"]) ?? "",
            ports: parsePortSpec(portText),
            portText: portText ?? "any",
            sources,
            unknown:
                isUnknown(rule["port"]) ||
                isUnknown(sourcesRaw) ||
                asArray(sourcesRaw).some(isUnknown) ||
                isUnknown(rule["protocol"]),
        });
    });
    return out;
}

function ruleLabel(firewall: ResourceView, rule: InboundRule): string {
    const desc = rule.description ? ` ("${rule.description}")` : "";
    return `firewall '${firewall.name}' rules[${rule.index}]${desc}`;
}

export interface PublicPortsConfig {
    /** Ports that must not be reachable from 0.0.0.0/0 or ::/0. */
    readonly ports: readonly (number | string)[];
    /** What the ports are, for the message: "data/broker", "metrics". */
    readonly kind: string;
}

/**
 * An inbound rule from 0.0.0.0/0 or ::/0 whose port range touches one of `ports`.
 * An unparseable port string counts as "every port": a typo must not open a hole silently.
 */
export function checkFirewallWorldOpenPorts(firewall: ResourceView, config: PublicPortsConfig): Violation[] {
    const forbidden = parsePortList(config.ports);
    const violations: Violation[] = [];
    for (const rule of inboundRules(firewall)) {
        if (rule.unknown) continue;
        const world = rule.sources.filter(isWorldCidr);
        if (world.length === 0) continue;
        const ports = rule.ports ?? { from: 1, to: 65535 };
        const hit = forbidden.filter((f) => rangesOverlap(f, ports)).sort((a, b) => a.from - b.from);
        if (hit.length === 0) continue;
        violations.push({
            message:
                `${ruleLabel(firewall, rule)} opens port ${rule.portText} to ${world.join(", ")}, which exposes ` +
                `${config.kind} port(s) ${hit.map(formatRange).join(", ")} to the internet; ` +
                `reach them over the private network (Hetzner firewalls do not filter it) or restrict sourceIps`,
        });
    }
    return violations;
}

export interface SshAdminConfig {
    /** CIDRs SSH may be reached from (admins, CI runners, a bastion). */
    readonly adminCidrs: readonly string[];
    /** @default 22 */
    readonly sshPort?: number;
}

/**
 * Every inbound rule covering the SSH port must only allow sources inside `adminCidrs`.
 * With no admin CIDRs configured, any source is rejected: nobody declared who the admins are.
 */
export function checkSshAdminOnly(firewall: ResourceView, config: SshAdminConfig): Violation[] {
    const sshPort = config.sshPort ?? 22;
    const admin = config.adminCidrs.map((c) => ({ text: c, cidr: parseCidr(c) }));
    const violations: Violation[] = [];
    for (const bad of admin.filter((a) => !a.cidr || a.cidr.prefix === 0)) {
        violations.push({
            message: `policy config adminCidrs contains '${bad.text}', which is not a usable admin CIDR (malformed or the whole internet)`,
        });
    }
    const allowed = admin.filter((a) => a.cidr && a.cidr.prefix > 0).map((a) => a.cidr!);
    for (const rule of inboundRules(firewall)) {
        if (rule.unknown) continue;
        const ports = rule.ports ?? { from: 1, to: 65535 };
        if (!rangesOverlap(ports, { from: sshPort, to: sshPort })) continue;
        const outside = rule.sources.filter((s) => {
            const c = parseCidr(s);
            return !c || !allowed.some((a) => cidrContains(a, c));
        });
        if (outside.length === 0) continue;
        violations.push({
            message:
                `${ruleLabel(firewall, rule)} allows SSH (port ${sshPort}) from ${outside.join(", ")}, ` +
                (allowed.length === 0
                    ? "but no adminCidrs are configured for the policy pack"
                    : `which is outside the admin CIDRs ${config.adminCidrs.join(", ")}`),
        });
    }
    return violations;
}
