/**
 * The platform topology, declared once in Pulumi.yaml (`daarion:topology`) and shared by every stack,
 * plus the per-stack settings of Pulumi.<stack>.yaml.
 *
 * Shapes only: cross-field checks (unknown node references, quorum, placement) live in validate.ts,
 * so this file reads as the config reference.
 */
import { z } from "zod";
import { DEFAULT_MAX_LAG_BYTES, timingSchema } from "../components/agent/config";
import { HOST_KEY } from "../components/node/host-key";

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const nodeName = z.string().regex(NAME, "must be a lower-case name like node1");
export const ipv4 = z.string().regex(IPV4, "must be an IPv4 address like 10.10.1.12");
export const cidr = z.string().refine((value) => {
    const [ip, bits, ...rest] = value.split("/");
    return rest.length === 0 && IPV4.test(ip ?? "") && /^\d{1,2}$/.test(bits ?? "") && Number(bits) <= 32;
}, "must be an IPv4 CIDR like 10.10.0.0/16");
const port = z.number().int().min(1).max(65535);
/** The trailing `:port` of an address, when there is one, is a TCP port (the format check reports the rest). */
function portInRange(address: string): boolean {
    const m = /:(\d+)$/.exec(address);
    return !m || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
}
/** `host:port` with a TCP port 1-65535 (a regex alone would accept port 99999). */
const hostPort = z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")
    .refine(portInRange, "port must be 1-65535");
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>");

/** An image pinned by digest (preferred) or tag, or a build context that the program builds and pushes. */
export const imageSchema = z.union([
    z.strictObject({
        repository: z.string().min(1),
        tag: z.string().min(1).optional(),
        digest: digest.optional(),
    }),
    z.strictObject({
        repository: z.string().min(1),
        build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().optional() }),
    }),
]);

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

export const postgresReplicationSchema = z.strictObject({
    mode: z.literal("primary-replica"),
    primary: nodeName,
    replicas: z.array(nodeName).default([]),
    sync: z.enum(["async", "sync"]).default("async"),
    /** Databases with an owner role of the same name. `daedalus` comes from seed 004. */
    databases: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/)).default([]),
    port: port.default(5432),
    /**
     * `host:port` where the machine running `pulumi up` reaches the primary to manage databases and
     * roles, e.g. `127.0.0.1:15432` through `ssh -L 15432:<primary private IP>:5432 root@<primary>`.
     * @default the primary's private address (a runner inside the private network)
     */
    adminEndpoint: hostPort.optional(),
});

export const qdrantCollectionSchema = z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]+$/),
    vectorSize: z.number().int().positive(),
    distance: z.enum(["Cosine", "Dot", "Euclid", "Manhattan"]).default("Cosine"),
    shards: z.number().int().positive().optional(),
    replicationFactor: z.number().int().positive().optional(),
});

export const qdrantReplicationSchema = z.strictObject({
    mode: z.literal("sharded"),
    nodes: z.array(nodeName).min(1),
    /** The peer that starts the cluster; the others bootstrap from it. @default nodes[0] */
    firstPeer: nodeName.optional(),
    /** Defaults for collections that do not set their own (seed 000: 2 and 2). */
    shards: z.number().int().positive(),
    replicationFactor: z.number().int().positive(),
    collections: z.array(qdrantCollectionSchema).default([]),
    /**
     * `host:port` where the machine running `pulumi up` reaches the first peer's REST API to manage
     * collections (an SSH tunnel, like postgresql.adminEndpoint). @default its private address
     */
    adminEndpoint: hostPort.optional(),
});

export const neo4jReplicationSchema = z.strictObject({
    mode: z.enum(["cluster", "standalone"]),
    /** Seed 000's "core servers": Neo4j 5 primaries. */
    primaries: z.array(nodeName).min(1),
    /** Seed 000's "read replicas": Neo4j 5 secondaries. */
    secondaries: z.array(nodeName).default([]),
    edition: z.enum(["community", "enterprise"]).default("community"),
    /** Clustering needs Enterprise; its license must be accepted explicitly. */
    acceptLicenseAgreement: z.boolean().default(false),
    heapGb: z.number().positive().default(2),
    pageCacheGb: z.number().positive().default(2),
});

