/**
 * Platform module `minio`: the MinIO server on `minio.node` (data on a protected volume, generated root
 * credentials), and, once per platform, its buckets, IAM users and bucket-scoped policies through
 * @pulumi/minio. Every S3 consumer (Daedalus, services that `use: s3`) gets its own user whose secret
 * key is the shared secret `minio-user-<consumer>`; only the consumer's backend container receives it.
 */
import { NodeService } from "../workload/service";
import type { WorkloadPort } from "../workload/spec";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { minioScrape } from "./scrape";
import { minioDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { renderBucketPolicy } from "./policy";
import { MINIO_REGION, minioServerWorkload } from "./workload";
import { MINIO_PORTS, MINIO_RESERVED_PORTS, MINIO_SECRET_NAMES, minioBuckets, minioConsumers } from "./contract";
import { minioAlerts } from "./alerts";
import { validateMinio, validateMinioTopology } from "./validate";
import { minioDashboards } from "./dashboards";

export const MINIO_ROOT_USER = "daarion-root";
export { MINIO_SECRET_NAMES } from "./contract";
export const MINIO_API_PORT = MINIO_PORTS.api;
/** The S3 API as the minio provider of `pulumi up` dials it (WorkloadPort.admin; loopback 9000 on the local engine). */
export const MINIO_ADMIN_PORT: WorkloadPort = { name: "api", containerPort: MINIO_API_PORT, admin: { localPort: MINIO_API_PORT } };

export { MinioConsumer, minioBuckets, minioConsumers } from "./contract";
export { validateMinioTopology } from "./validate";

export interface MinioTenantsArgs {
    /** `host:port` of the MinIO API as seen from the machine running Pulumi. */
    readonly endpoint: string;
    readonly rootUser: pulumi.Input<string>;
    readonly rootPassword: pulumi.Input<string>;
    readonly buckets: readonly string[];
    readonly consumers: readonly { user: string; bucket: string; secretKey: pulumi.Input<string> }[];
    readonly dependsOn?: pulumi.Resource[];
}

/** Buckets, users and bucket-scoped policies of one MinIO deployment. */
export class MinioTenants extends pulumi.ComponentResource {
    public readonly buckets: pulumi.Output<string[]>;
    public readonly users: pulumi.Output<string[]>;

    constructor(name: string, args: MinioTenantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:minio:Tenants", name, {}, opts);
        const provider = new minio.Provider(
            `${name}-provider`,
            { minioServer: args.endpoint, minioUser: args.rootUser, minioPassword: pulumi.secret(args.rootPassword), minioSsl: false, minioRegion: MINIO_REGION },
            { parent: this, dependsOn: args.dependsOn },
        );
        const buckets = new Map<string, minio.S3Bucket>();
        for (const bucket of args.buckets) {
            buckets.set(
                bucket,
                // Buckets hold user data: never destroyed (retainOnDelete, forceDestroy off). Not
                // protected, so retiring a service removes its bucket from the stack and keeps it
                // on the server (issue 11 finding 5; the MinIO data volume stays protected).
                new minio.S3Bucket(`${name}-bucket-${bucket}`, { bucket, acl: "private", forceDestroy: false }, { parent: this, provider, retainOnDelete: true }),
            );
        }
        for (const c of args.consumers) {
            const bucket = buckets.get(c.bucket);
            if (!bucket) throw new Error(`minio consumer '${c.user}' uses bucket '${c.bucket}', which is not declared`);
            const user = new minio.IamUser(`${name}-user-${c.user}`, { name: c.user, secret: pulumi.secret(c.secretKey), forceDestroy: false }, { parent: this, provider });
            const policy = new minio.IamPolicy(
                `${name}-policy-${c.user}`,
                { name: `${c.user}-${c.bucket}-rw`, policy: renderBucketPolicy({ bucket: c.bucket, access: "readwrite" }) },
                { parent: this, provider, dependsOn: [bucket] },
            );
            new minio.IamUserPolicyAttachment(`${name}-attach-${c.user}`, { userName: user.name, policyName: policy.name }, { parent: this, provider });
        }
        this.buckets = pulumi.output([...buckets.keys()]);
        this.users = pulumi.output(args.consumers.map((c) => c.user));
        this.registerOutputs({ buckets: this.buckets, users: this.users });
    }
}

export const minioModule: PlatformModule = {
    name: "minio",
    runbook: "components/minio/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => minioDashboards(),
    ports: MINIO_RESERVED_PORTS,
    validate: validateMinio,
    alerts: (t) => (t.minio ? [minioAlerts()] : []),
    scrape: minioScrape,
    distribution: minioDistribution,

    secrets(t) {
        if (!t.minio) return [];
        return [{ name: MINIO_SECRET_NAMES.rootPassword }, ...minioConsumers(t).map((c) => ({ name: MINIO_SECRET_NAMES.user(c.user) }))];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        if (!t.minio || t.minio.node !== ctx.nodeName) return;
        // Errors are findings of validateMinio (before anything is declared); warnings depend on the stack.
        validateMinioTopology(t, { allowUnpinned: ctx.development }).warnings.forEach((w) => ctx.warn(w));
        const image = t.minio.image as { repository: string; tag?: string; digest?: string };
        const spec = minioServerWorkload({
            image,
            rootUser: MINIO_ROOT_USER,
            rootPassword: ctx.secrets.get(MINIO_SECRET_NAMES.rootPassword),
        });
        // The minio provider of `pulumi up` dials the S3 API: an admin port (WorkloadPort.admin).
        const ports = spec.ports!.map((p) => (p.name === "api" ? MINIO_ADMIN_PORT : p));
        return new NodeService("daarion:minio:Server", `${ctx.nodeName}-minio`, ctx.deploy, (deploy) => {
            deploy({ ...spec, ports });
            return { endpoint: ctx.resolver.endpoint(ctx.nodeName, "minio", MINIO_API_PORT), console: ctx.resolver.endpoint(ctx.nodeName, "minio", 9001) };
        }).exports;
    },

    deployShared(ctx: DeploymentContext): ModuleOutputs | void {
        const t = ctx.topology;
        if (!t.minio) return;
        const server = ctx.workloads.get(`${t.minio.node}/minio`);
        const endpoint = t.minio.providerEndpoint ?? ctx.runtime.adminEndpoint(t.minio.node, "minio", MINIO_ADMIN_PORT);
        const tenants = new MinioTenants("minio", {
            endpoint,
            rootUser: MINIO_ROOT_USER,
            rootPassword: ctx.secrets.get(MINIO_SECRET_NAMES.rootPassword),
            buckets: minioBuckets(t),
            consumers: minioConsumers(t).map((c) => ({ ...c, secretKey: ctx.secrets.get(MINIO_SECRET_NAMES.user(c.user)) })),
            dependsOn: server ? [server.resource] : undefined,
        });
        return { buckets: tenants.buckets, users: tenants.users, providerEndpoint: endpoint };
    },
};
