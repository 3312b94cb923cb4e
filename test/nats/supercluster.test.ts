/**
 * Seed 000's NATS supercluster on loopback, run by Debian's nats-server with exactly the rendered
 * configs (only the JetStream store dir substituted): core cluster on node1 (127.0.1.11) and node2
 * (127.0.1.12), edge leaf cluster on node3 (127.0.1.13); then a 3-server core (+127.0.1.14).
 *
 * Edge -> core persistence: an edge service publishes on the core subject with a JetStream
 * publish; the core stream's subscription interest propagates over the leaf link, so the message
 * is stored by the core stream and the ack (stream, domain "core") comes back over the link. We
 * chose this over edge streams sourced into the core because sourcing needs a per-edge source
 * entry on every core stream and stores everything twice; the trade-off is that an edge publish
 * fails (no ack) while the leaf link is down, which the publisher sees and retries.
 */
import { strict as assert } from "node:assert";
import { connect } from "@nats-io/transport-node";

type NatsConnection = Awaited<ReturnType<typeof connect>>;
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createNatsKeyValue, createNatsStream, NatsConnectionArgs } from "../../components/nats/jetstream-provider";
import { natsClientUrls } from "../../components/nats/render";
import { natsSubjectRouting } from "../../components/nats/subjects";
import { NatsSuperclusterSpec } from "../../components/nats/types";
import { validateNatsTopology } from "../../components/nats/validate";
import { sleep, stopAllProcesses, waitFor } from "../support/process";
import { NODE_IPS, PASSWORDS, loopbackTopology } from "./fixtures";
import { NatsTopologyHarness } from "./harness";

const connections: NatsConnection[] = [];

