/**
 * Rehearsal: the dynamic providers as the engine really runs them. Each provider is serialized the
 * way `pulumi.dynamic.Resource` stores it, loaded in a FRESH `node` process by a stand-in for the
 * dynamic-provider host (dynamic-host.cjs), and called with protobuf-encoded olds/news in which a
 * not-yet-known value is the host's sentinel string, whatever the property's type
 * (pulumi/pulumi#6310). Modelled behaviours, each with its source:
 * - unknown sentinel: @pulumi/pulumi 3.248.0 runtime/rpc.js `unknownValue`, passed untouched by
 *   cmd/dynamic-provider/index.js (`req.getNews().toJavaScript()`);
 * - a first preview of node1/local has the WHOLE `connection` unknown (its passwords are created by
 *   the same update), a later preview single fields (a rotated password, an SSH tunnel address);
 * - the planned step: pulumi/pulumi pkg/resource/deploy/step_generator.go `diffResource` and
 *   sdk/go/common/resource/plugin/provider.go `DiffResult.Replace` (see dynamic-host.ts).
 * A check failure stops `preview` and `up`; a planned replacement of these protected resources
 * fails `up`. Neither may come from an unknown value or from a new admin endpoint.
 */
import { strict as assert } from "node:assert";
import * as net from "node:net";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { UNKNOWN as PROVIDER_UNKNOWN } from "../../components/dynamic/unknowns";
import { NatsKeyValueProps, NatsStreamProps, natsKeyValueProvider, natsStreamProvider } from "../../components/nats/jetstream-provider";
import { QdrantCollectionOutputs, QdrantCollectionProps, qdrantCollectionProvider } from "../../components/qdrant/collection";
import { stopAllProcesses } from "../support/process";
import { PASSWORDS, loopbackTopology } from "../nats/fixtures";
import { NatsTopologyHarness } from "../nats/harness";
import { CheckAnswer, DiffAnswer, HostCall, HostResult, UNKNOWN, plannedStep, runInFreshHost, serializeProvider, withValueAt } from "./dynamic-host";

/** Loopback addresses of this file only (other suites use 127.0.1.11-15). */
const SERVER_IP = "127.0.1.16";
/** The "SSH tunnel" of `replication.nats.adminServers`: another address, the same server behind it. */
const TUNNEL_IP = "127.0.1.17";
const TUNNEL_PORT = 14222;

function answers<T>(results: HostResult[]): T[] {
    return results.map((r, i) => {
        if (r.error !== undefined) throw new Error(`host call #${i} failed: ${r.error}`);
        return r.ok as T;
    });
}

/** Properties marked unknown one at a time: each is a value the engine may not know in a preview. */
const STREAM_UNKNOWN_FIELDS = ["connection", "connection.servers", "connection.user", "connection.password", "connection.domain", "name", "subjects", "storage", "retention", "replicas", "maxAgeSeconds"];
const KV_UNKNOWN_FIELDS = ["connection", "connection.servers", "connection.password", "connection.domain", "bucket", "history", "ttlSeconds", "replicas", "storage"];
const QDRANT_UNKNOWN_FIELDS = ["connection", "connection.url", "connection.apiKey", "name", "vectorSize", "distance", "shardNumber", "replicationFactor", "writeConsistencyFactor"];

