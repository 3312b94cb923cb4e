/**
 * One workload spec, several runtimes.
 *
 * A service instance is described once here, in terms no runtime owns; a WorkloadRuntime
 * (components/workload/runtime.ts) realizes it: Docker (components/workload/docker.ts) or Kubernetes. The spec deliberately holds no Pulumi resources,
 * only values and `pulumi.Input`s, so every module can build specs from pure functions.
 */
import * as pulumi from "@pulumi/pulumi";

/** An image pinned by digest (preferred) or tag, or a build context the program builds and pushes. */
export type ImageSource =
    | {
          /** e.g. `docker.io/library/postgres` */
          readonly repository: string;
          /** Human-readable tag, kept for documentation when a digest is set. */
          readonly tag?: string;
          /** `sha256:...`; when set the container runs exactly this digest. */
          readonly digest?: string;
      }
    | {
          /** Build context directory, relative to the project root. */
          readonly build: { readonly context: string; readonly dockerfile?: string };
          /** Registry repository the built image is pushed to, e.g. `registry.example.com/daarion/gateway`. */
          readonly repository: string;
      };

export interface WorkloadFile {
    /** Absolute path inside the container. */
    readonly path: string;
    readonly content: pulumi.Input<string>;
    /** Contains credentials: the whole file is wrapped in `pulumi.secret`. */
    readonly secret?: boolean;
    /** Octal file mode as a number, e.g. 0o600. @default 0o644 */
    readonly mode?: number;
}

export interface WorkloadVolume {
    /** Stable volume key; the Docker volume is named `<node>-<workload>-<key>`. */
    readonly key: string;
    readonly containerPath: string;
    /**
     * Holds data that must survive: the volume is `protect`ed and retained on delete.
     * Set false only for data that may be lost (herodb, caches) and say so where you do.
     */
    readonly stateful: boolean;
    readonly readOnly?: boolean;
    /**
     * Mount the volume `key` that another workload of the same node declares (named
     * `<node>-<from>-<key>`) instead of declaring one: the node agent shares `/run/daarion` with
     * postgres (components/agent/). The other workload must be deployed first (dependsOn).
     */
    readonly from?: string;
}

/**
 * A read-only view of a host path (node_exporter reads the host's filesystems through it).
 * Always read-only: no workload writes to its host. The Docker socket is refused outright.
 */
export interface WorkloadHostMount {
    readonly hostPath: string;
    readonly containerPath: string;
}

/**
 * Who may reach a port:
 * - `internal`: workloads of the same node only (its Docker network; not published on any host);
 * - `private`: peers on other nodes (the node's private IP on Docker hosts, a ClusterIP Service on
 *   Kubernetes); never the public internet;
 * - `ingress`: the public internet (the HAProxy edge).
 */
export type PortExposure = "internal" | "private" | "ingress";

export interface WorkloadPort {
    /** Port name, used in addresses, scrape targets and docs: `client`, `http`, `metrics`, ... */
    readonly name: string;
    readonly containerPort: number;
    /**
     * Port published on the Docker host; defaults to the container port. Kubernetes Services always
     * use the container port.
     */
    readonly hostPort?: number;
    /** @default "private" */
    readonly exposure?: PortExposure;
    /**
     * The providers of `pulumi up` dial this port (databases and roles, buckets, streams,
     * collections). Where the runtime's workloads cannot be reached from the machine running
     * Pulumi otherwise (the local Docker engine: its containers sit on a bridge network), the runtime
     * publishes it on loopback at `localPort` (WorkloadRuntime.adminEndpoint).
     */
    readonly admin?: { readonly localPort: number };
    /** @default "tcp" */
    readonly protocol?: "tcp" | "udp";
}

/** Which tool inside the image performs an HTTP probe where the runtime runs probes in the container (Docker). */
export type ProbeTool = "python" | "wget" | "bash";

