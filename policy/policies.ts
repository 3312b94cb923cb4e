/**
 * (Over 400 lines on purpose: one thin factory per policy of the pack, about 30, each its name,
 * description, level and the rule it calls; the registry the engine and the offline check share
 * must list them in one place.)
 *
 * Policy factories: each returns a ResourceValidationPolicy or StackValidationPolicy whose
 * enforcement level and defaults the caller chooses; per-stack overrides come from the pack config
 * (`pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`).
 *
 * The factories only adapt the SDK's arguments to `ResourceView`s and call the pure rules in
 * `rules/`; all logic is there.
 */
import {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
} from "@pulumi/policy";
import { ResourceView, TYPES, UNKNOWN, Violation } from "./lib/resource";
import { checkFirewallWorldOpenPorts, checkSshAdminOnly, DEFAULT_DATA_PORTS, DEFAULT_METRICS_PORTS } from "./rules/firewall";
import {
    checkContainerMetricsInternal,
    checkContainerPortsPrivate,
    checkHealthcheck,
    checkImagePinned,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoHostNetwork,
    checkNoPrivileged,
    REMOTE_IMAGE_TYPE,
} from "./rules/container";
import { checkCredentialEnvs, DEFAULT_WEAK_CREDENTIALS, hasCredentialEnv } from "./rules/secrets";
import { checkServerIgnoresReplacementTriggers, checkServerProtection, checkStatefulProtected, DEFAULT_STATEFUL_TYPES, isStatefulResource } from "./rules/stateful";
import { checkServersFirewalledAndPrivate } from "./rules/hcloud";
import { checkIngressTls } from "./rules/ingress";
import { checkImageContracts } from "./rules/image-contract";
import {
    checkDefaultDeny,
    checkHostPathReadOnly,
    checkKubernetesStatefulProtected,
    checkPodCredentialEnv,
    checkPodImagesPinned,
    checkPodLimits,
    checkPodNotPrivileged,
    checkPodProbes,
    checkServiceExposure,
    ExposedPortsConfig,
    KUBERNETES_TYPES,
    POD_TYPES,
} from "./rules/kubernetes";
import {
    checkJetStreamQuorum,
    checkPostgresReplicaPlacement,
    checkQdrantReplicationFactor,
    checkReplicasSpread,
    checkSentinelPlacement,
    checkTopologyLabels,
    DEFAULT_REPLICATED_ROLES,
} from "./rules/topology";

// ---- adapters ---------------------------------------------------------------------------------

/**
 * Deep plain copy of the SDK's property proxy. The SDK throws UnknownValueError on reading a value
 * unknown at preview; a single unknown would then abort the whole policy, so it becomes `UNKNOWN`
 * and each rule decides what "unknown" means for it.
 */
export function toPlain(value: unknown, depth = 0): unknown {
    if (value === null || typeof value !== "object" || depth > 32) return value;
    if (value instanceof Secret) return toPlain(value.value, depth + 1);
    if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) out.push(readSafely(value, i, depth));
        return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = readSafely(value as Record<string, unknown>, key, depth);
    return out;
}

function readSafely(container: unknown, key: string | number, depth: number): unknown {
    try {
        return toPlain((container as Record<string | number, unknown>)[key], depth + 1);
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

export function viewFromResourceArgs(args: ResourceValidationArgs): ResourceView {
    return {
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: toPlain(args.props) as Record<string, unknown>,
        protect: args.opts.protect,
        ignoreChanges: args.opts.ignoreChanges,
        dependencies: [],
        propertyDependencies: {},
    };
}

export function viewFromPolicyResource(r: PolicyResource): ResourceView {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
        propertyDependencies[key] = deps.map((d) => d.urn);
    }
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: toPlain(r.props) as Record<string, unknown>,
        protect: r.opts.protect,
        ignoreChanges: r.opts.ignoreChanges,
        dependencies: (r.dependencies ?? []).map((d) => d.urn),
        propertyDependencies,
    };
}

// ---- factory plumbing -------------------------------------------------------------------------

