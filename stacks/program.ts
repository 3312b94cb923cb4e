/**
 * Role composition: from a validated config, declare this stack's slice of the platform.
 * A stack is one node (node1, node2, node3), or the whole platform on the local engine (`local`) or in
 * one Kubernetes cluster (`k8s`). The modules run over the stack's WorkloadRuntime (components/workload/runtime.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { PrivateNetwork } from "../components/network";
import type { LocalDockerEndpoint, RegistryAuth } from "../components/node";
import { privateRegistryInUse, REGISTRY_SECRET_KEYS, undeclaredRegistries } from "../components/node/registry";
import { SecretRequest, SharedSecrets } from "../components/secrets";
import { DockerRuntime } from "../components/workload/docker-runtime";
import type { DeployedWorkload, WorkloadRuntime } from "../components/workload/runtime";
import { ConfigError, LoadedConfig } from "./config";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "./context";
import { MODULES } from "./modules";
import type { Topology } from "./schema";

export interface ProgramOptions {
    /** Modules to deploy. @default MODULES */
    readonly modules?: readonly PlatformModule[];
    /** Where advisory findings go. @default pulumi.log.warn */
    readonly warn?: (message: string) => void;
    /** `daarion:secrets` of the stack. @default an empty secret map */
    readonly stackSecrets?: pulumi.Output<Record<string, string>>;
    /** Keys present in `daarion:secrets`. @default none */
    readonly stackSecretKeys?: ReadonlySet<string>;
    /** True during a preview. @default pulumi.runtime.isDryRun() */
    readonly preview?: boolean;
    /**
     * Engine of the `local` stack when `daarion:localDockerHost` is unset (index.ts resolves it from
     * DOCKER_HOST / DOCKER_CONTEXT / the CLI's current context). @default the provider's own default
     */
    readonly localDocker?: LocalDockerEndpoint;
}

/**
 * An output of the owner stack. Absent during a preview: unknown, as it is until the owner's first
 * successful update exports it (PR previews of node2/node3 run before node1 is deployed, issue 11
 * finding 3). Absent during an update: one error naming the stack to apply first, instead of
 * StackReference.requireOutput's "Required output ... does not exist".
 */
function ownerOutput(ref: pulumi.StackReference, ownerStack: string, name: string, preview: boolean): pulumi.Output<unknown> {
    return ref.getOutput(name).apply((value) => {
        if (value !== undefined && value !== null) return value;
        if (preview) return pulumi.output(pulumi.unknown);
        throw new Error(`output '${name}' is missing from stack '${ownerStack}': run \`pulumi up --stack ${ownerStack}\` first, then this stack`);
    });
}

/** Nodes on which a GPU service is placed (their readiness checks the NVIDIA stack). */
export function gpuNodes(topology: Topology): Set<string> {
    return new Set(Object.values(topology.services).flatMap((s) => (s.gpu ? Object.keys(s.placement) : [])));
}

/**
 * Keys of `daarion:secrets` a stack deploying `nodeNames` must hold: what its modules require (TLS
 * certificates, receiver tokens) and the pull credentials of a private registry in use.
 */
export function requiredStackSecretKeys(topology: Topology, nodeNames: readonly string[], modules: readonly PlatformModule[] = MODULES): string[] {
    const fromModules = modules.flatMap((m) => nodeNames.flatMap((n) => m.requiredStackSecrets?.(topology, n) ?? []));
    return [...new Set([...fromModules, ...(privateRegistryInUse(topology) ? REGISTRY_SECRET_KEYS : [])])];
}

