/**
 * The private network every node joins, declared once in the stack that owns shared state (the
 * primary's). A spread placement group lives here too: it only spreads servers that share it, so
 * a per-node group would place nothing apart.
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateNetworkArgs {
    readonly name: string;
    /** Whole network, e.g. 10.10.0.0/16. */
    readonly ipRange: string;
    /** Hetzner network zone, e.g. eu-central. */
    readonly zone: string;
    readonly cloudSubnet: string;
    /** Joins the dedicated (Robot) server through a vSwitch. */
    readonly vswitch?: { readonly id: number; readonly subnet: string };
}

export class PrivateNetwork extends pulumi.ComponentResource {
    public readonly networkId: pulumi.Output<number>;
    public readonly placementGroupId: pulumi.Output<number>;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:network:PrivateNetwork", name, {}, opts);
        const network = new hcloud.Network(
            `${name}-network`,
            // The vSwitch subnet is only reachable from cloud servers when routes are exposed to it.
            { name: args.name, ipRange: args.ipRange, deleteProtection: true, exposeRoutesToVswitch: args.vswitch !== undefined, labels: { "daarion-network": args.name } },
            { parent: this, protect: true },
        );
        this.networkId = network.id.apply(Number);
        new hcloud.NetworkSubnet(`${name}-cloud`, { networkId: this.networkId, type: "cloud", networkZone: args.zone, ipRange: args.cloudSubnet }, { parent: this });
        if (args.vswitch) {
            new hcloud.NetworkSubnet(
                `${name}-vswitch`,
                { networkId: this.networkId, type: "vswitch", networkZone: args.zone, ipRange: args.vswitch.subnet, vswitchId: args.vswitch.id },
                { parent: this },
            );
        }
        const group = new hcloud.PlacementGroup(`${name}-spread`, { name: `${args.name}-spread`, type: "spread", labels: { "daarion-network": args.name } }, { parent: this });
        this.placementGroupId = group.id.apply(Number);
        this.registerOutputs({ networkId: this.networkId, placementGroupId: this.placementGroupId });
    }
}
