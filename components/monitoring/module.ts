/**
 * Platform module `monitoring`: exporters next to the servers they measure (every node), and
 * Prometheus, Alertmanager, Grafana and blackbox_exporter on `monitoring.node` (seed 000: node1,
 * Prometheus :9090, Grafana :3030). Scrape targets and alert rules come from the monitoring plan
 * (plan.ts), computed from the topology so node1's Prometheus knows every node's targets.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { monitoringDistribution } from "./docs-table";
import type { Topology } from "../../stacks/schema";
import { MONITORING_RESERVED_PORTS } from "./contract";
import { validateMonitoring } from "./validate";
import type { WorkloadSpec } from "../workload/spec";
import { buildRuleGroups, collectAlertPacks, validateRuleGroups } from "./alerts";
import { collectDashboards, inUploadOrder, renderDashboards, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafana";
import { ExporterPlacement, monitoringPlan } from "./plan";
import { AlertmanagerSpec, ReceiverSpec, renderAlertmanagerConfig } from "./render-alertmanager";
import { renderPrometheusConfig } from "./render-prometheus";
import { renderRuleFiles } from "./render-rules";
import {
    alertmanagerWorkload,
    ALERTMANAGER_PATHS,
    blackboxWorkload,
    grafanaWorkload,
    GRAFANA_PATHS,
    MONITORING_PORTS,
    natsExporterWorkload,
    HostFilesystemProbe,
    nodeExporterWorkload,
    PinnedImage,
    postgresExporterWorkload,
    prometheusWorkload,
    PROMETHEUS_PATHS,
    redisExporterWorkload,
} from "./workloads";

/**
 * The shared secret this module owns. The exporters and Prometheus also read other modules'
 * secrets, by the names those modules put in their scrape requests (components/<module>/scrape.ts),
 * and those modules request them.
 */
export const MONITORING_SECRET_NAMES = { grafanaAdmin: "grafana-admin-password" } as const;

/** Keys of `daarion:secrets` (stack secrets) the receivers read. */
export const RECEIVER_SECRET_KEYS = {
    telegramBotToken: (receiver: string) => `alertmanager-telegram-${receiver}`,
    smtpPassword: (receiver: string) => `alertmanager-smtp-${receiver}`,
} as const;

function imageOf(t: Topology, key: string): PinnedImage | undefined {
    const i = t.images[key];
    return i && !("build" in i) ? i : undefined;
}

/**
 * Receivers of the topology with their secrets: Telegram bot tokens and SMTP passwords come from the
 * stack secrets (`alertmanager-telegram-<name>`, `alertmanager-smtp-<name>`), never from Pulumi.yaml.
 */
export function alertmanagerSpecFor(t: Topology, secrets: Record<string, string>): { spec: AlertmanagerSpec; secretFiles: Record<string, string> } {
    const m = t.monitoring!;
    const secretFiles: Record<string, string> = {};
    const receivers: ReceiverSpec[] = m.receivers.map((r) => {
        switch (r.kind) {
            case "webhook":
                return { name: r.name, webhooks: [{ url: r.url }] };
            case "email": {
                const key = RECEIVER_SECRET_KEYS.smtpPassword(r.name);
                const password = secrets[key];
                if (password !== undefined) secretFiles[`smtp-${r.name}`] = password;
                return {
                    name: r.name,
                    emails: [{ to: r.to, from: r.from, smarthost: r.smarthost, ...(password !== undefined ? { authUsername: r.from, authPasswordFile: `${ALERTMANAGER_PATHS.secrets}/smtp-${r.name}` } : {}) }],
                };
            }
            case "telegram": {
                const token = secrets[RECEIVER_SECRET_KEYS.telegramBotToken(r.name)];
                if (!token) throw new Error(`monitoring.receivers[${r.name}]: stack secret '${RECEIVER_SECRET_KEYS.telegramBotToken(r.name)}' (daarion:secrets) holds the bot token and is missing`);
                return { name: r.name, telegrams: [{ botToken: token, chatId: r.chatId }] };
            }
        }
    });
    const names = receivers.map((r) => r.name);
    const heartbeat = m.routes.heartbeat;
    const paging = names.filter((n) => n !== heartbeat);
    const spec: AlertmanagerSpec = {
        receivers,
        routes: {
            critical: m.routes.critical ?? paging,
            warning: m.routes.warning ?? paging,
            ...(heartbeat ? { heartbeat } : {}),
        },
    };
    return { spec, secretFiles };
}

/** The host filesystems whose space matters: the root, and the data volume of cloud nodes. */
function hostFilesystems(ctx: NodeContext): HostFilesystemProbe[] {
    if (ctx.runtime.singleHost) return [];
    const probes: HostFilesystemProbe[] = [{ mountPoint: "/", probeDir: "/var/lib/daarion/fs-probe" }];
    // Docker's data root (every volume) lives on the hcloud data volume (components/node/cloud-init.ts).
    if (ctx.node.provisioner.kind === "hcloud") probes.push({ mountPoint: "/mnt/data", probeDir: "/mnt/data/.fs-probe" });
    return probes;
}