/** What every factory accepts. */
export interface PolicyOptions<C extends object = {}> {
    /** Overrides the policy's default enforcement level. */
    readonly enforcementLevel?: EnforcementLevel;
    /** Overrides the defaults of the policy's config (pack config still wins at run time). */
    readonly config?: Partial<C>;
}

interface Definition<C extends object> {
    readonly name: string;
    readonly description: string;
    readonly defaultLevel: EnforcementLevel;
    readonly defaults: C;
    readonly schema?: PolicyConfigSchema["properties"];
    readonly remediationSteps?: string;
}

function withDefaults<C extends object>(schema: PolicyConfigSchema["properties"] | undefined, defaults: C): PolicyConfigSchema | undefined {
    if (!schema) return undefined;
    const properties: PolicyConfigSchema["properties"] = {};
    for (const [key, prop] of Object.entries(schema)) {
        const d = (defaults as Record<string, unknown>)[key];
        properties[key] = d === undefined ? prop : { ...prop, default: d as never };
    }
    return { properties };
}

function report(violations: readonly Violation[], reportViolation: ReportViolation, stack: boolean): void {
    for (const v of violations) {
        if (stack && v.urn) reportViolation(v.message, v.urn);
        else reportViolation(v.message);
    }
}

function resourcePolicy<C extends object>(
    def: Definition<C>,
    types: readonly string[] | ((config: C) => readonly string[]),
    check: (view: ResourceView, config: C) => Violation[],
    options: PolicyOptions<C> = {},
): ResourceValidationPolicy {
    const defaults = { ...def.defaults, ...options.config } as C;
    return {
        name: def.name,
        description: def.description,
        enforcementLevel: options.enforcementLevel ?? def.defaultLevel,
        configSchema: withDefaults(def.schema, defaults),
        remediationSteps: def.remediationSteps,
        validateResource: (args, reportViolation) => {
            const config = { ...defaults, ...args.getConfig<Partial<C>>() } as C;
            if (!(typeof types === "function" ? types(config) : types).includes(args.type)) return;
            report(check(viewFromResourceArgs(args), config), reportViolation, false);
        },
    };
}

function stackPolicy<C extends object>(
    def: Definition<C>,
    check: (views: ResourceView[], config: C) => Violation[],
    options: PolicyOptions<C> = {},
): StackValidationPolicy {
    const defaults = { ...def.defaults, ...options.config } as C;
    return {
        name: def.name,
        description: def.description,
        enforcementLevel: options.enforcementLevel ?? def.defaultLevel,
        configSchema: withDefaults(def.schema, defaults),
        remediationSteps: def.remediationSteps,
        validateStack: (args: StackValidationArgs, reportViolation) => {
            const config = { ...defaults, ...args.getConfig<Partial<C>>() } as C;
            report(check(args.resources.map(viewFromPolicyResource), config), reportViolation, true);
        },
    };
}

const portListSchema = (description: string) => ({
    type: "array" as const,
    items: { type: ["integer", "string"] as ("integer" | "string")[] },
    description,
});
const stringListSchema = (description: string) => ({ type: "array" as const, items: { type: "string" as const }, description });
const colocatedSchema = { colocatedNodes: stringListSchema("Nodes whose co-location is intended (single-engine stacks)") };

// ---- hcloud firewall --------------------------------------------------------------------------

export interface DataPortsConfig {
    readonly ports: readonly (number | string)[];
}

export function firewallNoPublicDataPorts(options?: PolicyOptions<DataPortsConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "hcloud-firewall-no-public-data-ports",
            description: "No hcloud firewall rule opens a data store or broker port to 0.0.0.0/0 or ::/0.",
            defaultLevel: "mandatory",
            defaults: { ports: DEFAULT_DATA_PORTS },
            schema: { ports: portListSchema("Ports (or 'a-b' ranges) of data stores and brokers") },
            remediationSteps: "Remove the rule: nodes reach each other over the hcloud private network, which the firewall does not filter.",
        },
        [TYPES.hcloudFirewall],
        (fw, c) => checkFirewallWorldOpenPorts(fw, { ports: c.ports, kind: "data/broker" }),
        options,
    );
}

export interface MetricsPolicyConfig {
    readonly metricsPorts: readonly (number | string)[];
}

