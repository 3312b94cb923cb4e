/**
 * The Docker runtime: realizes one WorkloadSpec as docker RemoteImage (or a built and pushed
 * Image), Volumes and a Container on a node's engine.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerName } from "./addresses";
import { dockerHealthcheckTest } from "./probes";
import { ImageSource, RestartPolicy, WorkloadHostMount, WorkloadPort, WorkloadSpec } from "./spec";

/** Env keys whose values are credentials; they are always wrapped in `pulumi.secret`. */
const CREDENTIAL_KEY = /(PASSWORD|PASSWD|PASS$|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|AUTH)/i;
/** URLs that may carry `user:password@` (database URLs, NATS URLs with users). */
const URL_KEY = /(_URL|_URI|_DSN|_SENTINELS)$/i;

export function isCredentialEnv(key: string, value: pulumi.Input<string>): boolean {
    if (CREDENTIAL_KEY.test(key)) return true;
    if (!URL_KEY.test(key)) return false;
    // A plain string can be inspected; an Output cannot, so it is treated as a credential.
    return typeof value !== "string" || /\/\/[^/@\s]+@/.test(value);
}

export function imageReference(image: ImageSource): string {
    if ("build" in image) throw new Error(`image ${image.repository} is built, it has no static reference`);
    if (image.digest) return `${image.repository}@${image.digest}`;
    if (image.tag) return `${image.repository}:${image.tag}`;
    throw new Error(`image ${image.repository} has neither a digest nor a tag`);
}

/** The spec's host mounts; the Docker socket is root on the host (seed 001's quick fix), never mounted. */
export function hostMounts(spec: WorkloadSpec): WorkloadHostMount[] {
    for (const m of spec.hostMounts ?? []) {
        if (/docker\.sock/.test(m.hostPath) || m.hostPath === "/var/run" || m.hostPath === "/run") {
            throw new Error(`workload ${spec.name}: mounting ${m.hostPath} exposes the Docker socket, which is root on the host`);
        }
    }
    return [...(spec.hostMounts ?? [])];
}

export interface PortBinding {
    readonly internal: number;
    readonly external: number;
    readonly ip: string;
    readonly protocol: string;
}

/**
 * Where each port is published (WorkloadPort.exposure): `ingress` on `ingressBindIp`, `private` on
 * the node's private IP, `internal` nowhere. On the local engine (`privateBindIp` undefined) only
 * ingress is published, peers use the shared Docker network, and an `admin` port is published on
 * loopback at its `localPort`, because the providers of `pulumi up` on the laptop cannot reach the
 * bridge network otherwise.
 */
export function publishedPorts(ports: readonly WorkloadPort[], privateBindIp: string | undefined, ingressBindIp: string): PortBinding[] {
    const bindings: PortBinding[] = [];
    for (const p of ports) {
        const exposure = p.exposure ?? "private";
        const protocol = p.protocol ?? "tcp";
        if (exposure === "internal") continue;
        if (privateBindIp === undefined && p.admin) {
            bindings.push({ internal: p.containerPort, external: p.admin.localPort, ip: ingressBindIp, protocol });
            continue;
        }
        const ip = exposure === "ingress" ? ingressBindIp : privateBindIp;
        if (ip === undefined) continue;
        bindings.push({ internal: p.containerPort, external: p.hostPort ?? p.containerPort, ip, protocol });
    }
    return bindings;
}

/** Docker's restart policy for the spec's: `always` is `unless-stopped`, so an operator's `docker stop` survives a daemon restart. */
export const DOCKER_RESTART: Readonly<Record<RestartPolicy, string>> = { always: "unless-stopped", "on-failure": "on-failure", never: "no" };

/** A workload whose volumes hold data that must survive (see WorkloadVolume.stateful). */
export function isStateful(spec: WorkloadSpec): boolean {
    return (spec.volumes ?? []).some((v) => v.stateful);
}

