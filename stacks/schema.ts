/**
 * The platform topology, declared once in Pulumi.yaml (`daarion:topology`) and shared by every stack,
 * plus the per-stack settings of Pulumi.<stack>.yaml.
 *
 * This file owns the platform's own keys (nodes, network, images, registry, the stack and Kubernetes
 * settings) and COMPOSES the fragments each module folder owns (components/<module>/schema.ts) into
 * `topologySchema`: composing here, rather than collecting fragments from the module list at run time,
 * keeps `Topology` one statically inferred type (`z.infer`). A module with topology keys therefore
 * adds one import and one key below, besides its line in stacks/modules.ts (docs/modules.md).
 *
 * Shapes only: cross-field checks (unknown node references, quorum, placement) live in validate.ts
 * and the modules' validators, so the fragments read as the config reference.
 */
import { z } from "zod";
import { daedalusSchema, placementRole, serviceSchema } from "../components/apps/schema";
import { DEFAULT_MAX_LAG_BYTES, failoverGroupSchema, failoverSchema } from "../components/agent/schema";
import { cidr, imageSchema, IPV4, ipv4, NAME, nodeName } from "../components/config/primitives";
import { ingressSchema } from "../components/ingress/schema";
import { minioSchema } from "../components/minio/schema";
import { monitoringSchema } from "../components/monitoring/schema";
import { natsClusterSchema, natsSchema } from "../components/nats/schema";
import { neo4jReplicationSchema } from "../components/neo4j/schema";
import { HOST_KEY } from "../components/node/host-key";
import { postgresReplicationSchema } from "../components/postgres/schema";
import { qdrantCollectionSchema, qdrantReplicationSchema } from "../components/qdrant/schema";
import { redisReplicationSchema } from "../components/redis/schema";

/** Re-exported so importers of stacks/schema keep their names; each is owned by the file it comes from. */
export { cidr, imageSchema, ipv4, nodeName };
export { daedalusSchema, placementRole, serviceSchema };
export { DEFAULT_MAX_LAG_BYTES, failoverGroupSchema, failoverSchema };
export { ingressSchema, minioSchema, monitoringSchema };
export { natsClusterSchema, natsSchema, neo4jReplicationSchema, postgresReplicationSchema };
export { qdrantCollectionSchema, qdrantReplicationSchema, redisReplicationSchema };
export type { ServiceSpec, PlacementRole } from "../components/apps/schema";
export type { FailoverSpec } from "../components/agent/schema";
export type { NatsClusterSpec } from "../components/nats/schema";
export type { ImageSpec } from "../components/config/primitives";

const gpuSchema = z.strictObject({
    model: z.string().min(1),
    memoryGb: z.number().positive(),
    count: z.number().int().positive().default(1),
});

const hcloudProvisioner = z.strictObject({
    kind: z.literal("hcloud"),
    /** Hetzner Cloud server type, e.g. cx42, ccx33. */
    serverType: z.string().min(1),
    /** Hetzner location, e.g. fsn1, nbg1, hel1. */
    location: z.string().min(1),
    image: z.string().min(1).default("ubuntu-24.04"),
    /** Size of the protected data volume mounted at /mnt/data (Docker's data root). */
    volumeSizeGb: z.number().int().min(10).max(10240),
    sshUser: z.string().min(1).default("root"),
});

const dedicatedProvisioner = z.strictObject({
    kind: z.literal("dedicated"),
    /** Hetzner Robot product, e.g. GEX44. Informational: the server is ordered, not created here. */
    product: z.string().min(1),
    /** Public address the program reaches the server at over SSH. */
    address: ipv4,
    sshUser: z.string().min(1).default("root"),
    /**
     * The server's SSH host public key (`ssh-ed25519 AAAA...`, from /etc/ssh/ssh_host_ed25519_key.pub
     * read on the Robot console or rescue system). Every SSH connection pins it; nothing is accepted blindly.
     */
    hostKey: z.string().regex(HOST_KEY, "must be an SSH public host key like 'ssh-ed25519 AAAA...' (cat /etc/ssh/ssh_host_ed25519_key.pub on the server)"),
    /** Physical interface that carries the public address and the vSwitch VLAN (`ip -br link`), e.g. enp0s31f6. */
    uplink: z.string().regex(/^[a-zA-Z][a-zA-Z0-9._-]{0,14}$/, "must be a Linux interface name (at most 15 characters) like enp0s31f6"),
    /**
     * Mount point of a dedicated data filesystem holding Docker's data-root (`<dataMount>/docker`).
     * Set it when Docker's data lives on its own disk: readiness then proves it is mounted and that
     * docker.service requires it. @default unset: data-root on the root filesystem, nothing to check
     */
    dataMount: z.string().regex(/^\/[A-Za-z0-9._/-]*[^/]$/, "must be an absolute path like /mnt/data").optional(),
});

