/**
 * (About 550 lines: one function maps a whole WorkloadSpec and the mapping's sources are written
 * beside each part; the pod-level helpers live in ./kubernetes-pod.ts.)
 *
 * Pure builders of the Kubernetes objects that realize one WorkloadSpec (no Pulumi import: the
 * runtime, ./kubernetes-runtime.ts, hands them to @pulumi/kubernetes, the offline render writes
 * them to `manifests/`, and test/kubernetes/ validates them against the Kubernetes OpenAPI schema).
 *
 * Values that come from Pulumi (passwords, file text built from secrets) are carried through
 * untouched as `V`: the builders never look inside them. Secret wrapping is the runtime's job.
 *
 * How a spec maps (each fact with its source):
 * - entrypoint → container `command`, command → `args`: the container image's ENTRYPOINT is used
 *   if `command` is not provided, its CMD if `args` is not (Container.command / Container.args,
 *   @pulumi/kubernetes@4.34.2: types/input.d.ts core.v1.Container; Kubernetes docs
 *   https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/).
 * - restart: Deployments and StatefulSets accept only `restartPolicy: Always` in their pod template
 *   (Deployments: "Only a `.spec.template.spec.restartPolicy` equal to `Always` is allowed, which
 *   is the default if not specified.", https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template;
 *   StatefulSetSpec.template and DeploymentSpec.template: "The only allowed
 *   template.spec.restartPolicy value is "Always"." — @pulumi/kubernetes@4.34.2:
 *   types/input.d.ts apps.v1), so `on-failure` / `never` are refused here with the workload named;
 *   no module declares them today. A one-shot workload would be a Job (JobSpec.template allows
 *   only "Never" or "OnFailure", same file), which nothing needs yet.
 * - probes: exec → exec, shell → exec `/bin/sh -c`, http → httpGet (the kubelet counts a status
 *   code greater than or equal to 200 and less than 400 as success:
 *   https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-http-request;
 *   the Docker forms of ./probes.ts fail on 4xx/5xx), tcp → tcpSocket. Docker's start period
 *   ("Probe failure during that period will not be counted towards the maximum number of
 *   retries.", https://docs.docker.com/reference/dockerfile/#healthcheck) becomes a startupProbe
 *   whose failureThreshold * periodSeconds covers it: while a startup probe is configured no other
 *   probe runs until it succeeds (Container.startupProbe: "If specified, no other probes are
 *   executed until this completes successfully.", @pulumi/kubernetes@4.34.2: types/input.d.ts;
 *   https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes).
 * - volumes: a `stateful` volume is a StatefulSet volumeClaimTemplate whose PVCs are kept on delete
 *   and on scale-down (`persistentVolumeClaimRetentionPolicy` `Retain`: "The default policy of
 *   `Retain` causes PVCs to not be affected by StatefulSet deletion." / "... by a scaledown.",
 *   StatefulSetPersistentVolumeClaimRetentionPolicy, @pulumi/kubernetes@4.34.2: types/input.d.ts);
 *   any other volume is a standalone PVC `<node>-<workload>-<key>`, so another workload pinned to
 *   the same cluster node can mount it (`from`: the node agent shares /run/daarion with postgres).
 *   ReadWriteOnce lets several pods of ONE node mount it ("ReadWriteOnce access mode still can
 *   allow multiple pods to access (read from or write to) that volume when the pods are running on
 *   the same node.", https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes),
 *   and both pods carry the same nodeSelector.
 * - host mounts (node_exporter's filesystem probes) are read-only hostPath volumes of type
 *   `Directory` ("A directory must exist at the given path."), so a missing directory fails the
 *   mount instead of being created; the default type "" is "for backward compatibility, which
 *   means that no checks will be performed before mounting the `hostPath` volume."
 *   (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath-volume-types). Nothing of ours
 *   creates a directory on the host (`DirectoryOrCreate` would).
 */