export function firewallMetricsInternal(options?: PolicyOptions<MetricsPolicyConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "hcloud-firewall-metrics-internal",
            description: "No hcloud firewall rule opens a metrics or observability port to the internet.",
            defaultLevel: "mandatory",
            defaults: { metricsPorts: DEFAULT_METRICS_PORTS },
            schema: { metricsPorts: portListSchema("Metrics/observability ports") },
        },
        [TYPES.hcloudFirewall],
        (fw, c) => checkFirewallWorldOpenPorts(fw, { ports: c.metricsPorts, kind: "metrics" }),
        options,
    );
}

export interface SshPolicyConfig {
    readonly adminCidrs: readonly string[];
    readonly sshPort: number;
}

export function firewallSshAdminOnly(options?: PolicyOptions<SshPolicyConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "hcloud-firewall-ssh-admin-only",
            description: "SSH is only reachable from the admin CIDRs of the policy config.",
            defaultLevel: "mandatory",
            defaults: { adminCidrs: [], sshPort: 22 },
            schema: {
                adminCidrs: stringListSchema("CIDRs allowed to reach SSH (admins, CI runners, bastion)"),
                sshPort: { type: "integer", description: "SSH port" },
            },
        },
        [TYPES.hcloudFirewall],
        (fw, c) => checkSshAdminOnly(fw, c),
        options,
    );
}

// ---- hcloud servers ---------------------------------------------------------------------------

export function serverFirewallAndPrivateNetwork(options?: PolicyOptions): StackValidationPolicy {
    return stackPolicy(
        {
            name: "hcloud-server-firewall-and-private-network",
            description: "Every hcloud server has a firewall and a private network attachment.",
            defaultLevel: "mandatory",
            defaults: {},
        },
        (views) => checkServersFirewalledAndPrivate(views),
        options,
    );
}

export function serverProtection(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "hcloud-server-protection",
            description: "hcloud servers have deleteProtection and rebuildProtection enabled.",
            defaultLevel: "mandatory",
            defaults: {},
        },
        [TYPES.hcloudServer],
        (s) => checkServerProtection(s),
        options,
    );
}

export interface ReplacementTriggersConfig {
    readonly properties: readonly string[];
}

export function serverIgnoresReplacementTriggers(options?: PolicyOptions<ReplacementTriggersConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "hcloud-server-ignore-replacement-triggers",
            description: "hcloud servers ignore changes to the properties that would replace them (userData, image).",
            defaultLevel: "advisory",
            defaults: { properties: ["userData", "image"] },
            schema: { properties: stringListSchema("Properties whose change replaces the server") },
        },
        [TYPES.hcloudServer],
        (s, c) => checkServerIgnoresReplacementTriggers(s, c.properties),
        options,
    );
}

// ---- containers -------------------------------------------------------------------------------

export interface IngressPortsConfig {
    readonly ingressPorts: readonly (number | string)[];
}

export function containerPortsPrivate(options?: PolicyOptions<IngressPortsConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-ports-private-unless-ingress",
            description: "Containers publish ports on private addresses only, except ingress containers (label daarion.ingress=true) or configured ingress ports.",
            defaultLevel: "mandatory",
            defaults: { ingressPorts: [] },
            schema: { ingressPorts: portListSchema("Ports any container may publish on a public address") },
        },
        [TYPES.container],
        (c, cfg) => checkContainerPortsPrivate(c, cfg),
        options,
    );
}

export function containerMetricsInternal(options?: PolicyOptions<MetricsPolicyConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-metrics-ports-internal",
            description: "Containers never publish metrics ports on a public address, ingress containers included.",
            defaultLevel: "mandatory",
            defaults: { metricsPorts: DEFAULT_METRICS_PORTS },
            schema: { metricsPorts: portListSchema("Metrics/observability ports") },
        },
        [TYPES.container],
        (c, cfg) => checkContainerMetricsInternal(c, cfg),
        options,
    );
}

export function imagePinnedByDigest(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-image-pinned-by-digest",
            description: "Container images (and the RemoteImages that pull them) are pinned by digest.",
            defaultLevel: "advisory",
            defaults: {},
        },
        [TYPES.container, REMOTE_IMAGE_TYPE],
        (c) => checkImagePinned(c),
        options,
    );
}

