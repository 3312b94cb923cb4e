/**
 * The default topology's NATS layout after issue 12, on real nats-server (Debian 2.9.10) with the
 * rendered configs: a 3-server JetStream core (node1, node2, and node3's core server) and node3's
 * edge leaf on the SAME address as node3's core server, on its own ports. Proves: the leaf joins
 * the core, the agents' `failover` bucket is R3, and a compare-and-set lease write still succeeds
 * after one core server is killed (kill -9), which the 2-server core of seed 000 cannot do.
 */
import { strict as assert } from "node:assert";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createNatsKeyValue } from "../../components/nats/jetstream-provider";
import { natsClientUrls } from "../../components/nats/render";
import { failoverBucket } from "../../components/nats/subjects";
import { NatsSuperclusterSpec } from "../../components/nats/types";
import { validateNatsTopology } from "../../components/nats/validate";
import { stopAllProcesses, waitFor } from "../support/process";
import { NODE_IPS, PASSWORDS, loopbackTopology } from "./fixtures";
import { NatsTopologyHarness } from "./harness";

type NatsConnection = Awaited<ReturnType<typeof connect>>;

/** The committed Pulumi.yaml layout: core on node1..node3, edge on node3 with ports 4223/8223. */
function defaultLayout(): NatsSuperclusterSpec {
    const spec = loopbackTopology(["node1", "node2", "node3"]);
    return { ...spec, clusters: [spec.clusters[0]!, { ...spec.clusters[1]!, ports: { client: 4223, monitor: 8223 } }] };
}

describe("nats: 3-server core with node3's core server beside its edge leaf (kill)", function () {
    this.timeout(180_000);
    const spec = defaultLayout();
    const h = new NatsTopologyHarness(spec, "nats-quorum");
    const connections: NatsConnection[] = [];
    after(async () => {
        await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
        await h.stopAll();
        await stopAllProcesses();
        h.cleanup();
    });
    afterEach(function () {
        if (this.currentTest?.state === "failed") console.error(h.logs());
    });

    it("validates without errors or quorum warnings", () => {
        const r = validateNatsTopology(spec);
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.warnings.filter((w) => /quorum|servers/.test(w.message)), []);
    });

    it("starts every rendered config; node3's leaf (127.0.1.13:4223) joins the core next to core-node3 (127.0.1.13:4222)", async () => {
        await h.start(["core-node1", "core-node2", "core-node3", "edge-node3"]);
        await h.waitForRoutes(["core-node1", "core-node2", "core-node3"], 2);
        await h.waitForMetaPeers(["core-node1", "core-node2", "core-node3"], 60_000);
        await waitFor("edge-node3 leaf link", async () => ((await h.monitor("edge-node3", "/leafz")).leafnodes ?? 0) >= 1, 30_000);
        assert.deepEqual(natsClientUrls(spec, "node3"), [`nats://${NODE_IPS.node3}:4223`]);
    });

    it("the failover bucket is R3; a CAS lease write succeeds after kill -9 of core-node1", async () => {
        const kv = failoverBucket(spec, "failover");
        assert.equal(kv.replicas, 3);
        const servers = spec.clusters[0]!.servers.map((s) => `nats://${s.host}:4222`);
        await createNatsKeyValue({ connection: { servers, user: "chorus", password: PASSWORDS.chorus }, bucket: kv.bucket, description: kv.description, history: kv.history, ttlSeconds: kv.ttlSeconds, replicas: kv.replicas, storage: kv.storage, maxBytes: kv.maxBytes });
        const nc = await connect({ servers: [`nats://${NODE_IPS.node2}:4222`, `nats://${NODE_IPS.node3}:4222`], user: "chorus", pass: PASSWORDS.chorus });
        connections.push(nc);
        const bucket = await new Kvm(jetstream(nc, { timeout: 5000 })).open("failover");
        const rev = await bucket.create("lease.postgres", JSON.stringify({ holder: "node1", term: 1 }));
        const info = await bucket.status();
        assert.equal(info.replicas, 3);

        h.server("core-node1").proc.child.kill("SIGKILL");
        // A majority (2 of 3) remains: the take-over by compare-and-set commits.
        const next = await waitFor(
            "CAS update with 2 of 3 core servers",
            async () => {
                try {
                    return await bucket.update("lease.postgres", JSON.stringify({ holder: "node2", term: 2 }), rev);
                } catch {
                    return undefined;
                }
            },
            30_000,
            500,
        );
        assert.ok(next > rev);
        // And a stale revision is refused: no second take-over of the same term.
        await assert.rejects(bucket.update("lease.postgres", JSON.stringify({ holder: "node3", term: 2 }), rev));
        assert.equal(JSON.parse((await bucket.get("lease.postgres"))!.string()).holder, "node2");
    });
});