import { ASSEMBLED_ANNOTATION, ASSEMBLED_DIR, CHUNK_BYTES, CHUNK_DIR, CONFIGMAP_LIMIT_BYTES, KubernetesSpecError, probes, resources, shortHash, splitUtf8 } from "./kubernetes-pod";
import type { WorkloadPort, WorkloadSpec, WorkloadVolume } from "./spec";

export { ASSEMBLED_ANNOTATION, CHUNK_BYTES, CONFIGMAP_LIMIT_BYTES, KubernetesSpecError, probeHandler, probes, resources, splitUtf8 } from "./kubernetes-pod";

/** A Kubernetes object as plain data; `V` is an opaque value (a Pulumi Input in the runtime, a string in tests). */
export type K8sObject = { apiVersion: string; kind: string; metadata: K8sMetadata; [field: string]: unknown };
export interface K8sMetadata {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, unknown>;
}

/** Where the platform runs in the cluster (validated config: stacks/schema.ts `kubernetes`). */
export interface KubernetesPlacement {
    readonly namespace: string;
    readonly storageClass: string;
    /** Node selector per topology node: the cluster nodes that stand for it. */
    readonly nodeSelectors: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** Size of each PVC in GiB, keyed `<workload>/<volume key>`, else `defaultVolumeGi`. */
    readonly volumeGi: Readonly<Record<string, number>>;
    readonly defaultVolumeGi: number;
    /** Labels on every object, e.g. `app.kubernetes.io/part-of: daarion`. */
    readonly commonLabels?: Readonly<Record<string, string>>;
}

export const LABELS = {
    node: "daarion.io/node",
    workload: "daarion.io/workload",
    service: "daarion.io/service",
    role: "daarion.io/role",
    partOf: "app.kubernetes.io/part-of",
} as const;

/** The default node label: `kubectl label node <cluster node> daarion.io/node=<topology node>`. */
export function defaultNodeSelector(node: string): Record<string, string> {
    return { [LABELS.node]: node };
}

/**
 * Whether two node selectors can choose the same cluster node. A pod with a nodeSelector is
 * scheduled only onto nodes that have each of its labels
 * (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector), and a
 * node's labels are a map, one value per key
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/):
 * - `disjoint`: one key with two different values; no node matches both;
 * - `contained`: every label of one is in the other, so every node the larger one chooses, the
 *   smaller one chooses too (identical selectors included);
 * - `may-overlap`: neither; a node that carries the labels of both matches both.
 */
export function nodeSelectorOverlap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): "disjoint" | "contained" | "may-overlap" {
    if (Object.entries(a).some(([k, v]) => k in b && b[k] !== v)) return "disjoint";
    const within = (x: Readonly<Record<string, string>>, y: Readonly<Record<string, string>>) => Object.entries(x).every(([k, v]) => y[k] === v);
    return within(a, b) || within(b, a) ? "contained" : "may-overlap";
}

/**
 * RFC 1035 label: at most 63 characters, lowercase alphanumerics or '-', starting with a letter,
 * ending with an alphanumeric (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names;
 * "The name of a Service object must be a valid RFC 1035 label name.",
 * https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service). The 63 is
 * checked where it applies: objectName (56 plus the longest suffix), volume names, and the
 * namespace in stacks/schema.ts.
 */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/**
 * IANA_SVC_NAME, as the API server checks a container port name (IsValidPortName,
 * kubernetes/kubernetes: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go):
 * non-empty, no more than 15 characters of [-a-z0-9], at least one letter, no hyphen at either
 * end, no adjacent hyphens.
 */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/**
 * Label values: "must be 63 characters or less (can be empty), unless empty, must begin and end
 * with an alphanumeric character ([a-z0-9A-Z]), could contain dashes (-), underscores (_), dots
 * (.), and alphanumerics between." (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set;
 * the 63 is checked beside each use).
 */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/**
 * A label or annotation key: an optional prefix that is a DNS subdomain (at most 253 characters,
 * lowercase alphanumerics, '-' and '.') followed by '/', then a name of at most 63 characters,
 * alphanumeric at both ends with '-', '_', '.' and alphanumerics between
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
 */
