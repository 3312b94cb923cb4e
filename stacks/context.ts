/**
 * What a platform module sees when it declares its part of a node, and the contract every module
 * implements. Modules are listed in stacks/modules.ts; the program (stacks/program.ts) calls them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AlertPack } from "../components/monitoring/alerts";
import type { DashboardSpec } from "../components/monitoring/grafana";
import type { ScrapeRequests } from "../components/monitoring/scrape";
import type { AddressResolver } from "../components/workload/addresses";
import type { DeployedWorkload, DeployOptions, WorkloadRuntime } from "../components/workload/runtime";
import type { WorkloadSpec } from "../components/workload/spec";
import type { SecretRequest, SharedSecrets } from "../components/secrets";
import type { NodeSpec, Topology } from "./schema";
import type { DiagramLink, DistributionRow } from "./docs";
import type { Finding, ValidationContext } from "./validate";

export interface DeploymentContext {
    /** Stack name (node1, node2, node3, local). */
    readonly stack: string;
    readonly topology: Topology;
    /** Name of the node with role primary. */
    readonly primaryNode: string;
    /** What runs the workloads (Docker hosts, the local Docker engine, Kubernetes): addresses, admin endpoints, ranges. */
    readonly runtime: WorkloadRuntime;
    /** `runtime.resolver`: peer addresses (private IPs on hosts, container names locally, Service names on Kubernetes). */
    readonly resolver: AddressResolver;
    /** A development stack (`local`): unpinned images are a warning, not an error. */
    readonly development: boolean;
    readonly secrets: SharedSecrets;
    /** `daarion:secrets` of this stack file (TLS certificates, receiver tokens), secret. */
    readonly stackSecrets: pulumi.Output<Record<string, string>>;
    /** Keys present in `daarion:secrets` (known up front, unlike the secret values). */
    readonly stackSecretKeys: ReadonlySet<string>;
    /** Every workload deployed so far in this stack, keyed `<node>/<workload>`. */
    readonly workloads: ReadonlyMap<string, DeployedWorkload>;
    /** Print an advisory finding (pulumi.log.warn in `pulumi up`, stderr in the offline render). */
    warn(message: string): void;
    /** The modules this stack deploys, in order: what collectors (monitoring) gather contributions from. */
    readonly modules: readonly PlatformModule[];
}

export interface NodeContext extends DeploymentContext {
    readonly nodeName: string;
    readonly node: NodeSpec;
    /** Public IPv4 of the node (Robot address, or the hcloud server's once created); undefined locally. */
    readonly publicIp: pulumi.Output<string | undefined>;
    /**
     * Realize a workload on this node through the runtime. Modules order their own resources after
     * it with `dependsOn: [deployed.resource]`.
     */
    deploy(spec: WorkloadSpec, opts?: DeployOptions): DeployedWorkload;
}

export type ModuleOutputs = Record<string, pulumi.Input<unknown>>;

/**
 * A platform module: one folder under components/ that owns its facts. The program calls the
 * deploy members; the collectors (validation, monitoring, README tables, the diagram) gather the
 * others over the module list the program passes them (stacks/modules.ts is the only list).
 */
export interface PlatformModule {
    readonly name: string;
    /**
     * Ports this module's servers publish on a node's private IP, with a label (`5432: "postgresql"`).
     * Validation refuses a service port that collides with one.
     */
    readonly ports?: Readonly<Record<number, string>>;
    /**
     * Cross-checks of this module's part of a schema-valid topology, before anything is declared.
     * Paths are below `daarion:topology` (`replication.redis.sentinels`).
     */
    validate?(topology: Topology, ctx: ValidationContext): Finding[];
    /**
     * Prometheus rule groups for what this module deploys, from the topology alone (Prometheus runs
     * in the primary's stack, which never sees other stacks' workloads). Rendered by monitoring.
     */
    alerts?(topology: Topology): AlertPack[];
    /** Grafana dashboards of this module's exporters (components/<module>/dashboards.ts); monitoring renders them. */
    dashboards?(topology: Topology): DashboardSpec[];
    /** What Prometheus scrapes for this module (targets, blackbox probes, exporters), from the topology alone. */
    scrape?(topology: Topology, resolver: AddressResolver): ScrapeRequests;
    /**
     * Repo-relative path of this module's runbook sections (`components/nats/runbook.md`): one
     * `###` section per alert it contributes, under its `##` headings. `npm run docs` assembles
     * docs/runbooks.md from stacks/runbook.md and these files in module order.
     */
    readonly runbook?: string;
    /** Rows of README's platform distribution table (`npm run docs`). */
    distribution?(topology: Topology): DistributionRow[];
    /** Links (and `%%` comments) of the render's topology diagram (topology.md). */
    diagram?(topology: Topology): Array<DiagramLink | { readonly comment: string }>;
    /** Shared secrets this module needs, computed from the topology alone (same in every stack). */
    secrets?(topology: Topology): SecretRequest[];
    /**
     * Keys of `daarion:secrets` the stack deploying `node` must hold (TLS certificates, tokens).
     * Checked before anything is declared, so a missing one fails with its key, not mid-deploy.
     */
    requiredStackSecrets?(topology: Topology, node: string): string[];
    /** Declare this module's part of one node. Called for every node this stack deploys. */
    deployNode?(ctx: NodeContext): ModuleOutputs | void;
    /**
     * Declare resources that exist once per platform (databases, buckets, streams), in the stack
     * that owns shared state. Called after every deployNode of the stack.
     */
    deployShared?(ctx: DeploymentContext): ModuleOutputs | void;
}