/**
 * The replacement order of one node's stateful containers (issue 10 finding 9).
 *
 * Nearly every input of a docker container forces a new container: `upload` (and each of its fields),
 * `env`, `command`, `labels`, `image`, `volumes`, `ports` are `ForceNew` in the upstream schema
 * (kreuzwerker/terraform-provider-docker@v4.5.0:internal/provider/resource_docker_container.go, the
 * upstream of pulumi/pulumi-docker@v5.1.0, submodule `upstream`); only resources such as `memory`,
 * `cpu_shares`, `restart` and `healthcheck` update in place. And a container is deleted before its
 * replacement is created (`deleteBeforeReplace`, see DockerWorkload). So one `pulumi up` that changes the
 * files or env of several stateful containers would, with no ordering between them, delete them all at
 * once: the engine runs independent steps in parallel.
 *
 * The sequence makes each stateful container of a node depend on the one of the same ROLLOUT GROUP
 * declared before it (`WorkloadSpec.rolloutGroup`, by default its service: Redis puts its server and
 * its sentinel into one group). The Node SDK registers a resource only after the URNs of its
 * `dependsOn` resources resolve, i.e. after their RegisterResource (create, update or the whole
 * delete+create of a replacement) has finished (@pulumi/pulumi@3.248.0:runtime/dependsOn.js,
 * getAllTransitivelyReferencedResourceURNs awaits `r.urn.promise()`). A plain `dependsOn` edge does not
 * make the engine delete the dependent early on a delete-before-replace: only dependents whose INPUT
 * properties depend on the replaced resource are (pulumi/pulumi:pkg/resource/deploy/step_generator.go,
 * calculateDependentReplacements: "the edge from B to A may be a simple `dependsOn` edge ... neither B
 * nor D would need to be deleted before A"). So each changed stateful container of a group is replaced
 * only after the previous one is back (healthy, for workloads created with `waitHealthy`), and an
 * unchanged one is not touched at all.
 *
 * Groups, not one chain per node: independent services (PostgreSQL, Qdrant, NATS, ...) each stay
 * available on the other nodes while one of them is replaced here, and a chain between them would only
 * serialize their creation on a first deployment (issue 14: no serial chain between independent
 * services). Across nodes the order is the order of the stacks' `pulumi up`.
 */
export class RolloutSequence {
    private readonly last = new Map<string, docker.Container>();

    /** What the next stateful container of `group` must wait for. */
    previous(group: string): docker.Container[] {
        const last = this.last.get(group);
        return last ? [last] : [];
    }

    /** Record a stateful container as the one the next of its group must wait for. */
    record(group: string, container: docker.Container): void {
        this.last.set(group, container);
    }
}

export interface DockerWorkloadArgs {
    /** Node the workload runs on (names the container `<node>-<workload>`). */
    readonly node: string;
    readonly spec: WorkloadSpec;
    /** The node's Docker provider (ssh:// to the node, or the local socket). */
    readonly provider: docker.Provider;
    /** Name of the Docker network the node's containers share. */
    readonly networkName: pulumi.Input<string>;
    /** IP that non-ingress ports are published on; undefined publishes none (local engine). */
    readonly privateBindIp: string | undefined;
    /** IP that ingress ports are published on. @default "0.0.0.0" */
    readonly ingressBindIp?: string;
    /** Drop GPU device requests (a local engine without a GPU). @default false */
    readonly dropGpu?: boolean;
    /** Provider of the engine that builds images with a build context. */
    readonly buildProvider?: docker.Provider;
    /** Credentials of the registry built images are pushed to. */
    readonly registry?: { server: string; username: pulumi.Input<string>; password: pulumi.Input<string> };
    /** Containers of the same node this one depends on. */
    readonly dependsOn?: pulumi.Resource[];
    /**
     * The node's rollout sequence: a stateful workload is replaced only after the previous one of its
     * rollout group on the node. One sequence per node. @default none (no ordering)
     */
    readonly rollout?: RolloutSequence;
}

