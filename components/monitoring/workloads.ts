/**
 * WorkloadSpecs of the monitoring stack (pure; secret values are passed in): exporters next to the
 * servers they measure, and Prometheus, Alertmanager and Grafana on the monitoring node.
 *
 * Exporter workloads belong to service `monitoring` (role `exporter`), not to the service they measure:
 * placement policies count `postgres` replicas by service label, and an exporter must not count.
 * The scrape target (plan.ts) carries the measured service in its `service` label instead.
 */
import { httpCheck } from "../workload/probes";
import type { WorkloadFile, WorkloadSpec } from "../workload/spec";

type EnvValue = NonNullable<WorkloadSpec["env"]>[string];


/**
 * Docker uploads are owned by root, and Prometheus/Alertmanager run as `nobody`: 0440 would lock
 * them out of their own config. The value stays secret in Pulumi state; inside the container only
 * `nobody` processes run.
 */
const SECRET_FILE_MODE = 0o444;

export interface PinnedImage {
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Default images (tags of the releases the metric catalogue was written against; pin digests in Pulumi.yaml `images`). */
export const MONITORING_IMAGES = {
    prometheus: { repository: "quay.io/prometheus/prometheus", tag: "v2.55.1" },
    alertmanager: { repository: "quay.io/prometheus/alertmanager", tag: "v0.27.0" },
    grafana: { repository: "docker.io/grafana/grafana-oss", tag: "11.3.1" },
    nodeExporter: { repository: "quay.io/prometheus/node-exporter", tag: "v1.8.2" },
    postgresExporter: { repository: "quay.io/prometheuscommunity/postgres-exporter", tag: "v0.16.0" },
    // The -alpine variant has wget for the healthcheck; the default variant is FROM scratch.
    redisExporter: { repository: "docker.io/oliver006/redis_exporter", tag: "v1.66.0-alpine" },
    natsExporter: { repository: "docker.io/natsio/prometheus-nats-exporter", tag: "0.16.0" },
} as const satisfies Record<string, PinnedImage>;

export const MONITORING_PORTS = {
    prometheus: 9090,
    alertmanager: 9093,
    // Seed 000 places Grafana on :3030.
    grafana: 3030,
    nodeExporter: 9100,
    postgresExporter: 9187,
    redisExporter: 9121,
    redisSentinelExporter: 9122,
    redisCacheExporter: 9123,
    natsExporter: 7777,
    /** The exporter of a node's second nats-server (node3's core server beside its edge leaf). */
    natsExporterSecond: 7778,
    /** The node agent (components/agent/), scraped directly. */
    agent: 9700,
} as const;

export const PROMETHEUS_PATHS = { config: "/etc/prometheus/prometheus.yml", rules: "/etc/prometheus/rules", secrets: "/etc/prometheus/secrets", data: "/prometheus" } as const;
export const ALERTMANAGER_PATHS = { config: "/etc/alertmanager/alertmanager.yml", secrets: "/etc/alertmanager/secrets", data: "/alertmanager" } as const;
export const GRAFANA_PATHS = { provisioning: "/etc/grafana/provisioning", dashboards: "/var/lib/grafana/dashboards", data: "/var/lib/grafana" } as const;

const wget = (port: number, path: string) => httpCheck("wget", port, path);
const image = (i: PinnedImage) => ({ repository: i.repository, ...(i.tag ? { tag: i.tag } : {}), ...(i.digest ? { digest: i.digest } : {}) });

export interface PrometheusWorkloadArgs {
    readonly image?: PinnedImage;
    readonly config: string;
    /** Rule file name -> content, placed under PROMETHEUS_PATHS.rules. */
    readonly ruleFiles: Readonly<Record<string, string>>;
    /** Secret files (bearer tokens) under PROMETHEUS_PATHS.secrets, by file name. */
    readonly secretFiles?: Readonly<Record<string, EnvValue>>;
    /** @default "30d" */
    readonly retention?: string;
    /** @default 2048 */
    readonly memoryMb?: number;
}

export function prometheusWorkload(args: PrometheusWorkloadArgs): WorkloadSpec {
    const files: WorkloadFile[] = [
        { path: PROMETHEUS_PATHS.config, content: args.config },
        ...Object.entries(args.ruleFiles).map(([name, content]) => ({ path: `${PROMETHEUS_PATHS.rules}/${name}`, content })),
        ...Object.entries(args.secretFiles ?? {}).map(([name, content]) => ({ path: `${PROMETHEUS_PATHS.secrets}/${name}`, content, secret: true, mode: SECRET_FILE_MODE })),
    ];
    return {
        name: "prometheus",
        service: "prometheus",
        role: "server",
        image: image(args.image ?? MONITORING_IMAGES.prometheus),
        command: [
            `--config.file=${PROMETHEUS_PATHS.config}`,
            `--storage.tsdb.path=${PROMETHEUS_PATHS.data}`,
            `--storage.tsdb.retention.time=${args.retention ?? "30d"}`,
            // POST /-/reload lets a config change apply without losing the in-memory head block.
            "--web.enable-lifecycle",
        ],
        files,
        volumes: [{ key: "data", containerPath: PROMETHEUS_PATHS.data, stateful: true }],
        ports: [{ name: "http", containerPort: MONITORING_PORTS.prometheus }],
        probe: { check: wget(MONITORING_PORTS.prometheus, "/-/healthy") },
        memoryMb: args.memoryMb ?? 2048,
        metrics: [{ port: "http", job: "prometheus" }],
    };
}

export interface AlertmanagerWorkloadArgs {
    readonly image?: PinnedImage;
    /** The rendered alertmanager.yml; may embed receiver tokens, so it is placed as a secret file. */
    readonly config: EnvValue;
    /** Secret files (SMTP passwords) under ALERTMANAGER_PATHS.secrets, by file name. */
    readonly secretFiles?: Readonly<Record<string, EnvValue>>;
}

export function alertmanagerWorkload(args: AlertmanagerWorkloadArgs): WorkloadSpec {
    return {
        name: "alertmanager",
        service: "alertmanager",
        role: "server",
        image: image(args.image ?? MONITORING_IMAGES.alertmanager),
        command: [`--config.file=${ALERTMANAGER_PATHS.config}`, `--storage.path=${ALERTMANAGER_PATHS.data}`],
        files: [
            { path: ALERTMANAGER_PATHS.config, content: args.config, secret: true, mode: SECRET_FILE_MODE },
            ...Object.entries(args.secretFiles ?? {}).map(([name, content]) => ({ path: `${ALERTMANAGER_PATHS.secrets}/${name}`, content, secret: true, mode: SECRET_FILE_MODE })),
        ],
        // Silences and the notification log survive restarts; losing them re-sends resolved pages.
        volumes: [{ key: "data", containerPath: ALERTMANAGER_PATHS.data, stateful: true }],
        ports: [{ name: "http", containerPort: MONITORING_PORTS.alertmanager }],
        probe: { check: wget(MONITORING_PORTS.alertmanager, "/-/healthy") },
        memoryMb: 256,
        metrics: [{ port: "http", job: "alertmanager" }],
    };
}

export interface GrafanaWorkloadArgs {
    readonly image?: PinnedImage;
    readonly adminPassword: EnvValue;
    readonly datasources: string;
    readonly dashboardProvider: string;
    /** File name -> dashboard JSON. */
    readonly dashboards: Readonly<Record<string, string>>;
}

export function grafanaWorkload(args: GrafanaWorkloadArgs): WorkloadSpec {
    return {
        name: "grafana",
        service: "grafana",
        role: "server",
        image: image(args.image ?? MONITORING_IMAGES.grafana),
        env: {
            GF_SERVER_HTTP_PORT: String(MONITORING_PORTS.grafana),
            GF_SECURITY_ADMIN_USER: "admin",
            GF_SECURITY_ADMIN_PASSWORD: args.adminPassword,
            GF_USERS_ALLOW_SIGN_UP: "false",
            GF_ANALYTICS_REPORTING_ENABLED: "false",
            GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        },
        files: [
            { path: `${GRAFANA_PATHS.provisioning}/datasources/daarion.yml`, content: args.datasources },
            { path: `${GRAFANA_PATHS.provisioning}/dashboards/daarion.yml`, content: args.dashboardProvider },
            ...Object.entries(args.dashboards).map(([name, content]) => ({ path: `${GRAFANA_PATHS.dashboards}/${name}`, content })),
        ],
        volumes: [{ key: "data", containerPath: GRAFANA_PATHS.data, stateful: true }],
        ports: [{ name: "http", containerPort: MONITORING_PORTS.grafana }],
        probe: { check: wget(MONITORING_PORTS.grafana, "/api/health") },
        memoryMb: 512,
        metrics: [{ port: "http", job: "grafana" }],
    };
}

/**
 * Host filesystems node_exporter should report. Each is seen through an EMPTY probe directory on
 * that filesystem, bind-mounted read-only under the exporter's rootfs: statfs() then reports the
 * host filesystem's size and free space, while nothing of the host is readable. Mounting `/`
 * itself (the usual recipe) would also expose /var/run/docker.sock (a socket stays connectable on
 * a read-only mount) and every container's files, which the policy pack forbids.
 */
export interface HostFilesystemProbe {
    /** Mount point the metrics report, e.g. "/" or "/mnt/data". */
    readonly mountPoint: string;
    /** An empty directory on that filesystem; Docker creates it on first start. */
    readonly probeDir: string;
}

/**
 * node_exporter. CPU, memory, load, disk IO, time and vmstat come from /proc and are host-wide;
 * filesystems come from the probes; network metrics describe the container (no host network).
 */
export function nodeExporterWorkload(img: PinnedImage = MONITORING_IMAGES.nodeExporter, filesystems: readonly HostFilesystemProbe[] = []): WorkloadSpec {
    return {
        name: "node-exporter",
        service: "monitoring",
        role: "exporter",
        image: image(img),
        command: [`--web.listen-address=:${MONITORING_PORTS.nodeExporter}`, ...(filesystems.length ? ["--path.rootfs=/host"] : [])],
        hostMounts: filesystems.map((f) => ({ hostPath: f.probeDir, containerPath: f.mountPoint === "/" ? "/host" : `/host${f.mountPoint}` })),
        ports: [{ name: "metrics", containerPort: MONITORING_PORTS.nodeExporter }],
        probe: { check: wget(MONITORING_PORTS.nodeExporter, "/metrics") },
        memoryMb: 64,
    };
}

export function postgresExporterWorkload(args: { image?: PinnedImage; host: string; port: number; password: EnvValue }): WorkloadSpec {
    return {
        name: "postgres-exporter",
        service: "monitoring",
        role: "exporter",
        image: image(args.image ?? MONITORING_IMAGES.postgresExporter),
        command: [`--web.listen-address=:${MONITORING_PORTS.postgresExporter}`],
        env: {
            DATA_SOURCE_URI: `${args.host}:${args.port}/postgres?sslmode=disable`,
            DATA_SOURCE_USER: "postgres",
            DATA_SOURCE_PASS: args.password,
        },
        ports: [{ name: "metrics", containerPort: MONITORING_PORTS.postgresExporter }],
        probe: { check: wget(MONITORING_PORTS.postgresExporter, "/metrics") },
        memoryMb: 64,
    };
}

export type RedisExporterKind = "server" | "sentinel" | "cache";

export function redisExporterWorkload(args: { image?: PinnedImage; kind: RedisExporterKind; address: string; password: EnvValue }): WorkloadSpec {
    const port = { server: MONITORING_PORTS.redisExporter, sentinel: MONITORING_PORTS.redisSentinelExporter, cache: MONITORING_PORTS.redisCacheExporter }[args.kind];
    const name = { server: "redis-exporter", sentinel: "redis-sentinel-exporter", cache: "redis-cache-exporter" }[args.kind];
    return {
        name,
        service: "monitoring",
        role: "exporter",
        image: image(args.image ?? MONITORING_IMAGES.redisExporter),
        command: [`--redis.addr=redis://${args.address}`, `--web.listen-address=:${port}`],
        env: { REDIS_PASSWORD: args.password },
        ports: [{ name: "metrics", containerPort: port }],
        probe: { check: wget(port, "/health") },
        memoryMb: 64,
    };
}

/**
 * One exporter per nats-server. A node with two servers (node3: edge leaf + core server) runs a
 * second exporter `<nats workload>-exporter` on its own port.
 */
export function natsExporterWorkload(args: { image?: PinnedImage; monitorUrl: string; name?: string; port?: number }): WorkloadSpec {
    const port = args.port ?? MONITORING_PORTS.natsExporter;
    return {
        name: args.name ?? "nats-exporter",
        service: "monitoring",
        role: "exporter",
        image: image(args.image ?? MONITORING_IMAGES.natsExporter),
        command: ["-varz", "-healthz", "-leafz", "-routez", "-jsz=all", "-port", String(port), args.monitorUrl],
        ports: [{ name: "metrics", containerPort: port }],
        // The published image is FROM alpine (busybox wget): nats-io/prometheus-nats-exporter@v0.16.0
        // .github/workflows/release.yaml bakes cicd/Dockerfile. `-version` could never fail, so it
        // probed nothing (components/images refuses such checks); this asks the exporter's listener.
        probe: { check: wget(port, "/metrics"), interval: "60s" },
        memoryMb: 64,
    };
}

export const BLACKBOX_PORT = 9115;
export const BLACKBOX_CONFIG_PATH = "/etc/blackbox_exporter/config.yml";
export const BLACKBOX_IMAGE: PinnedImage = { repository: "quay.io/prometheus/blackbox-exporter", tag: "v0.25.0" };

/** blackbox_exporter modules: `http_2xx` for health endpoints, `tcp_connect` for bare ports. */
export function renderBlackboxConfig(): string {
    return [
        "# Generated by components/monitoring/workloads.ts",
        "modules:",
        "  http_2xx:",
        "    prober: http",
        "    timeout: 5s",
        "    http:",
        "      preferred_ip_protocol: ip4",
        "      follow_redirects: false",
        "  tcp_connect:",
        "    prober: tcp",
        "    timeout: 5s",
        "    tcp:",
        "      preferred_ip_protocol: ip4",
        "",
    ].join("\n");
}

export function blackboxWorkload(img: PinnedImage = BLACKBOX_IMAGE): WorkloadSpec {
    return {
        name: "blackbox-exporter",
        service: "monitoring",
        role: "exporter",
        image: image(img),
        command: [`--config.file=${BLACKBOX_CONFIG_PATH}`, `--web.listen-address=:${BLACKBOX_PORT}`],
        files: [{ path: BLACKBOX_CONFIG_PATH, content: renderBlackboxConfig() }],
        ports: [{ name: "http", containerPort: BLACKBOX_PORT }],
        probe: { check: wget(BLACKBOX_PORT, "/-/healthy") },
        memoryMb: 64,
    };
}
