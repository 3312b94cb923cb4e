/**
 * Every committed stack, rendered offline exactly as `npm run render` does: the shape of each
 * node's slice, the shared state owned by node1, and no secret leaking into a plain input.
 */
import { localDockerEndpoint, readDockerCliConfig } from "../../components/node/local-endpoint";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RenderResult } from "../../offline/render";
import { ConfigError } from "../../stacks/config";
import { leakedSecrets, summarize } from "../../offline/write";
import { DOCKER_STACKS as STACKS, renderEdited, renderedStack } from "../support/render";
import { namesOf, ofType, resource, TYPE } from "../support/resources";
import { REPO_ROOT as ROOT } from "../support/topology";

describe("committed stacks (offline render)", function () {
    this.timeout(300_000);
    const renders = new Map<string, RenderResult>();
    before(async () => {
        for (const stack of STACKS) renders.set(stack, await renderedStack(stack));
    });

    it("node1 (dedicated GEX44) creates no server; it owns the network, placement group and secrets", () => {
        const r = renders.get("node1")!;
        assert.deepEqual(namesOf(r, "hcloud:index/server:Server"), []);
        assert.deepEqual(namesOf(r, "hcloud:index/network:Network"), ["private-network"]);
        assert.deepEqual(namesOf(r, "hcloud:index/networkSubnet:NetworkSubnet"), ["private-cloud", "private-vswitch"]);
        const vswitch = resource(r, "hcloud:index/networkSubnet:NetworkSubnet", "private-vswitch");
        assert.equal(vswitch.inputs.type, "vswitch");
        assert.equal(vswitch.inputs.vswitchId, 40001);
        assert.deepEqual(namesOf(r, "hcloud:index/placementGroup:PlacementGroup"), ["private-spread"]);
        assert.deepEqual(namesOf(r, "pulumi:pulumi:StackReference"), []);
        const provider = resource(r, "pulumi:providers:docker", "node1-docker");
        assert.equal(provider.inputs.host, "ssh://root@203.0.113.10");
        assert.equal(r.outputs.sharedSecrets, "[secret]");
        // Credentials are not protected: they can be generated again, and protection would block
        // retiring the service that uses them (issue 11 finding 5).
        for (const p of ofType(r, "random:index/randomPassword:RandomPassword")) assert.equal(p.options.protect, undefined, p.name);
    });

    for (const node of ["node2", "node3"]) {
        it(`${node} (hcloud) has exactly one protected server, firewall, private IP and retained volume`, () => {
            const r = renders.get(node)!;
            assert.deepEqual(namesOf(r, "hcloud:index/server:Server"), [`${node}-server`]);
            assert.deepEqual(namesOf(r, "hcloud:index/firewall:Firewall"), [`${node}-firewall`]);
            assert.deepEqual(namesOf(r, "hcloud:index/volume:Volume"), [`${node}-data`]);
            assert.deepEqual(namesOf(r, "hcloud:index/network:Network"), [], "only the owner stack declares the network");
            assert.deepEqual(namesOf(r, "random:index/randomPassword:RandomPassword"), [], "secrets come from the owner stack");
            const ref = ofType(r, "pulumi:pulumi:StackReference");
            assert.deepEqual(ref.map((x) => x.inputs.name), ["organization/daarion/node1"]);
            const attachment = ofType(r, "hcloud:index/serverNetwork:ServerNetwork")[0]!;
            assert.equal(attachment.inputs.ip, node === "node2" ? "10.10.1.12" : "10.10.1.13");
            assert.equal(attachment.inputs.networkId, 4711);
            const server = ofType(r, "hcloud:index/server:Server")[0]!;
            assert.equal(server.inputs.placementGroupId, 4712);
            const rules = ofType(r, "hcloud:index/firewall:Firewall")[0]!.inputs.rules as Array<{ port?: string }>;
            // node2 is an ingress node in the committed topology, node3 is not.
            assert.equal(rules.some((x) => x.port === "443"), node === "node2");
        });
    }

    it("local runs every node on the local engine: no cloud resource, one shared network", () => {
        const r = renders.get("local")!;
        assert.deepEqual(r.resources.filter((x) => x.type.startsWith("hcloud:")), []);
        assert.deepEqual(namesOf(r, "daarion:node:Node"), ["node1", "node2", "node3"]);
        assert.deepEqual(namesOf(r, "docker:index/network:Network"), ["local-network"]);
        // No hard-wired socket: DOCKER_HOST / DOCKER_CONTEXT are left to the provider, the CLI's current
        // context is passed on (components/node/local-endpoint.ts).
        const expected = localDockerEndpoint(undefined, process.env, readDockerCliConfig(process.env));
        for (const p of ofType(r, "pulumi:providers:docker")) {
            assert.equal(p.inputs.host, undefined, p.name);
            assert.equal(p.inputs.context, expected.context, p.name);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: no secret placeholder reaches a non-secret input`, () => {
            assert.deepEqual(leakedSecrets(renders.get(stack)!), []);
        });
        it(`${stack}: every container has a memory limit, a healthcheck, and no privileged mode`, () => {
            for (const c of ofType(renders.get(stack)!, TYPE.container)) {
                assert.ok(typeof c.inputs.memory === "number" && c.inputs.memory > 0, `${c.name} memory`);
                assert.ok(c.inputs.healthcheck, `${c.name} healthcheck`);
                assert.notEqual(c.inputs.privileged, true, c.name);
            }
        });
    }

    it("summarizes resources per type and containers per node", () => {
        const s = summarize(renders.get("node2")!);
        assert.equal(s.resourcesByType["hcloud:index/server:Server"], 1);
    });

    it("an unknown node in the stack file fails the render and names the key", async () => {
        await assert.rejects(
            renderEdited("node2", (c) => (c["daarion:node"] = "node9")),
            (err: unknown) => err instanceof ConfigError && /Pulumi\.node2\.yaml: daarion:node: unknown node 'node9'/.test(err.message),
        );
    });

    it("a broken topology declares nothing", async () => {
        let caught: unknown;
        try {
            await renderEdited("node1", (c) => {
                // eslint-disable-next-line @typescript-eslint/no-explicit-any
                (c["daarion:topology"] as any).replication.redis.sentinels = ["node1", "node2"];
            });
        } catch (err) {
            caught = err;
        }
        assert.ok(caught instanceof ConfigError);
        assert.match(caught.message, /Pulumi\.yaml: daarion:topology\.replication\.redis\.sentinels: Sentinels on 2 distinct node/);
    });

    it("the CLI writes resources.json, files and topology.md, and exits non-zero on an unknown stack", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "daarion-render-"));
        const ok = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/render.ts"), "node1", "--out", out], { encoding: "utf8", cwd: ROOT });
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /stack node1: \d+ resources/);
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Array<{ type: string; name: string; parent: string | null; inputs: unknown }>;
        assert.ok(resources.every((r) => "type" in r && "name" in r && "parent" in r && "inputs" in r));
        assert.doesNotMatch(JSON.stringify(resources), /RENDERSECRET/, "secrets are masked in resources.json");
        assert.match(fs.readFileSync(path.join(out, "topology.md"), "utf8"), /```mermaid\nflowchart LR/);

        const bad = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/render.ts"), "node9", "--out", out], { encoding: "utf8", cwd: ROOT });
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /Pulumi\.node9\.yaml: no such stack file/);
        assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
        fs.rmSync(out, { recursive: true, force: true });
    });
});
