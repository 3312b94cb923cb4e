/**
 * A node of the platform and the Docker engine its services run on. Three provisioners:
 * - hcloud: a Hetzner Cloud server created here (firewall, private network, placement group, data volume);
 * - dedicated: an existing Robot server (node1, the GEX44 with the GPU), reached over SSH;
 * - local: the local Docker engine.
 */
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { NodeSpec } from "../../stacks/schema";
import { renderCloudInit } from "./cloud-init";
import { firewallRules } from "./firewall";
import { intToIp, parseCidr } from "../network/cidr";
import { renderVswitchNetplan } from "./vswitch";

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
    /** vSwitch settings for a dedicated node, and its uplink interface. */
    readonly vswitch?: { readonly vlan: number; readonly subnet: string; readonly networkCidr: string; readonly uplink?: string };
    /** Docker endpoint of the local engine. @default "unix:///var/run/docker.sock" */
    readonly localDockerHost?: string;
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

    constructor(name: string, args: NodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:node:Node", name, {}, opts);
        this.nodeName = args.nodeName;
        this.privateIp = args.spec.privateIp;
        const provisioner = args.forceLocal ? { kind: "local" as const } : args.spec.provisioner;
        this.kind = provisioner.kind;
        const labels = { "daarion-node": args.nodeName, "daarion-role": args.spec.role, ...args.spec.labels };

        let host: pulumi.Input<string>;
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
            const userData = this.dataVolume.id.apply((volumeId) => renderCloudInit({ volumeId, privateIp: args.spec.privateIp, nodeName: args.nodeName }));
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
            new hcloud.VolumeAttachment(`${name}-data-attachment`, { serverId, volumeId: this.dataVolume.id.apply(Number), automount: false }, { parent: this });
            new hcloud.ServerNetwork(`${name}-private`, { serverId, networkId: args.network.networkId, ip: args.spec.privateIp }, { parent: this });
            this.publicIp = this.server.ipv4Address;
            host = pulumi.interpolate`ssh://${provisioner.sshUser}@${this.server.ipv4Address}`;
        } else if (provisioner.kind === "dedicated") {
            // The Robot server exists already; it is not created through the cloud API.
            this.publicIp = pulumi.output<string | undefined>(provisioner.address);
            host = `ssh://${provisioner.sshUser}@${provisioner.address}`;
            if (args.vswitch) {
                const prefixLength = Number(args.vswitch.subnet.split("/")[1]);
                // Hetzner's gateway for a vSwitch subnet is its first host address.
                const gateway = intToIp(parseCidr(args.vswitch.subnet).base + 1);
                this.hostFiles.push({
                    path: "/etc/netplan/60-daarion-vswitch.yaml",
                    purpose: "joins the dedicated server to the private network through the vSwitch VLAN; apply once with `netplan apply`",
                    content: renderVswitchNetplan({
                        uplink: args.vswitch.uplink ?? "enp0s31f6",
                        vlan: args.vswitch.vlan,
                        privateIp: args.spec.privateIp,
                        prefixLength,
                        gateway,
                        networkCidr: args.vswitch.networkCidr,
                    }),
                });
            }
        } else {
            this.publicIp = pulumi.output<string | undefined>(undefined);
            host = args.localDockerHost ?? "unix:///var/run/docker.sock";
        }
        this.dockerHost = pulumi.output(host);
        this.dockerProvider = new docker.Provider(
            `${name}-docker`,
            // Keep SSH sessions alive through long image pulls.
            { host, sshOpts: provisioner.kind === "local" ? undefined : ["-o", "ServerAliveInterval=30"] },
            { parent: this, dependsOn: this.server ? [this.server] : [] },
        );
        this.network =
            args.sharedDockerNetwork ??
            new docker.Network(
                `${name}-network`,
                { name: `daarion-${args.nodeName}`, driver: "bridge", attachable: true, labels: [{ label: "daarion.node", value: args.nodeName }] },
                { parent: this, provider: this.dockerProvider },
            );
        this.networkName = this.network.name;
        this.registerOutputs({ dockerHost: this.dockerHost, privateIp: this.privateIp, publicIp: this.publicIp });
    }
}
