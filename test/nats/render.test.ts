/**
 * Table-driven renderer tests. Every rendered config also goes through Debian's `nats-server -t`
 * (which rejects syntax errors and unknown keys; it does not start JetStream or connect peers,
 * which the real-server suites do).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { natsClientUrls, natsCoreDomain, natsUrl, renderNatsServerConfig } from "../../components/nats/render";
import { natsSubjectRouting } from "../../components/nats/subjects";
import { NatsSuperclusterSpec } from "../../components/nats/types";
import { makeTempDir, requireBinary } from "../support/process";
import { NODE_IPS, PASSWORDS, loopbackTopology } from "./fixtures";
import { checkNatsConfig } from "./harness";

const seed = loopbackTopology(["node1", "node2"]);
const core3 = loopbackTopology(["node1", "node2", "node4"]);
/** Two full clusters joined by gateways (JetStream in core only) plus the edge leaf, with TLS. */
const withGateways: NatsSuperclusterSpec = {
    ...seed,
    clusters: [
        ...seed.clusters,
        { name: "dr", servers: [{ name: "dr-node4", node: "node4", host: NODE_IPS.node4 }, { name: "dr-node5", node: "node5", host: NODE_IPS.node5 }] },
    ],
    tls: { certFile: "/etc/nats/tls/server.pem", keyFile: "/etc/nats/tls/server-key.pem", caFile: "/etc/nats/tls/ca.pem" },
};

function serverNames(spec: NatsSuperclusterSpec): string[] {
    return spec.clusters.flatMap((c) => c.servers.map((s) => s.name));
}

/** Text of a top-level block `name { ... }` (balanced braces). */
function block(conf: string, name: string): string | undefined {
    const start = conf.search(new RegExp(`^${name} \\{$`, "m"));
    if (start < 0) return undefined;
    let depth = 0;
    for (let i = conf.indexOf("{", start); i < conf.length; i++) {
        if (conf[i] === "{") depth++;
        if (conf[i] === "}" && --depth === 0) return conf.slice(start, i + 1);
    }
    throw new Error(`unbalanced block ${name}`);
}

