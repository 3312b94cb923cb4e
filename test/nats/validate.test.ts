import { strict as assert } from "node:assert";
import { natsSubjectRouting } from "../../components/nats/subjects";
import { NatsSuperclusterSpec } from "../../components/nats/types";
import { natsQuorum, subjectsOverlap, validateNatsTopology } from "../../components/nats/validate";
import { NODE_IPS, loopbackTopology } from "./fixtures";

const core3 = loopbackTopology(["node1", "node2", "node4"]);

function mutate(f: (s: any) => void): NatsSuperclusterSpec {
    const copy = JSON.parse(JSON.stringify(core3));
    f(copy);
    return copy;
}

describe("nats: validateNatsTopology", () => {
    it("accepts the 3-server core with its routing: no errors, no warnings", () => {
        const r = validateNatsTopology(core3, { ...natsSubjectRouting(core3) });
        assert.deepEqual(r, { errors: [], warnings: [] });
    });

    it("accepts a core server beside an edge leaf on one host when the edge has its own ports", () => {
        const spec = mutate((s) => {
            s.clusters[1].servers[0].host = NODE_IPS.node1;
            s.clusters[1].ports = { client: 4223, monitor: 8223 };
        });
        assert.deepEqual(validateNatsTopology(spec).errors, []);
    });

    const errorCases: { title: string; spec: NatsSuperclusterSpec; path: string; message: RegExp }[] = [
        { title: "leaf remote to an unknown cluster", spec: mutate((s) => (s.clusters[1].leafnodeTo = "central")), path: "clusters[1].leafnodeTo", message: /unknown cluster 'central'/ },
        { title: "leaf of a leaf", spec: mutate((s) => s.clusters.push({ name: "far", servers: [{ name: "far-node5", node: "node5", host: NODE_IPS.node5 }], leafnodeTo: "edge" })), path: "clusters[2].leafnodeTo", message: /itself a leaf/ },
        { title: "JetStream leaf cluster without a domain", spec: mutate((s) => (s.clusters[1].jetstream.domain = "")), path: "clusters[1].jetstream.domain", message: /leaf cluster 'edge' needs its own domain/ },
        { title: "leaf sharing the hub's domain", spec: mutate((s) => (s.clusters[1].jetstream.domain = "core")), path: "clusters[1].jetstream.domain", message: /also used by cluster 'core'/ },
        { title: "duplicate server name", spec: mutate((s) => (s.clusters[1].servers[0].name = "core-node1")), path: "clusters[1].servers[0].name", message: /duplicate server name 'core-node1' \(also clusters\[0\]\.servers\[0\]\)/ },
        { title: "two servers on one address", spec: mutate((s) => (s.clusters[1].servers[0].host = NODE_IPS.node1)), path: "clusters[1].ports.client", message: /where 'core-node1' \(client\) listens: give cluster 'edge' its own ports/ },
        { title: "duplicate cluster name", spec: mutate((s) => (s.clusters[1].name = "core")), path: "clusters[1].name", message: /duplicate cluster name/ },
        {
            title: "two gateway-joined full clusters both running JetStream",
            spec: mutate((s) => s.clusters.push({ name: "dr", servers: [{ name: "dr-node5", node: "node5", host: NODE_IPS.node5 }], jetstream: { domain: "dr", maxMemory: "1G", maxFile: "1G" } })),
            path: "clusters[2].jetstream",
            message: /may not both run JetStream/,
        },
        { title: "port collision", spec: mutate((s) => (s.ports = { monitor: 4222 })), path: "ports.monitor", message: /also the client port/ },
        { title: "short password", spec: mutate((s) => (s.auth.services[0].password = "short")), path: "auth.services[0].password", message: /shorter than 12/ },
        { title: "duplicate user across accounts", spec: mutate((s) => (s.auth.services[0].service = "sys")), path: "auth.services[0].service", message: /also defined at auth\.system\.user/ },
        { title: "malformed JetStream size", spec: mutate((s) => (s.clusters[0].jetstream.maxFile = "10 gigs")), path: "clusters[0].jetstream.maxFile", message: /not a size/ },
    ];
    for (const c of errorCases) {
        it(`error: ${c.title}`, () => {
            const { errors } = validateNatsTopology(c.spec);
            const hit = errors.find((e) => e.path === c.path);
            assert.ok(hit, `no error at ${c.path}: ${JSON.stringify(errors)}`);
            assert.match(hit.message, c.message);
        });
    }

    it("error: stream replicas larger than its cluster", () => {
        const seed = loopbackTopology(["node1", "node2"]);
        const streams = [...natsSubjectRouting(core3).streams]; // R3, but the seed core has 2 servers
        const { errors } = validateNatsTopology(seed, { streams, pathPrefix: "nats." });
        assert.deepEqual(errors.map((e) => e.path), streams.map((_, i) => `nats.streams[${i}].replicas`));
        assert.match(errors[0].message, /wants 3 replicas but its cluster \(domain 'core'\) has 2 server\(s\)/);
    });

    it("error: KV replicas larger than its cluster, stream in an unknown domain, overlapping streams", () => {
        const routing = natsSubjectRouting(core3);
        const keyValues = [{ ...routing.keyValues[0], replicas: 5 }];
        const streams = [routing.streams[0], { ...routing.streams[1], name: "DUP", subjects: ["message.chat.*"] }, { ...routing.streams[2], domain: "nowhere", cluster: undefined }];
        const { errors } = validateNatsTopology(core3, { streams, keyValues });
        assert.deepEqual(errors.map((e) => e.path), ["streams[1].subjects[0]", "streams[2].domain", "keyValues[0].replicas"]);
        assert.match(errors[0].message, /overlaps 'message\.>' of stream 'MESSAGES'/);
    });

    const warningCases: [string, string[], RegExp | undefined][] = [
        ["1 server", ["node1"], undefined],
        ["2 servers", ["node1", "node2"], /2 servers.*no quorum after one loss/],
        ["3 servers", ["node1", "node2", "node4"], undefined],
        ["4 servers", ["node1", "node2", "node4", "node5"], /majority is 3 of 4, so it tolerates only 1 loss/],
    ];
    for (const [title, nodes, expected] of warningCases) {
        it(`quorum warning for a ${title} JetStream core: ${expected ? "yes" : "none"}`, () => {
            const { errors, warnings } = validateNatsTopology(loopbackTopology(nodes));
            assert.deepEqual(errors, []);
            if (!expected) return assert.deepEqual(warnings, []);
            assert.equal(warnings.length, 1);
            assert.equal(warnings[0].path, "clusters[0].servers");
            assert.match(warnings[0].message, expected);
        });
    }

    it("warns that gateways cannot filter node-local subjects", () => {
        const spec = mutate((s) => s.clusters.push({ name: "dr", servers: [{ name: "dr-node5", node: "node5", host: NODE_IPS.node5 }] }));
        const { errors, warnings } = validateNatsTopology(spec);
        assert.deepEqual(errors, []);
        assert.deepEqual(warnings.map((w) => w.path), ["gateways"]);
    });
});

describe("nats: quorum and subject helpers", () => {
    it("natsQuorum", () => {
        assert.deepEqual([1, 2, 3, 4, 5].map((n) => natsQuorum(n).tolerates), [0, 0, 1, 1, 2]);
    });
    const overlap: [string, string, boolean][] = [
        ["message.>", "message.chat.*", true],
        ["message.>", "message", false],
        ["chorus.councils.forming", "chorus.councils.*.forming", false],
        ["chorus.councils.*.forming", "chorus.councils.abc.forming", true],
        ["a.*", "a.b.c", false],
        [">", "x.y", true],
    ];
    for (const [a, b, expected] of overlap) {
        it(`subjectsOverlap(${a}, ${b}) = ${expected}`, () => {
            assert.equal(subjectsOverlap(a, b), expected);
            assert.equal(subjectsOverlap(b, a), expected);
        });
    }
});
