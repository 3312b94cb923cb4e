/**
 * The runtime of a stack with `daarion:runtime: kubernetes`: every topology node into one
 * cluster through the KubernetesRuntime (components/workload/kubernetes-runtime.ts). The program
 * (stacks/program.ts) runs the same module loop over it as over the Docker runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { privateRegistryInUse } from "../components/node/registry";
import { defaultNodeSelector } from "../components/workload/kubernetes-manifests";
import { KubernetesRuntime } from "../components/workload/kubernetes-runtime";
import type { LoadedConfig } from "./config";

/**
 * `app.kubernetes.io/part-of` on every object, so `kubectl get all -l app.kubernetes.io/part-of=daarion`
 * lists the platform. Recommended labels: `part-of` is "The name of a higher level application this
 * one is part of", `managed-by` "The tool being used to manage the operation of an application"
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/#labels).
 */
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
