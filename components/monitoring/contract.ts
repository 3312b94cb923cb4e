/** What other modules may rely on about monitoring: the ports of its servers. Pure. */
import { MONITORING_PORTS } from "./workloads";

export const MONITORING_RESERVED_PORTS: Readonly<Record<number, string>> = {
    [MONITORING_PORTS.grafana]: "grafana",
    [MONITORING_PORTS.prometheus]: "prometheus",
    [MONITORING_PORTS.alertmanager]: "alertmanager",
};
