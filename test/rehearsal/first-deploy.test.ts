/**
 * Rehearsal scenario 1 (issue 11): from empty, `preview` then `up` for node1, node2, node3 in the
 * documented order (deploy.yml); every step succeeds and a second pass plans no change. Also the
 * engine behaviours this depends on, each with a mutation that makes it fail.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { changes, Platform } from "./engine";
import { assertOk, deployAll, deployOrder, newPlatform } from "./flows";
import { rawTopology, REPO_ROOT as REPO } from "../support/topology";

describe("rehearsal 1: first deployment from empty, in deploy.yml's order", function () {
    this.timeout(600_000);
    let p: Platform;
    before(() => (p = newPlatform()));

    it("deploy.yml applies node1, node2, node3 one after another: the topology's node order (stacks/quorum.ts)", () => {
        assert.deepEqual(deployOrder(), Object.keys(rawTopology().nodes as Record<string, unknown>));
        assert.deepEqual(deployOrder(), ["node1", "node2", "node3"]);
    });

    it("every preview and up succeeds; each up creates what its preview planned", async () => {
        const steps = await deployAll(p);
        for (let i = 0; i < steps.length; i += 2) {
            const planned = changes(steps[i]!).map((c) => `${c.op} ${c.type} ${c.name}`).sort();
            assert.deepEqual(changes(steps[i + 1]!).map((c) => `${c.op} ${c.type} ${c.name}`).sort(), planned, steps[i]!.stack);
            assert.ok(planned.length > 0 && planned.every((c) => c.startsWith("create ")), steps[i]!.stack);
        }
    });

    it("node3's stack, which completes the 3-server JetStream core, owns the streams and KV buckets; node2's, which completes the Qdrant peers, the collections", () => {
        const owners = (prefix: string) => [...p.world.values()].filter((o) => o.type.startsWith(prefix)).map((o) => o.stack);
        assert.deepEqual([...new Set(owners("pulumi-nodejs:dynamic/nats:"))], ["node3"]);
        // 4 streams, 3 seed KV buckets and the agents' failover bucket.
        assert.equal(owners("pulumi-nodejs:dynamic/nats:").length, 8);
        const collections = [...p.world.values()].filter((o) => o.type === "pulumi-nodejs:dynamic/qdrant:Collection");
        assert.deepEqual(collections.map((c) => c.stack), ["node2", "node2"]);
        // Created with both peers running: no replica missing (QDRANT_PLACEMENT).
        const state = p.state("node2").resources;
        for (const [key, s] of state) if (key.startsWith("pulumi-nodejs:dynamic/qdrant:")) assert.equal(s.outputs.missingReplicas, 0, key);
    });

    it("a second pass (preview and up, every stack) plans no change", async () => {
        for (const stack of deployOrder()) {
            for (const r of [await p.preview(stack), await p.up(stack)]) {
                assertOk(r);
                assert.deepEqual(changes(r).map((c) => `${c.op} ${c.name} (${c.keys.join(", ")})`), [], `${r.mode} ${stack}`);
            }
        }
    });
});

describe("rehearsal engine: modelled behaviours (each breaks the flow when violated)", function () {
    this.timeout(600_000);

    it("JETSTREAM_QUORUM: streams declared on node1's first up (the old design) fail that up", async () => {
        // Mutation: node1 last in the topology's order, so node1 completes the core and declares the
        // streams, as in the old design; deploy.yml still applies node1 first.
        const p = newPlatform({
            editConfig: (_stack, config) => {
                const t = config["daarion:topology"] as { nodes: Record<string, unknown> };
                t.nodes = { node2: t.nodes.node2, node3: t.nodes.node3, node1: t.nodes.node1 };
            },
        });
        const r = await p.up("node1");
        assert.equal(r.ok, false);
        assert.match(r.error!, /jetstream cluster not available \(10008\): 1 of 3 meta-group servers run/);
    });

    it("OUTPUTS_OF_A_FAILED_UPDATE: node1's failed first up still exports the shared secrets, and node2 comes up (as on the real engine, test/engine/flows.test.ts)", async () => {
        const p = newPlatform({ failCreate: (type, name) => (type === "docker:index/container:Container" && !name.startsWith("node2") ? "injected: container failed to start" : undefined) });
        const r1 = await p.up("node1");
        assert.equal(r1.ok, false);
        assert.match(r1.error!, /injected: container failed to start/);
        assert.ok(p.state("node1").resources.size > 0, "what was created before the failure is kept in state");
        const shared = p.state("node1").outputs?.sharedSecrets as Record<string, string> | undefined;
        assert.ok(shared && Object.keys(shared).length > 0, `node1 exports no shared secrets: ${JSON.stringify(Object.keys(p.state("node1").outputs ?? {}))}`);
        assert.ok(p.state("node1").secretOutputs.includes("sharedSecrets"));
        const r2 = await p.up("node2");
        assert.equal(r2.ok, true, r2.error);
    });

    it("committed stack files carry no `secure:` placeholders: the CLI would fail decrypting them (issue 11 finding 8)", async () => {
        for (const stack of ["node1", "node2", "node3", "local"]) {
            const text = fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8");
            assert.doesNotMatch(text, /^\s*secure:/m, stack);
        }
        // The engine refuses one, as the CLI does: the mutation is caught.
        const dir = fs.mkdtempSync("/tmp/rehearsal-");
        fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.node3.yaml"), "config:\n  daarion:node: node3\n  daarion:secrets:\n    x:\n      secure: SET-WITH-pulumi-config-set-secret\n");
        const r = await new Platform({ projectDir: dir }).preview("node3");
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.ok, false);
        assert.match(r.error!, /failed to decrypt config daarion:secrets/);
    });
});
