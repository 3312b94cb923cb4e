/**
 * Platform module `ingress`: HAProxy on the nodes `ingress.nodes` names, terminating TLS for the
 * public hosts with certificates from the stack's secrets, plus optional DNS records.
 */
import { NodeService } from "../workload/service";
import { AGENT_DEFAULT_PORT } from "../agent/config";
import { AGENT_WORKLOAD } from "../agent/render";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { ingressScrape } from "./scrape";
import type { Topology } from "../../stacks/schema";
import { INGRESS_RESERVED_PORTS } from "./contract";
import { haproxyAlerts } from "./alerts";
import { validateIngress } from "./validate";
import { DAEDALUS_HEALTH_PATH, DAEDALUS_NGINX_PORT } from "../apps/daedalus";
import type { AddressResolver } from "../workload/addresses";
import { ImageSource } from "../workload/spec";
import { HaproxyBackend, HaproxyServer } from "./haproxy";
import { buildHaproxyWorkload, HAPROXY_STATS_PORT, IngressHost } from "./workload";
import { haproxyDashboards } from "./dashboards";

/** The official Debian-based image (the healthcheck needs bash). Pin its digest in `images.haproxy`. */
export const DEFAULT_HAPROXY_IMAGE: ImageSource = { repository: "docker.io/library/haproxy", tag: "2.6" };
export const STATS_USER = "admin";
export const STATS_SECRET = "ingress-stats-password";

/**
 * Key in the stack's `daarion:secrets` holding a host's PEM (certificate chain, then private key).
 * Dots become dashes: `pulumi config set --path` splits keys on dots.
 */
export function certificateSecretKey(domain: string): string {
    return `tls-${domain.replace(/\./g, "-")}`;
}

/** The `daarion:secrets` keys the stack deploying `node` must hold (the render fills placeholders). */
export function ingressStackSecretKeys(t: Topology, node: string): string[] {
    if (!t.ingress?.nodes.includes(node)) return [];
    return t.ingress.hosts.map((h) => certificateSecretKey(h.domain));
}

/** A host's PEM from the stack secrets; fails the deployment, naming the key, when it is missing. */
export function certificatePem(stackSecrets: pulumi.Output<Record<string, string>>, domain: string, stack: string): pulumi.Output<string> {
    const key = certificateSecretKey(domain);
    return pulumi.secret(
        stackSecrets.apply((s) => {
            const pem = s[key];
            if (!pem) {
                throw new Error(`ingress: no TLS certificate for ${domain} in Pulumi.${stack}.yaml: pulumi config set --secret --path 'daarion:secrets.${key}' -- "$(cat fullchain.pem privkey.pem)"`);
            }
            return pem;
        }),
    );
}

/**
 * One backend per routed service. Service instances placed `active` serve, `standby` ones are
 * HAProxy `backup`s (seed 000: router on node2); `read`/`worker` instances take no public traffic.
 * Addresses come from the resolver: private IP + published port on hosts, container name + the
 * container's port on the local engine.
 */
export function ingressBackends(t: Topology, resolver: AddressResolver): HaproxyBackend[] {
    const backends = new Map<string, HaproxyBackend>();
    for (const h of t.ingress?.hosts ?? []) {
        if (backends.has(h.service)) continue;
        if (h.service === "daedalus") {
            const node = t.daedalus!.node;
            const server: HaproxyServer = { name: node, address: resolver.host(node, "daedalus-nginx"), port: resolver.port({ containerPort: 80, hostPort: DAEDALUS_NGINX_PORT }) };
            backends.set(h.service, { name: "daedalus", healthPath: h.healthPath ?? DAEDALUS_HEALTH_PATH, servers: [server] });
            continue;
        }
        const svc = t.services[h.service]!;
        if (svc.port === 0) throw new Error(`ingress.hosts: service '${h.service}' has no port to route to`);
        // A service that is a failover group (seed 000's router) follows the node agents: each
        // server is checked at its node's agent, `/ready/<group>`, which answers 200 on the
        // member that should take the traffic now (issue 12; components/agent/).
        const group = t.failover?.groups[h.service];
        const agentPort = t.failover?.port ?? AGENT_DEFAULT_PORT;
        const servers: HaproxyServer[] = Object.entries(svc.placement)
            .filter(([, role]) => role === "active" || role === "standby")
            .map(([node, role]) => ({
                name: node,
                address: resolver.host(node, h.service),
                port: svc.port,
                ...(role === "standby" ? { backup: true } : {}),
                ...(group ? { checkAt: { address: resolver.host(node, AGENT_WORKLOAD), port: agentPort } } : {}),
            }));
        backends.set(h.service, { name: h.service, healthPath: group ? `/ready/${h.service}` : (h.healthPath ?? svc.healthPath), servers });
    }
    return [...backends.values()];
}

