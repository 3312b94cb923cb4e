// Stand-in `docker` provider (issue 15 item 2). It does NOT run containers, pull or build images:
// no image can be pulled on this machine (no registry access), and the tests must not need a Docker
// daemon. It keeps the state a real provider would keep and applies its replacement rules.
//
// Pin: pulumi/pulumi-docker has no v5.2.0 tag in the stored mirror (newest v5.1.0) and the Go module
// proxy refuses github.com/pulumi/pulumi-docker/provider/v5@v5.2.0, so the pin is the mirror's newest
// commit, pulumi/pulumi-docker@237b7899 (2026-08-14): its `upstream` submodule is
// kreuzwerker/terraform-provider-docker@5074970c (= tag v4.5.0). Rules cite
// kreuzwerker/terraform-provider-docker@v4.5.0:internal/provider/<file>:<line>. docker.Image is a
// native resource of pulumi-docker itself (pulumi/pulumi-docker@237b7899:provider/provider.go).
import * as crypto from "node:crypto";
import { hexId, type ProviderTable, type Props, serve } from "./engine";

const TF = "kreuzwerker/terraform-provider-docker@v4.5.0:internal/provider";
const C = `${TF}/resource_docker_container.go`;
const N = `${TF}/resource_docker_network.go`;
const V = `${TF}/resource_docker_volume.go`;
const I = `${TF}/resource_docker_image.go`;
const NATIVE = "pulumi/pulumi-docker@237b7899:provider/provider.go";

const sha256 = (v: unknown): string => crypto.createHash("sha256").update(JSON.stringify(v)).digest("hex");

