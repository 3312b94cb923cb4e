/**
 * The Docker runtime: one Docker engine per Hetzner node (`docker-hosts`), or every node's
 * containers on one local engine (`docker-local`, stack `local`). It owns everything that is
 * Docker's: the nodes' hosts and engines (components/node), the shared local network, image builds,
 * port publishing, the rollout order of stateful containers (./docker.ts).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_BRIDGE_RANGE } from "../network/cidr";
import { LocalDockerEndpoint, Node, RegistryAuth } from "../node";
import { withLocalHostPorts } from "../node/local-ports";
import type { NodeSpec, Topology } from "../../stacks/schema";
import { AddressResolver, hostResolver, localResolver } from "./addresses";
import { DockerWorkload, RolloutSequence } from "./docker";
import type { DeployedWorkload, DeployOptions, NodeTarget, WorkloadRuntime } from "./runtime";
import type { WorkloadPort, WorkloadSpec } from "./spec";

/** Docker's embedded DNS server, on every user-defined network (docker/docs: networking, "DNS services"). */
export const DOCKER_EMBEDDED_DNS = "127.0.0.11:53";

export interface DockerRuntimeArgs {
    readonly topology: Topology;
    /** Every node on one local engine (stack `local`). */
    readonly local: boolean;
    /** The hcloud network and placement group the cloud nodes join (undefined without hcloud nodes). */
    readonly network?: { networkId: pulumi.Output<number>; placementGroupId: pulumi.Output<number> };
    readonly registryAuth: RegistryAuth[];
    readonly localDocker: LocalDockerEndpoint;
    /** Keep GPU requests on the local engine (it has an NVIDIA GPU). @default false */
    readonly localGpu?: boolean;
    /** Registry that images with a build context are pushed to. */
    readonly registry?: { server: string; username: pulumi.Input<string>; password: pulumi.Input<string> };
    /** Nodes that terminate public ingress (80/443 open in their firewall). */
    readonly ingressNodes: ReadonlySet<string>;
    /** Nodes on which a GPU service is placed (their readiness checks the NVIDIA stack). */
    readonly gpuNodes: ReadonlySet<string>;
    readonly warn: (message: string) => void;
}

export class DockerRuntime implements WorkloadRuntime {
    public readonly kind: "docker-hosts" | "docker-local";
    public readonly resolver: AddressResolver;
    public readonly singleHost: boolean;
    public readonly peersUseNodeAddresses: boolean;
    public readonly publicAddressPerNode: boolean;
    public readonly workloadRanges: readonly string[];
    public readonly nameServers: readonly string[];
    private readonly sharedLocalNetwork?: docker.Network;
    private readonly buildProvider?: docker.Provider;

    constructor(private readonly args: DockerRuntimeArgs) {
        const t = args.topology;
        this.kind = args.local ? "docker-local" : "docker-hosts";
        this.singleHost = args.local;
        this.resolver = args.local ? localResolver() : hostResolver(Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, s.privateIp])));
        this.peersUseNodeAddresses = !args.local;
        this.publicAddressPerNode = !args.local;
        this.workloadRanges = [DOCKER_BRIDGE_RANGE];
        // Locally peers are container names, resolved through Docker's DNS.
        this.nameServers = args.local ? [DOCKER_EMBEDDED_DNS] : [];
        if (args.local) {
            // Every node's containers share one network so they find each other by name.
            const localProvider = new docker.Provider("local-docker", { host: args.localDocker.host, context: args.localDocker.context, registryAuth: args.registryAuth });
            this.sharedLocalNetwork = new docker.Network("local-network", { name: "daarion", driver: "bridge", attachable: true }, { provider: localProvider });
        }
        // Images with a build context are built on the engine running Pulumi and pushed, then every
        // node pulls exactly the pushed digest.
        this.buildProvider = Object.values(t.services).some((s) => "build" in s.image) ? new docker.Provider("build-docker", {}) : undefined;
    }

    adminEndpoint(node: string, workload: string, port: WorkloadPort): string {
        // Locally the admin port is published on loopback (publishedPorts in ./docker.ts); on hosts
        // the machine running Pulumi reaches the private network (VPN, SSH tunnel).
        if (this.args.local) return `127.0.0.1:${port.admin?.localPort ?? port.hostPort ?? port.containerPort}`;
        return this.resolver.endpoint(node, workload, port.hostPort ?? port.containerPort);
    }

    forNode(nodeName: string): NodeTarget {
        const { args } = this;
        const t = args.topology;
        const spec: NodeSpec = t.nodes[nodeName]!;
        const node = new Node(nodeName, {
            nodeName,
            spec,
            forceLocal: args.local,
            adminCidrs: t.adminCidrs,
            sshKeys: t.sshKeys,
            ingress: args.ingressNodes.has(nodeName),
            network: args.network,
            vswitch: t.network.vswitch ? { vlan: t.network.vswitch.vlan, subnet: t.network.vswitch.subnet, networkCidr: t.network.ipRange } : undefined,
            localDocker: args.localDocker,
            gpuServices: args.gpuNodes.has(nodeName),
            registryAuth: args.registryAuth,
            sharedDockerNetwork: this.sharedLocalNetwork,
        });
        const dropGpu = args.local && !args.localGpu;
        // One stateful container of a rollout group on this node replaced at a time (./docker.ts).
        const rollout = new RolloutSequence();
        const runtime = this;
        return {
            nodeName,
            publicIp: node.publicIp,
            deploy(workload: WorkloadSpec, opts: DeployOptions = {}): DeployedWorkload {
                // A GPU container on a host whose readiness did not check the NVIDIA stack would fail at
                // create with "could not select device driver": refuse it before declaring it.
                if (workload.gpu && node.readinessSpec && !node.readinessSpec.gpu) {
                    throw new Error(`workload '${workload.name}' on ${nodeName} requests a GPU, but no GPU service of daarion:topology.services is placed there, so the host's GPU runtime is not checked`);
                }
                if (workload.gpu && dropGpu) args.warn(`${nodeName}/${workload.name}: GPU request dropped on the local engine (set daarion:localGpu: true if it has an NVIDIA GPU)`);
                const component = new DockerWorkload(
                    `${nodeName}-${workload.name}`,
                    {
                        node: nodeName,
                        // On a laptop, ports below 1024 move to 18000 + port (components/node/local-ports.ts).
                        spec: args.local ? withLocalHostPorts(workload) : workload,
                        provider: node.dockerProvider,
                        networkName: node.networkName,
                        privateBindIp: args.local ? undefined : spec.privateIp,
                        ingressBindIp: args.local ? "127.0.0.1" : "0.0.0.0",
                        dropGpu,
                        buildProvider: runtime.buildProvider,
                        registry: args.registry,
                        dependsOn: opts.dependsOn ?? [],
                        rollout,
                    },
                    { parent: opts.parent ?? node },
                );
                return { node: nodeName, spec: workload, resource: component, instanceId: component.container.id };
            },
            outputs: () => ({
                kind: node.kind,
                privateIp: node.privateIp,
                publicIp: node.publicIp,
                dockerHost: node.dockerHost,
                hostFiles: node.hostFiles,
            }),
        };
    }
}