export function containerMemoryLimit(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        { name: "docker-memory-limit", description: "Every container has a memory limit.", defaultLevel: "mandatory", defaults: {} },
        [TYPES.container],
        (c) => checkMemoryLimit(c),
        options,
    );
}

export function containerHealthcheck(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        { name: "docker-healthcheck", description: "Every container has a healthcheck.", defaultLevel: "mandatory", defaults: {} },
        [TYPES.container],
        (c) => checkHealthcheck(c),
        options,
    );
}

export function containerNotPrivileged(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-no-privileged",
            description: "No container runs privileged or adds ALL/SYS_ADMIN capabilities.",
            defaultLevel: "mandatory",
            defaults: {},
        },
        [TYPES.container],
        (c) => checkNoPrivileged(c),
        options,
    );
}

export function containerNoDockerSocket(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-no-docker-socket",
            description: "No container mounts the Docker socket (or a directory containing it).",
            defaultLevel: "mandatory",
            defaults: {},
            remediationSteps: "Discover agents over NATS (seed 001, option 4) instead of the Docker API.",
        },
        [TYPES.container],
        (c) => checkNoDockerSocket(c),
        options,
    );
}

export function containerNoHostNetwork(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        { name: "docker-no-host-network", description: "No container uses the host network namespace.", defaultLevel: "mandatory", defaults: {} },
        [TYPES.container],
        (c) => checkNoHostNetwork(c),
        options,
    );
}

export interface CredentialPolicyConfig {
    readonly minLength: number;
    readonly weakValues: readonly string[];
}

/** Raw object behind the SDK's remediation proxies; where secret values are `Secret` instances. */
const PROXY_TARGET = "__getSpecialProxyTarget";

function rawTarget(props: unknown): Record<string, unknown> | undefined {
    let current = props as Record<string, unknown> | undefined;
    // unknownCheckingProxy(secretsPreservingProxy(raw)): two layers in @pulumi/policy 1.x.
    for (let i = 0; i < 4 && current; i++) {
        const next = current[PROXY_TARGET] as Record<string, unknown> | undefined;
        if (next === undefined || next === current) return current;
        current = next;
    }
    return current;
}

/**
 * Credentials in container env. Validation rejects weak/default/placeholder credentials; with
 * enforcementLevel "remediate" the policy also marks `envs` secret whenever it carries a
 * credential (see rules/secrets.ts for why validation alone cannot see secretness).
 */
export function containerCredentialEnv(options?: PolicyOptions<CredentialPolicyConfig>): ResourceValidationPolicy {
    const policy = resourcePolicy(
        {
            name: "docker-credential-env",
            description: "Credential-looking container env values are strong, generated and secret.",
            defaultLevel: "mandatory",
            defaults: { minLength: 12, weakValues: DEFAULT_WEAK_CREDENTIALS },
            schema: {
                minLength: { type: "integer", minimum: 1, description: "Shortest acceptable credential" },
                weakValues: stringListSchema("Values always rejected"),
            },
        },
        [TYPES.container],
        (c, cfg) => checkCredentialEnvs(c, cfg),
        options,
    );
    return {
        ...policy,
        remediateResource: (args) => {
            if (args.type !== TYPES.container) return undefined;
            const raw = rawTarget(args.props);
            if (!raw || raw === args.props || raw["envs"] instanceof Secret || !Array.isArray(raw["envs"])) return undefined;
            if (!hasCredentialEnv(viewFromResourceArgs(args))) return undefined;
            // One secret around the list; element-level secrets are unwrapped so none is nested.
            raw["envs"] = new Secret((raw["envs"] as unknown[]).map((e) => (e instanceof Secret ? e.value : e)));
            return args.props;
        },
    };
}

export function containerTopologyLabels(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        {
            // The name predates the Kubernetes runtime; kept so policy configs stay valid.
            name: "docker-topology-labels",
            description: "Every container carries daarion.node, daarion.service and daarion.role labels (every Deployment and StatefulSet their daarion.io/ forms).",
            defaultLevel: "mandatory",
            defaults: {},
        },
        [TYPES.container, KUBERNETES_TYPES.deployment, KUBERNETES_TYPES.statefulSet],
        (c) => checkTopologyLabels(c),
        options,
    );
}

