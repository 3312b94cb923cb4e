/**
 * A node of the platform and the Docker engine its services run on. Three provisioners:
 * - hcloud: a Hetzner Cloud server created here (firewall, private network, placement group, data volume);
 * - dedicated: an existing Robot server (node1, the GEX44 with the GPU), reached over SSH;
 * - local: the local Docker engine.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { NodeSpec } from "../../stacks/schema";
import { DEFAULT_DATA_MOUNT, renderCloudInit } from "./cloud-init";
import { firewallRules } from "./firewall";
import { pinnedSshOpts } from "./host-key";
import { dockerNetworkOptions, PRIVATE_MTU } from "./mtu";
import { FIREWALL_FILE, FIREWALL_TABLE, renderPublicFirewall } from "./nftables";
import { ReadinessSpec, renderReadinessScript } from "./readiness";
import { intToIp, parseCidr } from "../network/cidr";
import { renderVswitchNetplan } from "./vswitch";

/** Credentials of a registry the node's engine pulls from (pulumi-docker provider `registryAuth`). */
export interface RegistryAuth {
    readonly address: string;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
}

export type { LocalDockerEndpoint } from "./local-endpoint";
import type { LocalDockerEndpoint } from "./local-endpoint";

export interface NodeArgs {
    /** Node name from the topology (node1, node2, ...). */
    readonly nodeName: string;
    readonly spec: NodeSpec;
    /** Realize the node on the local engine whatever its provisioner says (stack `local`). @default false */
    readonly forceLocal?: boolean;
    /** Source ranges allowed to SSH in (hcloud firewall). */
    readonly adminCidrs: readonly string[];
    /** Hetzner Cloud SSH key names. @default [] */
    readonly sshKeys?: readonly string[];
    /** This node terminates public HTTP(S) ingress: 80/443 open in its firewall. @default false */
    readonly ingress?: boolean;
    /** Shared private network (hcloud provisioner). */
    readonly network?: { readonly networkId: pulumi.Input<number>; readonly placementGroupId: pulumi.Input<number> };
    /** vSwitch settings for a dedicated node (its uplink interface is `spec.provisioner.uplink`). */
    readonly vswitch?: { readonly vlan: number; readonly subnet: string; readonly networkCidr: string };
    /** Endpoint of the local engine. @default the provider's default (DOCKER_HOST, DOCKER_CONTEXT, the default socket) */
    readonly localDocker?: LocalDockerEndpoint;
    /** A GPU service is placed on this node: readiness checks the NVIDIA driver and container toolkit. @default false */
    readonly gpuServices?: boolean;
    /** Registries the engine pulls private images from. @default [] */
    readonly registryAuth?: readonly RegistryAuth[];
    /**
     * Join this existing Docker network instead of creating one. The local stack runs every
     * node on one engine, and their containers must share one network to find each other.
     */
    readonly sharedDockerNetwork?: docker.Network;
}

/** A file the operator places on the host itself (not in a container). */
export interface HostFile {
    readonly path: string;
    readonly content: string;
    readonly purpose: string;
}

export class Node extends pulumi.ComponentResource {
    public readonly nodeName: string;
    public readonly kind: "hcloud" | "dedicated" | "local";
    /** Docker provider every workload of this node uses. */
    public readonly dockerProvider: docker.Provider;
    /** Docker endpoint: ssh://user@address, or the local socket. */
    public readonly dockerHost: pulumi.Output<string>;
    public readonly privateIp: string;
    public readonly publicIp: pulumi.Output<string | undefined>;
    /** The Docker network the node's containers share. */
    public readonly network: docker.Network;
    public readonly networkName: pulumi.Output<string>;
    public readonly server?: hcloud.Server;
    public readonly dataVolume?: hcloud.Volume;
    public readonly hostFiles: HostFile[] = [];
    /** The check that proved the host ready; the Docker provider depends on it. Undefined on the local engine. */
    public readonly readiness?: command.remote.Command;
    /** What the readiness check proves (undefined on the local engine). */
    public readonly readinessSpec?: ReadinessSpec;
    /** Public key the SSH connections pin (generated for hcloud, configured for dedicated). */
    public readonly hostKey?: pulumi.Output<string>;

