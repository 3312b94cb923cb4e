/**
 * The node agent in the offline render (Pulumi mocks) of every committed stack: one agent on every
 * node, its config accepted by the daemon's own parser, the bundle uploaded into the pinned Node
 * image with its hash as a (ForceNew) label, the /run/daarion volume shared with postgres, its own
 * NATS user in every core nats.conf, a scrape target per node, and the R3 failover bucket.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleAgent } from "../../components/agent/bundle";
import { parseAgentConfig } from "../../components/agent/config";
import { RenderResult, isSecretValue, reveal } from "../../offline/render";
import { labelsOf, placedFiles } from "../../offline/write";
import { renderedStacks } from "../support/render";
import { container, namesOf, ofType, placedFile, resource, TYPE } from "../support/resources";

const agentContainer = (r: RenderResult, node: string) => container(r, node, "agent");
const agentConfigOf = (r: RenderResult, node: string) => parseAgentConfig(JSON.parse(placedFile(r, node, "agent", "/etc/daarion-agent/config.json")));

describe("failover: the agent module in the offline render", function () {
    this.timeout(300_000);
    let results: Record<string, RenderResult> = {};
    before(async () => {
        results = await renderedStacks();
    });

    it("one daarion:agent:NodeAgent and one agent container on every node, in every stack", () => {
        for (const node of ["node1", "node2", "node3"]) {
            assert.deepEqual(namesOf(results[node]!, "daarion:agent:NodeAgent"), [`${node}-agent`]);
            agentContainer(results[node]!, node);
        }
        assert.equal(ofType(results.local!, "daarion:agent:NodeAgent").length, 3);
    });

    it("runs the bundle in the pinned node image, labelled with the bundle's sha256", () => {
        const bundle = bundleAgent();
        assert.equal(bundle.sha256, createHash("sha256").update(bundle.code).digest("hex"));
        for (const node of ["node1", "node2", "node3"]) {
            const c = agentContainer(results[node]!, node);
            assert.equal(labelsOf(c)["daarion.agent.bundle"], bundle.sha256);
            assert.deepEqual(c.inputs.command, ["node", "/opt/daarion-agent/agent.js", "--config", "/etc/daarion-agent/config.json"]);
            assert.equal(resource(results[node]!, TYPE.remoteImage, `${node}-agent-image`).inputs.name, "docker.io/library/node:20.20.2-bookworm-slim");
            assert.equal(placedFile(results[node]!, node, "agent", "/opt/daarion-agent/agent.js"), bundle.code);
        }
    });

    it("the bundle is a runnable Node program: it refuses a bad config with exit 2 and one line naming the key", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bundle-"));
        try {
            const js = path.join(dir, "agent.js");
            fs.writeFileSync(js, bundleAgent().code);
            const cfg = path.join(dir, "config.json");
            fs.writeFileSync(cfg, JSON.stringify({ node: "node1", listen: "127.0.0.1:9700", nats: { servers: ["nats://127.0.0.1:4222"], user: "u", passwordEnv: "P" }, timing: { ttlMs: 1000, loopMs: 500, retryTimeoutMs: 400 } }));
            const r = require("node:child_process").spawnSync(process.execPath, [js, "--config", cfg], { encoding: "utf8", timeout: 20_000 });
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /timing\.ttlMs: loopMs \+ 2\*retryTimeoutMs \(1300\) must be <= ttlMs \(1000\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("each node's config: core NATS servers (own first), its own user, peers, groups it is a member of", () => {
        const c1 = agentConfigOf(results.node1!, "node1");
        assert.equal(c1.listen, "0.0.0.0:9700");
        assert.deepEqual(c1.nats, { servers: ["nats://10.10.2.11:4222", "nats://10.10.1.12:4222", "nats://10.10.1.13:4222"], user: "node-agent", passwordEnv: "NATS_PASSWORD", bucket: "failover" });
        assert.deepEqual(c1.peers.map((p) => p.url), ["http://10.10.1.12:9700", "http://10.10.1.13:9700"]);
        assert.deepEqual(c1.groups.map((g) => [g.name, g.strategy, g.members.map((m) => `${m.node}:${m.priority}`)]), [
            ["postgres", "AbsoluteConsistency", ["node1:100", "node2:50"]],
            ["router", "SplitBrainAllowed", ["node1:100", "node2:50"]],
        ]);
        assert.equal(c1.groups[0]!.postgres?.stateDir, "/run/daarion");
        // node3 talks to its own CORE server (4222), not to its edge leaf (4223).
        const c3 = agentConfigOf(results.node3!, "node3");
        assert.equal(c3.nats.servers[0], "nats://10.10.1.13:4222");
        assert.deepEqual(c3.groups, []);
        assert.equal(c3.observe?.natsMonitorUrl, "http://10.10.1.13:8222");
        // Local engine: container names.
        assert.equal(agentConfigOf(results.local!, "node2").nats.servers[0], "nats://node2-nats:4222");
    });

    it("shares postgres's /run/daarion volume on PostgreSQL nodes only; passwords are secret env values", () => {
        for (const node of ["node1", "node2"]) {
            const vols = reveal(agentContainer(results[node]!, node).inputs.volumes) as { volumeName?: string; containerPath: string }[];
            assert.deepEqual(vols, [{ volumeName: `${node}-postgres-agent-state`, containerPath: "/run/daarion" }]);
            const pg = container(results[node]!, node, "postgres");
            assert.ok((reveal(pg.inputs.volumes) as { volumeName?: string; containerPath: string }[]).some((v) => v.volumeName === `${node}-postgres-agent-state` && v.containerPath === "/run/daarion"));
            assert.ok(ofType(results[node]!, TYPE.volume).some((x) => x.inputs.name === `${node}-postgres-agent-state`));
        }
        assert.deepEqual(reveal(agentContainer(results.node3!, "node3").inputs.volumes) ?? [], []);
        const envs = agentContainer(results.node1!, "node1").inputs.envs as unknown[];
        assert.ok(isSecretValue(envs) || envs.filter((e) => /PASSWORD|KEY/.test(JSON.stringify(e))).every(isSecretValue));
    });

    it("publishes 9700 on the private IP only and is a Prometheus target on every node", () => {
        const ports = reveal(agentContainer(results.node2!, "node2").inputs.ports) as { internal: number; ip: string }[];
        assert.deepEqual(ports.map((p) => [p.internal, p.ip]), [[9700, "10.10.1.12"]]);
        const prom = placedFiles(results.node1!).find((f) => f.workload === "prometheus" && f.path.endsWith("prometheus.yml"))!;
        for (const ip of ["10.10.2.11", "10.10.1.12", "10.10.1.13"]) assert.ok(prom.content.includes(`${ip}:9700`), `${ip}:9700 in prometheus.yml`);
    });

    it("the agent's NATS user is in every core server's nats.conf, limited to its bucket", () => {
        const confs = placedFiles(results.local!).filter((f) => f.workload.startsWith("nats") && f.path === "/etc/nats/nats.conf");
        assert.equal(confs.length, 4);
        for (const f of confs) {
            assert.match(f.content, /user: "node-agent", password: "[^"]*", permissions: \{ publish: \{ allow: \["\$KV\.failover\.>", "\$JS\.API\.STREAM\.MSG\.GET\.KV_failover"\] \}, subscribe: \{ allow: \["_INBOX\.>"\] \} \}/);
        }
    });
});
