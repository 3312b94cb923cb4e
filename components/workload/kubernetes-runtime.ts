/**
 * The Kubernetes runtime: realizes WorkloadSpecs through @pulumi/kubernetes into ONE namespace of
 * one cluster, every topology node mapped to cluster nodes by a nodeSelector
 * (KubernetesPlacement.nodeSelectors, default `daarion.io/node=<node>`). The objects are built by
 * the pure ./kubernetes-manifests.ts; this file only wires Pulumi values into them, wraps secrets,
 * and sets resource options.
 *
 * Provider facts (@pulumi/kubernetes@4.34.2):
 * - A Deployment / StatefulSet "waits until its status is ready before registering success
 *   for create/update" (StatefulSet: spec.replicas matches status.replicas, currentReplicas and
 *   readyReplicas, and updateRevision matches currentRevision; Deployment: a ReplicaSet of the
 *   current revision exists and the `Available` condition is True, plus `Progressing` with reason
 *   `NewReplicaSetAvailable` from the second generation on), and marks the update Failed after 10
 *   minutes unless `customTimeouts` say otherwise (@pulumi/kubernetes@4.34.2:
 *   apps/v1/statefulSet.d.ts l. 11-22, apps/v1/deployment.d.ts l. 7-27); the `pulumi.com/skipAwait`
 *   annotation turns that off (pulumi/pulumi-kubernetes#417, merged PR "Allow awaiters to be
 *   skipped by setting an annotation"). WorkloadSpec.waitHealthy therefore needs nothing more
 *   here: every workload is awaited. A replica whose first pg_basebackup takes longer than 10
 *   minutes would need a longer create timeout (not set: no measurement yet).
 * - Secret `data`/`stringData` are stored as secrets in the state whatever the input
 *   (pulumi/pulumi-kubernetes#803 "Automatically mark Secret data and stringData as secret", #1190
 *   "Mark Secret inputs as secret in schema"; @pulumi/kubernetes@4.34.2: core/v1/secret.d.ts l. 7:
 *   "Pulumi automatically encrypts the 'data' and 'stringData' fields"); the runtime wraps them in
 *   pulumi.secret anyway, as components must (ARCHITECTURE principle 5).
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AddressResolver } from "./addresses";
import { imageReference, isCredentialEnv } from "./docker";
import {
    buildWorkloadObjects,
    defaultDenyPolicy,
    disruptionBudget,
    isStatefulSpec,
    K8sObject,
    KubernetesPlacement,
    KubernetesSpecError,
    LABELS,
    namespaceObject,
    objectName,
    serviceHost,
} from "./kubernetes-manifests";
import type { DeployedWorkload, DeployOptions, NodeTarget, WorkloadRuntime } from "./runtime";
import type { WorkloadPort, WorkloadSpec } from "./spec";

export interface KubernetesRuntimeArgs {
    readonly placement: KubernetesPlacement;
    /**
     * Contents of or path to a kubeconfig ("The contents of a kubeconfig file or the path to a
     * kubeconfig file.", ProviderArgs.kubeconfig, @pulumi/kubernetes@4.34.2: provider.d.ts).
     * @default the provider's: like kubectl, the file named by $KUBECONFIG, else ~/.kube/config
     * (https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/#setup;
     * pulumi/pulumi-kubernetes#2180 "Load default kubeconfig if not specified in provider")
     */
    readonly kubeconfig?: string;
    /** kubeconfig context. @default the kubeconfig's current context */
    readonly context?: string;
    /** The cluster's pod CIDR(s): where the platform's own clients connect from. */
    readonly podCidrs: readonly string[];
    /** Address of the cluster DNS Service (kube-dns), for proxies that re-resolve peers. */
    readonly dnsServer: string;
    /** @default "cluster.local" */
    readonly clusterDomain?: string;
    /** `host:port` per `<node>/<workload>/<port name>` where the providers of `pulumi up` reach an admin port. @default 127.0.0.1:<localPort> (kubectl port-forward) */
    readonly adminEndpoints?: Readonly<Record<string, string>>;
    /** Pull credentials of a private registry: a dockerconfigjson Secret every pod references. */
    readonly registry?: { readonly server: string; readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
}

