/**
 * The program of a stack with `daarion:runtime: kubernetes`: every topology node into one
 * cluster through the KubernetesRuntime (components/workload/kubernetes-runtime.ts).
 *
 * This mirrors deployPlatform's module loop (stacks/program.ts) because the Docker program still
 * builds its hosts inline. Once the program takes a `WorkloadRuntime` (issue 13 item 2, the
 * integrator's docker-runtime.ts), `createKubernetesRuntime` is the only part it needs: the loop
 * below goes away. Two adapters stand in for that change and are marked where they are.
 */
import * as pulumi from "@pulumi/pulumi";
import { privateRegistryInUse } from "../components/node/registry";
import { SharedSecrets } from "../components/secrets";
import type { DockerWorkload } from "../components/workload/docker";
import { defaultNodeSelector } from "../components/workload/kubernetes-manifests";
import { KubernetesRuntime, KubernetesWorkload } from "../components/workload/kubernetes-runtime";
import { ConfigError, LoadedConfig } from "./config";
import type { DeploymentContext, ModuleOutputs, NodeContext } from "./context";
import { MODULES } from "./modules";
import { ProgramOptions, requiredStackSecretKeys, secretCatalogue } from "./program";

/** `app.kubernetes.io/part-of` on every object, so `kubectl get all -l app.kubernetes.io/part-of=daarion` lists the platform. */
const COMMON_LABELS = { "app.kubernetes.io/part-of": "daarion", "app.kubernetes.io/managed-by": "pulumi" } as const;

/** The runtime of a `runtime: kubernetes` stack, from its validated settings. */
export function createKubernetesRuntime(config: LoadedConfig, stackSecrets: pulumi.Output<Record<string, string>>): KubernetesRuntime {
    const k = config.settings.kubernetes;
    if (!k) throw new Error("createKubernetesRuntime: the stack has no daarion:kubernetes settings (loadConfig refuses that)");
    const t = config.topology;
    const registry = privateRegistryInUse(t);
    return new KubernetesRuntime({
        placement: {
            namespace: k.namespace,
            storageClass: k.storageClass,
            nodeSelectors: Object.fromEntries(Object.keys(t.nodes).map((n) => [n, k.nodeSelectors[n] ?? defaultNodeSelector(n)])),
            volumeGi: k.volumeGi,
            defaultVolumeGi: k.defaultVolumeGi,
            commonLabels: COMMON_LABELS,
        },
        kubeconfig: k.kubeconfig,
        context: k.context,
        podCidrs: k.podCidrs,
        dnsServer: k.dnsServer,
        clusterDomain: k.clusterDomain,
        adminEndpoints: k.adminEndpoints,
        registry: registry
            ? { server: registry, username: stackSecrets.apply((s) => s.registryUsername ?? ""), password: pulumi.secret(stackSecrets.apply((s) => s.registryPassword ?? "")) }
            : undefined,
    });
}

export function deployOnKubernetes(config: LoadedConfig, options: ProgramOptions = {}): Record<string, unknown> {
    const { topology: t, stack } = config;
    const modules = options.modules ?? MODULES;
    const warn = options.warn ?? ((message: string) => pulumi.log.warn(message));
    for (const w of config.warnings) warn(`${w.path}: ${w.message}`);
    const nodeNames = Object.keys(t.nodes);
    const primaryNode = nodeNames.find((n) => t.nodes[n]!.role === "primary")!;
    const present = options.stackSecretKeys ?? new Set<string>();
    const missing = requiredStackSecretKeys(t, nodeNames, modules).filter((key) => !present.has(key));
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
    const stackSecrets = options.stackSecrets ?? pulumi.secret<Record<string, string>>({});
    const secrets = new SharedSecrets("shared-secrets", { catalogue: secretCatalogue(t, modules), preview: options.preview ?? pulumi.runtime.isDryRun() });
    const runtime = createKubernetesRuntime(config, stackSecrets);

    // Adapter 1: modules still type their dependencies as DockerWorkload; a KubernetesWorkload is a
    // ComponentResource too, which is all `dependsOn` needs from it.
    const workloads = new Map<string, KubernetesWorkload>();
    const base: DeploymentContext = {
        stack,
        topology: t,
        primaryNode,
        resolver: runtime.resolver,
        secrets,
        stackSecrets,
        stackSecretKeys: present,
        workloads: workloads as unknown as ReadonlyMap<string, DockerWorkload>,
        warn,
    };
    const nodeOutputs: Record<string, unknown> = {};
    for (const nodeName of nodeNames) {
        const target = runtime.forNode(nodeName);
        const ctx: NodeContext = {
            ...base,
            nodeName,
            node: t.nodes[nodeName]!,
            local: false,
            publicIp: target.publicIp,
            deploy(spec, opts = {}) {
                const w = target.deploy(spec, opts) as KubernetesWorkload;
                workloads.set(`${nodeName}/${spec.name}`, w);
                // Adapter 2: daedalus ties nginx to `container.id` of its api (a replacement must
                // restart nginx); the instance id of a pod template serves the same purpose.
                return Object.assign(w, { container: { id: w.instanceId } }) as unknown as DockerWorkload;
            },
        };
        const perModule: Record<string, ModuleOutputs> = {};
        for (const m of modules) {
            const result = m.deployNode?.(ctx);
            if (result) perModule[m.name] = result;
        }
        nodeOutputs[nodeName] = { ...target.outputs(), ...perModule };
    }
    const shared: Record<string, ModuleOutputs> = {};
    for (const m of modules) {
        const result = m.deployShared?.(base);
        if (result) shared[m.name] = result;
    }
    return {
        stack,
        nodes: nodeNames,
        runtime: "kubernetes",
        namespace: config.settings.kubernetes!.namespace,
        nodeOutputs,
        shared,
        sharedSecrets: secrets.exportMap(),
        warnings: config.warnings.map((w) => `${w.path}: ${w.message}`),
    };
}