describe("nats: renderNatsServerConfig", () => {
    const rows: { title: string; spec: NatsSuperclusterSpec; server: string; has: RegExp[]; hasNot: RegExp[] }[] = [
        {
            title: "core server: unique name, explicit route to the other member only, leaf listener, domain core",
            spec: seed,
            server: "core-node1",
            has: [/^server_name: "core-node1"$/m, /routes: \["nats-route:\/\/route:route-pass-0007-%23hash@127\.0\.1\.12:6222"\]/, /^leafnodes \{$/m, /domain: "core"/, /^http: "127\.0\.1\.11:8222"$/m, /jetstream: enabled/],
            hasNot: [/127\.0\.1\.11:6222"\]/, /^gateway \{/m, /remotes:/, /no_auth_user/],
        },
        {
            title: "3-server core: routes to both other members",
            spec: core3,
            server: "core-node4",
            has: [/routes: \["nats-route:\/\/[^"]+@127\.0\.1\.11:6222", "nats-route:\/\/[^"]+@127\.0\.1\.12:6222"\]/],
            hasNot: [/@127\.0\.1\.14:6222/],
        },
        {
            title: "edge server: leaf remote listing every core server, APP account, edge+node-local denies, own domain, no cluster block",
            spec: core3,
            server: "edge-node3",
            has: [
                /urls: \["nats-leaf:\/\/leaf:[^"]+@127\.0\.1\.11:7422", "nats-leaf:\/\/leaf:[^"]+@127\.0\.1\.12:7422", "nats-leaf:\/\/leaf:[^"]+@127\.0\.1\.14:7422"\]/,
                /account: "APP"/,
                /deny_imports: \["cache\.invalidate\.>", "node\.\*\.local\.>"\]/,
                /deny_exports: \["cache\.invalidate\.>", "node\.\*\.local\.>"\]/,
                /domain: "edge"/,
            ],
            hasNot: [/^cluster \{/m, /^\s+account: "SYS"/m, /listen: "127\.0\.1\.13:7422"/],
        },
        {
            title: "gateway named exactly like its cluster (nats-io/k8s#567), listing the other full cluster only; TLS on every link",
            spec: withGateways,
            server: "dr-node4",
            has: [/^gateway \{\n {2}name: "dr"$/m, /\{ name: "core", urls: \["nats:\/\/gateway:[^"]+@127\.0\.1\.11:7222", "nats:\/\/gateway:[^"]+@127\.0\.1\.12:7222"\] \}/, /cert_file: "\/etc\/nats\/tls\/server\.pem"/],
            hasNot: [/\{ name: "dr", urls/, /^leafnodes \{/m],
        },
        {
            title: "leaf clusters take no part in gateways",
            spec: withGateways,
            server: "edge-node3",
            has: [/remotes: \[/, /tls \{\n\s+cert_file/],
            hasNot: [/^gateway \{/m],
        },
    ];
    for (const row of rows) {
        it(row.title, () => {
            const conf = renderNatsServerConfig(row.spec, row.server);
            for (const re of row.has) assert.match(conf, re);
            for (const re of row.hasNot) assert.doesNotMatch(conf, re);
        });
    }

    it("every server of every topology gets a distinct server_name", () => {
        for (const spec of [seed, core3, withGateways]) {
            const names = serverNames(spec).map((n) => /^server_name: "(.*)"$/m.exec(renderNatsServerConfig(spec, n))![1]);
            assert.deepEqual(names, serverNames(spec));
            assert.equal(new Set(names).size, names.length);
        }
    });

    it("TLS blocks verify peers on routes, gateways and the leaf listener", () => {
        const conf = renderNatsServerConfig(withGateways, "core-node1");
        for (const name of ["cluster", "gateway", "leafnodes"]) {
            assert.match(block(conf, name)!, /tls \{[^}]*verify: true[^}]*\}/, name);
        }
    });

    it("container bind: listens on 0.0.0.0, advertises the private IP everywhere", () => {
        const spec: NatsSuperclusterSpec = {
            ...seed,
            clusters: seed.clusters.map((c) => ({ ...c, servers: c.servers.map((s) => ({ ...s, host: s.host.replace("127.0.1.", "10.0.0."), bind: "0.0.0.0" })) })),
        };
        const conf = renderNatsServerConfig(spec, "core-node1");
        assert.match(conf, /^listen: "0\.0\.0\.0:4222"$/m);
        assert.match(conf, /^client_advertise: "10\.0\.0\.11:4222"$/m);
        assert.match(block(conf, "cluster")!, /advertise: "10\.0\.0\.11:6222"/);
        assert.match(block(conf, "leafnodes")!, /advertise: "10\.0\.0\.11:7422"/);
        assert.match(conf, /@10\.0\.0\.12:6222/);
    });

    it("paths substitute only the store dir and TLS files", () => {
        const a = renderNatsServerConfig(withGateways, "core-node2");
        const b = renderNatsServerConfig(withGateways, "core-node2", { storeDir: "/tmp/x", tls: { certFile: "/t/c", keyFile: "/t/k", caFile: "/t/ca" } });
        const normalize = (s: string) => s.replace(/store_dir: .*/, "").replace(/(cert|key|ca)_file: .*/g, "");
        assert.equal(normalize(a), normalize(b));
        assert.match(b, /store_dir: "\/tmp\/x"/);
        assert.match(renderNatsServerConfig(seed, "core-node1"), /store_dir: "\/data\/jetstream"/);
    });

    it("quotes passwords so quotes, backslashes and $ survive (percent-encoded inside URLs)", () => {
        const conf = renderNatsServerConfig(seed, "edge-node3");
        assert.ok(conf.includes(JSON.stringify(PASSWORDS.system)));
        assert.ok(conf.includes(`leaf:${encodeURIComponent(PASSWORDS.leafnode)}@`));
        assert.ok(conf.includes(`"${PASSWORDS.whoosh}"`), "$ stays literal inside quotes");
    });

    it("rejects unknown servers and malformed sizes", () => {
        assert.throws(() => renderNatsServerConfig(seed, "core-node9"), /not in the topology/);
        const bad: NatsSuperclusterSpec = { ...seed, clusters: [{ ...seed.clusters[0], jetstream: { domain: "core", maxMemory: "lots", maxFile: "1G" } }] };
        assert.throws(() => renderNatsServerConfig(bad, "core-node1"), /invalid NATS size 'lots'/);
    });

    describe("nats-server -t accepts every rendered config", () => {
        const binary = requireBinary("nats-server");
        const dir = makeTempDir("nats-render");
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const specs: [string, NatsSuperclusterSpec][] = [["seed000", seed], ["core3", core3], ["gateways+tls", withGateways]];
        for (const [title, spec] of specs) {
            it(title, function () {
                // nats-server -t loads the TLS files, so point them at a throwaway self-signed pair.
                const tls = spec.tls ? selfSigned(dir) : undefined;
                for (const name of serverNames(spec)) {
                    const file = path.join(dir, `${title}-${name}.conf`);
                    fs.writeFileSync(file, renderNatsServerConfig(spec, name, { storeDir: path.join(dir, name), tls }));
                    checkNatsConfig(binary, file);
                }
            });
        }
    });
});

describe("nats: client URL helpers", () => {
    it("NATS_URL puts the node's own server first, then its cluster peers", () => {
        assert.equal(natsUrl(seed, "node1"), "nats://127.0.1.11:4222,nats://127.0.1.12:4222");
        assert.equal(natsUrl(seed, "node2"), "nats://127.0.1.12:4222,nats://127.0.1.11:4222");
        assert.equal(natsUrl(seed, "node3"), "nats://127.0.1.13:4222");
        assert.deepEqual(natsClientUrls(seed, "node9"), ["nats://127.0.1.11:4222", "nats://127.0.1.12:4222"], "a node without NATS uses the core");
    });
    it("embeds percent-encoded credentials when given", () => {
        assert.equal(natsUrl(seed, "node3", { user: "whoosh", password: "a@b:c/d" }), "nats://whoosh:a%40b%3Ac%2Fd@127.0.1.13:4222");
    });
    it("core domain is the first full JetStream cluster's", () => {
        assert.equal(natsCoreDomain(seed), "core");
    });
});

describe("nats: subject routing (seed 000/001/002)", () => {
    const cases: [string, NatsSuperclusterSpec, number][] = [["2-server core", seed, 2], ["3-server core", core3, 3], ["1-server core", loopbackTopology(["node1"]), 1], ["5-server core", loopbackTopology(["node1", "node2", "node4", "node5", "node3"], []), 3]];
    for (const [title, spec, r] of cases) {
        it(`${title}: every stream and bucket has R = ${r}`, () => {
            const routing = natsSubjectRouting(spec);
            assert.deepEqual([...new Set([...routing.streams, ...routing.keyValues].map((a) => a.replicas))], [r]);
        });
    }
    it("captures the core subjects, the CHORUS council subjects and the seed 002 buckets in the core domain", () => {
        const routing = natsSubjectRouting(seed);
        assert.deepEqual(
            routing.streams.map((s) => [s.name, s.subjects]),
            [
                ["MESSAGES", ["message.>"]],
                ["ATTACHMENTS", ["attachment.>"]],
                ["AGENT_RUNS", ["agent.run.>"]],
                ["CHORUS_COUNCILS", ["chorus.councils.forming", "chorus.councils.*.forming", "chorus.councils.*.status"]],
            ],
        );
        assert.deepEqual(routing.keyValues.map((k) => [k.bucket, k.ttlSeconds]), [["leases", 30], ["leaders", 15], ["topology", 0]]);
        assert.ok([...routing.streams, ...routing.keyValues].every((a) => a.domain === "core"));
        assert.deepEqual(routing.nodeLocal, { node1: "node.node1.local.>", node2: "node.node2.local.>", node3: "node.node3.local.>" });
        assert.deepEqual(routing.edgeLocal, { edge: ["cache.invalidate.>"] });
    });
});

function selfSigned(dir: string): { certFile: string; keyFile: string; caFile: string } {
    const certFile = path.join(dir, "cert.pem");
    const keyFile = path.join(dir, "key.pem");
    if (!fs.existsSync(certFile)) {
        const openssl = requireBinary("openssl");
        require("node:child_process").execFileSync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=nats-test", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
    }
    return { certFile, keyFile, caFile: certFile };
}