    constructor(name: string, args: NodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:node:Node", name, {}, opts);
        this.nodeName = args.nodeName;
        this.privateIp = args.spec.privateIp;
        const provisioner = args.forceLocal ? { kind: "local" as const } : args.spec.provisioner;
        this.kind = provisioner.kind;
        const labels = { "daarion-node": args.nodeName, "daarion-role": args.spec.role, ...args.spec.labels };

        let host: pulumi.Input<string> | undefined;
        if (provisioner.kind === "hcloud") {
            if (!args.network) throw new Error(`node ${args.nodeName}: the hcloud provisioner needs the shared private network`);
            const firewall = new hcloud.Firewall(
                `${name}-firewall`,
                { name: `${args.nodeName}-public`, labels, rules: firewallRules(args.adminCidrs, args.ingress ?? false) },
                { parent: this },
            );
            // The data volume outlives the server: protect blocks deletion in Pulumi, deleteProtection
            // in Hetzner's API, and retainOnDelete keeps it if someone lifts the first.
            this.dataVolume = new hcloud.Volume(
                `${name}-data`,
                { name: `${args.nodeName}-data`, size: provisioner.volumeSizeGb, location: provisioner.location, format: "ext4", deleteProtection: true, labels },
                { parent: this, protect: true, retainOnDelete: true },
            );
            // The server's host key is generated here and installed by cloud-init, so every SSH
            // connection can pin it from the first one on (never trust-on-first-use).
            const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this });
            this.hostKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());
            const userData = pulumi
                .all([this.dataVolume.id, hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh])
                .apply(([volumeId, privateKeyOpenssh, publicKeyOpenssh]) =>
                    renderCloudInit({ volumeId, privateIp: args.spec.privateIp, nodeName: args.nodeName, hostKey: { privateKeyOpenssh, publicKeyOpenssh } }),
                );
            this.server = new hcloud.Server(
                `${name}-server`,
                {
                    name: args.nodeName,
                    serverType: provisioner.serverType,
                    location: provisioner.location,
                    image: provisioner.image,
                    sshKeys: [...(args.sshKeys ?? [])],
                    userData,
                    placementGroupId: args.network.placementGroupId,
                    firewallIds: [firewall.id.apply(Number)],
                    publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
                    deleteProtection: true,
                    rebuildProtection: true,
                    labels,
                },
                {
                    parent: this,
                    // cloud-init runs once, at first boot, Hetzner's image names move to new builds,
                    // and SSH keys are only read at creation (terraform-provider-hcloud#737): a
                    // change to any of them would REPLACE the server and its local state.
                    // Re-provisioning is deliberate, never a side effect (README "Replacing a cloud node").
                    ignoreChanges: ["userData", "image", "sshKeys"],
                    // Replacement must delete first: the server name is fixed and Hetzner requires it
                    // to be unique per project (docs.hetzner.cloud, POST /servers: "must be unique per
                    // Project"), so create-before-delete fails with uniqueness_error. Hetzner's own
                    // deleteProtection refuses the delete (HCLOUD_DELETE_PROTECTION in
                    // test/rehearsal/engine.ts), so the documented path lifts it first:
                    //   hcloud server disable-protection <node> delete rebuild
                    //   pulumi up --stack <node> --replace <urn of this server>
                    // The new server is created with both protections on again; the data volume is
                    // kept (protected, retained) and re-attached.
                    deleteBeforeReplace: true,
                },
            );
            const serverId = this.server.id.apply(Number);
            const attachment = new hcloud.VolumeAttachment(`${name}-data-attachment`, { serverId, volumeId: this.dataVolume.id.apply(Number), automount: false }, { parent: this });
            const privateNic = new hcloud.ServerNetwork(`${name}-private`, { serverId, networkId: args.network.networkId, ip: args.spec.privateIp }, { parent: this });
            this.publicIp = this.server.ipv4Address;
            host = pulumi.interpolate`ssh://${provisioner.sshUser}@${this.server.ipv4Address}`;
            this.readinessSpec = {
                nodeName: args.nodeName,
                waitForCloudInit: true,
                dataMount: DEFAULT_DATA_MOUNT,
                dockerRoot: `${DEFAULT_DATA_MOUNT}/docker`,
                gpu: args.gpuServices ?? false,
                privateIp: args.spec.privateIp,
                privateMtu: PRIVATE_MTU.hcloud,
                privateFix: "attach the server to the network (hcloud server attach-to-network) and check ip -br addr; the address comes by DHCP",
            };
            this.readiness = this.checkReadiness(name, this.server.ipv4Address, provisioner.sshUser, this.hostKey, this.readinessSpec, [this.server, attachment, privateNic]);
        } else if (provisioner.kind === "dedicated") {
            // The Robot server exists already; it is not created through the cloud API.
            this.publicIp = pulumi.output<string | undefined>(provisioner.address);
            host = `ssh://${provisioner.sshUser}@${provisioner.address}`;
            this.hostKey = pulumi.output(provisioner.hostKey);
            // Hetzner Cloud firewalls do not cover Robot servers: the same rules as an nftables table.
            this.hostFiles.push({
                path: FIREWALL_FILE,
                purpose: "public firewall of the Robot server (the cloud nodes' rules); load with `nft -f` and include it from /etc/nftables.conf",
                content: renderPublicFirewall(provisioner.uplink, firewallRules(args.adminCidrs, args.ingress ?? false)),
            });
            if (args.vswitch) {
                const prefixLength = Number(args.vswitch.subnet.split("/")[1]);
                // Hetzner's gateway for a vSwitch subnet is its first host address.
                const gateway = intToIp(parseCidr(args.vswitch.subnet).base + 1);
                this.hostFiles.push({
                    path: "/etc/netplan/60-daarion-vswitch.yaml",
                    purpose: "joins the dedicated server to the private network through the vSwitch VLAN; apply once with `netplan apply`",
                    content: renderVswitchNetplan({
                        uplink: provisioner.uplink,
                        vlan: args.vswitch.vlan,
                        privateIp: args.spec.privateIp,
                        prefixLength,
                        gateway,
                        networkCidr: args.vswitch.networkCidr,
                    }),
                });
            }
            this.readinessSpec = {
                nodeName: args.nodeName,
                waitForCloudInit: false,
                dataMount: provisioner.dataMount,
                dockerRoot: provisioner.dataMount ? `${provisioner.dataMount}/docker` : undefined,
                gpu: args.gpuServices ?? false,
                privateIp: args.spec.privateIp,
                privateMtu: PRIVATE_MTU.dedicated,
                uplink: provisioner.uplink,
                firewall: { table: FIREWALL_TABLE, file: FIREWALL_FILE },
                privateFix: "write /etc/netplan/60-daarion-vswitch.yaml (stack output hostFiles), then netplan apply",
            };
            this.readiness = this.checkReadiness(name, pulumi.output(provisioner.address), provisioner.sshUser, this.hostKey, this.readinessSpec, []);
        } else {
            this.publicIp = pulumi.output<string | undefined>(undefined);
        }
        const remote = provisioner.kind !== "local";
        this.dockerHost = remote
            ? pulumi.output(host!)
            : pulumi.output(args.localDocker?.host ?? (args.localDocker?.context ? `context ${args.localDocker.context}` : "provider default (DOCKER_HOST or the default socket)"));
        const registryAuth = (args.registryAuth ?? []).map((r) => ({ address: r.address, username: r.username, password: pulumi.secret(r.password) }));
        this.dockerProvider = new docker.Provider(
            `${name}-docker`,
            remote
                ? { host: host!, sshOpts: this.hostKey!.apply((key) => pinnedSshOpts(key)), registryAuth }
                : // Unset host and context leave the choice to the provider: DOCKER_HOST, DOCKER_CONTEXT, then
                  // the default socket and Docker Desktop's per-user sockets (pulumi/pulumi-docker
                  // provider/image.go configureDockerClient; schema.json config `host` defaultInfo DOCKER_HOST).
                  { host: args.localDocker?.host, context: args.localDocker?.context, registryAuth },
            // pulumi-docker connects when the provider is configured (pulumi/pulumi-docker#1106), so it
            // must not be configured before the host is proven ready.
            { parent: this, dependsOn: this.readiness ? [this.readiness] : [] },
        );
        this.network =
            args.sharedDockerNetwork ??
            new docker.Network(
                `${name}-network`,
                {
                    name: `daarion-${args.nodeName}`,
                    driver: "bridge",
                    attachable: true,
                    options: dockerNetworkOptions(provisioner.kind),
                    labels: [{ label: "daarion.node", value: args.nodeName }],
                },
                { parent: this, provider: this.dockerProvider },
            );
        this.networkName = this.network.name;
        this.registerOutputs({ dockerHost: this.dockerHost, privateIp: this.privateIp, publicIp: this.publicIp });
    }

    /**
     * Run the readiness script over SSH, verifying the pinned host key: pulumi-command >= 1.1 checks
     * `connection.hostKey` with ssh.FixedHostKey and offers only its algorithm
     * (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go, added by
     * pulumi/pulumi-command#794); without it the connection would ignore the key. Dial errors are
     * retried while the new server boots (`dialErrorLimit`). The script is fed to `bash -s` (it uses
     * bash features whatever the login shell is); its NOT READY lines reach the `up` output because
     * `logging` defaults to stdout and stderr. It runs at creation and again whenever the script
     * changes (`triggers`; with no `update` command the create command runs again, @pulumi/command
     * 1.2.1 remote/command.d.ts), not on every `up`.
     */
    private checkReadiness(
        name: string,
        address: pulumi.Input<string | undefined>,
        user: string,
        hostKey: pulumi.Input<string>,
        spec: ReadinessSpec,
        dependsOn: pulumi.Resource[],
    ): command.remote.Command {
        const script = renderReadinessScript(spec);
        return new command.remote.Command(
            `${name}-ready`,
            {
                connection: { host: pulumi.output(address).apply((a) => a!), user, hostKey, dialErrorLimit: 60, perDialTimeout: 10 },
                create: "bash -s",
                stdin: script,
                triggers: [script],
            },
            { parent: this, dependsOn },
        );
    }
}