function isQualifiedName(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = key.slice(slash + 1);
    if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix))) return false;
    return name.length >= 1 && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/**
 * ConfigMap / Secret data keys (IsConfigMapKey, same validation.go): `[-._a-zA-Z0-9]+`, at most
 * 253 characters, and not `.`, `..` or anything starting with `..`.
 */
const DATA_KEY = /^(?!\.\.)(?!\.$)[-._a-zA-Z0-9]{1,253}$/;


function fail(node: string, spec: WorkloadSpec, message: string): never {
    throw new KubernetesSpecError(`kubernetes: workload '${spec.name}' on ${node}: ${message}`);
}

/** `<node>-<workload>`: the Service, controller and DNS name of one workload instance. */
export function objectName(node: string, workload: string): string {
    const name = `${node}-${workload}`;
    // Leaves room for the longest suffix this file appends (`-public`, `-peers`, `-files`).
    if (!DNS_LABEL.test(name) || name.length > 56) throw new KubernetesSpecError(`kubernetes: '${name}' (node-workload) must be a lowercase RFC 1035 label of at most 56 characters`);
    return name;
}

/** The cluster DNS name of a workload's ClusterIP Service. */
export function serviceHost(node: string, workload: string, namespace: string, clusterDomain = "cluster.local"): string {
    return `${objectName(node, workload)}.${namespace}.svc.${clusterDomain}`;
}

/** Env keys whose values go into the workload's Secret, never into the pod spec. */
export type CredentialTest = (key: string, value: unknown) => boolean;

/** A ConfigMap / Secret key for a file path: the path's characters outside [-._a-zA-Z0-9] become `_`. */
export function fileKey(path: string): string {
    const key = path.replace(/^\/+/, "").replace(/[^-._a-zA-Z0-9]/g, "_");
    if (!DATA_KEY.test(key)) throw new KubernetesSpecError(`kubernetes: file path '${path}' gives no usable data key`);
    return key;
}

export function isStatefulSpec(spec: WorkloadSpec): boolean {
    return (spec.volumes ?? []).some((v) => v.stateful && v.from === undefined);
}

function volumeGi(p: KubernetesPlacement, spec: WorkloadSpec, v: WorkloadVolume): string {
    return `${p.volumeGi[`${spec.name}/${v.key}`] ?? p.defaultVolumeGi}Gi`;
}

function portName(node: string, spec: WorkloadSpec, port: WorkloadPort): string {
    if (!PORT_NAME.test(port.name)) fail(node, spec, `port name '${port.name}' must be a lowercase IANA service name of at most 15 characters`);
    return port.name;
}

export interface WorkloadObjects {
    /** ConfigMap of the non-secret files, if any. */
    readonly configMap?: K8sObject;
    /** Secret of the secret files and credential env values, if any (the runtime wraps its data in pulumi.secret). */
    readonly secret?: K8sObject;
    /** ConfigMaps of one chunk each of the files too large for one ConfigMap (see CHUNK_BYTES). */
    readonly chunks: K8sObject[];
    /** Standalone PVCs of the non-stateful volumes this workload declares. */
    readonly claims: K8sObject[];
    /** The StatefulSet or Deployment. */
    readonly controller: K8sObject;
    /** ClusterIP Service, the headless Service of a StatefulSet, the LoadBalancer of ingress ports. */
    readonly services: K8sObject[];
    readonly networkPolicy?: K8sObject;
}