const localProvisioner = z.strictObject({
    kind: z.literal("local"),
});

export const nodeSchema = z.strictObject({
    role: z.enum(["primary", "replica", "edge"]),
    /** Static address on the private network; every peer reaches this node here. */
    privateIp: ipv4,
    provisioner: z.discriminatedUnion("kind", [hcloudProvisioner, dedicatedProvisioner, localProvisioner]),
    gpu: gpuSchema.optional(),
    /** Seed 003 per-node runtime: herodb (state that may be lost) and PostgreSQL + PostgREST. */
    runtime: z
        .strictObject({
            herodb: z.boolean().default(true),
            postgrest: z.boolean().default(false),
        })
        .default({ herodb: true, postgrest: false }),
    labels: z.record(z.string(), z.string()).default({}),
});

export const networkSchema = z.strictObject({
    name: z.string().regex(NAME),
    /** The whole private network, e.g. 10.10.0.0/16. */
    ipRange: cidr,
    /** Hetzner network zone, e.g. eu-central. */
    zone: z.string().min(1),
    /** Subnet of the cloud servers. */
    cloudSubnet: cidr,
    /** vSwitch that joins the dedicated (Robot) server to the cloud network. */
    vswitch: z
        .strictObject({
            id: z.number().int().positive(),
            vlan: z.number().int().min(4000).max(4091),
            subnet: cidr,
        })
        .optional(),
});

export const replicationSchema = z.strictObject({
    postgresql: postgresReplicationSchema,
    qdrant: qdrantReplicationSchema,
    neo4j: neo4jReplicationSchema,
    redis: redisReplicationSchema,
    nats: natsSchema,
});

export const topologySchema = z.strictObject({
    /** Public base domain, e.g. daarion.city. */
    domain: z.string().min(1),
    network: networkSchema,
    /** Source ranges allowed to SSH into cloud nodes. */
    adminCidrs: z.array(cidr).min(1),
    /** Names of SSH keys already uploaded to the Hetzner Cloud project. */
    sshKeys: z.array(z.string().min(1)).default([]),
    nodes: z.record(nodeName, nodeSchema),
    replication: replicationSchema,
    services: z.record(z.string().regex(NAME), serviceSchema),
    /**
     * Registry that images with a `build` context are pushed to; credentials come from the stack
     * secrets `registryUsername` / `registryPassword`.
     */
    registry: z.strictObject({ server: z.string().min(1) }).optional(),
    /** Images of the platform's own servers (postgres, redis, nats, ...). */
    images: z.record(z.string(), imageSchema).default({}),
    ingress: ingressSchema.optional(),
    daedalus: daedalusSchema.optional(),
    monitoring: monitoringSchema.optional(),
    minio: minioSchema.optional(),
    /** Node agent and automated failover (issue 12). Absent: the agent only reports health. */
    failover: failoverSchema.optional(),
});

const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, "must be a lowercase RFC 1035 label like daarion (a-z, 0-9, -)").max(63);
/**
 * A label key or value of a Kubernetes node selector: a key is an optional DNS-subdomain prefix and
 * `/`, then a name of at most 63 characters; a value at most 63 characters
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
 * The prefix is a DNS subdomain: at most 253 characters.
 */
const labelKey = z
    .string()
    .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a label key like daarion.io/node or kubernetes.io/hostname")
    .refine((k) => k.lastIndexOf("/") <= 253, "the prefix before '/' must be at most 253 characters");