export const dockerTable: ProviderTable = {
    name: "docker",
    version: "5.2.0",
    resources: {
        "docker:index/container:Container": {
            source: C,
            required: ["name", "image"],
            // Top-level ForceNew of the container schema (Pulumi name: TF name). Not ForceNew, so
            // updated in place: restart, memory, cpu_shares, healthcheck (:1045), wait, must_run,
            // destroy_grace_seconds, logs, ...
            replaceOn: {
                name: `${C}:54 name ForceNew`,
                readOnly: `${C}:69 read_only ForceNew`,
                image: `${C}:145 image ForceNew`,
                hostname: `${C}:152 hostname ForceNew`,
                domainname: `${C}:160 domainname ForceNew`,
                command: `${C}:167 command ForceNew`,
                entrypoints: `${C}:176 entrypoint ForceNew`,
                user: `${C}:185 user ForceNew`,
                dns: `${C}:200 dns ForceNew`,
                dnsOpts: `${C}:209 dns_opts ForceNew`,
                dnsSearches: `${C}:218 dns_search ForceNew`,
                publishAllPorts: `${C}:227 publish_all_ports ForceNew`,
                workingDir: `${C}:247 working_dir ForceNew`,
                capabilities: `${C}:266 capabilities ForceNew`,
                securityOpts: `${C}:295 security_opts ForceNew`,
                runtime: `${C}:304 runtime ForceNew`,
                platform: `${C}:311 platform ForceNew`,
                stopSignal: `${C}:318 stop_signal ForceNew`,
                stopTimeout: `${C}:325 stop_timeout ForceNew`,
                mounts: `${C}:332 mounts ForceNew`,
                volumes: `${C}:438 volumes ForceNew`,
                ports: `${C}:491 ports ForceNew`,
                hosts: `${C}:541 host ForceNew`,
                ulimits: `${C}:565 ulimit ForceNew`,
                envs: `${C}:594 env ForceNew`,
                privileged: `${C}:660 privileged ForceNew`,
                devices: `${C}:667 devices ForceNew`,
                deviceRequests: `${C}:778 device_requests ForceNew`,
                labels: `${C}:837 labels ForceNew`,
                shmSize: `${C}:867 shm_size ForceNew`,
                logDriver: `${C}:891 log_driver ForceNew`,
                logOpts: `${C}:898 log_opts ForceNew`,
                networkMode: `${C}:905 network_mode ForceNew`,
                networksAdvanced: `${C}:913 networks_advanced ForceNew`,
                pidMode: `${C}:978 pid_mode ForceNew`,
                usernsMode: `${C}:984 userns_mode ForceNew`,
                uploads: `${C}:991 upload ForceNew`,
                sysctls: `${C}:1109 sysctls ForceNew`,
                ipcMode: `${C}:1111 ipc_mode ForceNew`,
                groupAdds: `${C}:1118 group_add ForceNew`,
                tty: `${C}:1132 tty ForceNew`,
                stdinOpen: `${C}:1139 stdin_open ForceNew`,
                storageOpts: `${C}:1146 storage_opts ForceNew`,
                gpus: `${C}:1152 gpus ForceNew`,
                cpus: `${C}:1158 cpus ForceNew`,
                cgroupnsMode: `${C}:1176 cgroupns_mode ForceNew`,
                cgroupParent: `${C}:1182 cgroup_parent ForceNew`,
            },
            defaults: {
                rm: false, // :60
                readOnly: false, // :67
                start: true, // :75
                wait: false, // :82
                waitTimeout: 60, // :89
                attach: false, // :96
                logs: false, // :103
                mustRun: true, // :125
                restart: "no", // :233
                removeVolumes: true, // :259
                networkMode: "bridge", // :906
                tty: false, // :1135
                stdinOpen: false, // :1142
            },
            computed: {
                // Optional+Computed (:148, :1111, :863, :1126): the daemon's value when unset.
                hostname: ({ id }) => id.slice(0, 12),
                ipcMode: () => "private",
                shmSize: () => 64,
                init: () => false,
                exitCode: () => null,
                bridge: () => "",
                networkData: () => [],
            },
            id: () => hexId(),
        },
        "docker:index/network:Network": {
            source: N,
            required: ["name"],
            replaceOn: {
                name: `${N}:29 ForceNew`,
                labels: `${N}:36 ForceNew`,
                driver: `${N}:44 ForceNew`,
                options: `${N}:52 ForceNew`,
                internal: `${N}:61 ForceNew`,
                attachable: `${N}:68 ForceNew`,
                ingress: `${N}:75 ForceNew`,
                ipv6: `${N}:82 ForceNew`,
                ipamDriver: `${N}:90 ForceNew`,
                ipamOptions: `${N}:96 ForceNew`,
                ipamConfigs: `${N}:104 ForceNew`,
            },
            defaults: { ipamDriver: "default" /* :88 */ },
            computed: { driver: () => "bridge", scope: () => "local" },
            id: () => hexId(),
        },
        "docker:index/volume:Volume": {
            source: V,
            replaceOn: {
                name: `${V}:46 ForceNew`,
                labels: `${V}:52 ForceNew`,
                driver: `${V}:60 ForceNew`,
                driverOpts: `${V}:66 ForceNew`,
            },
            computed: {
                name: () => hexId(),
                driver: () => "local",
                mountpoint: ({ inputs, id }) => `/var/lib/docker/volumes/${(inputs.name as string) ?? id}/_data`,
            },
            // A volume's id is its name (resource_docker_volume.go:284 d.SetId(retVolume.Name)).
            id: (i) => (i.name as string) ?? hexId(),
        },
        "docker:index/remoteImage:RemoteImage": {
            source: I,
            required: ["name"],
            replaceOn: {
                name: `${I}:40 ForceNew`,
                pullTriggers: `${I}:65 ForceNew`,
                triggers: `${I}:88 ForceNew`,
                platform: `${I}:95 ForceNew`,
            },
            defaults: { platform: "" /* :94 */ },
            computed: {
                // The id is the image id followed by the name (resource_docker_image_funcs.go:54).
                imageId: ({ id }) => id.slice(0, "sha256:".length + 64),
                repoDigest: ({ inputs }) => `${String(inputs.name).split(/[@:]/)[0]}@sha256:${sha256(inputs.name)}`,
            },
            id: (i) => `sha256:${sha256(["image", i.name])}${i.name}`,
        },
        "docker:index/image:Image": {
            source: NATIVE,
            required: ["imageName"],
            // The native Diff returns DIFF_SOME with no Replaces for any change, and drops changes
            // of registry username/password (provider.go Diff, diffUpdates): it never replaces.
            replaceOn: {},
            suppress: (k, o, n) => {
                if (k !== "registry") return false;
                const strip = (r: unknown) => ({ ...((r ?? {}) as Props), username: undefined, password: undefined });
                return JSON.stringify(strip(o.registry)) === JSON.stringify(strip(n.registry));
            },
            computed: {
                // Not built: a digest of the build inputs stands for the pushed image's digest.
                repoDigest: ({ inputs }) => `${inputs.imageName}@sha256:${sha256([inputs.imageName, inputs.build])}`,
                registryServer: ({ inputs }) => ((inputs.registry as Props | undefined)?.server as string) ?? "",
                baseImageName: ({ inputs }) => inputs.imageName,
                context: ({ inputs }) => (inputs.build as Props | undefined)?.context ?? ".",
                dockerfile: ({ inputs }) => (inputs.build as Props | undefined)?.dockerfile ?? "Dockerfile",
                platform: ({ inputs }) => (inputs.build as Props | undefined)?.platform ?? "",
            },
            recomputeOnUpdate: ["repoDigest", "context", "dockerfile", "platform", "registryServer"],
            // The image name (pulumi/pulumi-docker@237b7899:provider/image.go:359 returns img.Name).
            id: (i) => String(i.imageName),
        },
    },
};

if (require.main === module) serve(dockerTable);