export interface IngressTlsPolicyConfig {
    readonly tlsPorts: readonly (number | string)[];
    readonly redirectPorts: readonly (number | string)[];
}

export function ingressTls(options?: PolicyOptions<IngressTlsPolicyConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "docker-ingress-tls",
            description: "Public ingress serves TLS; plaintext public ports only redirect to https.",
            defaultLevel: "mandatory",
            defaults: { tlsPorts: [443], redirectPorts: [80] },
            schema: {
                tlsPorts: portListSchema("Public ports that carry TLS"),
                redirectPorts: portListSchema("Public plaintext ports that only redirect to https"),
            },
        },
        [TYPES.container],
        (c, cfg) => checkIngressTls(c, cfg),
        options,
    );
}

// ---- stateful ---------------------------------------------------------------------------------

export interface StatefulPolicyConfig {
    /** Further resource types that hold data (dynamic resources: JetStream streams, Qdrant collections). */
    readonly extraTypes: readonly string[];
}

export function statefulResourcesProtected(options?: PolicyOptions<StatefulPolicyConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "stateful-resources-protected",
            description: "Stateful resources (docker volumes labelled daarion.stateful=true, hcloud volumes, PostgreSQL databases, MinIO buckets, JetStream streams/KV, Qdrant collections) are protected.",
            defaultLevel: "mandatory",
            defaults: { extraTypes: DEFAULT_STATEFUL_TYPES },
            schema: { extraTypes: stringListSchema("Further resource types holding data") },
        },
        (c) => [TYPES.dockerVolume, TYPES.hcloudVolume, TYPES.pgDatabase, TYPES.minioBucket, ...c.extraTypes],
        (r, c) => (isStatefulResource(r, c.extraTypes) ? checkStatefulProtected(r, c.extraTypes) : []),
        options,
    );
}

// ---- topology (stack) -------------------------------------------------------------------------

export interface ColocationConfig {
    readonly colocatedNodes: readonly string[];
}

const topologyDefaults: ColocationConfig = { colocatedNodes: ["local"] };

// ---- image contracts --------------------------------------------------------------------------

export function imageContracts(options?: PolicyOptions): StackValidationPolicy {
    return stackPolicy(
        {
            name: "docker-image-contract",
            description:
                "Every container matches the catalogued contract of its image version (components/images): its effective argv starts with an executable the image has, its healthcheck uses the image's tools and really probes, its user can read its uploads and write its volumes.",
            defaultLevel: "mandatory",
            defaults: {},
            remediationSteps: "Read the image's Dockerfile/entrypoint at that version; fix the container, or add the version to components/images/catalogue.ts with its sources.",
        },
        (views) => checkImageContracts(views),
        options,
    );
}

export function natsJetStreamQuorum(options?: PolicyOptions<ColocationConfig & { natsServices: readonly string[]; leafRoles: readonly string[] }>): StackValidationPolicy {
    return stackPolicy(
        {
            name: "nats-jetstream-quorum",
            description: "The NATS JetStream core has an odd number (>= 3) of servers, one per node.",
            defaultLevel: "advisory",
            defaults: { ...topologyDefaults, natsServices: ["nats"], leafRoles: ["leaf", "leafnode", "edge"] },
            schema: { ...colocatedSchema, natsServices: stringListSchema("NATS service names"), leafRoles: stringListSchema("Roles outside the JetStream core") },
        },
        (views, c) => checkJetStreamQuorum(views, c),
        options,
    );
}

export function redisSentinelPlacement(options?: PolicyOptions<ColocationConfig & { minNodes: number }>): StackValidationPolicy {
    return stackPolicy(
        {
            name: "redis-sentinel-placement",
            description: "Redis sentinels run on at least 3 distinct nodes, never two on one node.",
            defaultLevel: "mandatory",
            defaults: { ...topologyDefaults, minNodes: 3 },
            schema: { ...colocatedSchema, minNodes: { type: "integer", minimum: 1, description: "Distinct nodes" } },
        },
        (views, c) => checkSentinelPlacement(views, c),
        options,
    );
}

