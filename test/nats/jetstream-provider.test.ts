/**
 * The JetStream dynamic provider against a real nats-server (single core server rendered by
 * our renderer, 127.0.1.15): create, diff, update, read, delete for streams and KV buckets, and
 * the serialized provider (what Pulumi stores in the state) run in a fresh Node process.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { connect } from "@nats-io/transport-node";

type NatsConnection = Awaited<ReturnType<typeof connect>>;
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import {
    NatsConnectionArgs,
    NatsKeyValueProps,
    NatsStreamProps,
    checkNatsStream,
    createNatsKeyValue,
    createNatsStream,
    deleteNatsKeyValue,
    deleteNatsStream,
    diffNatsKeyValue,
    diffNatsStream,
    natsKeyValueProvider,
    natsStreamProvider,
    readNatsKeyValue,
    readNatsStream,
    updateNatsKeyValue,
    updateNatsStream,
} from "../../components/nats/jetstream-provider";
import { run, stopAllProcesses } from "../support/process";
import { NODE_IPS, PASSWORDS, loopbackTopology } from "./fixtures";
import { NatsTopologyHarness } from "./harness";

const spec = loopbackTopology(["node5"], []);
const connection: NatsConnectionArgs = { servers: [`nats://${NODE_IPS.node5}:4222`], user: "chorus", password: PASSWORDS.chorus, domain: "core" };

const baseStream: NatsStreamProps = {
    connection,
    name: "PROVIDER_TEST",
    subjects: ["provider.test.>"],
    description: "provider test stream",
    storage: "file",
    retention: "limits",
    replicas: 1,
    maxAgeSeconds: 3600,
    maxBytes: -1,
    maxMsgs: -1,
    discard: "old",
    duplicateWindowSeconds: 120,
};

const baseKv: NatsKeyValueProps = {
    connection,
    bucket: "provider_leases",
    description: "provider test bucket",
    history: 1,
    ttlSeconds: 30,
    replicas: 1,
    storage: "file",
    maxBytes: -1,
};

describe("nats: JetStream dynamic provider (real nats-server)", function () {
    this.timeout(60_000);
    const harness = new NatsTopologyHarness(spec, "nats-provider");
    let nc: NatsConnection;

    before(async () => {
        await harness.start(["core-node5"]);
        nc = await connect({ servers: connection.servers, user: "chorus", pass: PASSWORDS.chorus });
    });

    after(async () => {
        await nc?.close();
        await harness.stopAll();
        await stopAllProcesses();
        harness.cleanup();
    });

    describe("diff (pure)", () => {
        const cases: { change: Partial<NatsStreamProps>; replaces: string[]; updates: string[] }[] = [
            { change: { subjects: ["provider.test.>", "provider.more.>"] }, replaces: [], updates: ["subjects"] },
            { change: { maxAgeSeconds: 60 }, replaces: [], updates: ["maxAgeSeconds"] },
            { change: { replicas: 3 }, replaces: [], updates: ["replicas"] },
            { change: { storage: "memory" }, replaces: ["storage"], updates: [] },
            { change: { retention: "workqueue" }, replaces: ["retention"], updates: [] },
            { change: { name: "OTHER" }, replaces: ["name"], updates: [] },
            { change: { connection: { ...connection, domain: "edge" } }, replaces: ["connection.domain"], updates: [] },
            { change: { connection: { ...connection, password: "rotated-password-123" } }, replaces: [], updates: ["connection.password"] },
        ];
        for (const c of cases) {
            it(`stream ${JSON.stringify(c.change)} -> replaces ${JSON.stringify(c.replaces)}, updates ${JSON.stringify(c.updates)}`, () => {
                const d = diffNatsStream(baseStream, { ...baseStream, ...c.change });
                assert.deepEqual(d.replaces, c.replaces);
                assert.deepEqual(d.updates, c.updates);
                assert.equal(d.changes, true);
                assert.equal(d.deleteBeforeReplace, c.replaces.length > 0);
            });
        }
        it("omitted defaults are no change", () => {
            const minimal: NatsStreamProps = { connection, name: "PROVIDER_TEST", subjects: ["provider.test.>"] };
            const explicit: NatsStreamProps = { ...minimal, storage: "file", retention: "limits", replicas: 1, maxAgeSeconds: 0, maxBytes: -1, maxMsgs: -1, discard: "old", duplicateWindowSeconds: 120, description: "" };
            assert.equal(diffNatsStream(minimal, explicit).changes, false);
        });
        it("KV: storage replaces, history/ttl update", () => {
            assert.deepEqual(diffNatsKeyValue(baseKv, { ...baseKv, storage: "memory" }).replaces, ["storage"]);
            const d = diffNatsKeyValue(baseKv, { ...baseKv, history: 5, ttlSeconds: 60 });
            assert.deepEqual(d.replaces, []);
            assert.deepEqual(d.updates, ["history", "ttlSeconds"]);
        });
        it("check names the offending property", () => {
            assert.deepEqual(checkNatsStream({ ...baseStream, name: "bad.name", replicas: 7 }).map((f) => f.property), ["name", "replicas"]);
        });
    });

    describe("streams", () => {
        after(async () => deleteNatsStream(baseStream));

        it("create makes the stream on the server; creating the same config again adopts it", async () => {
            const outs = await createNatsStream(baseStream);
            assert.deepEqual(outs, baseStream);
            const jsm = await jetstreamManager(nc, { domain: "core" });
            const info = await jsm.streams.info("PROVIDER_TEST");
            assert.deepEqual(info.config.subjects, ["provider.test.>"]);
            assert.equal(info.config.max_age, 3600 * 1e9);
            assert.deepEqual(await createNatsStream(baseStream), baseStream);
        });

        it("a create sent while the server is still starting waits for JetStream, then succeeds", async () => {
            // The stack completing the core creates streams right after the containers start (no
            // `wait`: components/nats/jetstream-provider.ts JETSTREAM_READY_WITHIN_MS).
            await harness.server("core-node5").proc.stop();
            const stream = { ...baseStream, name: "STARTING", subjects: ["starting.>"] };
            const created = createNatsStream(stream);
            await new Promise((resolve) => setTimeout(resolve, 3_000));
            await harness.restart("core-node5");
            await nc.close();
            nc = await connect({ servers: connection.servers, user: "chorus", pass: PASSWORDS.chorus });
            assert.deepEqual((await created).subjects, ["starting.>"]);
            assert.equal((await (await jetstreamManager(nc, { domain: "core" })).streams.info("STARTING")).config.name, "STARTING");
        });

        it("a wrong password fails at once instead of waiting for JetStream", async () => {
            const started = Date.now();
            await assert.rejects(createNatsStream({ ...baseStream, name: "NOPE", subjects: ["nope.>"], connection: { ...connection, password: "wrong" } }), /did not answer.*authorization/i);
            assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
        });

        it("creating a different config under an existing name fails instead of silently adopting", async () => {
            await assert.rejects(createNatsStream({ ...baseStream, subjects: ["provider.other.>"] }), /already in use|different configuration/i);
        });

        it("update applies subjects and max_age in place; messages on the new subject are stored", async () => {
            const news: NatsStreamProps = { ...baseStream, subjects: ["provider.test.>", "provider.more.>"], maxAgeSeconds: 600 };
            const outs = await updateNatsStream(baseStream, news);
            assert.deepEqual(outs, news);
            const jsm = await jetstreamManager(nc, { domain: "core" });
            const info = await jsm.streams.info("PROVIDER_TEST");
            assert.deepEqual(info.config.subjects, ["provider.test.>", "provider.more.>"]);
            assert.equal(info.config.max_age, 600 * 1e9);
            const ack = await jetstream(nc, { domain: "core" }).publish("provider.more.x", "hello");
            assert.equal(ack.stream, "PROVIDER_TEST");
            await updateNatsStream(news, baseStream);
        });

        it("the server itself rejects what diff classifies as replace (storage, retention)", async () => {
            const jsm = await jetstreamManager(nc, { domain: "core" });
            const current = (await jsm.streams.info("PROVIDER_TEST")).config;
            await assert.rejects(jsm.streams.update("PROVIDER_TEST", { ...current, storage: "memory" } as never), /storage/i);
            await assert.rejects(jsm.streams.update("PROVIDER_TEST", { ...current, retention: "workqueue" } as never), /retention/i);
            await assert.rejects(updateNatsStream(baseStream, { ...baseStream, storage: "memory" }), /replace required/);
        });

        it("read returns the live config (drift shows up) and undefined once deleted", async () => {
            const jsm = await jetstreamManager(nc, { domain: "core" });
            const current = (await jsm.streams.info("PROVIDER_TEST")).config;
            await jsm.streams.update("PROVIDER_TEST", { ...current, max_age: 120 * 1e9 });
            const read = await readNatsStream(connection, "PROVIDER_TEST");
            assert.equal(read?.maxAgeSeconds, 120);
            assert.deepEqual(diffNatsStream(baseStream, read!).updates, ["maxAgeSeconds"]);
            await deleteNatsStream(baseStream);
            assert.equal(await readNatsStream(connection, "PROVIDER_TEST"), undefined);
            await deleteNatsStream(baseStream); // already gone: no error
        });
    });

    describe("KV buckets", () => {
        after(async () => deleteNatsKeyValue(baseKv));

        it("create makes a bucket usable through the KV API, with history and TTL on its stream", async () => {
            const outs = await createNatsKeyValue(baseKv);
            assert.deepEqual(outs, baseKv);
            const kv = await new Kvm(jetstream(nc, { domain: "core" })).open("provider_leases");
            await kv.put("lease.gpu", "node1");
            assert.equal((await kv.get("lease.gpu"))?.string(), "node1");
            // Lease semantics (seed 002): create() fails while someone holds the key.
            await assert.rejects(kv.create("lease.gpu", "node2"));
        });

        it("update changes history and TTL in place", async () => {
            const news = { ...baseKv, history: 5, ttlSeconds: 60 };
            assert.deepEqual(await updateNatsKeyValue(baseKv, news), news);
            const info = await (await jetstreamManager(nc, { domain: "core" })).streams.info("KV_provider_leases");
            assert.equal(info.config.max_msgs_per_subject, 5);
            assert.equal(info.config.max_age, 60 * 1e9);
            assert.deepEqual(await readNatsKeyValue(connection, "provider_leases"), news);
        });

        it("delete removes the bucket", async () => {
            await deleteNatsKeyValue(baseKv);
            assert.equal(await readNatsKeyValue(connection, "provider_leases"), undefined);
        });
    });

    describe("provider objects", () => {
        it("create/diff/update/read/delete through the ResourceProvider interface", async () => {
            const created = await natsKeyValueProvider.create!(baseKv);
            assert.equal(created.id, "core/provider_leases");
            const diff = await natsKeyValueProvider.diff!(created.id, created.outs, { ...baseKv, storage: "memory" });
            assert.deepEqual(diff, { changes: true, replaces: ["storage"], deleteBeforeReplace: true });
            await natsKeyValueProvider.update!(created.id, created.outs, { ...baseKv, history: 3 });
            const read = await natsKeyValueProvider.read!(created.id, created.outs);
            assert.equal(read.props.history, 3);
            await natsKeyValueProvider.delete!(created.id, read.props);
            assert.deepEqual(await natsKeyValueProvider.read!(created.id, read.props), {});
        });

        it("the provider Pulumi serializes into the state runs in a fresh Node process against the server", async () => {
            const serialized = await pulumi.runtime.serializeFunction(() => natsStreamProvider, { allowSecrets: true });
            // The serialized closure must not carry a live client or connection.
            assert.doesNotMatch(serialized.text, /NatsConnectionImpl|ProtocolHandler/);
            const file = path.join(harness.dir, "serialized-provider.js");
            fs.writeFileSync(file, serialized.text);
            const script = `
                const provider = require(${JSON.stringify(file)}).${serialized.exportName}();
                const props = ${JSON.stringify({ ...baseStream, name: "SERIALIZED", subjects: ["serialized.>"] })};
                (async () => {
                    const created = await provider.create(props);
                    const read = await provider.read(created.id, created.outs);
                    await provider.delete(created.id, read.props);
                    console.log(JSON.stringify({ id: created.id, subjects: read.props.subjects }));
                })().catch((e) => { console.error(e); process.exit(1); });`;
            // The dynamic provider host resolves requires from the program's node_modules.
            const out = run(process.execPath, ["-e", script], { env: { ...process.env, NODE_PATH: path.resolve(__dirname, "../../node_modules") } });
            assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), { id: "core/SERIALIZED", subjects: ["serialized.>"] });
            assert.equal(await readNatsStream(connection, "SERIALIZED"), undefined);
        });
    });
});