export interface BuildArgs<V> {
    readonly node: string;
    readonly spec: WorkloadSpec;
    /** The image reference the pod runs (digest-pinned where the spec pins one). */
    readonly image: string;
    readonly placement: KubernetesPlacement;
    /** Which env values are credentials (components/workload/docker.ts `isCredentialEnv`). */
    readonly isCredential: CredentialTest;
    /**
     * A value computed at deployment time (a Pulumi Output). Its secretness is known only then, so
     * such env values and file contents go into the Secret, never into the ConfigMap or the pod spec.
     * @default any value that is not a plain string
     */
    readonly isComputed?: (value: unknown) => boolean;
    /** Annotations on the pod template, e.g. a hash of the files so a change rolls the pod. */
    readonly podAnnotations?: Record<string, V>;
}

/** Every object of one workload instance. */
export function buildWorkloadObjects<V>(args: BuildArgs<V>): WorkloadObjects {
    const { node, spec, placement: p } = args;
    const name = objectName(node, spec.name);
    const ns = p.namespace;
    if ((spec.restart ?? "always") !== "always") {
        fail(node, spec, `restart '${spec.restart}' has no Deployment/StatefulSet form (their pods allow only restartPolicy Always); run it as a Job`);
    }
    const selectorLabels = { [LABELS.node]: node, [LABELS.workload]: spec.name };
    const labels: Record<string, string> = { ...(p.commonLabels ?? {}), ...selectorLabels, [LABELS.service]: spec.service, [LABELS.role]: spec.role };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.labels ?? {})) {
        // Docker labels are free text; a value Kubernetes refuses as a label (LABEL_VALUE) becomes an
        // annotation, whose values are free text. Annotation keys follow the label key rules
        // (https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set),
        // so a key that is no qualified name fits neither and is refused.
        if (!isQualifiedName(k)) fail(node, spec, `label key '${k}' is not a valid Kubernetes label/annotation key ([prefix/]name, name at most 63 characters)`);
        if (LABEL_VALUE.test(v) && v.length <= 63) labels[k] = v;
        else annotations[k] = v;
    }
    for (const [k, v] of Object.entries(labels)) if (!LABEL_VALUE.test(v) || v.length > 63) fail(node, spec, `label ${k}='${v}' is not a valid label value`);
    const meta = (suffix = ""): K8sMetadata => ({ name: `${name}${suffix}`, namespace: ns, labels: { ...labels } });
    const nodeSelector = p.nodeSelectors[node];
    if (!nodeSelector) fail(node, spec, `no node selector for topology node '${node}'`);

    // Files: one ConfigMap / Secret, each file mounted alone with subPath at its path.
    const files = spec.files ?? [];
    const plainData: Record<string, unknown> = {};
    const secretData: Record<string, unknown> = {};
    const mounts: Array<Record<string, unknown>> = [];
    const plainItems: Array<Record<string, unknown>> = [];
    const secretItems: Array<Record<string, unknown>> = [];
    const seen = new Set<string>();
    const computed = args.isComputed ?? ((value: unknown) => typeof value !== "string");
    const chunks: K8sObject[] = [];
    const assembled: Array<{ path: string; key: string; mode: number; parts: string[] }> = [];
    const chunkVolumes: Array<Record<string, unknown>> = [];
    const chunkMounts: Array<Record<string, unknown>> = [];
    const joins: string[] = [];
    for (const f of files) {
        const key = fileKey(f.path);
        const secret = f.secret === true || computed(f.content);
        if (seen.has(key)) fail(node, spec, `files '${f.path}' and another map to the same key '${key}'`);
        seen.add(key);
        if (!secret && typeof f.content === "string" && Buffer.byteLength(f.content) > CHUNK_BYTES) {
            const h = shortHash(f.path);
            const parts = splitUtf8(f.content).map((text, i) => {
                const part = `${name}-f${h}-${i}`;
                chunks.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(`-f${h}-${i}`), data: { part: text } });
                chunkVolumes.push({ name: `chunk-${h}-${i}`, configMap: { name: part } });
                chunkMounts.push({ name: `chunk-${h}-${i}`, mountPath: `${CHUNK_DIR}/${h}/${i}`, readOnly: true });
                return part;
            });
            const mode = (f.mode ?? 0o644).toString(8);
            joins.push(`cat ${parts.map((_, i) => `${CHUNK_DIR}/${h}/${i}/part`).join(" ")} > ${ASSEMBLED_DIR}/${key} && chmod ${mode} ${ASSEMBLED_DIR}/${key}`);
            assembled.push({ path: f.path, key, mode: f.mode ?? 0o644, parts });
            mounts.push({ name: "assembled", mountPath: f.path, subPath: key, readOnly: true });
            continue;
        }
        (secret ? secretData : plainData)[key] = f.content;
        (secret ? secretItems : plainItems).push({ key, path: key, mode: f.mode ?? 0o644 });
        mounts.push({ name: secret ? "secret-files" : "files", mountPath: f.path, subPath: key, readOnly: true });
    }

    // Env: plain values inline, credentials from the Secret.
    const env: Array<Record<string, unknown>> = [];
    for (const [key, value] of Object.entries(spec.env ?? {})) {
        if (args.isCredential(key, value) || computed(value)) {
            const dataKey = `env.${key}`;
            if (!DATA_KEY.test(dataKey)) fail(node, spec, `env key '${key}' cannot be a Secret key`);
            secretData[dataKey] = value;
            env.push({ name: key, valueFrom: { secretKeyRef: { name: `${name}-secret`, key: dataKey } } });
        } else env.push({ name: key, value });
    }

    const volumes: Array<Record<string, unknown>> = [];
    const plainBytes = Object.values(plainData).reduce((n: number, v) => n + (typeof v === "string" ? Buffer.byteLength(v) : 0), 0);
    if (plainBytes > CONFIGMAP_LIMIT_BYTES) fail(node, spec, `its files add up to ${plainBytes} bytes, over the 1 MiB a ConfigMap may hold`);
    if (plainItems.length) volumes.push({ name: "files", configMap: { name: `${name}-files`, items: plainItems } });
    if (assembled.length) volumes.push({ name: "assembled", emptyDir: {} }, ...chunkVolumes);
    if (secretItems.length) volumes.push({ name: "secret-files", secret: { secretName: `${name}-secret`, items: secretItems } });

    const templates: K8sObject[] = [];
    const claims: K8sObject[] = [];
    for (const v of spec.volumes ?? []) {
        const volName = `vol-${v.key}`;
        if (!DNS_LABEL.test(volName) || volName.length > 63) fail(node, spec, `volume key '${v.key}' must be a lowercase RFC 1035 label`);
        mounts.push({ name: volName, mountPath: v.containerPath, ...(v.readOnly ? { readOnly: true } : {}) });
        const claimSpec = { accessModes: ["ReadWriteOnce"], storageClassName: p.storageClass, resources: { requests: { storage: volumeGi(p, spec, v) } } };
        if (v.from !== undefined) {
            volumes.push({ name: volName, persistentVolumeClaim: { claimName: `${objectName(node, v.from)}-${v.key}` } });
        } else if (v.stateful) {
            templates.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: volName, labels: { ...labels } }, spec: claimSpec });
        } else {
            claims.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta(`-${v.key}`), spec: claimSpec });
            volumes.push({ name: volName, persistentVolumeClaim: { claimName: `${name}-${v.key}` } });
        }
    }
    (spec.hostMounts ?? []).forEach((m, i) => {
        if (/docker\.sock|containerd\.sock|crio\.sock/.test(m.hostPath) || m.hostPath === "/var/run" || m.hostPath === "/run") {
            fail(node, spec, `mounting ${m.hostPath} exposes the container runtime socket, which is root on the host`);
        }
        const volName = `host-${i}`;
        volumes.push({ name: volName, hostPath: { path: m.hostPath, type: "Directory" } });
        mounts.push({ name: volName, mountPath: m.containerPath, readOnly: true });
    });

    const ports = spec.ports ?? [];
    const container: Record<string, unknown> = {
        name: spec.name,
        image: args.image,
        ...(spec.entrypoint ? { command: [...spec.entrypoint] } : {}),
        ...(spec.command ? { args: [...spec.command] } : {}),
        ...(env.length ? { env } : {}),
        ports: ports.map((port) => ({ name: portName(node, spec, port), containerPort: port.containerPort, protocol: (port.protocol ?? "tcp").toUpperCase() })),
        ...(mounts.length ? { volumeMounts: mounts } : {}),
        resources: resources(spec),
        ...probes(spec.probe),
        securityContext: { privileged: false, allowPrivilegeEscalation: false },
    };
    const user = spec.user !== undefined ? numericUser(node, spec, spec.user) : undefined;
    const podSpec: Record<string, unknown> = {
        nodeSelector: { ...nodeSelector },
        restartPolicy: "Always",
        // Docker's destroyGraceSeconds (components/workload/docker.ts); also the API default
        // ("Defaults to 30 seconds.", PodSpec.terminationGracePeriodSeconds, @pulumi/kubernetes@4.34.2:
        // types/input.d.ts), written out so the two runtimes visibly agree.
        terminationGracePeriodSeconds: 30,
        enableServiceLinks: false,
        ...(user ? { securityContext: user } : {}),
        ...(joins.length
            ? {
                  initContainers: [
                      {
                          name: "assemble-files",
                          image: args.image,
                          command: ["/bin/sh", "-c", joins.join(" && ")],
                          volumeMounts: [{ name: "assembled", mountPath: ASSEMBLED_DIR }, ...chunkMounts],
                          resources: { limits: { memory: "64Mi" }, requests: { memory: "64Mi" } },
                          securityContext: { privileged: false, allowPrivilegeEscalation: false },
                      },
                  ],
              }
            : {}),
        containers: [container],
        ...(volumes.length ? { volumes } : {}),
    };
    if (assembled.length) annotations[ASSEMBLED_ANNOTATION] = JSON.stringify(assembled);
    const template = { metadata: { labels: { ...labels }, ...(args.podAnnotations || Object.keys(annotations).length ? { annotations: { ...annotations, ...(args.podAnnotations ?? {}) } } : {}) }, spec: podSpec };

    const stateful = isStatefulSpec(spec);
    const controller: K8sObject = stateful
        ? {
              apiVersion: "apps/v1",
              kind: "StatefulSet",
              metadata: meta(),
              spec: {
                  serviceName: `${name}-peers`,
                  replicas: 1,
                  selector: { matchLabels: selectorLabels },
                  // One pod, replaced delete-first: two servers never run on one data directory. It is
                  // RollingUpdate that deletes first: "the StatefulSet controller will delete and
                  // recreate each Pod in the StatefulSet" and waits until an updated Pod is Running and
                  // Ready before the next (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#rolling-updates).
                  // OrderedReady (the default) governs scaling, not updates: "how pods are created during
                  // initial scale up, when replacing pods on nodes, or when scaling down"
                  // (StatefulSetSpec.podManagementPolicy, @pulumi/kubernetes@4.34.2: types/input.d.ts;
                  // https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#pod-management-policies).
                  podManagementPolicy: "OrderedReady",
                  updateStrategy: { type: "RollingUpdate" },
                  persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                  template,
                  volumeClaimTemplates: templates,
              },
          }
        : {
              apiVersion: "apps/v1",
              kind: "Deployment",
              metadata: meta(),
              spec: {
                  replicas: 1,
                  selector: { matchLabels: selectorLabels },
                  // A pod with a volume is stopped before its successor starts (as Docker's deleteBeforeReplace):
                  // "All existing Pods are killed before new ones are created when
                  // `.spec.strategy.type==Recreate`." — for upgrades only; a pod deleted by hand is
                  // replaced at once (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#recreate-deployment).
                  strategy: { type: volumes.some((v) => "persistentVolumeClaim" in v) ? "Recreate" : "RollingUpdate" },
                  template,
              },
          };

    const services: K8sObject[] = [];
    const servicePorts = ports.flatMap((port) => {
        const protocol = (port.protocol ?? "tcp").toUpperCase();
        const own = { name: port.name, port: port.containerPort, targetPort: port.containerPort, protocol };
        // Modules outside the local engine address a peer at its published port (the resolver's
        // `endpoint(node, workload, hostPort)`: daedalus-nginx 22181 -> 80), so the Service answers
        // there too.
        if (port.hostPort === undefined || port.hostPort === port.containerPort || port.exposure === "ingress" || port.exposure === "internal") return [own];
        return [own, { name: `hp-${port.hostPort}`, port: port.hostPort, targetPort: port.containerPort, protocol }];
    });
    if (ports.length) services.push({ apiVersion: "v1", kind: "Service", metadata: meta(), spec: { type: "ClusterIP", selector: selectorLabels, ports: servicePorts } });
    if (stateful) {
        // Stable per-pod names (`<name>-0.<name>-peers`: each pod "gets a matching DNS subdomain,
        // taking the form: $(podname).$(governing service domain), where the governing service is
        // defined by the serviceName field on the StatefulSet",
        // https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id)
        // for peers, published before the pod is ready (publishNotReadyAddresses: "The primary use
        // case for setting this field is for a StatefulSet's Headless Service to propagate SRV DNS
        // records for its Pods for the purpose of peer discovery.", ServiceSpec,
        // @pulumi/kubernetes@4.34.2: types/input.d.ts): NATS routes and Qdrant p2p must connect
        // while the cluster is still forming.
        services.push({ apiVersion: "v1", kind: "Service", metadata: meta("-peers"), spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: selectorLabels, ports: servicePorts } });
    }
    const ingressPorts = ports.filter((port) => port.exposure === "ingress");
    if (ingressPorts.length) {
        services.push({
            apiVersion: "v1",
            kind: "Service",
            metadata: meta("-public"),
            spec: {
                type: "LoadBalancer",
                // Keeps the client's source address, which HAProxy's /metrics allow list and the
                // X-Forwarded-For it sends depend on: with "Local" each node delivers traffic "only to
                // the node-local endpoints of the service, without masquerading the client source IP"
                // (ServiceSpec.externalTrafficPolicy, @pulumi/kubernetes@4.34.2: types/input.d.ts;
                // https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip).
                externalTrafficPolicy: "Local",
                selector: selectorLabels,
                ports: ingressPorts.map((port) => ({ name: port.name, port: port.hostPort ?? port.containerPort, targetPort: port.containerPort, protocol: (port.protocol ?? "tcp").toUpperCase() })),
            },
        });
    }

    const networkPolicy = ports.length ? buildNetworkPolicy(node, spec, name, ns, labels, selectorLabels) : undefined;
    return {
        configMap: plainItems.length ? { apiVersion: "v1", kind: "ConfigMap", metadata: meta("-files"), data: plainData } : undefined,
        secret: Object.keys(secretData).length ? { apiVersion: "v1", kind: "Secret", metadata: meta("-secret"), type: "Opaque", stringData: secretData } : undefined,
        chunks,
        claims,
        controller,
        services,
        networkPolicy,
    };
}