function exporterWorkload(p: ExporterPlacement, t: Topology, ctx: NodeContext): WorkloadSpec {
    switch (p.kind) {
        case "node-exporter":
            return nodeExporterWorkload(imageOf(t, "node-exporter"), hostFilesystems(ctx));
        case "blackbox-exporter":
            return blackboxWorkload(imageOf(t, "blackbox-exporter"));
        case "postgres-exporter":
            return postgresExporterWorkload({ image: imageOf(t, "postgres-exporter"), host: p.postgresHost, port: p.postgresPort, password: ctx.secrets.get(p.passwordSecret) });
        case "redis-exporter": {
            return redisExporterWorkload({ image: imageOf(t, "redis-exporter"), kind: p.redis, address: p.address, password: ctx.secrets.get(p.passwordSecret) });
        }
        case "nats-exporter":
            return natsExporterWorkload({ image: imageOf(t, "nats-exporter"), monitorUrl: p.monitorUrl, name: p.workload, port: p.port });
    }
}

export const monitoringModule: PlatformModule = {
    name: "monitoring",
    runbook: "components/monitoring/runbook.md",
    ports: MONITORING_RESERVED_PORTS,
    validate: validateMonitoring,
    distribution: monitoringDistribution,

    secrets(t) {
        return t.monitoring ? [{ name: MONITORING_SECRET_NAMES.grafanaAdmin }] : [];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const monitoring = t.monitoring;
        if (!monitoring) return;
        const plan = monitoringPlan(t, ctx.resolver, ctx.modules);

        const exporters = new NodeService("daarion:monitoring:NodeExporters", `${ctx.nodeName}-exporters`, ctx.deploy, (deploy) => {
            for (const p of plan.exporters[ctx.nodeName] ?? []) deploy(exporterWorkload(p, t, ctx));
            return { exporters: (plan.exporters[ctx.nodeName] ?? []).map((p) => p.kind) };
        });
        if (ctx.nodeName !== plan.node) return exporters.exports;

        const groups = buildRuleGroups(plan.ruleOptions, collectAlertPacks(t, ctx.modules));
        const ruleErrors = validateRuleGroups(groups);
        if (ruleErrors.length > 0) throw new Error(`invalid alert rules:\n  ${ruleErrors.join("\n  ")}`);
        const ruleFiles = renderRuleFiles(groups);
        return new NodeService("daarion:monitoring:Monitoring", `${ctx.nodeName}-monitoring`, ctx.deploy, (deploy) => {
            const prometheusConfig = renderPrometheusConfig({
                ruleFiles: Object.keys(ruleFiles).map((f) => `${PROMETHEUS_PATHS.rules}/${f}`),
                alertmanagers: [ctx.resolver.endpoint(plan.node, "alertmanager", MONITORING_PORTS.alertmanager)],
                externalLabels: { platform: "daarion", stack: ctx.stack },
                targets: plan.targets,
            });
            deploy(
                prometheusWorkload({
                    image: imageOf(t, "prometheus"),
                    config: prometheusConfig,
                    ruleFiles,
                    // Bearer tokens the scrape requests name (Qdrant's api_key), one file per secret.
                    secretFiles: Object.fromEntries(
                        [...new Set(plan.targets.flatMap((x) => (x.bearerTokenSecret ? [x.bearerTokenSecret] : [])))].map((name) => [name, ctx.secrets.get(name)]),
                    ),
                    retention: monitoring.retention,
                }),
            );

            // The rendered file embeds receiver tokens: it is built inside apply and stays secret.
            const am = ctx.stackSecrets.apply((s) => alertmanagerSpecFor(t, s));
            if (monitoring.receivers.length === 0) ctx.warn("monitoring.receivers: none configured; alerts only reach the Alertmanager UI");
            const amConfig = pulumi.secret(am.apply(({ spec }) => renderAlertmanagerConfig(spec)));
            const smtpFiles = monitoring.receivers.filter((r) => r.kind === "email").map((r) => `smtp-${r.name}`);
            deploy(
                alertmanagerWorkload({
                    image: imageOf(t, "alertmanager"),
                    config: amConfig,
                    secretFiles: Object.fromEntries(smtpFiles.map((f) => [f, pulumi.secret(am.apply(({ secretFiles }) => secretFiles[f] ?? ""))])),
                }),
            );

            deploy(
                grafanaWorkload({
                    image: imageOf(t, "grafana"),
                    adminPassword: ctx.secrets.get(MONITORING_SECRET_NAMES.grafanaAdmin),
                    datasources: renderGrafanaDatasources({ prometheusUrl: `http://${ctx.resolver.endpoint(plan.node, "prometheus", MONITORING_PORTS.prometheus)}`, lokiUrl: monitoring.lokiUrl }),
                    dashboardProvider: renderGrafanaDashboardProvider(GRAFANA_PATHS.dashboards),
                    // No cAdvisor runs (it needs the Docker socket, which the policy pack forbids), so
                    // its dashboard would only show empty panels.
                    dashboards: renderDashboards(inUploadOrder(collectDashboards(t, ctx.modules).filter((d) => d.exporter !== "cadvisor"))),
                }),
            );

            for (const g of plan.gaps) ctx.warn(`monitoring: ${g.node}/${g.service} has no scrape target (${g.reason})`);
            return {
                prometheus: ctx.resolver.endpoint(plan.node, "prometheus", MONITORING_PORTS.prometheus),
                alertmanager: ctx.resolver.endpoint(plan.node, "alertmanager", MONITORING_PORTS.alertmanager),
                grafana: ctx.resolver.endpoint(plan.node, "grafana", MONITORING_PORTS.grafana),
                scrapeTargets: plan.targets.length,
                alertRules: groups.reduce((n, g) => n + g.rules.length, 0),
            };
        }).exports;
    },
};