/** The record name of `domain` inside `zone` (`@` for the apex), or undefined when outside it. */
export function recordName(domain: string, zone: string): string | undefined {
    if (domain === zone) return "@";
    return domain.endsWith(`.${zone}`) ? domain.slice(0, -(zone.length + 1)) : undefined;
}

export const ingressModule: PlatformModule = {
    name: "ingress",
    runbook: "components/ingress/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => haproxyDashboards(),
    ports: INGRESS_RESERVED_PORTS,
    validate: validateIngress,
    alerts: (t) => (t.ingress ? [haproxyAlerts()] : []),
    scrape: ingressScrape,

    secrets(t) {
        return t.ingress ? [{ name: STATS_SECRET }] : [];
    },

    requiredStackSecrets: ingressStackSecretKeys,

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const ing = t.ingress;
        if (!ing || !ing.nodes.includes(ctx.nodeName)) return;
        // The local engine publishes ingress on the one loopback address: a second HAProxy would
        // collide on 80/443, and every backend is reachable from the first one anyway.
        if (ctx.runtime.singleHost && ctx.nodeName !== ing.nodes[0]) return;
        return new NodeService("daarion:ingress:Ingress", `${ctx.nodeName}-ingress`, ctx.deploy, (deploy, component) => {
            const hosts: IngressHost[] = ing.hosts.map((h) => ({
                host: h.domain,
                backend: h.service,
                // Behind HAProxy nginx sees internal addresses; the public must never reach /metrics.
                ...(h.service === "daedalus" ? { denyPaths: ["/metrics"] } : {}),
                pem: certificatePem(ctx.stackSecrets, h.domain, ctx.stack),
            }));
            deploy(
                buildHaproxyWorkload({
                    image: t.images.haproxy ?? DEFAULT_HAPROXY_IMAGE,
                    hosts,
                    backends: ingressBackends(t, ctx.resolver),
                    statsUser: STATS_USER,
                    statsPassword: ctx.secrets.get(STATS_SECRET),
                    // Backends that are names (containers, Services) are resolved through the runtime's
                    // DNS at runtime, so HAProxy starts before (or without) every backend.
                    ...(ctx.runtime.nameServers.length > 0 ? { resolvers: [...ctx.runtime.nameServers] } : {}),
                }),
            );

            const records: string[] = [];
            if (ing.dns && !ctx.runtime.publicAddressPerNode) {
                ctx.warn(`ingress.dns: ${ctx.runtime.kind} has no public address per node; point ${ing.hosts.map((h) => h.domain).join(", ")} at the ingress address yourself`);
            } else if (ing.dns) {
                // The Robot address, or the hcloud server's IPv4 once the server exists.
                const address = ctx.publicIp.apply((ip) => {
                    if (!ip) throw new Error(`ingress.dns: ${ctx.nodeName} has no public IPv4 for its DNS records`);
                    return ip;
                });
                for (const h of ing.hosts) {
                    const name = recordName(h.domain, ing.dns.zone);
                    if (name === undefined) {
                        ctx.warn(`ingress.dns: ${h.domain} is outside zone ${ing.dns.zone}; create its record where that zone lives`);
                        continue;
                    }
                    // One A record per ingress node (not an RRSet): each node's stack owns its own
                    // record, and together they round-robin the name across the ingress nodes.
                    new hcloud.ZoneRecord(`${ctx.nodeName}-dns-${h.domain}`, { zone: ing.dns.zone, name, type: "A", value: address, comment: `daarion ingress ${ctx.nodeName}` }, { parent: component });
                    records.push(h.domain);
                }
            }
            return {
                hosts: ing.hosts.map((h) => `https://${h.domain}`),
                stats: ctx.resolver.portEndpoint(ctx.nodeName, "haproxy", { containerPort: HAPROXY_STATS_PORT }),
                ...(records.length ? { dnsRecords: records } : {}),
            };
        }).exports;
    },
};