function numericUser(node: string, spec: WorkloadSpec, user: string): Record<string, number> {
    // runAsUser/runAsGroup take numbers only (integer fields of SecurityContext / PodSecurityContext,
    // @pulumi/kubernetes@4.34.2: types/input.d.ts); Docker's `user` may be a name the image's /etc/passwd knows.
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    if (!m) fail(node, spec, `user '${user}' must be numeric (uid[:gid]) on Kubernetes`);
    return { runAsUser: Number(m[1]), ...(m[2] !== undefined ? { runAsGroup: Number(m[2]) } : {}) };
}

/**
 * The firewall of one workload: `internal` ports from pods of the same topology node, `private`
 * ports from any pod of the namespace, `ingress` ports from anywhere. With the namespace's
 * default deny (`defaultDenyPolicy`) nothing else reaches the pod: the ingress rules of the
 * policies that select a pod "are combined additively" (NetworkPolicySpec.podSelector).
 * A peer `podSelector` without `namespaceSelector` "selects the pods matching podSelector in the
 * policy's own namespace", and an empty one selects all of them (NetworkPolicyPeer, LabelSelector);
 * a rule without `from`: "If this field is empty or missing, this rule matches all sources"
 * (NetworkPolicyIngressRule.from). All three: @pulumi/kubernetes@4.34.2: types/input.d.ts
 * networking.v1; https://kubernetes.io/docs/concepts/services-networking/network-policies/.
 */