describe("rehearsal: serialized dynamic providers in a fresh host process", function () {
    this.timeout(120_000);

    it("the providers test for the very sentinel the SDK's host sends", () => {
        assert.equal(PROVIDER_UNKNOWN, UNKNOWN);
    });

    describe("NATS streams and KV buckets (real nats-server)", () => {
        const base = loopbackTopology(["node5"], []);
        const spec = { ...base, clusters: base.clusters.map((c) => ({ ...c, servers: c.servers.map((s) => ({ ...s, host: SERVER_IP })) })) };
        const harness = new NatsTopologyHarness(spec, "rehearsal-dynamic");
        const direct = { servers: [`nats://${SERVER_IP}:4222`], user: "chorus", password: PASSWORDS.chorus, domain: "core" };
        const viaTunnel = { ...direct, servers: [`nats://${TUNNEL_IP}:${TUNNEL_PORT}`] };
        const stream: NatsStreamProps = { connection: direct, name: "REHEARSAL", subjects: ["rehearsal.>"], storage: "file", retention: "limits", replicas: 1, maxAgeSeconds: 3600 };
        const kv: NatsKeyValueProps = { connection: direct, bucket: "rehearsal_leases", history: 1, ttlSeconds: 30, replicas: 1, storage: "file" };
        let tunnel: net.Server;
        let streamProvider: string;
        let kvProvider: string;
        let streamState: Record<string, unknown>;
        let kvState: Record<string, unknown>;

        before(async () => {
            await harness.start(["core-node5"]);
            tunnel = net.createServer((client) => {
                const upstream = net.connect(4222, SERVER_IP);
                client.pipe(upstream).pipe(client);
                client.on("error", () => upstream.destroy());
                upstream.on("error", () => client.destroy());
            });
            await new Promise<void>((resolve, reject) => tunnel.once("error", reject).listen(TUNNEL_PORT, TUNNEL_IP, resolve));
            streamProvider = await serializeProvider(natsStreamProvider);
            kvProvider = await serializeProvider(natsKeyValueProvider);
            // The resources exist: created through the serialized providers, as `pulumi up` would.
            const [s, k] = answers<{ id: string; outs: Record<string, unknown> }>(
                await runInFreshHost([
                    { method: "create", news: { ...stream, __provider: streamProvider } },
                    { method: "create", news: { ...kv, __provider: kvProvider } },
                ]),
            );
            assert.equal(s.id, "core/REHEARSAL");
            assert.equal(k.id, "core/rehearsal_leases");
            streamState = { ...s.outs, __provider: streamProvider };
            kvState = { ...k.outs, __provider: kvProvider };
        });

        after(async () => {
            await new Promise<void>((resolve) => (tunnel ? tunnel.close(() => resolve()) : resolve()));
            await harness.stopAll();
            await stopAllProcesses();
            harness.cleanup();
        });

        for (const [kind, fields] of [
            ["stream", STREAM_UNKNOWN_FIELDS],
            ["KV bucket", KV_UNKNOWN_FIELDS],
        ] as const) {
            const inputs = () => (kind === "stream" ? { ...stream, __provider: streamProvider } : { ...kv, __provider: kvProvider });
            const state = () => (kind === "stream" ? streamState : kvState);

            it(`${kind}: check passes every unknown through, and still rejects known bad input`, async () => {
                const calls: HostCall[] = [
                    { method: "check", olds: {}, news: inputs() },
                    ...fields.map((f) => ({ method: "check" as const, olds: {}, news: withValueAt(inputs(), f, UNKNOWN) })),
                    { method: "check", olds: {}, news: withValueAt(inputs(), "connection.servers", [UNKNOWN]) },
                    { method: "check", olds: {}, news: withValueAt(inputs(), "connection.servers", []) },
                    { method: "check", olds: {}, news: withValueAt(inputs(), "replicas", 7) },
                ];
                const results = answers<CheckAnswer>(await runInFreshHost(calls));
                const known = results.shift()!;
                assert.deepEqual(known.failures, []);
                const badReplicas = results.pop()!;
                const noServers = results.pop()!;
                fields.forEach((f, i) => {
                    assert.deepEqual(results[i]!.failures, [], `${f} unknown`);
                    // The unknown stays unknown in the checked inputs: the engine must still see it.
                    assert.equal(f.split(".").reduce<any>((o, k) => o[k], results[i]!.inputs), UNKNOWN, `${f} kept unknown`);
                });
                assert.deepEqual(results[fields.length]!.failures, [], "one unknown server URL");
                assert.deepEqual(noServers.failures.map((x) => x.property), ["connection.servers"]);
                assert.deepEqual(badReplicas.failures.map((x) => x.property), ["replicas"]);
            });

            it(`${kind}: diff never plans a replacement because a value is unknown`, async () => {
                const calls: HostCall[] = [
                    { method: "diff", id: "x", olds: state(), news: inputs() },
                    ...fields.map((f) => ({ method: "diff" as const, id: "x", olds: state(), news: withValueAt(inputs(), f, UNKNOWN) })),
                ];
                const [same, ...diffs] = answers<DiffAnswer>(await runInFreshHost(calls));
                assert.equal(same.changes, "DIFF_NONE", "the created state and its own inputs are no change");
                diffs.forEach((d, i) => {
                    const news = calls[i + 1]!.news;
                    assert.deepEqual(d.replaces, [], `${fields[i]} unknown`);
                    assert.equal(d.changes, "DIFF_UNKNOWN", `${fields[i]} unknown: the engine decides from the inputs`);
                    assert.equal(plannedStep(d, state(), news), "update", `${fields[i]} unknown`);
                });
            });

            it(`${kind}: a new admin endpoint (SSH tunnel) is an update through it, never a replacement`, async () => {
                const moved = { ...inputs(), connection: viaTunnel };
                const [diff, update, read] = await runInFreshHost([
                    { method: "diff", id: "x", olds: state(), news: moved },
                    { method: "update", id: "x", olds: state(), news: moved },
                    { method: "read", id: "x", news: { ...moved } },
                ]);
                const d = diff.ok as DiffAnswer;
                assert.deepEqual(d.replaces, []);
                assert.equal(plannedStep(d, state(), moved), "update");
                assert.equal(update.error, undefined, `update through the tunnel: ${update.error}`);
                assert.deepEqual((update.ok as { outs: { connection: unknown } }).outs.connection, viaTunnel);
                assert.equal(read.error, undefined, `read through the tunnel: ${read.error}`);
                assert.equal((read.ok as { props: { replicas: number } }).props.replicas, 1);
            });

            it(`${kind}: a real identity change still replaces (known values)`, async () => {
                const identity = kind === "stream" ? { name: "OTHER" } : { bucket: "other_bucket" };
                const calls: HostCall[] = [
                    { method: "diff", id: "x", olds: state(), news: { ...inputs(), ...identity } },
                    { method: "diff", id: "x", olds: state(), news: { ...inputs(), storage: "memory" } },
                    { method: "diff", id: "x", olds: state(), news: { ...inputs(), connection: { ...direct, domain: "edge" } } },
                ];
                const [byName, byStorage, byDomain] = answers<DiffAnswer>(await runInFreshHost(calls));
                assert.deepEqual(byName.replaces, [kind === "stream" ? "name" : "bucket"]);
                assert.deepEqual(byStorage.replaces, ["storage"]);
                assert.deepEqual(byDomain.replaces, ["connection.domain"]);
                for (const d of [byName, byStorage, byDomain]) assert.equal(d.deleteBeforeReplace, true);
            });
        }

        it("the stream kept its messages across the endpoint change (the same stream, not a new one)", async () => {
            const nc = await connect({ servers: direct.servers, user: "chorus", pass: PASSWORDS.chorus });
            try {
                const jsm = await jetstreamManager(nc, { domain: "core" });
                const before = (await jsm.streams.info("REHEARSAL")).created;
                await nc.request("rehearsal.one", "x", { timeout: 5000 });
                const moved = { ...stream, connection: viaTunnel, __provider: streamProvider };
                const [update] = await runInFreshHost([{ method: "update", id: "core/REHEARSAL", olds: streamState, news: { ...moved, maxAgeSeconds: 7200 } }]);
                assert.equal(update.error, undefined, update.error);
                const info = await jsm.streams.info("REHEARSAL");
                assert.equal(info.created, before);
                assert.equal(info.state.messages, 1);
                assert.equal(info.config.max_age, 7200 * 1e9);
            } finally {
                await nc.close();
            }
        });
    });

    describe("Qdrant collections (check and diff make no server call)", () => {
        const props: QdrantCollectionProps = {
            connection: { url: "http://10.10.2.11:6333", apiKey: "key-1" },
            name: "agent_memory",
            vectorSize: 1536,
            distance: "Cosine",
            shardNumber: 2,
            replicationFactor: 2,
            writeConsistencyFactor: 1,
            onDiskPayload: true,
        };
        const state: QdrantCollectionOutputs = { ...props, missingReplicas: 0 };
        let provider: string;
        before(async () => {
            provider = await serializeProvider(qdrantCollectionProvider);
        });
        const inputs = () => ({ ...props, __provider: provider });
        const olds = () => ({ ...state, __provider: provider });

        it("check passes every unknown through (the whole connection on a first preview)", async () => {
            const calls: HostCall[] = [
                { method: "check", olds: {}, news: inputs() },
                ...QDRANT_UNKNOWN_FIELDS.map((f) => ({ method: "check" as const, olds: {}, news: withValueAt(inputs(), f, UNKNOWN) })),
                { method: "check", olds: {}, news: withValueAt(inputs(), "connection.url", "10.10.2.11:6333") },
            ];
            const results = answers<CheckAnswer>(await runInFreshHost(calls));
            assert.deepEqual(results.shift()!.failures, []);
            const badUrl = results.pop()!;
            QDRANT_UNKNOWN_FIELDS.forEach((f, i) => assert.deepEqual(results[i]!.failures, [], `${f} unknown`));
            assert.deepEqual(badUrl.failures.map((x) => x.property), ["connection.url"]);
        });

        it("diff: unknowns and a new admin endpoint update; vectors and shards replace", async () => {
            const tunnel = withValueAt(inputs(), "connection.url", "http://127.0.0.1:16333");
            const calls: HostCall[] = [
                { method: "diff", id: "agent_memory", olds: olds(), news: inputs() },
                ...QDRANT_UNKNOWN_FIELDS.map((f) => ({ method: "diff" as const, id: "agent_memory", olds: olds(), news: withValueAt(inputs(), f, UNKNOWN) })),
                { method: "diff", id: "agent_memory", olds: olds(), news: tunnel },
                { method: "diff", id: "agent_memory", olds: olds(), news: withValueAt(inputs(), "connection.apiKey", "key-2") },
                { method: "diff", id: "agent_memory", olds: olds(), news: { ...inputs(), shardNumber: 4 } },
                { method: "diff", id: "agent_memory", olds: olds(), news: { ...inputs(), vectorSize: 768 } },
            ];
            const results = answers<DiffAnswer>(await runInFreshHost(calls));
            assert.equal(results.shift()!.changes, "DIFF_NONE");
            const [endpoint, rotated, shards, vectors] = results.splice(QDRANT_UNKNOWN_FIELDS.length);
            QDRANT_UNKNOWN_FIELDS.forEach((f, i) => {
                assert.deepEqual(results[i]!.replaces, [], `${f} unknown`);
                assert.equal(plannedStep(results[i]!, olds(), calls[i + 1]!.news), "update", `${f} unknown`);
            });
            assert.deepEqual(endpoint.replaces, [], "adminEndpoint moved to an SSH tunnel");
            assert.equal(plannedStep(endpoint, olds(), tunnel), "update");
            assert.deepEqual(rotated.replaces, []);
            assert.equal(rotated.changes, "DIFF_SOME");
            assert.deepEqual(shards.replaces, ["shardNumber"]);
            assert.deepEqual(vectors.replaces, ["vectorSize"]);
        });
    });
});
