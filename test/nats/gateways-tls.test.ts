/**
 * Two full clusters joined by gateways (core: node1+node2, dr: node4+node5) plus the edge leaf,
 * every server-to-server link over mutual TLS, run by Debian's nats-server with the rendered
 * configs (store dir and TLS file paths substituted through the renderer's `paths`).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { connect } from "@nats-io/transport-node";
import { NatsSuperclusterSpec } from "../../components/nats/types";
import { validateNatsTopology } from "../../components/nats/validate";
import { requireBinary, run, stopAllProcesses, waitFor } from "../support/process";
import { NODE_IPS, PASSWORDS, loopbackTopology } from "./fixtures";
import { NatsTopologyHarness } from "./harness";

type NatsConnection = Awaited<ReturnType<typeof connect>>;

/** A throwaway CA and one server certificate (server+client auth: links are mutual) for all loopback IPs. */
function makeCertificates(dir: string): { certFile: string; keyFile: string; caFile: string } {
    const openssl = requireBinary("openssl");
    const f = (n: string) => path.join(dir, n);
    run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=daarion-test-ca", "-keyout", f("ca-key.pem"), "-out", f("ca.pem")]);
    run(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=nats", "-keyout", f("server-key.pem"), "-out", f("server.csr")]);
    fs.writeFileSync(f("ext.cnf"), `subjectAltName=${Object.values(NODE_IPS).map((ip) => `IP:${ip}`).join(",")}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    run(openssl, ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca-key.pem"), "-CAcreateserial", "-days", "1", "-extfile", f("ext.cnf"), "-out", f("server.pem")]);
    return { certFile: f("server.pem"), keyFile: f("server-key.pem"), caFile: f("ca.pem") };
}

describe("nats: gateways between full clusters and TLS on every link (real nats-server)", function () {
    this.timeout(120_000);
    const seed = loopbackTopology(["node1", "node2"]);
    const spec: NatsSuperclusterSpec = {
        ...seed,
        clusters: [
            ...seed.clusters,
            {
                name: "dr",
                servers: [
                    { name: "dr-node4", node: "node4", host: NODE_IPS.node4 },
                    { name: "dr-node5", node: "node5", host: NODE_IPS.node5 },
                ],
                // No JetStream here: see validateNatsTopology (competing meta leaders across gateways).
            },
        ],
        tls: { certFile: "/etc/nats/tls/server.pem", keyFile: "/etc/nats/tls/server-key.pem", caFile: "/etc/nats/tls/ca.pem" },
    };
    const harness = new NatsTopologyHarness(spec, "nats-gw-tls");
    const clients: NatsConnection[] = [];

    before(async () => {
        assert.deepEqual(validateNatsTopology(spec).errors, []);
        harness.tls = makeCertificates(harness.dir);
        try {
            await harness.start(["core-node1", "core-node2", "dr-node4", "dr-node5", "edge-node3"]);
            await harness.waitForRoutes(["core-node1", "core-node2", "dr-node4", "dr-node5"], 1);
            await waitFor("gateways connected", async () => {
                for (const name of ["core-node1", "core-node2", "dr-node4", "dr-node5"]) {
                    const g = await harness.monitor(name, "/gatewayz");
                    if (Object.keys(g.outbound_gateways ?? {}).length !== 1) return false;
                }
                return true;
            }, 30_000);
            await waitFor("edge leafnode connected", async () => (await harness.monitor("edge-node3", "/leafz")).leafnodes === 1, 20_000);
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${harness.logs()}`);
        }
    });

    after(async () => {
        await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
        await harness.stopAll();
        await stopAllProcesses();
        harness.cleanup();
    });

    it("each gateway is named like its cluster and connects to the other full cluster (/gatewayz)", async () => {
        for (const [server, own, other] of [["core-node1", "core", "dr"], ["dr-node5", "dr", "core"]]) {
            const g = await harness.monitor(server, "/gatewayz");
            assert.equal(g.name, own);
            assert.deepEqual(Object.keys(g.outbound_gateways), [other]);
            assert.ok(g.outbound_gateways[other].connection, `${server} -> ${other} connected`);
        }
        // Leaf clusters take no part in gateways.
        assert.equal((await harness.monitor("edge-node3", "/varz")).gateway?.port ?? 0, 0);
    });

    it("routes, gateways and leafnodes require verified TLS (/varz)", async () => {
        const v = await harness.monitor("core-node1", "/varz");
        assert.equal(v.cluster.tls_required, true);
        assert.equal(v.cluster.tls_verify, true);
        assert.equal(v.gateway.tls_required, true);
        assert.equal(v.leaf.tls_required, true);
    });

    it("the validator refuses JetStream in both gateway-joined clusters; core keeps its meta group (/jsz)", async () => {
        const both: NatsSuperclusterSpec = { ...spec, clusters: spec.clusters.map((c) => (c.name === "dr" ? { ...c, jetstream: { domain: "core", maxMemory: "32M", maxFile: "256M" } } : c)) };
        assert.deepEqual(validateNatsTopology(both).errors.map((e) => e.path), ["clusters[2].jetstream"]);
        const leader = await harness.waitForMetaLeader("core-node1");
        const jsz = await harness.monitor("core-node2", "/jsz");
        assert.equal(jsz.meta_cluster.cluster_size, 2);
        assert.equal(jsz.meta_cluster.leader, leader);
    });

    it("messages cross the gateway between full clusters and the TLS leaf link", async () => {
        const dr = await connect({ servers: `nats://${NODE_IPS.node5}:4222`, user: "chorus", pass: PASSWORDS.chorus });
        const edge = await connect({ servers: `nats://${NODE_IPS.node3}:4222`, user: "whoosh", pass: PASSWORDS.whoosh });
        clients.push(dr, edge);
        const got: string[] = [];
        const sub = dr.subscribe("agent.run.>");
        void (async () => {
            for await (const m of sub) got.push(m.subject);
        })();
        await dr.flush();
        await waitFor("edge -> core (leaf, TLS) -> dr (gateway, TLS)", async () => {
            edge.publish("agent.run.gpu-1");
            await edge.flush();
            return got.length > 0;
        }, 15_000, 200);
        assert.equal(got[0], "agent.run.gpu-1");
    });
});