function buildNetworkPolicy(node: string, spec: WorkloadSpec, name: string, namespace: string, labels: Record<string, string>, selector: Record<string, string>): K8sObject {
    const ports = spec.ports ?? [];
    const rule = (exposure: string, from: unknown[] | undefined) => {
        const selected = ports.filter((port) => (port.exposure ?? "private") === exposure);
        if (!selected.length) return [];
        return [{ ...(from ? { from } : {}), ports: selected.map((port) => ({ port: port.containerPort, protocol: (port.protocol ?? "tcp").toUpperCase() })) }];
    };
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace, labels: { ...labels } },
        spec: {
            podSelector: { matchLabels: selector },
            policyTypes: ["Ingress"],
            ingress: [
                ...rule("internal", [{ podSelector: { matchLabels: { [LABELS.node]: node } } }]),
                ...rule("private", [{ podSelector: {} }]),
                // No `from`: every source, as the published 80/443 of the HAProxy edge on Docker.
                ...rule("ingress", undefined),
            ],
        },
    };
}

/**
 * Deny every inbound connection a workload's own policy does not allow: an empty podSelector
 * "matches all pods in this namespace" (NetworkPolicySpec.podSelector, @pulumi/kubernetes@4.34.2:
 * types/input.d.ts) and no ingress rule allows anything
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic).
 * Only enforced where the cluster's network plugin implements NetworkPolicy (same page).
 */