export function postgresReplicaPlacement(options?: PolicyOptions<ColocationConfig>): StackValidationPolicy {
    return stackPolicy(
        {
            name: "postgres-replica-placement",
            description: "PostgreSQL replicas never run on the primary's node; there is one primary.",
            defaultLevel: "mandatory",
            defaults: topologyDefaults,
            schema: colocatedSchema,
        },
        (views, c) => checkPostgresReplicaPlacement(views, c),
        options,
    );
}

export function qdrantReplicationFactor(options?: PolicyOptions<ColocationConfig & { minReplicationFactor: number }>): StackValidationPolicy {
    return stackPolicy(
        {
            name: "qdrant-replication-factor",
            description: "Qdrant's replication factor is >= 2 and <= the number of qdrant nodes.",
            defaultLevel: "mandatory",
            defaults: { ...topologyDefaults, minReplicationFactor: 2 },
            schema: { ...colocatedSchema, minReplicationFactor: { type: "integer", minimum: 1, description: "Smallest replication factor" } },
        },
        (views, c) => checkQdrantReplicationFactor(views, c),
        options,
    );
}

export function replicasSpread(options?: PolicyOptions<ColocationConfig & { replicatedRoles: readonly string[] }>): StackValidationPolicy {
    return stackPolicy(
        {
            name: "replicas-spread-across-nodes",
            description: "Members of a replicated service (primary/replica/core/... roles) never share a node.",
            defaultLevel: "mandatory",
            defaults: { ...topologyDefaults, replicatedRoles: DEFAULT_REPLICATED_ROLES },
            schema: { ...colocatedSchema, replicatedRoles: stringListSchema("Roles that make an instance part of a replicated set") },
        },
        (views, c) => checkReplicasSpread(views, c),
        options,
    );
}

// ---- kubernetes -------------------------------------------------------------------------------

function kubernetesPodPolicy(name: string, description: string, defaultLevel: EnforcementLevel, check: (r: ResourceView) => Violation[]) {
    return (options?: PolicyOptions): ResourceValidationPolicy => resourcePolicy({ name, description, defaultLevel, defaults: {} }, POD_TYPES, (r) => check(r), options);
}

export const kubernetesNoPrivileged = kubernetesPodPolicy("kubernetes-no-privileged", "No privileged container, privilege escalation, dangerous capability, hostPort or host namespace in a pod.", "mandatory", checkPodNotPrivileged);
export const kubernetesHostPathReadOnly = kubernetesPodPolicy("kubernetes-hostpath-read-only", "hostPath volumes are mounted read-only and never expose a container runtime socket.", "mandatory", checkHostPathReadOnly);
export const kubernetesMemoryLimit = kubernetesPodPolicy("kubernetes-memory-limit", "Every container of a pod has resources.limits.memory.", "mandatory", checkPodLimits);
export const kubernetesImagePinned = kubernetesPodPolicy("kubernetes-image-pinned-by-digest", "Every container image of a pod is pinned by digest.", "advisory", checkPodImagesPinned);
export const kubernetesProbes = kubernetesPodPolicy("kubernetes-probes", "Every long-running container has liveness and readiness probes.", "mandatory", checkPodProbes);
export const kubernetesCredentialEnv = kubernetesPodPolicy("kubernetes-credential-env", "Credentials reach containers from Secrets, never as literal env values.", "mandatory", checkPodCredentialEnv);

export function kubernetesServiceExposure(options?: PolicyOptions<ExposedPortsConfig>): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "kubernetes-no-exposed-data-ports",
            description: "No LoadBalancer/NodePort/externalIPs Service exposes a data store, broker or metrics port.",
            defaultLevel: "mandatory",
            defaults: { dataPorts: DEFAULT_DATA_PORTS, metricsPorts: DEFAULT_METRICS_PORTS },
            schema: { dataPorts: portListSchema("Ports of data stores and brokers"), metricsPorts: portListSchema("Metrics/observability ports") },
        },
        [KUBERNETES_TYPES.service],
        (r, c) => checkServiceExposure(r, c),
        options,
    );
}