export const redisReplicationSchema = z.strictObject({
    mode: z.literal("sentinel"),
    master: nodeName,
    replicas: z.array(nodeName).default([]),
    /** Nodes that run a Sentinel; at least 3 distinct ones so a majority survives one loss. */
    sentinels: z.array(nodeName),
    quorum: z.number().int().positive(),
    /** Standalone, non-persistent LRU caches (seed 000: node3). */
    edgeCaches: z.array(nodeName).default([]),
    edgeCacheMaxMemoryMb: z.number().int().positive().default(256),
    downAfterMs: z.number().int().positive().default(5000),
    failoverTimeoutMs: z.number().int().positive().default(60000),
});

export const natsClusterSchema = z.strictObject({
    name: z.string().regex(NAME),
    nodes: z.array(nodeName).min(1),
    /** An edge cluster joins this (full) cluster through leafnode remotes. */
    leafnodeTo: z.string().regex(NAME).optional(),
    jetstream: z
        .strictObject({
            domain: z.string().regex(/^[a-zA-Z0-9_-]+$/).optional(),
            maxMemoryMb: z.number().int().positive().default(256),
            maxFileGb: z.number().int().positive().default(10),
        })
        .optional(),
    /**
     * Ports of this cluster's servers. A node that runs two servers (a third core server on node3
     * beside its edge leaf, for JetStream quorum) needs distinct ports for one of them.
     * @default client 4222, cluster 6222, gateway 7222, leafnode 7422, monitor 8222
     */
    ports: z
        .strictObject({ client: port.optional(), cluster: port.optional(), gateway: port.optional(), leafnode: port.optional(), monitor: port.optional() })
        .optional(),
});

export const natsSchema = z.strictObject({
    mode: z.literal("supercluster"),
    clusters: z.array(natsClusterSchema).min(1),
    /** TLS for routes, gateways and leafnodes; certificates come from stack secrets. */
    tls: z.boolean().default(false),
    /**
     * Client URLs through which `pulumi up` of the primary's stack reaches the core cluster to
     * declare JetStream streams and KV buckets (e.g. a WireGuard or SSH-tunnel address).
     * @default the core servers' private addresses (nats://127.0.0.1:4222 on the local engine)
     */
    adminServers: z.array(z
                .string()
                .regex(/^nats:\/\/[^\s/]+:\d+$/, "must be a URL like nats://10.10.2.11:4222")
                .refine(portInRange, "port must be 1-65535")).min(1).optional(),
});

export const replicationSchema = z.strictObject({
    postgresql: postgresReplicationSchema,
    qdrant: qdrantReplicationSchema,
    neo4j: neo4jReplicationSchema,
    redis: redisReplicationSchema,
    nats: natsSchema,
});

/** How a service instance behaves on a node (seed 000's distribution table). */
export const placementRole = z.enum(["active", "standby", "read", "worker"]);

export const serviceSchema = z.strictObject({
    image: imageSchema,
    /** Listening port; 0 for workers that serve nothing. */
    port: z.number().int().min(0).max(65535),
    healthPath: z.string().startsWith("/").default("/health"),
    metricsPath: z.string().startsWith("/").optional(),
    /** node -> role; seed 000's table ("✓ (standby)" is `standby`). */
    placement: z.record(nodeName, placementRole),
    gpu: z.boolean().default(false),
    memoryMb: z.number().int().min(16).default(512),
    cpus: z.number().positive().optional(),
    command: z.array(z.string()).optional(),
    /** Which platform services this one is wired to; each gets env and credentials. */
    uses: z
        .array(z.enum(["nats", "postgres", "redis", "qdrant", "neo4j", "s3"]))
        .default([]),
    /** Database (and owner role) of its own on the PostgreSQL primary. */
    database: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
    env: z.record(z.string(), z.string()).default({}),
});

export const ingressSchema = z.strictObject({
    /** Nodes that run HAProxy with public 80/443. */
    nodes: z.array(nodeName).min(1),
    hosts: z
        .array(
            z.strictObject({
                domain: z.string().regex(/^[a-z0-9.-]+$/),
                /** Service that serves this host (a key of `services`, or `daedalus`). */
                service: z.string().min(1),
                healthPath: z.string().startsWith("/").optional(),
            }),
        )
        .min(1),
    /** Create DNS records for the public names (needs a DNS provider token). */
    dns: z.strictObject({ zone: z.string().min(1) }).optional(),
});