/**
 * What a probe checks. Docker runs every check inside the container (HEALTHCHECK), so `http` and
 * `tcp` name the in-image tool that performs them; Kubernetes runs them from the kubelet
 * (httpGet, tcpSocket) and `exec`/`shell` inside the container.
 */
export type ProbeCheck =
    /** argv executed directly, without a shell. */
    | { readonly exec: readonly string[] }
    /** One command line run by the image's `/bin/sh -c`. */
    | { readonly shell: string }
    /** GET http://127.0.0.1:<port><path>; healthy on 2xx/3xx. */
    | { readonly http: { readonly port: number; readonly path: string; readonly tool: ProbeTool } }
    /** A TCP connect to 127.0.0.1:<port> (Docker: bash's /dev/tcp, so the image needs bash). */
    | { readonly tcp: { readonly port: number } };

export interface WorkloadProbe {
    readonly check: ProbeCheck;
    /** @default "10s" */
    readonly interval?: string;
    /** @default "5s" */
    readonly timeout?: string;
    /** @default 5 */
    readonly retries?: number;
    /** @default "30s" */
    readonly startPeriod?: string;
}

/**
 * - `always`: restarted whenever it stops (Docker `unless-stopped`: a container an operator stopped
 *   stays stopped across a daemon restart; Kubernetes `Always`);
 * - `on-failure`: restarted when it exits non-zero;
 * - `never`: runs once.
 */
export type RestartPolicy = "always" | "on-failure" | "never";

/** Where Prometheus finds this workload's metrics. */
export interface WorkloadMetrics {
    /** Port name from `ports` (or a container port number for unpublished exporters). */
    readonly port: string;
    /** @default "/metrics" */
    readonly path?: string;
    /** Prometheus job name. @default the workload's service */
    readonly job?: string;
    /** @default "15s" */
    readonly interval?: string;
}

export interface WorkloadSpec {
    /** Instance name, unique on its node: `postgres`, `nats`, `gateway`, `daedalus-api`. */
    readonly name: string;
    /** Logical service the instance belongs to (label `daarion.service`). */
    readonly service: string;
    /** Role of this instance: primary, replica, standby, read, edge, cache, ... (label `daarion.role`). */
    readonly role: string;
    readonly image: ImageSource;
    readonly command?: string[];
    readonly entrypoint?: string[];
    readonly user?: string;
    /**
     * Environment. Values whose key looks like a credential (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL,
     * URL with userinfo) are wrapped in `pulumi.secret` by the runtime whatever the caller passed.
     */
    readonly env?: Record<string, pulumi.Input<string>>;
    readonly files?: WorkloadFile[];
    readonly volumes?: WorkloadVolume[];
    readonly hostMounts?: WorkloadHostMount[];
    readonly ports?: WorkloadPort[];
    /** Liveness and readiness: Docker's HEALTHCHECK, Kubernetes' liveness and readiness probes. */
    readonly probe: WorkloadProbe;
    /** @default "always" */
    readonly restart?: RestartPolicy;
    /** Hard memory limit in MiB. */
    readonly memoryMb: number;
    /** CPU quota in cores, e.g. 1.5. */
    readonly cpus?: number;
    /** Request the node's GPU(s): Docker device requests, `nvidia.com/gpu` on Kubernetes. */
    readonly gpu?: boolean;
    /** Extra labels; node, service and role labels are added by the runtime. */
    readonly labels?: Record<string, string>;
    readonly metrics?: WorkloadMetrics[];
    /**
     * `pulumi up` waits until the container reports healthy before creating what depends on it
     * (databases through the postgresql provider, Qdrant collections). @default false
     */
    readonly waitHealthy?: boolean;
    /**
     * Stateful workloads of one node in the same group are replaced one after another, in
     * declaration order (RolloutSequence in ./docker.ts). @default the workload's `service`
     */
    readonly rolloutGroup?: string;
    /** Other workloads (by `name`) on the same node that must be created first. */
    readonly dependsOn?: string[];
}
