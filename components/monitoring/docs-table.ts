/** The monitoring module's row of the README distribution table. */
import type { DistributionRow } from "../../stacks/docs";
import { markNodes } from "../../stacks/docs";
import type { Topology } from "../../stacks/schema";
import { MONITORING_PORTS } from "./workloads";

export function monitoringDistribution(t: Topology): DistributionRow[] {
    if (!t.monitoring) return [];
    const p = MONITORING_PORTS;
    return [{ title: `Prometheus :${p.prometheus}, Alertmanager :${p.alertmanager}, Grafana :${p.grafana}`, cells: markNodes([t.monitoring.node], "monitoring") }];
}
