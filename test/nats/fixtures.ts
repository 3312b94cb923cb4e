/**
 * Loopback topologies mirroring seed 000: node1 = 127.0.1.11, node2 = 127.0.1.12,
 * node3 (edge) = 127.0.1.13, extra core node = 127.0.1.14.
 */
import { NatsSuperclusterSpec, natsServerName } from "../../components/nats/types";

export const NODE_IPS: Record<string, string> = {
    node1: "127.0.1.11",
    node2: "127.0.1.12",
    node3: "127.0.1.13",
    node4: "127.0.1.14",
    node5: "127.0.1.15",
};

/** Passwords with characters that need quoting in nats.conf and percent-encoding in URLs. */
export const PASSWORDS = {
    system: "sys-Pa$$word-\"quoted\"-0001",
    gateway: "gw-pass/with:colon@at-0003",
    chorus: "chorus-pass-0004-abcdef",
    whoosh: "whoosh-$HOME-not-expanded-5",
    leafnode: "leaf-p@ss/w:rd%20\\back-0006",
    route: "route-pass-0007-#hash",
};

export function loopbackTopology(coreNodes: string[], edgeNodes: string[] = ["node3"]): NatsSuperclusterSpec {
    return {
        clusters: [
            {
                name: "core",
                servers: coreNodes.map((n) => ({ name: natsServerName("core", n), node: n, host: NODE_IPS[n] })),
                jetstream: { domain: "core", maxMemory: "64M", maxFile: "1G" },
            },
            ...(edgeNodes.length > 0
                ? [
                      {
                          name: "edge",
                          servers: edgeNodes.map((n) => ({ name: natsServerName("edge", n), node: n, host: NODE_IPS[n] })),
                          jetstream: { domain: "edge", maxMemory: "32M", maxFile: "256M" },
                          leafnodeTo: "core",
                      },
                  ]
                : []),
        ],
        auth: {
            system: { user: "sys", password: PASSWORDS.system },
            services: [
                { service: "chorus", password: PASSWORDS.chorus },
                { service: "whoosh", password: PASSWORDS.whoosh },
            ],
            leafnode: { user: "leaf", password: PASSWORDS.leafnode },
            route: { user: "route", password: PASSWORDS.route },
            gateway: { user: "gateway", password: PASSWORDS.gateway },
        },
    };
}
