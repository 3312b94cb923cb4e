/**
 * The application services' own checks (./services.ts validateAppServices: names, env keys, roles),
 * which used to throw at deploy time; the distribution table's cross-checks (placement, ports,
 * databases) are the platform's (stacks/validate.ts validatePlatform).
 */
import type { Topology } from "../../stacks/schema";
import { Finding, Findings } from "../../stacks/validate";
import { AppServiceConfig, validateAppServices } from "./services";

export function validateApps(t: Topology): Finding[] {
    const f = new Findings(t);
    const nodes = Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, { role: s.role, gpu: s.gpu !== undefined }]));
    // The platform's checks already name unknown nodes and port collisions; only the rest is adopted.
    if (Object.values(t.services).every((s) => Object.keys(s.placement).every((n) => t.nodes[n]))) {
        f.adopt(validateAppServices(t.services as Record<string, AppServiceConfig>, nodes, { requireDigest: false }));
    }
    return f.list;
}
