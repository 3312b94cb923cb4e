/** Cross-checks of the `ingress` block: nodes exist, every host routes to something that listens. */
import type { Topology } from "../../stacks/schema";
import { duplicates, Finding, Findings } from "../../stacks/validate";

export function validateIngress(t: Topology): Finding[] {
    const f = new Findings(t);
    if (!t.ingress) return f.list;
    t.ingress.nodes.forEach((n, i) => f.refNode(`ingress.nodes[${i}]`, n));
    t.ingress.hosts.forEach((h, i) => {
        const isDaedalus = h.service === "daedalus";
        const svc = t.services[h.service];
        if (!isDaedalus && !svc) f.error(`ingress.hosts[${i}].service`, `unknown service '${h.service}'`);
        if (isDaedalus && !t.daedalus) f.error(`ingress.hosts[${i}].service`, "routes to daedalus but no daedalus block is configured");
        // ingressBackends (./module.ts) has no port to send the host's traffic to.
        if (svc && svc.port === 0) f.error(`ingress.hosts[${i}].service`, `service '${h.service}' has no port to route to (services.${h.service}.port is 0)`);
    });
    for (const d of duplicates(t.ingress.hosts.map((h) => h.domain))) f.error("ingress.hosts", `domain '${d}' is routed twice`);
    return f.list;
}