async function client(host: string, user = "chorus", pass = PASSWORDS.chorus): Promise<NatsConnection> {
    const nc = await connect({ servers: `nats://${host}:4222`, user, pass, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    connections.push(nc);
    return nc;
}

async function closeClients(): Promise<void> {
    await Promise.all(connections.splice(0).map((nc) => nc.close().catch(() => undefined)));
}

/** Collects subjects received on `subject` by `nc`. */
function collect(nc: NatsConnection, subject: string): string[] {
    const got: string[] = [];
    const sub = nc.subscribe(subject);
    void (async () => {
        for await (const m of sub) got.push(m.subject);
    })();
    return got;
}

/**
 * Proves a subject does NOT cross from `pub` to the subscriber: first a control subject is seen to
 * cross (interest has propagated), then the blocked subject is published, then a second control
 * message; once the second control arrives, the blocked one would have arrived before it.
 */
async function assertBlocked(pub: NatsConnection, subConn: NatsConnection, blocked: string, control: string): Promise<string[]> {
    const blockedGot = collect(subConn, blocked.replace(/[^.]+$/, ">"));
    const controlGot = collect(subConn, control.replace(/[^.]+$/, ">"));
    await subConn.flush();
    await waitFor(`control ${control} to cross`, async () => {
        pub.publish(`${control.replace(/[^.]+$/, "")}warmup`);
        await pub.flush();
        return controlGot.length > 0;
    }, 10_000, 100);
    pub.publish(blocked);
    pub.publish(control);
    await pub.flush();
    await waitFor(`second control ${control}`, () => controlGot.includes(control), 10_000, 50);
    return blockedGot;
}

function coreConnection(spec: NatsSuperclusterSpec): NatsConnectionArgs {
    return { servers: natsClientUrls(spec, "node1"), user: "chorus", password: PASSWORDS.chorus, domain: "core" };
}

async function declareRouting(spec: NatsSuperclusterSpec): Promise<void> {
    const routing = natsSubjectRouting(spec);
    const connection = coreConnection(spec);
    for (const s of routing.streams) {
        await createNatsStream({ connection, name: s.name, subjects: [...s.subjects], description: s.description, storage: s.storage, retention: s.retention, replicas: s.replicas, maxAgeSeconds: s.maxAgeSeconds, maxBytes: s.maxBytes, duplicateWindowSeconds: s.duplicateWindowSeconds });
    }
    for (const kv of routing.keyValues) {
        await createNatsKeyValue({ connection, bucket: kv.bucket, description: kv.description, history: kv.history, ttlSeconds: kv.ttlSeconds, replicas: kv.replicas, storage: kv.storage, maxBytes: kv.maxBytes });
    }
}

async function startSupercluster(harness: NatsTopologyHarness, core: string[]): Promise<void> {
    const names = [...core.map((n) => `core-${n}`), "edge-node3"];
    await harness.start(names);
    await harness.waitForRoutes(core.map((n) => `core-${n}`), core.length - 1);
    await waitFor("edge leafnode connected", async () => (await harness.monitor("edge-node3", "/leafz")).leafnodes === 1, 20_000);
    await harness.waitForMetaLeader(`core-${core[0]}`);
    await harness.waitForMetaPeers(core.map((n) => `core-${n}`));
}

describe("nats: seed 000 supercluster on real nats-server (2-server core + edge leaf)", function () {
    this.timeout(120_000);
    const spec = loopbackTopology(["node1", "node2"]);
    const harness = new NatsTopologyHarness(spec, "nats-seed000");

    before(async function () {
        try {
            await startSupercluster(harness, ["node1", "node2"]);
            await declareRouting(spec);
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${harness.logs()}`);
        }
    });

    after(async () => {
        await closeClients();
        await harness.stopAll();
        await stopAllProcesses();
        harness.cleanup();
    });

    it("routes are up between the core servers (/routez)", async () => {
        const id1 = (await harness.monitor("core-node1", "/varz")).server_id;
        const id2 = (await harness.monitor("core-node2", "/varz")).server_id;
        const r1 = await harness.monitor("core-node1", "/routez");
        const r2 = await harness.monitor("core-node2", "/routez");
        assert.equal(r1.num_routes, 1);
        assert.equal(r1.routes[0].remote_id, id2);
        assert.equal(r2.num_routes, 1);
        assert.equal(r2.routes[0].remote_id, id1);
        // The edge is a single-server cluster: no routes, it reaches the core over the leaf link only.
        assert.equal((await harness.monitor("edge-node3", "/routez")).num_routes, 0);
    });

    it("the edge leafnode is connected, bound to the application account only (/leafz)", async () => {
        const edge = await harness.monitor("edge-node3", "/leafz");
        assert.equal(edge.leafnodes, 1);
        assert.equal(edge.leafs[0].account, "APP");
        assert.ok([NODE_IPS.node1, NODE_IPS.node2].includes(edge.leafs[0].ip), `leaf connected to ${edge.leafs[0].ip}`);
        const core = [...((await harness.monitor("core-node1", "/leafz")).leafs ?? []), ...((await harness.monitor("core-node2", "/leafz")).leafs ?? [])];
        assert.equal(core.length, 1);
        // System account not bridged: otherwise the edge JetStream would become an observer.
        assert.deepEqual(core.map((l: { account: string }) => l.account), ["APP"]);
    });

    it("JetStream has a meta leader in the core domain and a separate edge domain (/jsz)", async () => {
        for (const name of ["core-node1", "core-node2"]) {
            const jsz = await harness.monitor(name, "/jsz");
            assert.equal(jsz.config.domain, "core");
            assert.equal(jsz.meta_cluster.cluster_size, 2);
            assert.ok(["core-node1", "core-node2"].includes(jsz.meta_cluster.leader), `meta leader ${jsz.meta_cluster.leader}`);
        }
        const edge = await harness.monitor("edge-node3", "/jsz");
        assert.equal(edge.config.domain, "edge");
        // Single-server JetStream is its own (standalone) meta leader; it answers on its domain
        // API even from the core side of the leaf link.
        const nc = await client(NODE_IPS.node1);
        const jsmEdge = await jetstreamManager(nc, { domain: "edge" });
        const info = await jsmEdge.getAccountInfo();
        assert.equal(info.domain, "edge");
        const jsmCore = await jetstreamManager(nc, { domain: "core" });
        assert.equal((await jsmCore.getAccountInfo()).domain, "core");
    });

    it("core streams and KV buckets exist with R = min(3, core size) = 2", async () => {
        const nc = await client(NODE_IPS.node2, "whoosh", PASSWORDS.whoosh);
        const jsm = await jetstreamManager(nc, { domain: "core" });
        for (const name of ["MESSAGES", "ATTACHMENTS", "AGENT_RUNS", "CHORUS_COUNCILS", "KV_leases", "KV_leaders", "KV_topology"]) {
            const info = await jsm.streams.info(name);
            assert.equal(info.config.num_replicas, 2, name);
            assert.equal(info.cluster?.replicas?.length, 1, `${name} has one follower`);
        }
    });

    it("a message published at the edge on a core subject lands in the core stream", async () => {
        const edge = await client(NODE_IPS.node3);
        const ack = await jetstream(edge).publish("message.chat-1.m1", "hello from the edge", { msgID: "edge-m1" });
        assert.equal(ack.stream, "MESSAGES");
        assert.equal(ack.domain, "core");
        const core = await client(NODE_IPS.node1);
        const jsm = await jetstreamManager(core, { domain: "core" });
        const stored = await jsm.streams.getMessage("MESSAGES", { seq: ack.seq });
        assert.equal(stored?.subject, "message.chat-1.m1");
        assert.equal(stored?.string(), "hello from the edge");
        // Seed 001: council broadcasts from the edge are captured too.
        const council = await jetstream(edge).publish("chorus.councils.forming", JSON.stringify({ council: "c1" }));
        assert.equal(council.stream, "CHORUS_COUNCILS");
        // Seed 002: an edge agent takes a lease in the core domain's KV.
        const leases = await new Kvm(jetstream(edge, { domain: "core" })).open("leases");
        await leases.create("gpu.node1", "edge-agent");
        assert.equal((await (await new Kvm(jetstream(core, { domain: "core" })).open("leases")).get("gpu.node1"))?.string(), "edge-agent");
    });

    it("cache.invalidate.* stays at the edge: it crosses the leaf link in neither direction", async () => {
        const edge = await client(NODE_IPS.node3);
        const core = await client(NODE_IPS.node1);
        const edgeLocal = collect(edge, "cache.invalidate.>");
        await edge.flush();
        const coreGot = await assertBlocked(edge, core, "cache.invalidate.user.42", "probe.up.done");
        assert.deepEqual(coreGot, [], "cache invalidation leaked from the edge to the core");
        await waitFor("edge subscriber to see its own invalidation", () => edgeLocal.includes("cache.invalidate.user.42"), 5_000, 50);
        const edgeGot = await assertBlocked(core, edge, "cache.invalidate.user.43", "probe.down.done");
        assert.deepEqual(edgeGot, [], "cache invalidation leaked from the core to the edge");
    });

    it("node.<id>.local.* stays on its node (not routed to the peer, not sent over the leaf link)", async () => {
        const n1 = await client(NODE_IPS.node1);
        const n2 = await client(NODE_IPS.node2);
        const edge = await client(NODE_IPS.node3);
        const local = collect(n1, "node.node1.local.>");
        await n1.flush();
        assert.deepEqual(await assertBlocked(n1, n2, "node.node1.local.gpu", "probe.route.done"), [], "node-local subject crossed the route");
        await waitFor("node1 subscriber to see node1's local subject", () => local.includes("node.node1.local.gpu"), 5_000, 50);
        assert.deepEqual(await assertBlocked(edge, n1, "node.node3.local.cache", "probe.leaf.done"), [], "node-local subject crossed the leaf link");
    });

    it("refuses unauthenticated clients, wrong passwords, and the leaf credential as a client", async () => {
        await assert.rejects(connect({ servers: `nats://${NODE_IPS.node1}:4222`, maxReconnectAttempts: 0 }), /Authorization/i);
        await assert.rejects(connect({ servers: `nats://${NODE_IPS.node3}:4222`, maxReconnectAttempts: 0 }), /Authorization/i);
        await assert.rejects(connect({ servers: `nats://${NODE_IPS.node1}:4222`, user: "chorus", pass: "wrong", maxReconnectAttempts: 0 }), /Authorization/i);
        await assert.rejects(connect({ servers: `nats://${NODE_IPS.node1}:4222`, user: "leaf", pass: PASSWORDS.leafnode, maxReconnectAttempts: 0 }), /Authorization/i);
        // The special-character passwords survived quoting: the system user gets into SYS.
        const sys = await client(NODE_IPS.node1, "sys", PASSWORDS.system);
        const reply = await sys.request("$SYS.REQ.SERVER.PING.VARZ", "", { timeout: 2000 });
        assert.match(reply.string(), /core-node|edge-node/);
    });

    it("losing one of 2 core servers loses quorum, as the validator warns; it returns with the server", async () => {
        const warnings = validateNatsTopology(spec).warnings;
        assert.ok(warnings.some((w) => w.path === "clusters[0].servers" && /no quorum after one loss/.test(w.message)), JSON.stringify(warnings));
        const edge = await client(NODE_IPS.node3);
        const js = jetstream(edge, { timeout: 2000 });
        await js.publish("message.chat-1.before", "ok");
        await harness.server("core-node2").proc.stop();
        // node1 alone is 1 of 2: no meta leader and no stream leader, so writes fail.
        await waitFor("core-node1 to lose its meta leader", async () => !(await harness.monitor("core-node1", "/jsz")).meta_cluster?.leader, 30_000, 250);
        await waitFor("the edge leaf to reconnect to the surviving core server", async () => (await harness.monitor("edge-node3", "/leafz")).leafs[0]?.ip === NODE_IPS.node1, 20_000);
        await assert.rejects(js.publish("message.chat-1.during", "lost"), (err: Error) => {
            assert.match(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`, /timeout|timed out|no responders|503|unavailable/i);
            return true;
        });
        // What the primary's first `pulumi up` sees before node2's stack exists: a clear hint.
        await assert.rejects(
            createNatsStream({ connection: { ...coreConnection(spec), timeoutMs: 2000 }, name: "DURING_LOSS", subjects: ["during.>"], replicas: 2 }),
            /did not answer via .*deploy the other core nodes' stacks/s,
        );
        await harness.restart("core-node2");
        await harness.waitForMetaLeader("core-node1", 30_000);
        const ack = await waitFor("a write after quorum returns", async () => js.publish("message.chat-1.after", "back").catch(() => undefined), 30_000, 500);
        assert.equal(ack.stream, "MESSAGES");
    });
});

describe("nats: 3-server core keeps replicated streams writable after losing one server", function () {
    this.timeout(120_000);
    const spec = loopbackTopology(["node1", "node2", "node4"]);
    const harness = new NatsTopologyHarness(spec, "nats-core3");

    before(async function () {
        try {
            await startSupercluster(harness, ["node1", "node2", "node4"]);
            await declareRouting(spec);
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${harness.logs()}`);
        }
    });

    after(async () => {
        await closeClients();
        await harness.stopAll();
        await stopAllProcesses();
        harness.cleanup();
    });

    it("has no quorum warning and R3 streams", async () => {
        assert.deepEqual(validateNatsTopology(spec).warnings, []);
        const nc = await client(NODE_IPS.node4);
        const info = await (await jetstreamManager(nc, { domain: "core" })).streams.info("MESSAGES");
        assert.equal(info.config.num_replicas, 3);
        assert.equal((await harness.monitor("core-node4", "/routez")).num_routes, 2);
    });

    it("killing the MESSAGES stream leader leaves the stream writable from the edge", async () => {
        const core = await client(NODE_IPS.node1);
        const jsm = await jetstreamManager(core, { domain: "core" });
        const before = await jsm.streams.info("MESSAGES");
        const leader = before.cluster!.leader!;
        assert.ok(["core-node1", "core-node2", "core-node4"].includes(leader), leader);
        const edge = await client(NODE_IPS.node3);
        const js = jetstream(edge, { timeout: 2000 });
        await js.publish("message.chat-3.before", "1");
        await harness.server(leader).proc.stop("SIGKILL");
        const ack = await waitFor("a write after the leader died", async () => js.publish("message.chat-3.after", "2").catch(() => undefined), 30_000, 250);
        assert.equal(ack.stream, "MESSAGES");
        const survivor = leader === "core-node1" ? NODE_IPS.node2 : NODE_IPS.node1;
        const survivorClient = await client(survivor);
        // The API answers again once the meta group (2 of 3) has re-elected, if it lost its leader too.
        const after = await waitFor("MESSAGES info from a survivor", async () =>
            (await jetstreamManager(survivorClient, { domain: "core", timeout: 2000 })).streams.info("MESSAGES").catch(() => undefined), 30_000, 250);
        assert.notEqual(after.cluster?.leader, leader);
        assert.equal(after.state.messages, before.state.messages + 2);
        // The edge leaf is attached to a surviving core server (it lists every core server).
        const leafIp = (await harness.monitor("edge-node3", "/leafz")).leafs[0]?.ip;
        assert.notEqual(leafIp, harness.server(leader).host);
        await sleep(10);
    });
});
