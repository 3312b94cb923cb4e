/**
 * HAProxy as a workload: the rendered haproxy.cfg plus one PEM per public host, both secret files.
 */
import * as pulumi from "@pulumi/pulumi";
import { httpCheck } from "../workload/probes";
import { ImageSource, WorkloadSpec } from "../workload/spec";
import { INGRESS_PORTS } from "./contract";
import { HaproxyBackend, HaproxyHealthCheck, HaproxyTimeouts, renderHaproxyConfig, validateHaproxySpec } from "./haproxy";

/** Where the official image reads its config. */
export const HAPROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
export const HAPROXY_CERT_DIR = "/usr/local/etc/haproxy/certs";
export const HAPROXY_STATS_PORT = INGRESS_PORTS.stats;

export interface IngressHost {
    readonly host: string;
    readonly backend: string;
    /** Certificate chain followed by the private key, PEM (HAProxy's `crt` format). */
    readonly pem: pulumi.Input<string>;
    readonly denyPaths?: readonly string[];
}

export interface HaproxyWorkloadArgs {
    /** The Debian-based official image (`haproxy:2.x`, not `-alpine`): the healthcheck needs bash. */
    readonly image: ImageSource;
    readonly hosts: readonly IngressHost[];
    readonly backends: readonly HaproxyBackend[];
    /** Stats basic-auth user/password; the password makes haproxy.cfg a secret file. */
    readonly statsUser?: string;
    readonly statsPassword?: pulumi.Input<string>;
    readonly timeouts?: HaproxyTimeouts;
    readonly healthCheck?: HaproxyHealthCheck;
    /** Docker's embedded DNS when backends are container names on the node's network. */
    readonly resolvers?: readonly string[];
    /** @default 256 */
    readonly memoryMb?: number;
}

function certPath(host: string, certDir = HAPROXY_CERT_DIR): string {
    return `${certDir}/${host.toLowerCase()}.pem`;
}

/**
 * Renders the config the container runs, given the (resolved) stats password. `certDir` is where
 * the PEMs are mounted; only tests pass another directory.
 */
export function haproxyContainerConfig(
    args: Omit<HaproxyWorkloadArgs, "image" | "statsPassword" | "memoryMb">,
    statsPassword?: string,
    certDir = HAPROXY_CERT_DIR,
): string {
    return renderHaproxyConfig({
        // Inside a bridged container: listen on every container interface; the runtime publishes
        // 80/443 publicly and the stats port on the node's private IP only.
        bindAddress: "*",
        routes: args.hosts.map((h) => ({ host: h.host, backend: h.backend, certificate: certPath(h.host, certDir), denyPaths: h.denyPaths })),
        backends: args.backends,
        stats: { bindAddress: "0.0.0.0", port: HAPROXY_STATS_PORT, user: args.statsUser, password: statsPassword },
        timeouts: args.timeouts,
        healthCheck: args.healthCheck,
        resolvers: args.resolvers,
    });
}

export function validateHaproxyWorkloadArgs(args: HaproxyWorkloadArgs, at = "ingress"): string[] {
    const errors = validateHaproxySpec(
        {
            routes: args.hosts.map((h) => ({ host: h.host, backend: h.backend, certificate: certPath(h.host), denyPaths: h.denyPaths })),
            backends: args.backends,
            stats: { bindAddress: "0.0.0.0", user: args.statsUser, password: args.statsPassword === undefined ? undefined : "placeholder" },
            timeouts: args.timeouts,
            healthCheck: args.healthCheck,
            resolvers: args.resolvers,
        },
        at,
    );
    return errors;
}

export function buildHaproxyWorkload(args: HaproxyWorkloadArgs): WorkloadSpec {
    const errors = validateHaproxyWorkloadArgs(args);
    if (errors.length > 0) throw new Error(`invalid ingress args:\n  ${errors.join("\n  ")}`);
    const { image: _image, statsPassword, memoryMb: _mem, ...renderArgs } = args;
    const config: pulumi.Input<string> =
        statsPassword === undefined ? haproxyContainerConfig(renderArgs) : pulumi.output(statsPassword).apply((pw) => haproxyContainerConfig(renderArgs, pw));
    return {
        name: "haproxy",
        service: "ingress",
        role: "edge",
        image: args.image,
        files: [
            { path: HAPROXY_CONFIG_PATH, content: config, secret: statsPassword !== undefined },
            // 0644 inside the container: the official image runs HAProxy as the unprivileged
            // `haproxy` user, which must read the key; the file is not visible outside the container.
            ...args.hosts.map((h) => ({ path: certPath(h.host), content: h.pem, secret: true, mode: 0o644 })),
        ],
        ports: [
            { name: "http", containerPort: 80, exposure: "ingress" },
            { name: "https", containerPort: 443, exposure: "ingress" },
            { name: "stats", containerPort: HAPROXY_STATS_PORT },
        ],
        probe: { check: httpCheck("bash", HAPROXY_STATS_PORT, "/healthz"), interval: "10s", timeout: "5s", retries: 3, startPeriod: "10s" },
        memoryMb: args.memoryMb ?? 256,
        metrics: [{ port: "stats", path: "/metrics", job: "haproxy" }],
    };
}