/** The resolver of cluster DNS names: every workload is `<node>-<workload>.<ns>.svc.<domain>`. */
export function kubernetesResolver(namespace: string, clusterDomain = "cluster.local"): AddressResolver {
    return {
        kind: "kubernetes",
        host: (node, workload) => serviceHost(node, workload, namespace, clusterDomain),
        endpoint: (node, workload, port) => `${serviceHost(node, workload, namespace, clusterDomain)}:${port}`,
        // The ClusterIP name routes to the workload's only pod and survives pod replacement.
        announce: (node, workload) => serviceHost(node, workload, namespace, clusterDomain),
        // Peers share the pod network: the Service answers on the container's own port.
        sameNode: (node, workload) => serviceHost(node, workload, namespace, clusterDomain),
        singleHost: false,
        port: (port) => port.containerPort,
        portEndpoint: (node, workload, port) => `${serviceHost(node, workload, namespace, clusterDomain)}:${port.containerPort}`,
    };
}

type ResourceClass = new (name: string, args: never, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The `kubernetes:<group>/<version>:<Kind>` class of each object kind kubernetes-manifests.ts builds. */
const RESOURCE_CLASSES: Readonly<Record<string, ResourceClass>> = {
    "v1/Namespace": k8s.core.v1.Namespace,
    "v1/ConfigMap": k8s.core.v1.ConfigMap,
    "v1/Secret": k8s.core.v1.Secret,
    "v1/Service": k8s.core.v1.Service,
    "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
    "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
    "apps/v1/Deployment": k8s.apps.v1.Deployment,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
};

function declare(obj: K8sObject, name: string, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    const Class = RESOURCE_CLASSES[`${obj.apiVersion}/${obj.kind}`];
    if (!Class) throw new KubernetesSpecError(`kubernetes: no resource class for ${obj.apiVersion} ${obj.kind}`);
    return new Class(name, obj as never, opts);
}

/** One workload instance in the cluster. */
export class KubernetesWorkload extends pulumi.ComponentResource implements DeployedWorkload {
    public readonly node: string;
    public readonly spec: WorkloadSpec;
    public readonly resource: pulumi.Resource;
    public readonly instanceId: pulumi.Output<string>;
    public readonly controller: pulumi.CustomResource;

    constructor(name: string, args: { node: string; spec: WorkloadSpec; runtime: KubernetesRuntime; dependsOn?: pulumi.Resource[] }, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:workload:KubernetesWorkload", name, {}, opts);
        const { node, spec, runtime } = args;
        this.node = node;
        this.spec = spec;
        const p = runtime.placement;
        if ("build" in spec.image) {
            throw new KubernetesSpecError(`kubernetes: workload '${spec.name}' on ${node}: image ${spec.image.repository} has a build context; the Kubernetes runtime builds nothing, push it and pin it by digest`);
        }
        const image = imageReference(spec.image);
        // A change of any file or credential rolls the pod, because neither reaches a running
        // container otherwise:
        // - files: "A container using a ConfigMap as a subPath volume mount will not receive
        //   ConfigMap updates." (https://kubernetes.io/docs/concepts/storage/volumes/#configmap;
        //   https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically;
        //   kubernetes/kubernetes#50345 covers Secrets mounted with subPath too);
        // - env: "ConfigMaps consumed as environment variables are not updated automatically and
        //   require a pod restart." (same ConfigMap section); for env taken from a Secret
        //   (secretKeyRef) we assume the same (no source checked).
        const fileHash = pulumi
            .all((spec.files ?? []).map((f) => pulumi.all([f.path, f.content])))
            .apply((files) => pulumi.all(Object.entries(spec.env ?? {}).map(([k, v]) => pulumi.all([k, v]))).apply((env) => createHash("sha256").update(JSON.stringify({ files, env })).digest("hex")));
        const objects = buildWorkloadObjects<pulumi.Input<string>>({
            node,
            spec,
            image,
            placement: p,
            isCredential: (key, value) => isCredentialEnv(key, value as pulumi.Input<string>),
            isComputed: (value) => typeof value !== "string",
            // A digest of secrets reveals none of them; kept plain so the pod template stays readable in the state.
            podAnnotations: { "daarion.io/config-sha256": pulumi.unsecret(fileHash) },
        });
        const base = objectName(node, spec.name);
        const child: pulumi.CustomResourceOptions = { parent: this, provider: runtime.provider, dependsOn: [runtime.namespace] };
        const stateful = isStatefulSpec(spec);
        const before: pulumi.Resource[] = [];
        if (objects.configMap) before.push(declare(objects.configMap, `${base}-files`, child));
        for (const chunk of objects.chunks) before.push(declare(chunk, chunk.metadata.name, child));
        if (objects.secret) {
            const secret = { ...objects.secret, stringData: pulumi.secret(objects.secret.stringData as Record<string, pulumi.Input<string>>) } as K8sObject;
            before.push(declare(secret, `${base}-secret`, child));
        }
        // Standalone claims hold data other workloads mount; never deleted with this workload: protect
        // makes any deployment that would delete it, replacement included, fail
        // (https://www.pulumi.com/docs/iac/concepts/resources/options/protect/), and with
        // retainOnDelete "the providers Delete method will not be called for this resource"
        // (@pulumi/pulumi@3.248.0: resource.d.ts, CustomResourceOptions.retainOnDelete).
        for (const claim of objects.claims) before.push(declare(claim, claim.metadata.name, { ...child, protect: true, retainOnDelete: true }));
        for (const svc of objects.services) declare(svc, svc.metadata.name, child);
        if (objects.networkPolicy) declare(objects.networkPolicy, `${base}-netpol`, child);
        const controller = runtime.withPullSecret(objects.controller);
        this.controller = declare(controller, base, {
            ...child,
            dependsOn: [runtime.namespace, ...before, ...(args.dependsOn ?? [])],
            // The StatefulSet owns the data's claims (retained by persistentVolumeClaimRetentionPolicy,
            // see ./kubernetes-manifests.ts); protect + retainOnDelete keep `pulumi destroy` and a
            // replacement from taking it away (sources beside the standalone claims above).
            ...(stateful ? { protect: true, retainOnDelete: true } : {}),
        });
        this.resource = this;
        this.instanceId = pulumi.unsecret(this.controller.urn.apply(() => fileHash).apply((h) => createHash("sha256").update(`${image}\n${h}`).digest("hex")));
        this.registerOutputs({ controller: this.controller.urn });
    }
}

export class KubernetesRuntime implements WorkloadRuntime {
    readonly kind = "kubernetes" as const;
    readonly singleHost = false;
    /**
     * Pods connect from pod addresses, never from a node's: "Pods can communicate with each other
     * directly, without the use of proxies or address translation (NAT)."
     * (https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model).
     */
    readonly peersUseNodeAddresses = false;
    /** Ingress leaves through HAProxy's LoadBalancer Service, not through a node's address. */
    readonly publicAddressPerNode = false;
    readonly resolver: AddressResolver;
    readonly workloadRanges: readonly string[];
    readonly nameServers: readonly string[];
    readonly placement: KubernetesPlacement;
    readonly provider: k8s.Provider;
    readonly namespace: k8s.core.v1.Namespace;
    private readonly pullSecret?: string;
    private readonly budgets = new Set<string>();
    private readonly deployed = new Map<string, KubernetesWorkload>();

    constructor(private readonly args: KubernetesRuntimeArgs) {
        this.placement = args.placement;
        const ns = args.placement.namespace;
        const common = args.placement.commonLabels ?? {};
        this.resolver = kubernetesResolver(ns, args.clusterDomain);
        this.workloadRanges = [...args.podCidrs];
        // host:port, as HAProxy `nameserver` lines take it; the cluster DNS Service answers on 53
        // (the `kube-dns` Service of the reference CoreDNS addon has ports 53/UDP and 53/TCP:
        // kubernetes/kubernetes: cluster/addons/dns/coredns/coredns.yaml.base) unless the
        // configured dnsServer names a port.
        this.nameServers = [/:\d+$/.test(args.dnsServer) ? args.dnsServer : `${args.dnsServer}:53`];
        this.provider = new k8s.Provider("kubernetes", { kubeconfig: args.kubeconfig, context: args.context, namespace: ns });
        // Deleting a namespace deletes everything in it ("This deletes _everything_ under the
        // namespace!", https://kubernetes.io/docs/tasks/administer-cluster/namespaces/#deleting-a-namespace),
        // claims included, and a dynamically provisioned volume inherits its StorageClass's
        // reclaimPolicy, which defaults to Delete
        // (https://kubernetes.io/docs/concepts/storage/storage-classes/#reclaim-policy): data included.
        this.namespace = declare(namespaceObject(ns, common), ns, { provider: this.provider, protect: true, retainOnDelete: true }) as k8s.core.v1.Namespace;
        declare(defaultDenyPolicy(ns, common), "default-deny-ingress", { provider: this.provider, dependsOn: [this.namespace] });
        if (args.registry) {
            this.pullSecret = "registry-credentials";
            const r = args.registry;
            const config = pulumi.all([r.username, r.password]).apply(([u, pw]) =>
                JSON.stringify({ auths: { [r.server]: { username: u, password: pw, auth: Buffer.from(`${u}:${pw}`).toString("base64") } } }),
            );
            new k8s.core.v1.Secret(
                "registry-credentials",
                { metadata: { name: this.pullSecret, namespace: ns, labels: { ...common } }, type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": pulumi.secret(config) } },
                { provider: this.provider, dependsOn: [this.namespace] },
            );
        }
    }

    /** The controller with the registry's pull secret in its pod template. */
    withPullSecret(controller: K8sObject): K8sObject {
        if (!this.pullSecret) return controller;
        const spec = controller.spec as { template: { spec: Record<string, unknown> } };
        return { ...controller, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, imagePullSecrets: [{ name: this.pullSecret }] } } } };
    }

    adminEndpoint(node: string, workload: string, port: WorkloadPort): string {
        const configured = this.args.adminEndpoints?.[`${node}/${workload}/${port.name}`];
        if (configured) return configured;
        if (!port.admin) throw new Error(`kubernetes: port '${port.name}' of ${node}/${workload} is not an admin port`);
        // README "Kubernetes": kubectl port-forward -n <ns> svc/<node>-<workload> <localPort>:<port>
        return `127.0.0.1:${port.admin.localPort}`;
    }

    forNode(nodeName: string): NodeTarget {
        if (!this.placement.nodeSelectors[nodeName]) throw new Error(`kubernetes: topology node '${nodeName}' has no node selector`);
        return {
            nodeName,
            publicIp: pulumi.output(undefined),
            deploy: (spec: WorkloadSpec, opts: DeployOptions = {}) => this.deploy(nodeName, spec, opts),
            outputs: () => ({ kind: "kubernetes", namespace: this.placement.namespace, nodeSelector: this.placement.nodeSelectors[nodeName] }),
        };
    }

    private deploy(node: string, spec: WorkloadSpec, opts: DeployOptions): KubernetesWorkload {
        const key = `${node}/${spec.name}`;
        if (this.deployed.has(key)) throw new Error(`workload '${spec.name}' is declared twice on ${node}`);
        const after = (spec.dependsOn ?? []).map((name) => {
            const dep = this.deployed.get(`${node}/${name}`);
            if (!dep) throw new Error(`workload '${spec.name}' on ${node} depends on '${name}', which is not deployed before it`);
            return dep;
        });
        if (!this.budgets.has(spec.service)) {
            this.budgets.add(spec.service);
            declare(disruptionBudget(spec.service, this.placement.namespace, this.placement.commonLabels), `${spec.service}-pdb`, { provider: this.provider, dependsOn: [this.namespace] });
        }
        const w = new KubernetesWorkload(objectName(node, spec.name), { node, spec, runtime: this, dependsOn: [...after, ...(opts.dependsOn ?? [])] }, { parent: opts.parent });
        this.deployed.set(key, w);
        return w;
    }
}

export { LABELS };
