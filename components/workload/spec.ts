/**
 * One workload spec, several runtimes.
 *
 * A service instance is described once here; `DockerWorkload` (components/workload/docker.ts)
 * realizes it on a node's Docker engine. The spec deliberately holds no Pulumi resources,
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

export interface WorkloadPort {
    /** Port name, used in addresses, scrape targets and docs: `client`, `http`, `metrics`, ... */
    readonly name: string;
    readonly containerPort: number;
    /** Host port; defaults to the container port. */
    readonly hostPort?: number;
    /**
     * Ingress ports are published on all interfaces (the public IP); every other port is
     * published on the node's private IP only.
     * @default false
     */
    readonly ingress?: boolean;
    /** Not published at all (reachable on the node's Docker network only). @default false */
    readonly internal?: boolean;
    /** @default "tcp" */
    readonly protocol?: "tcp" | "udp";
}

export interface WorkloadHealthcheck {
    /** Docker healthcheck test, e.g. ["CMD", "pg_isready", "-h", "127.0.0.1"]. */
    readonly test: string[];
    /** @default "10s" */
    readonly interval?: string;
    /** @default "5s" */
    readonly timeout?: string;
    /** @default 5 */
    readonly retries?: number;
    /** @default "30s" */
    readonly startPeriod?: string;
}

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
    readonly healthcheck: WorkloadHealthcheck;
    /** @default "unless-stopped" */
    readonly restart?: "no" | "always" | "unless-stopped" | "on-failure";
    /** Hard memory limit in MiB. */
    readonly memoryMb: number;
    /** CPU quota in cores, e.g. 1.5. */
    readonly cpus?: number;
    /** Request the node's GPU(s) through Docker device requests (NVIDIA container toolkit). */
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
