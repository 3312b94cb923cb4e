/**
 * The contract between the platform modules and whatever runs their workloads.
 *
 * Modules describe workloads with the runtime-neutral WorkloadSpec (./spec.ts) and never import a
 * runtime package (@pulumi/docker, @pulumi/kubernetes). A runtime realizes the specs and answers
 * the questions whose answer depends on where workloads run: peer addresses, the address the
 * providers of `pulumi up` dial, which networks the platform's own clients come from, and which
 * name server resolves peer names at runtime.
 *
 * Runtimes: Docker on Hetzner hosts and on the local engine (./docker-runtime.ts), and Kubernetes
 * (./kubernetes-runtime.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AddressResolver } from "./addresses";
import type { WorkloadPort, WorkloadSpec } from "./spec";

/** One workload as a runtime realized it. */
export interface DeployedWorkload {
    readonly node: string;
    readonly spec: WorkloadSpec;
    /** What resources that need this workload running order after (`dependsOn`). */
    readonly resource: pulumi.Resource;
    /** Changes whenever the running instance is replaced (a container's id, a pod template's hash). */
    readonly instanceId: pulumi.Output<string>;
}

export interface DeployOptions {
    readonly parent?: pulumi.Resource;
    readonly dependsOn?: pulumi.Resource[];
}

/** The part of a runtime that places workloads on one topology node. */
export interface NodeTarget {
    readonly nodeName: string;
    /** Public IPv4 of the node when the runtime knows one (Hetzner hosts); undefined elsewhere. */
    readonly publicIp: pulumi.Output<string | undefined>;
    /** Realize `spec` on this node. */
    deploy(spec: WorkloadSpec, opts?: DeployOptions): DeployedWorkload;
    /** What the stack exports for this node under `nodeOutputs.<node>` (besides the modules' outputs). */
    outputs(): Record<string, unknown>;
}

export interface WorkloadRuntime {
    /** `docker-hosts`: one Docker engine per Hetzner node; `docker-local`: every node on one engine; `kubernetes`: one cluster. */
    readonly kind: "docker-hosts" | "docker-local" | "kubernetes";
    readonly resolver: AddressResolver;
    /**
     * Every topology node shares one machine (the local engine): per-host workloads (node exporters)
     * run once, and only the first ingress node terminates ingress.
     */
    readonly singleHost: boolean;
    /**
     * Peers on other nodes connect from their node's private IP (Docker hosts publish on it), so
     * allow lists can name each peer; false where they come from container or pod addresses.
     */
    readonly peersUseNodeAddresses: boolean;
    /**
     * Each node has its own public IPv4 (NodeTarget.publicIp) that DNS A records can point at: Docker
     * hosts. Not the local engine, nor a cluster, whose ingress leaves through a LoadBalancer.
     */
    readonly publicAddressPerNode: boolean;
    /**
     * Address ranges the platform's own workloads connect from, besides the nodes' private network:
     * Docker's bridge pools (a container reaching a port published on its own host arrives from
     * its bridge), the cluster's pod ranges.
     */
    readonly workloadRanges: readonly string[];
    /**
     * Name servers that resolve the resolver's names at runtime, for proxies that re-resolve peers
     * (HAProxy `resolvers`, nginx `resolver`); empty when peers are addressed by IP.
     */
    readonly nameServers: readonly string[];
    /** `host:port` where the providers of `pulumi up` reach `port` (an `admin` port) of `workload` on `node`. */
    adminEndpoint(node: string, workload: string, port: WorkloadPort): string;
    /** The target that realizes workloads on `node`. */
    forNode(nodeName: string): NodeTarget;
}
