/**
 * The shared test support library: the cached render really is one render per stack, shared,
 * frozen and identical to a fresh one, and the finders fail with a message that names what is
 * missing.
 */
import * as assert from "node:assert/strict";
import { RecordedResource, RenderResult, renderStack } from "../../offline/render";
import { renderedStack, renderEdited, renderStats } from "./render";
import { container, containersOf, named, namesOf, resource, TYPE } from "./resources";

describe("test support: the cached render", function () {
    this.timeout(300_000);

    it("renders a stack once per process and hands every caller the same frozen result", async () => {
        const first = await renderedStack("node3");
        const before = renderStats().renders;
        const again = await Promise.all([renderedStack("node3"), renderedStack("node3")]);
        assert.equal(renderStats().renders, before, "no second render");
        assert.ok(again.every((r) => r === first));
        assert.ok(Object.isFrozen(first.resources) && Object.isFrozen(first.resources[0]!.inputs));
        assert.throws(() => (first.resources as RecordedResource[]).push(first.resources[0]!), TypeError);
        assert.throws(() => {
            (first.resources[0]!.inputs as Record<string, unknown>).edited = true;
        }, TypeError);
    });

    it("equals a fresh render of the same stack", async () => {
        // By type::name, not by position: the first render in a process registers some resources
        // in another order than later ones (measured: node3, same resources and inputs), which
        // is why test/golden/ keys its fingerprints too.
        const plain = (r: RenderResult) => {
            const { resources, ...rest } = JSON.parse(JSON.stringify(r)) as RenderResult;
            return { ...rest, resources: Object.fromEntries(resources.map((x) => [`${x.type}::${x.name}`, x])) };
        };
        assert.deepEqual(plain(await renderedStack("node3")), plain(await renderStack("node3")));
    });

    it("queues renders: concurrent calls for different stacks each get their own stack", async () => {
        const [edited, node2] = await Promise.all([renderEdited("node2", (c) => (c["daarion:node"] = "node3")), renderedStack("node2")]);
        assert.equal(node2.stack, "node2");
        assert.deepEqual(namesOf(node2, "hcloud:index/server:Server"), ["node2-server"]);
        assert.deepEqual(namesOf(edited, "hcloud:index/server:Server"), ["node3-server"], "the edited render is its own");
    });
});

describe("test support: resource finders", () => {
    const rec = (type: string, name: string, labels: Record<string, string> = {}): RecordedResource => ({
        id: name,
        type,
        name,
        parent: null,
        custom: true,
        inputs: { labels: Object.entries(labels).map(([label, value]) => ({ label, value })) },
        options: {},
        urn: `urn:${name}`,
        dependencies: [],
        dataDependencies: [],
        provider: null,
    });
    const records = [
        rec(TYPE.container, "node1-nats", { "daarion.node": "node1", "daarion.workload": "nats" }),
        rec(TYPE.container, "node2-nats", { "daarion.node": "node2", "daarion.workload": "nats" }),
        rec(TYPE.container, "node2-nats-twin", { "daarion.node": "node2", "daarion.workload": "nats" }),
        rec(TYPE.volume, "node1-nats-jetstream"),
    ];

    it("find by type and name, by labels, and say what they looked for when there is not exactly one", () => {
        assert.equal(resource(records, TYPE.volume, "node1-nats-jetstream").name, "node1-nats-jetstream");
        assert.equal(named({ resources: records }, "node1-nats").type, TYPE.container);
        assert.equal(container(records, "node1", "nats").name, "node1-nats");
        assert.deepEqual(containersOf(records, { workload: "nats" }).map((c) => c.name), ["node1-nats", "node2-nats", "node2-nats-twin"]);
        assert.throws(() => resource(records, TYPE.volume, "node2-nats-jetstream"), /expected one docker:index\/volume:Volume named node2-nats-jetstream, found 0; .* names: node1-nats-jetstream/);
        assert.throws(() => container(records, "node2", "nats"), /expected one nats container on node2, found 2/);
        assert.throws(() => container(records, "node3", "nats"), /expected one nats container on node3, found 0/);
    });
});