/** The shared-secret catalogue: the same in every stack, because it depends on the topology only. */
export function secretCatalogue(topology: Topology, modules: readonly PlatformModule[]): SecretRequest[] {
    const byName = new Map<string, SecretRequest>();
    for (const m of modules) {
        for (const request of m.secrets?.(topology) ?? []) {
            const existing = byName.get(request.name);
            if (existing && JSON.stringify(existing) !== JSON.stringify(request)) {
                throw new Error(`module ${m.name} requests secret '${request.name}' with other settings than another module`);
            }
            byName.set(request.name, request);
        }
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Nodes that terminate public ingress (80/443 open in their firewall). */
function ingressNodes(topology: Topology): Set<string> {
    return new Set(topology.ingress?.nodes ?? []);
}

/** The Docker runtime of a node stack (one engine per node) or of `local` (every node on one engine). */
function dockerRuntimeFor(
    config: LoadedConfig,
    args: {
        everyNode: boolean;
        network?: { networkId: pulumi.Output<number>; placementGroupId: pulumi.Output<number> };
        stackSecrets: pulumi.Output<Record<string, string>>;
        localDocker?: LocalDockerEndpoint;
        warn: (message: string) => void;
    },
): DockerRuntime {
    const { topology: t, settings } = config;
    const { stackSecrets } = args;
    const credentials = {
        username: stackSecrets.apply((s) => s.registryUsername ?? ""),
        password: pulumi.secret(stackSecrets.apply((s) => s.registryPassword ?? "")),
    };
    const privateRegistry = privateRegistryInUse(t);
    return new DockerRuntime({
        topology: t,
        local: args.everyNode,
        network: args.network,
        // Every engine pulls the private images with the registry's credentials (finding 6 of issue 10).
        registryAuth: privateRegistry ? [{ address: privateRegistry, ...credentials }] : [],
        localDocker: settings.localDockerHost ? { host: settings.localDockerHost } : (args.localDocker ?? {}),
        localGpu: settings.localGpu,
        registry: t.registry ? { server: t.registry.server, ...credentials } : undefined,
        ingressNodes: ingressNodes(t),
        gpuNodes: gpuNodes(t),
        warn: args.warn,
    });
}

export function deployPlatform(config: LoadedConfig, options: ProgramOptions = {}): Record<string, unknown> {
    const { topology: t, settings, stack } = config;
    const modules = options.modules ?? MODULES;
    const warn = options.warn ?? ((message: string) => pulumi.log.warn(message));
    for (const w of config.warnings) warn(`${w.path}: ${w.message}`);

    const kubernetes = settings.runtime === "kubernetes";
    // `daarion:node: all`: every node in this stack (the local engine, or one Kubernetes cluster).
    const everyNode = settings.node === "all";
    const nodeNames = everyNode ? Object.keys(t.nodes) : [settings.node];
    const primaryNode = Object.keys(t.nodes).find((n) => t.nodes[n]!.role === "primary")!;
    const ownsShared = everyNode || settings.node === primaryNode;

    // Stack secrets a module needs must exist before anything is declared.
    const present = options.stackSecretKeys ?? new Set<string>();
    // Images from a registry that is neither public nor declared would be pulled without credentials.
    const undeclared = undeclaredRegistries(t);
    if (undeclared.length > 0) {
        throw new ConfigError(
            stack,
            undeclared.map((f) => ({ severity: "error" as const, path: f.path, location: `Pulumi.yaml: daarion:topology.${f.path}`, message: f.message })),
        );
    }
    const missing = requiredStackSecretKeys(t, nodeNames, modules).filter((k) => !present.has(k));
    if (missing.length > 0) {
        throw new ConfigError(
            stack,
            missing.map((key) => ({
                severity: "error" as const,
                path: `secrets.${key}`,
                location: `Pulumi.${stack}.yaml: daarion:secrets.${key}`,
                message: `missing secret; set it with: pulumi config set --secret --path 'daarion:secrets.${key}' --stack ${stack} -- <value>`,
            })),
        );
    }
    const needsCloudNetwork = !everyNode && !kubernetes && Object.values(t.nodes).some((n) => n.provisioner.kind === "hcloud");

    // The owner stack generates shared state; every other stack reads it from the owner, one
    // secret at a time (components/secrets: no aggregate Output feeds a resource).
    const ownerRef = ownsShared ? undefined : new pulumi.StackReference("shared", { name: settings.sharedStack! });
    const preview = options.preview ?? pulumi.runtime.isDryRun();
    const secrets = new SharedSecrets("shared-secrets", {
        catalogue: secretCatalogue(t, modules),
        fromOwner: ownerRef ? { outputs: ownerRef.getOutput("sharedSecrets"), stack: settings.sharedStack! } : undefined,
        preview,
    });

    let network: { networkId: pulumi.Output<number>; placementGroupId: pulumi.Output<number> } | undefined;
    if (needsCloudNetwork) {
        if (ownsShared) {
            network = new PrivateNetwork("private", { name: t.network.name, ipRange: t.network.ipRange, zone: t.network.zone, cloudSubnet: t.network.cloudSubnet, vswitch: t.network.vswitch });
        } else {
            network = {
                networkId: ownerOutput(ownerRef!, settings.sharedStack!, "networkId", preview).apply(Number),
                placementGroupId: ownerOutput(ownerRef!, settings.sharedStack!, "placementGroupId", preview).apply(Number),
            };
        }
    }

    const stackSecrets = options.stackSecrets ?? pulumi.secret<Record<string, string>>({});
    const runtime: WorkloadRuntime = kubernetes
        ? // Loaded only here: @pulumi/kubernetes is 121 modules, about 40 ms of every Docker stack's
          // render (measured with a require hook, README "Benchmark").
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          (require("./kubernetes") as typeof import("./kubernetes")).createKubernetesRuntime(config, stackSecrets)
        : dockerRuntimeFor(config, { everyNode, network, stackSecrets, localDocker: options.localDocker, warn });
    const workloads = new Map<string, DeployedWorkload>();
    const base: DeploymentContext = {
        stack,
        topology: t,
        primaryNode,
        runtime,
        resolver: runtime.resolver,
        development: everyNode && !kubernetes,
        secrets,
        stackSecrets,
        stackSecretKeys: present,
        workloads,
        warn,
        modules,
    };

    const outputs: Record<string, unknown> = { stack, nodes: nodeNames };
    const nodeOutputs: Record<string, unknown> = {};
    for (const nodeName of nodeNames) {
        const target = runtime.forNode(nodeName);
        const ctx: NodeContext = {
            ...base,
            nodeName,
            node: t.nodes[nodeName]!,
            publicIp: target.publicIp,
            deploy(workload, opts = {}) {
                const key = `${nodeName}/${workload.name}`;
                if (workloads.has(key)) throw new Error(`workload '${workload.name}' is declared twice on ${nodeName}`);
                const after = (workload.dependsOn ?? []).map((name) => {
                    const dep = workloads.get(`${nodeName}/${name}`);
                    if (!dep) throw new Error(`workload '${workload.name}' on ${nodeName} depends on '${name}', which is not deployed before it`);
                    return dep.resource;
                });
                const deployed = target.deploy(workload, { parent: opts.parent, dependsOn: [...after, ...(opts.dependsOn ?? [])] });
                workloads.set(key, deployed);
                return deployed;
            },
        };
        const perModule: Record<string, ModuleOutputs> = {};
        for (const m of modules) {
            const result = m.deployNode?.(ctx);
            if (result) perModule[m.name] = result;
        }
        nodeOutputs[nodeName] = { ...target.outputs(), ...perModule };
    }
    outputs.nodeOutputs = nodeOutputs;

    if (ownsShared) {
        const shared: Record<string, ModuleOutputs> = {};
        for (const m of modules) {
            const result = m.deployShared?.(base);
            if (result) shared[m.name] = result;
        }
        outputs.shared = shared;
        outputs.sharedSecrets = secrets.exportMap();
        if (network) {
            outputs.networkId = network.networkId;
            outputs.placementGroupId = network.placementGroupId;
        }
    }
    outputs.warnings = config.warnings.map((w) => `${w.path}: ${w.message}`);
    return outputs;
}