export function defaultDenyPolicy(namespace: string, commonLabels: Readonly<Record<string, string>> = {}): K8sObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny-ingress", namespace, labels: { ...commonLabels } }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
}

export function namespaceObject(namespace: string, commonLabels: Readonly<Record<string, string>> = {}): K8sObject {
    if (!DNS_LABEL.test(namespace)) throw new KubernetesSpecError(`kubernetes: namespace '${namespace}' must be a lowercase RFC 1035 label`);
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...commonLabels } } };
}

/**
 * One budget per service across every node: at most one of its pods is evicted at a time by a
 * drain ("An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are
 * unavailable after the eviction", PodDisruptionBudgetSpec.maxUnavailable, @pulumi/kubernetes@4.34.2:
 * types/input.d.ts), as RolloutSequence replaces one stateful container of a group at a time on
 * Docker. A service with a single instance can still be drained: with zero voluntary evictions
 * "you cannot successfully drain a Node running one of those Pods"
 * (https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget).
 */
export function disruptionBudget(service: string, namespace: string, commonLabels: Readonly<Record<string, string>> = {}): K8sObject {
    // Topology service names may hold `_` (a label value may, an object name may not: labels
    // #syntax-and-character-set and names #dns-subdomain-names on kubernetes.io, see DNS_LABEL).
    const name = `${service.toLowerCase().replace(/_/g, "-")}-pdb`;
    if (!DNS_LABEL.test(name)) throw new KubernetesSpecError(`kubernetes: service '${service}' gives no valid PodDisruptionBudget name`);
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace, labels: { ...commonLabels, [LABELS.service]: service } },
        spec: { maxUnavailable: 1, selector: { matchLabels: { [LABELS.service]: service } } },
    };
}
