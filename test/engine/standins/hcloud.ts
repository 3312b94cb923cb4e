// Stand-in `hcloud` provider (issue 15 item 2): the replacement rules of the Terraform provider that
// @pulumi/hcloud 1.41.0 bridges. No Hetzner API is called.
//
// Pin: pulumi/pulumi-hcloud has no v1.41.0 tag in the stored mirror (newest tag v1.39.1) and the Go
// module proxy refuses github.com/pulumi/pulumi-hcloud/provider@v1.41.0, so the pin is taken from the
// mirror's newest commit, pulumi/pulumi-hcloud@c3608de6 (2026-07-24):provider/go.mod, which requires
// github.com/hetznercloud/terraform-provider-hcloud v1.66.1. Every rule below cites
// hetznercloud/terraform-provider-hcloud@v1.66.1:<file>:<line>.
//
// hcloud Server `networks`: NOT ForceNew at v1.66.1 (internal/server/resource.go:196, the `network`
// block is Optional with a DiffSuppressFunc and no ForceNew; the provider attaches/detaches in
// Update). The issue text says it replaces; the source says it updates, so the table says update.
// This program does not set `networks` at all: it attaches with a separate ServerNetwork, whose
// server_id/network_id/ip DO require replacement (internal/server/resource_network.go:77,85,102).
import { numericId, type ProviderTable, serve } from "./engine";

const TF = "hetznercloud/terraform-provider-hcloud@v1.66.1";
const SERVER = `${TF}:internal/server/resource.go`;
const NETWORK = `${TF}:internal/network/resource.go`;
const SUBNET = `${TF}:internal/network/resource_subnet.go`;
const VOLUME = `${TF}:internal/volume/resource.go`;
const ATTACH = `${TF}:internal/volume/resource_attachment.go`;
const SERVER_NETWORK = `${TF}:internal/server/resource_network.go`;
const ZONE_RECORD = `${TF}:internal/zonerecord/resource.go`;

/** A documentation-range address (RFC 5737 TEST-NET-3): never routed, so nothing can reach it. */
const testNetAddress = (): string => `203.0.113.${1 + Math.floor(Math.random() * 254)}`;

export const hcloudTable: ProviderTable = {
    name: "hcloud",
    version: "1.41.0",
    resources: {
        "hcloud:index/server:Server": {
            source: SERVER,
            required: ["name", "serverType"],
            replaceOn: {
                image: `${SERVER}:58 ForceNew`,
                location: `${SERVER}:70 ForceNew`,
                datacenter: `${SERVER}:76 ForceNew`,
                userData: `${SERVER}:83 ForceNew`,
                sshKeys: `${SERVER}:106 ForceNew`,
            },
            defaults: {
                keepDisk: false, // :111
                backups: false, // :126
                ignoreRemoteFirewallIds: false, // :238
                deleteProtection: false, // :260
                rebuildProtection: false, // :265
                shutdownBeforeDeletion: false, // :270
            },
            computed: {
                // Optional+Computed (:57, :71, :77): the API's value when the input is unset.
                image: () => "debian-12",
                location: () => "fsn1",
                datacenter: ({ inputs }) => `${(inputs.location as string) ?? "fsn1"}-dc14`,
                status: () => "running",
                ipv4Address: testNetAddress,
                ipv6Address: () => "2001:db8::1",
                ipv6Network: () => "2001:db8::/64",
                backupWindow: () => "",
                primaryDiskSize: () => 80,
            },
            id: numericId,
        },
        "hcloud:index/network:Network": {
            source: NETWORK,
            required: ["name", "ipRange"],
            replaceOn: { ipRange: `${NETWORK}:40 ForceNew` },
            defaults: { deleteProtection: false /* :56 */, exposeRoutesToVswitch: false /* :62 */ },
            id: numericId,
        },
        "hcloud:index/networkSubnet:NetworkSubnet": {
            source: SUBNET,
            required: ["networkId", "type", "networkZone", "ipRange"],
            replaceOn: {
                networkId: `${SUBNET}:38 ForceNew`,
                type: `${SUBNET}:43 ForceNew`,
                networkZone: `${SUBNET}:53 ForceNew`,
                ipRange: `${SUBNET}:58 ForceNew`,
                vswitchId: `${SUBNET}:67 ForceNew`,
            },
            // The first host address of the range (:62 Computed).
            computed: { gateway: ({ inputs }) => String(inputs.ipRange).replace(/\.\d+\/\d+$/, ".1") },
            // "<network id>-<ip range>": generateNetworkSubnetID, :207.
            id: (i) => `${i.networkId}-${i.ipRange}`,
        },
        "hcloud:index/placementGroup:PlacementGroup": {
            source: `${TF}:internal/placementgroup/resource.go`,
            required: ["name", "type"],
            // No ForceNew in the schema at v1.66.1: name, labels and type all update.
            replaceOn: {},
            computed: { servers: () => [] },
            id: numericId,
        },
        "hcloud:index/firewall:Firewall": {
            source: `${TF}:internal/firewall/resource.go`,
            required: ["name"],
            // No ForceNew in the schema at v1.66.1: rules are replaced through the API in place.
            replaceOn: {},
            id: numericId,
        },
        "hcloud:index/volume:Volume": {
            source: VOLUME,
            required: ["name", "size"],
            replaceOn: { location: `${VOLUME}:46 ForceNew` },
            defaults: { deleteProtection: false /* :78 */ },
            computed: {
                location: () => "fsn1",
                linuxDevice: ({ id }) => `/dev/disk/by-id/scsi-0HC_Volume_${id}`,
            },
            id: numericId,
        },
        "hcloud:index/volumeAttachment:VolumeAttachment": {
            source: ATTACH,
            required: ["volumeId", "serverId"],
            replaceOn: { volumeId: `${ATTACH}:34 ForceNew`, serverId: `${ATTACH}:39 ForceNew` },
            computed: { automount: () => false },
            id: numericId,
        },
        "hcloud:index/serverNetwork:ServerNetwork": {
            source: SERVER_NETWORK,
            required: ["serverId"],
            replaceOn: {
                serverId: `${SERVER_NETWORK}:77 RequiresReplace`,
                networkId: `${SERVER_NETWORK}:85 RequiresReplace`,
                subnetId: `${SERVER_NETWORK}:93 RequiresReplace`,
                ip: `${SERVER_NETWORK}:102 RequiresReplace`,
            },
            computed: { macAddress: () => "86:00:00:00:00:01", aliasIps: () => [] },
            // "<server id>-<network id>": :284.
            id: (i) => `${i.serverId}-${i.networkId}`,
        },
        "hcloud:index/zoneRecord:ZoneRecord": {
            source: ZONE_RECORD,
            required: ["zone", "name", "type", "value"],
            replaceOn: {
                zone: `${ZONE_RECORD}:68 RequiresReplace`,
                name: `${ZONE_RECORD}:75 RequiresReplace`,
                type: `${ZONE_RECORD}:82 RequiresReplace`,
                value: `${ZONE_RECORD}:89 RequiresReplace`,
            },
            // Upstream has no id attribute (import is by resource identity, :321); the engine needs
            // one, so this is the stand-in's own, never read by the program.
            id: (i) => `${i.zone}/${i.name}/${i.type}/${i.value}`,
        },
    },
};

if (require.main === module) serve(hcloudTable);