const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, "must be a label value (at most 63 of A-Z a-z 0-9 - _ .)");

/**
 * `daarion:kubernetes` of a stack with `daarion:runtime: kubernetes` (README "Kubernetes"). The
 * Pulumi CLI hands an object setting to the program as JSON text, the offline render as an object:
 * both are accepted.
 */
export const kubernetesSettingsSchema = z.preprocess(
    (value) => {
        if (typeof value !== "string") return value;
        try {
            return JSON.parse(value) as unknown;
        } catch {
            return value;
        }
    },
    z.strictObject({
        /** Path to (or contents of) the kubeconfig. @default KUBECONFIG, then ~/.kube/config */
        kubeconfig: z.string().min(1).optional(),
        /** Context of the kubeconfig. @default its current context */
        context: z.string().min(1).optional(),
        /** The one namespace every workload goes into. */
        namespace: dnsLabel.default("daarion"),
        /** StorageClass of every PersistentVolumeClaim. */
        storageClass: dnsLabel,
        /** The cluster's pod CIDRs: pg_hba and /metrics allow lists admit them. */
        podCidrs: z.array(cidr).min(1),
        /** ClusterIP of kube-dns, for HAProxy/nginx `resolvers` (kubectl -n kube-system get svc kube-dns). */
        dnsServer: z.string().regex(IPV4, "must be the IPv4 ClusterIP of kube-dns, e.g. 10.96.0.10"),
        /** @default cluster.local */
        clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a DNS domain like cluster.local").default("cluster.local"),
        /** Node selector per topology node. @default { daarion.io/node: <node> } */
        nodeSelectors: z.record(z.string(), z.record(labelKey, labelValue).refine((m) => Object.keys(m).length > 0, "must select on at least one label")).default({}),
        /** PVC size in GiB. @default 20 */
        defaultVolumeGi: z.number().int().min(1).default(20),
        /** PVC size per `<workload>/<volume key>`, e.g. `postgres/data: 200`. */
        volumeGi: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, "keys are <workload>/<volume key>"), z.number().int().min(1)).default({}),
        /** Where `pulumi up` reaches an admin port, per `<node>/<workload>/<port name>`. @default 127.0.0.1:<localPort> (kubectl port-forward) */
        adminEndpoints: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+\/[a-z0-9-]+$/, "keys are <node>/<workload>/<port name>"), z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected <host>:<port>")).default({}),
    }),
);
export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;

/** Settings of one stack (Pulumi.<stack>.yaml). */
export const stackSettingsSchema = z.strictObject({
    /**
     * Which node this stack deploys; `all` deploys every node on the local Docker engine. Checked
     * against the topology's node names in validate.ts, so the message can list them.
     */
    node: z.string().min(1),
    /**
     * Stack that owns the shared secrets and the private network (the primary's stack),
     * e.g. `acme/daarion/node1`. Unset in the owning stack itself.
     */
    sharedStack: z.string().min(1).optional(),
    /**
     * Docker engine for `node: all`, e.g. unix:///var/run/docker.sock. @default unset: DOCKER_HOST,
     * then the current Docker context, then the provider's default sockets (Engine and Desktop).
     */
    localDockerHost: z.string().regex(/^(unix|tcp|ssh|npipe):\/\/\S+$/, "must be a Docker endpoint like unix:///var/run/docker.sock").optional(),
    /** The local engine has an NVIDIA GPU: keep GPU device requests in the local stack. */
    localGpu: z.boolean().default(false),
    /** Where workloads run: `docker` (Hetzner hosts, or the local engine for `node: all`) or `kubernetes` (every node in one cluster). */
    runtime: z.enum(["docker", "kubernetes"]).default("docker"),
    /** The cluster of `runtime: kubernetes`. */
    kubernetes: kubernetesSettingsSchema.optional(),
});

export type Topology = z.infer<typeof topologySchema>;
export type NodeSpec = z.infer<typeof nodeSchema>;
export type StackSettings = z.infer<typeof stackSettingsSchema>;