export class DockerWorkload extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly containerName: string;
    public readonly volumes: docker.Volume[];
    /** Exact image the container runs (digest when known). */
    public readonly image: pulumi.Output<string>;

    constructor(name: string, args: DockerWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:workload:DockerWorkload", name, {}, opts);
        const { spec, node } = args;
        this.containerName = containerName(node, spec.name);
        const child = { parent: this, provider: args.provider };

        this.image = this.resolveImage(name, args, child);

        // A volume mounted `from` another workload of the node is declared (and protected) by that one.
        this.volumes = (spec.volumes ?? []).filter((v) => v.from === undefined).map(
            (v) =>
                new docker.Volume(
                    `${name}-${v.key}`,
                    {
                        name: `${this.containerName}-${v.key}`,
                        labels: [
                            { label: "daarion.node", value: node },
                            { label: "daarion.service", value: spec.service },
                            { label: "daarion.stateful", value: String(v.stateful) },
                        ],
                    },
                    // Stateful data survives `pulumi destroy` and replacement: protect blocks the
                    // delete, retainOnDelete keeps the volume even when protection is lifted.
                    v.stateful ? { ...child, protect: true, retainOnDelete: true } : child,
                ),
        );

        const env = Object.entries(spec.env ?? {}).map(([key, value]) => {
            const line = pulumi.interpolate`${key}=${value}`;
            return isCredentialEnv(key, value) ? pulumi.secret(line) : line;
        });

        const labels: Record<string, string> = {
            ...(spec.labels ?? {}),
            "daarion.node": node,
            "daarion.service": spec.service,
            "daarion.role": spec.role,
            "daarion.workload": spec.name,
        };
        if ((spec.ports ?? []).some((p) => p.exposure === "ingress")) labels["daarion.ingress"] = "true";
        if (spec.metrics?.length) {
            labels["daarion.metrics"] = spec.metrics.map((m) => `${m.port}${m.path ?? "/metrics"}`).join(",");
        }

        const hc = spec.probe;
        const stateful = isStateful(spec);
        const rolloutGroup = spec.rolloutGroup ?? spec.service;
        const sequenced = stateful && args.rollout ? args.rollout.previous(rolloutGroup) : [];
        this.container = new docker.Container(
            name,
            {
                name: this.containerName,
                image: this.image,
                command: spec.command,
                entrypoints: spec.entrypoint,
                user: spec.user,
                envs: env,
                uploads: (spec.files ?? []).map((f) => ({
                    file: f.path,
                    content: f.secret ? pulumi.secret(f.content) : f.content,
                    permissions: (f.mode ?? 0o644).toString(8).padStart(4, "0"),
                })),
                volumes: [
                    ...(spec.volumes ?? []).map((v) => ({ volumeName: v.from === undefined ? `${this.containerName}-${v.key}` : `${containerName(node, v.from)}-${v.key}`, containerPath: v.containerPath, readOnly: v.readOnly })),
                    ...hostMounts(spec).map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath, readOnly: true })),
                ],
                ports: publishedPorts(spec.ports ?? [], args.privateBindIp, args.ingressBindIp ?? "0.0.0.0"),
                networksAdvanced: [{ name: args.networkName, aliases: [spec.name, this.containerName] }],
                healthcheck: {
                    tests: dockerHealthcheckTest(hc.check),
                    interval: hc.interval ?? "10s",
                    timeout: hc.timeout ?? "5s",
                    retries: hc.retries ?? 5,
                    startPeriod: hc.startPeriod ?? "30s",
                },
                restart: DOCKER_RESTART[spec.restart ?? "always"],
                memory: spec.memoryMb,
                cpus: spec.cpus !== undefined ? String(spec.cpus) : undefined,
                // Docker's --gpus flag becomes a device request for the NVIDIA runtime.
                gpus: spec.gpu && !args.dropGpu ? "all" : undefined,
                labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
                // JSON logs on stdout; the labels let Alloy/Promtail derive {service=, node=, unit=}
                // streams (seed 004 filters Daedalus with {unit="daedalus"}).
                logDriver: "json-file",
                logOpts: { "max-size": "50m", "max-file": "5", labels: "daarion.service,daarion.node,daarion.role,unit", tag: this.containerName },
                destroyGraceSeconds: 30,
                // Resources that talk to the server (databases, collections) are created only once
                // it answers its healthcheck, not merely once the container exists.
                wait: spec.waitHealthy ? true : undefined,
                waitTimeout: spec.waitHealthy ? 300 : undefined,
            },
            {
                ...child,
                dependsOn: [...this.volumes, ...(args.dependsOn ?? []), ...sequenced],
                // Delete first, then create: a named container cannot be created while the old one holds
                // the name (pulumi-docker#1356), nor bind the same host ports; and above all two
                // containers must never run at once on one stateful volume (two postgres or redis
                // processes on one data directory). The price, a short outage per replaced container,
                // is bounded by RolloutSequence: one stateful container of a rollout group at a time.
                deleteBeforeReplace: true,
            },
        );
        if (stateful) args.rollout?.record(rolloutGroup, this.container);
        this.registerOutputs({ container: this.container.id, image: this.image });
    }

    private resolveImage(name: string, args: DockerWorkloadArgs, child: pulumi.CustomResourceOptions): pulumi.Output<string> {
        const image = args.spec.image;
        if (!("build" in image)) {
            const remote = new docker.RemoteImage(`${name}-image`, { name: imageReference(image), keepLocally: true }, child);
            return remote.imageId.apply((id) => (image.digest ? imageReference(image) : id));
        }
        if (!args.registry) throw new Error(`workload ${args.spec.name} builds ${image.repository} but no registry credentials were given`);
        // Build once on the build engine, push, then pull exactly that digest onto the node.
        const built = new docker.Image(
            `${name}-build`,
            {
                imageName: image.repository,
                build: { context: image.build.context, dockerfile: image.build.dockerfile, platform: "linux/amd64" },
                registry: { server: args.registry.server, username: args.registry.username, password: args.registry.password },
            },
            { parent: this, provider: args.buildProvider },
        );
        const pulled = new docker.RemoteImage(`${name}-image`, { name: built.repoDigest, keepLocally: true }, child);
        return pulumi.all([built.repoDigest, pulled.imageId]).apply(([digest]) => digest);
    }
}
