/**
 * The `failover` block of the topology (issue 12): typed, validated, defaults documented; an
 * AbsoluteConsistency group is refused on a JetStream cluster of fewer than 3 servers, and the
 * error names the key and says what to add. Entry point: `loadConfig`, as the CLI and `pulumi up` use it.
 */
import * as assert from "node:assert/strict";
import { ConfigError, loadConfig, rawConfigOf } from "../../stacks/config";
import { committedConfig } from "../support/topology";

const T = "Pulumi.yaml: daarion:topology";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function committed(): { topology: Json; config: Record<string, unknown> } {
    const config = committedConfig("node2").config;
    return { topology: config["daarion:topology"], config };
}

/** Seed 000's original NATS layout: a 2-server core on node1+node2, node3 only an edge leaf. */
function seedTwoServerCore(t: Json): void {
    t.replication.nats.clusters[0].nodes = ["node1", "node2"];
    delete t.replication.nats.clusters[1].ports;
}

function errorsOf(mutate: (t: Json) => void): ConfigError["errors"] {
    const { topology, config } = committed();
    mutate(topology);
    try {
        loadConfig("node2", rawConfigOf(config));
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.errors;
    }
    return [];
}

describe("failover: topology validation", () => {
    it("accepts the committed topology: 3-server core, postgres AbsoluteConsistency, router SplitBrainAllowed, defaults applied", () => {
        const { config } = committed();
        const loaded = loadConfig("node2", rawConfigOf(config));
        const f = loaded.topology.failover!;
        assert.deepEqual(f.groups, { postgres: { strategy: "AbsoluteConsistency", maxLagBytes: 1048576 }, router: { strategy: "SplitBrainAllowed" } });
        assert.deepEqual(f.timing, { ttlMs: 10000, loopMs: 2000, retryTimeoutMs: 4000 });
        assert.equal(f.bucket, "failover");
        assert.equal(f.port, 9700);
        assert.deepEqual(loaded.topology.replication.nats.clusters[0]!.nodes, ["node1", "node2", "node3"]);
        // No quorum warning any more: the core has 3 servers.
        assert.equal(loaded.warnings.find((w) => w.path.endsWith("replication.nats.clusters[0].nodes")), undefined, JSON.stringify(loaded.warnings));
    });

    it("refuses AbsoluteConsistency on the default 2-server core of seed 000, naming the key and what to add", () => {
        const errors = errorsOf(seedTwoServerCore);
        const hit = errors.find((e) => e.location === `${T}.failover.groups.postgres.strategy`);
        assert.ok(hit, JSON.stringify(errors, null, 1));
        assert.match(hit.message, /AbsoluteConsistency keeps its lease in bucket 'failover' \(R3\) of NATS cluster 'core', which has 2 JetStream server\(s\)/);
        assert.match(hit.message, /add 1 node\(s\) to replication\.nats\.clusters\[0\]\.nodes \(e\.g\. node3; an edge node keeps its leaf on its own ports\)/);
        // Only the AbsoluteConsistency group is refused: the router may split.
        assert.equal(errors.filter((e) => e.location.includes("failover")).length, 1, JSON.stringify(errors));
    });

    it("accepts a SplitBrainAllowed-only failover block on the 2-server core (with the quorum warning)", () => {
        const { topology, config } = committed();
        seedTwoServerCore(topology);
        delete topology.failover.groups.postgres;
        const loaded = loadConfig("node2", rawConfigOf(config));
        assert.ok(loaded.warnings.some((w) => /no quorum after one loss/.test(w.message)));
    });

    const cases: { name: string; mutate: (t: Json) => void; location: string; message: RegExp }[] = [
        { name: "PostgreSQL allowed to split", mutate: (t) => (t.failover.groups.postgres.strategy = "SplitBrainAllowed"), location: `${T}.failover.groups.postgres.strategy`, message: /PostgreSQL must be AbsoluteConsistency/ },
        { name: "unknown strategy", mutate: (t) => (t.failover.groups.router.strategy = "Eventually"), location: `${T}.failover.groups.router.strategy`, message: /one of: AbsoluteConsistency, SplitBrainAllowed \(found "Eventually"\)/ },
        { name: "unknown group", mutate: (t) => (t.failover.groups.mongo = { strategy: "SplitBrainAllowed" }), location: `${T}.failover.groups.mongo`, message: /unknown failover group 'mongo'/ },
        { name: "service group without a standby", mutate: (t) => (t.failover.groups.gateway = { strategy: "SplitBrainAllowed" }), location: `${T}.failover.groups.gateway`, message: /needs an active and a standby node in services\.gateway\.placement/ },
        { name: "lag bound on a group without replication", mutate: (t) => (t.failover.groups.router.maxLagBytes = 10), location: `${T}.failover.groups.router.maxLagBytes`, message: /only the postgres group/ },
        { name: "negative lag bound", mutate: (t) => (t.failover.groups.postgres.maxLagBytes = -1), location: `${T}.failover.groups.postgres.maxLagBytes`, message: /-1/ },
        { name: "Patroni's timing rule broken", mutate: (t) => (t.failover.timing = { ttlMs: 5000, loopMs: 2000, retryTimeoutMs: 2000 }), location: `${T}.failover.timing.ttlMs`, message: /loopMs \+ 2\*retryTimeoutMs \(6000\) must be <= ttlMs \(5000\)/ },
        { name: "PostgreSQL without a replica", mutate: (t) => (t.replication.postgresql.replicas = []), location: `${T}.failover.groups.postgres`, message: /no replica to fail over to/ },
        {
            name: "edge leaf and core server on one node sharing ports",
            mutate: (t) => delete t.replication.nats.clusters[1].ports,
            location: `${T}.replication.nats.clusters[1].ports.client`,
            message: /node 'node3' runs servers of clusters 'core' and 'edge', both on client port 4222: give cluster 'edge' its own ports/,
        },
        { name: "a node in two full clusters", mutate: (t) => t.replication.nats.clusters.push({ name: "dr", nodes: ["node1"] }), location: `${T}.replication.nats.clusters[2].nodes[0]`, message: /already a member of full NATS cluster 'core'/ },
    ];
    for (const c of cases) {
        it(`rejects: ${c.name}`, () => {
            const errors = errorsOf(c.mutate);
            const hit = errors.find((e) => e.location === c.location);
            assert.ok(hit, `no error at ${c.location}; got ${JSON.stringify(errors, null, 1)}`);
            assert.match(hit.message, c.message);
        });
    }
});
