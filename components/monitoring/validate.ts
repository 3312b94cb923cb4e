/** Cross-checks of the `monitoring` block. */
import type { Topology } from "../../stacks/schema";
import { Finding, Findings } from "../../stacks/validate";

export function validateMonitoring(t: Topology): Finding[] {
    const f = new Findings(t);
    if (t.monitoring) f.refNode("monitoring.node", t.monitoring.node);
    return f.list;
}