export function kubernetesDefaultDeny(options?: PolicyOptions): StackValidationPolicy {
    return stackPolicy(
        { name: "kubernetes-default-deny", description: "Every namespace with workloads has a default-deny ingress NetworkPolicy.", defaultLevel: "mandatory", defaults: {} },
        (views) => checkDefaultDeny(views),
        options,
    );
}

export function kubernetesStatefulProtected(options?: PolicyOptions): ResourceValidationPolicy {
    return resourcePolicy(
        { name: "kubernetes-stateful-protected", description: "Namespaces, PersistentVolumeClaims and StatefulSets with claim templates are protected and keep their claims.", defaultLevel: "mandatory", defaults: {} },
        [KUBERNETES_TYPES.namespace, KUBERNETES_TYPES.pvc, KUBERNETES_TYPES.statefulSet],
        (r) => checkKubernetesStatefulProtected(r),
        options,
    );
}

// ---- the pack's policy set --------------------------------------------------------------------

/** Per-policy options for `daarionPolicies`, keyed by policy name. */
export type PolicySetOptions = Readonly<Record<string, PolicyOptions<any>>>;

/** Every policy of the pack, in a stable order. */
export function daarionPolicies(options: PolicySetOptions = {}): (ResourceValidationPolicy | StackValidationPolicy)[] {
    const factories: [string, (o?: PolicyOptions<any>) => ResourceValidationPolicy | StackValidationPolicy][] = [
        ["hcloud-firewall-no-public-data-ports", firewallNoPublicDataPorts],
        ["hcloud-firewall-ssh-admin-only", firewallSshAdminOnly],
        ["hcloud-firewall-metrics-internal", firewallMetricsInternal],
        ["hcloud-server-firewall-and-private-network", serverFirewallAndPrivateNetwork],
        ["hcloud-server-protection", serverProtection],
        ["hcloud-server-ignore-replacement-triggers", serverIgnoresReplacementTriggers],
        ["docker-ports-private-unless-ingress", containerPortsPrivate],
        ["docker-metrics-ports-internal", containerMetricsInternal],
        ["docker-image-pinned-by-digest", imagePinnedByDigest],
        ["docker-memory-limit", containerMemoryLimit],
        ["docker-healthcheck", containerHealthcheck],
        ["docker-no-privileged", containerNotPrivileged],
        ["docker-no-docker-socket", containerNoDockerSocket],
        ["docker-no-host-network", containerNoHostNetwork],
        ["docker-credential-env", containerCredentialEnv],
        ["docker-topology-labels", containerTopologyLabels],
        ["docker-image-contract", imageContracts],
        ["docker-ingress-tls", ingressTls],
        ["stateful-resources-protected", statefulResourcesProtected],
        ["nats-jetstream-quorum", natsJetStreamQuorum],
        ["redis-sentinel-placement", redisSentinelPlacement],
        ["postgres-replica-placement", postgresReplicaPlacement],
        ["qdrant-replication-factor", qdrantReplicationFactor],
        ["replicas-spread-across-nodes", replicasSpread],
        ["kubernetes-no-privileged", kubernetesNoPrivileged],
        ["kubernetes-hostpath-read-only", kubernetesHostPathReadOnly],
        ["kubernetes-memory-limit", kubernetesMemoryLimit],
        ["kubernetes-image-pinned-by-digest", kubernetesImagePinned],
        ["kubernetes-probes", kubernetesProbes],
        ["kubernetes-credential-env", kubernetesCredentialEnv],
        ["kubernetes-no-exposed-data-ports", kubernetesServiceExposure],
        ["kubernetes-default-deny", kubernetesDefaultDeny],
        ["kubernetes-stateful-protected", kubernetesStatefulProtected],
    ];
    const unknown = Object.keys(options).filter((k) => !factories.some(([name]) => name === k));
    if (unknown.length > 0) throw new Error(`daarionPolicies: unknown policy name(s) ${unknown.join(", ")}`);
    return factories.map(([name, factory]) => factory(options[name]));
}