export const daedalusSchema = z.strictObject({
    node: nodeName,
    apiImage: imageSchema,
    nginxImage: imageSchema,
    /**
     * Networks allowed to read /metrics. Seed 004 lists 10.10.0.0/24 (its own LAN), 172.16.0.0/12
     * (Docker bridges) and 127.0.0.0/8; here its LAN becomes this topology's network.ipRange.
     * @default [network.ipRange, "172.16.0.0/12", "127.0.0.0/8"]
     */
    metricsAllow: z.array(cidr).optional(),
    bucket: z.string().default("daedalus"),
    database: z.string().default("daedalus"),
});

export const monitoringSchema = z.strictObject({
    node: nodeName,
    /** Base URL of docs/runbooks.md, used in every alert's runbook_url. */
    runbookBaseUrl: z.string().url(),
    receivers: z
        .array(
            z.discriminatedUnion("kind", [
                z.strictObject({ kind: z.literal("webhook"), name: z.string(), url: z.string().url() }),
                z.strictObject({ kind: z.literal("email"), name: z.string(), to: z.string().email(), from: z.string().email(), smarthost: z.string() }),
                z.strictObject({ kind: z.literal("telegram"), name: z.string(), chatId: z.number().int() }),
            ]),
        )
        .default([]),
    /**
     * Receiver names per severity (default: every receiver gets critical and warning alerts), and
     * the dead man's switch receiver for the Watchdog.
     */
    routes: z
        .strictObject({
            critical: z.array(z.string()).optional(),
            warning: z.array(z.string()).optional(),
            heartbeat: z.string().optional(),
        })
        .default({}),
    /** Loki URL for the Grafana datasource (seed 004 ships Daedalus logs there). */
    lokiUrl: z.string().url().optional(),
    /** Prometheus TSDB retention. */
    retention: z.string().regex(/^\d+[dwy]$/).default("30d"),
});

export const minioSchema = z.strictObject({
    node: nodeName,
    image: imageSchema,
    buckets: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)).default([]),
    /**
     * `host:port` where the machine running `pulumi up` reaches the MinIO API to manage buckets and
     * users, e.g. `127.0.0.1:19000` through `ssh -L 19000:<node private IP>:9000 root@<node>`.
     * @default the node's private address (a runner inside the private network); 127.0.0.1:9000 locally
     */
    providerEndpoint: hostPort.optional(),
});

/**
 * Seed 002's FailoverStrategy of one workload, acted on by the node agent (components/agent/).
 * - `AbsoluteConsistency`: at most one member serves; on a partition the minority side halts it.
 * - `SplitBrainAllowed`: every healthy member keeps serving through a partition; state is reconciled after.
 */
export const failoverGroupSchema = z.strictObject({
    strategy: z.enum(["AbsoluteConsistency", "SplitBrainAllowed"]),
    /**
     * A replica further behind the primary's last published WAL position is not promoted (Patroni's
     * `maximum_lag_on_failover`). PostgreSQL only. @default 1048576 (1 MiB, Patroni's default)
     */
    maxLagBytes: z.number().int().min(0).optional(),
});

/**
 * Automated failover by the node agent. Group keys: `postgres` (members: replication.postgresql's
 * primary, then its replicas) or a service whose placement has `active` and `standby` nodes (seed
 * 000's router). Leases live in a JetStream KV bucket (R3) of the core cluster.
 */
export const failoverSchema = z.strictObject({
    groups: z.record(z.string().regex(NAME), failoverGroupSchema).default({}),
    /**
     * Lease timing; Patroni's rule `loopMs + 2*retryTimeoutMs <= ttlMs` is enforced.
     * @default ttlMs 10000, loopMs 2000, retryTimeoutMs 4000 (components/agent/config.ts)
     */
    timing: timingSchema.default({ ttlMs: 10_000, loopMs: 2_000, retryTimeoutMs: 4_000 }),
    /** JetStream KV bucket of the leases. @default "failover" */
    bucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default("failover"),
    /** HTTP port of the agent on each node's private IP. @default 9700 */
    port: port.default(9700),
});
export { DEFAULT_MAX_LAG_BYTES };

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
/** A label key or value of a Kubernetes node selector (Kubernetes docs, "Labels and Selectors", syntax). */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a label key like daarion.io/node or kubernetes.io/hostname");
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
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type ImageSpec = z.infer<typeof imageSchema>;
export type NatsClusterSpec = z.infer<typeof natsClusterSchema>;
export type StackSettings = z.infer<typeof stackSettingsSchema>;
export type FailoverSpec = z.infer<typeof failoverSchema>;
export type PlacementRole = z.infer<typeof placementRole>;
