/**
 * MTU of the private network per node kind. Containers must not send larger packets than the host's
 * private interface carries: Docker's bridge default is 1500, and a full-size packet routed out of a
 * 1450/1400 interface is dropped where the host cannot fragment it (Hetzner's own example shows a
 * Docker bridge at 1500 behind a 1450 private interface), which stalls large replication, NATS route
 * and Qdrant p2p transfers while small pings pass.
 * - hcloud: 1450, https://docs.hetzner.com/cloud/networks/technical-concepts/architecture ("the MTU of
 *   Hetzner cloud servers is different in private and public interfaces", private 1450 B);
 * - dedicated (vSwitch VLAN): 1400, https://docs.hetzner.com/robot/dedicated-server/network/vswitch.
 * TCP between a 1450 and a 1400 node is bounded by the smaller side's advertised MSS, so each node
 * sizes its own containers by its own link.
 */
export const PRIVATE_MTU = { hcloud: 1450, dedicated: 1400 } as const;

/** Docker bridge driver option for the containers' MTU (docs.docker.com/engine/network/drivers/bridge/#options). */
export const DOCKER_MTU_OPTION = "com.docker.network.driver.mtu";

/** Driver options of a node's Docker network; none on the local engine (its default link is right there). */
export function dockerNetworkOptions(kind: "hcloud" | "dedicated" | "local"): Record<string, string> {
    return kind === "local" ? {} : { [DOCKER_MTU_OPTION]: String(PRIVATE_MTU[kind]) };
}
