/**
 * The NATS module inside the real program, evaluated by the offline render (Pulumi mocks): what
 * each stack declares, and every placed nats.conf checked by Debian's `nats-server -t`.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { RenderResult, findLeaks, isSecretValue, reveal } from "../../offline/render";
import { placedFiles } from "../../offline/write";
import { makeTempDir, requireBinary } from "../support/process";
import { renderedStacks } from "../support/render";
import { container, ofType, placedFile, resource, TYPE } from "../support/resources";
import { checkNatsConfig } from "./harness";

const natsContainer = (r: RenderResult, node: string) => container(r, node, "nats");
const natsConf = (r: RenderResult, node: string) => placedFile(r, node, "nats", "/etc/nats/nats.conf");

describe("nats: module in the offline render", function () {
    this.timeout(180_000);
    let results: Record<string, RenderResult> = {};
    before(async () => {
        results = await renderedStacks();
    });

    it("one daarion:nats:Server per server, parent of its container; node3 runs its edge leaf and a third core server", () => {
        const expected: Record<string, string[]> = { node1: ["node1-nats"], node2: ["node2-nats"], node3: ["node3-nats", "node3-nats-core"] };
        for (const node of ["node1", "node2", "node3"]) {
            const servers = ofType(results[node]!, "daarion:nats:Server");
            assert.deepEqual(servers.map((s) => s.name).sort(), expected[node]);
            for (const name of expected[node]!) {
                const workload = resource(results[node]!, TYPE.dockerWorkload, name);
                assert.ok(String(workload.parent).endsWith(name), `parent ${workload.parent}`);
            }
        }
        assert.deepEqual(ofType(results.local!, "daarion:nats:Server").map((s) => s.name).sort(), ["node1-nats", "node2-nats", "node3-nats", "node3-nats-core"]);
        // node3's services keep using the local edge leaf (seed 000's edge semantics).
        assert.match(natsConf(results.node3!, "node3"), /server_name: "edge-node3"/);
    });

    it("ports are published on the private IP only; the edge has no leaf or route listener", () => {
        const ports = (node: string) => (reveal(natsContainer(results[node]!, node).inputs.ports) as { internal: number; ip: string }[]);
        assert.deepEqual(ports("node1").map((p) => [p.internal, p.ip]), [[4222, "10.10.2.11"], [6222, "10.10.2.11"], [7422, "10.10.2.11"], [8222, "10.10.2.11"]]);
        // The edge leaf has its own ports beside node3's core server (which has the defaults).
        assert.deepEqual(ports("node3").map((p) => p.internal), [4223, 8223]);
        assert.ok(ports("node3").every((p) => p.ip !== "0.0.0.0"));
        const core3 = container(results.node3!, "node3", "nats-core");
        assert.deepEqual((reveal(core3.inputs.ports) as { internal: number; ip: string }[]).map((p) => [p.internal, p.ip]), [[4222, "10.10.1.13"], [6222, "10.10.1.13"], [7422, "10.10.1.13"], [8222, "10.10.1.13"]]);
    });

    it("nats.conf is a secret upload and the JetStream store a protected, retained volume", () => {
        const c = natsContainer(results.node1!, "node1");
        assert.deepEqual(findLeaks(c.inputs.uploads), []);
        const uploads = c.inputs.uploads as unknown[];
        const conf = (isSecretValue(uploads) ? [] : uploads).find((u) => JSON.stringify(u).includes("/etc/nats/nats.conf")) as { content?: unknown } | undefined;
        assert.ok(isSecretValue(uploads) || isSecretValue(conf?.content) || isSecretValue(conf), "nats.conf upload is secret");
        assert.deepEqual(resource(results.node1!, TYPE.volume, "node1-nats-jetstream").options, { protect: true, retainOnDelete: true });
    });

    it("node3's stack, which completes the 3-server core, declares the seed streams and buckets and the agents' failover bucket (R3), protected", () => {
        // On the first deployment the core has no meta-group quorum before node3 runs (stacks/quorum.ts, issue 11 finding 2).
        for (const stack of ["node1", "node2"]) assert.deepEqual(ofType(results[stack]!, "pulumi-nodejs:dynamic/nats:Stream"), [], stack);
        const streams = ofType(results.node3!, "pulumi-nodejs:dynamic/nats:Stream");
        assert.deepEqual(streams.map((s) => s.inputs.name), ["MESSAGES", "ATTACHMENTS", "AGENT_RUNS", "CHORUS_COUNCILS"]);
        assert.ok(streams.every((s) => s.inputs.replicas === 3 && s.options.protect === true));
        const kvs = ofType(results.node3!, "pulumi-nodejs:dynamic/nats:KeyValue");
        assert.deepEqual(kvs.map((s) => s.inputs.bucket), ["leases", "leaders", "topology", "failover"]);
        const failover = kvs.find((k) => k.inputs.bucket === "failover")!;
        assert.deepEqual([failover.inputs.replicas, failover.inputs.history, failover.inputs.ttlSeconds, failover.options.protect], [3, 1, 0, true]);
        // The connection carries the admin password: secret as a whole.
        assert.ok(isSecretValue(streams[0]!.inputs.connection));
        assert.deepEqual(findLeaks(streams[0]!.inputs), []);

        assert.equal(ofType(results.local!, "pulumi-nodejs:dynamic/nats:Stream").length, 4, "local declares them once");
    });

    it("the local engine publishes only node1's client port, on 127.0.0.1, for the provider", () => {
        const published = ["node1", "node2", "node3"].flatMap((n) => (reveal(natsContainer(results.local!, n).inputs.ports) as { internal: number; ip: string }[] | undefined ?? []).map((p) => `${n}:${p.ip}:${p.internal}`));
        assert.deepEqual(published, ["node1:127.0.0.1:4222"]);
        assert.match(natsConf(results.local!, "node2"), /routes: \["nats-route:\/\/route:[^@]+@node1-nats:6222", "nats-route:\/\/route:[^@]+@node3-nats-core:6222"\]/);
    });

    describe("nats-server -t accepts every nats.conf the render places", () => {
        const binary = requireBinary("nats-server");
        const dir = makeTempDir("nats-module");
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        for (const stack of ["node1", "node2", "node3", "local"]) {
            it(stack, () => {
                const files = placedFiles(results[stack]!).filter((f) => f.workload.startsWith("nats") && f.path === "/etc/nats/nats.conf");
                assert.equal(files.length, { local: 4, node3: 2 }[stack] ?? 1);
                for (const f of files) {
                    const file = path.join(dir, `${stack}-${f.node}.conf`);
                    fs.writeFileSync(file, f.content);
                    checkNatsConfig(binary, file);
                }
            });
        }
    });
});
