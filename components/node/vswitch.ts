/**
 * Netplan for a dedicated (Robot) server joining the cloud network through a vSwitch VLAN.
 * Hetzner requires MTU 1400 on vSwitch VLANs, and the route to the cloud subnet goes via the
 * first address of the vSwitch subnet (the cloud network's gateway for that subnet).
 */
import { stringify } from "yaml";

export interface VswitchSpec {
    /** Physical uplink interface, e.g. enp0s31f6. */
    readonly uplink: string;
    readonly vlan: number;
    readonly privateIp: string;
    /** Prefix length of the vSwitch subnet. */
    readonly prefixLength: number;
    readonly gateway: string;
    /** The whole private network, routed through the gateway. */
    readonly networkCidr: string;
}

export function renderVswitchNetplan(spec: VswitchSpec): string {
    const name = `vlan${spec.vlan}`;
    return stringify({
        network: {
            version: 2,
            vlans: {
                [name]: {
                    id: spec.vlan,
                    link: spec.uplink,
                    mtu: 1400,
                    addresses: [`${spec.privateIp}/${spec.prefixLength}`],
                    routes: [{ to: spec.networkCidr, via: spec.gateway }],
                },
            },
        },
    });
}
