/**
 * Rehearsal scenario 3 (issue 11 finding 6): the developer stack `local` — up, reset, up again —
 * with the reset's decisions made by scripts/local-reset.ts and its commands stood in by
 * engine-cli.ts. Plus the reset's refusals.
 */
import * as assert from "node:assert/strict";
import { planLocalReset, ResetRefused } from "../../scripts/local-reset";
import { changes, Platform } from "./engine";
import { exportStack, runCommand } from "./engine-cli";
import { assertOk, newPlatform } from "./flows";

async function reset(p: Platform, skip: (argv: string[]) => boolean = () => false): Promise<void> {
    const plan = planLocalReset("local", exportStack(p, "local"));
    for (const c of plan.commands) if (!skip(c)) runCommand(p, c);
}

describe("rehearsal 3: local — up, reset, up again", function () {
    this.timeout(600_000);
    let p: Platform;
    before(() => (p = newPlatform()));

    it("first preview and up succeed from empty", async () => {
        assertOk(await p.preview("local"));
        assertOk(await p.up("local"));
        assert.ok(p.worldOf("postgresql:index/database:Database").length > 0);
    });

    it("plain `pulumi destroy` refuses: stateful resources are protected", () => {
        assert.ok([...p.state("local").resources.values()].some((s) => s.protect));
        assert.throws(() => runCommand(p, ["pulumi", "destroy", "--yes", "--stack", "local"]), /protected/);
    });

    it("the reset plan unprotects, destroys, then removes exactly the stack's containers, volumes and networks", () => {
        const exported = exportStack(p, "local");
        const plan = planLocalReset("local", exported);
        assert.deepEqual(plan.commands.map((c) => c.slice(0, 3).join(" ")), ["pulumi state unprotect", "pulumi destroy --yes", "docker rm --force", "docker volume rm", "docker network rm"]);
        assert.equal(plan.protectedCount, exported.filter((r) => r.protect).length);
        assert.deepEqual(plan.volumes, p.worldOf("docker:index/volume:Volume").filter((v) => v.stack === "local").map((v) => v.serverName).sort());
        assert.ok(plan.volumes.includes("node1-postgres-data") && plan.volumes.includes("node1-neo4j-data") && plan.volumes.includes("node1-grafana-data"));
    });

    it("without removing the retained volumes, the next up collides (CREATE ROLE / CREATE DATABASE do not adopt)", async () => {
        const q = newPlatform();
        assertOk(await q.up("local"));
        await reset(q, (c) => c[0] === "docker" && c[1] === "volume");
        const r = await q.up("local");
        assert.equal(r.ok, false);
        assert.match(r.error!, /postgresql:index\/(role:Role|database:Database) '.+' already exists/);
    });

    it("after the reset nothing of the stack is left, and up succeeds again, from fresh volumes", async () => {
        await reset(p);
        assert.equal(p.state("local").resources.size, 0);
        assert.deepEqual([...p.world.values()].filter((o) => o.stack === "local").map((o) => `${o.type} ${o.serverName}`), []);
        assertOk(await p.preview("local"));
        const up = await p.up("local");
        assertOk(up);
        assert.ok(changes(up).every((c) => c.op === "create"));
        const second = await p.preview("local");
        assertOk(second);
        assert.deepEqual(changes(second).map((c) => `${c.op} ${c.name}`), []);
    });
});

describe("local reset: refusals (scripts/local-reset.ts)", () => {
    it("refuses every stack but local", () => {
        assert.throws(() => planLocalReset("node1", []), ResetRefused);
    });
    it("refuses a local stack whose Docker provider points at a remote engine", () => {
        assert.throws(() => planLocalReset("local", [{ urn: "u", type: "pulumi:providers:docker", inputs: { host: "ssh://root@203.0.113.10" } }]), /remote engine/);
    });
    it("refuses a stack holding Hetzner Cloud resources", () => {
        assert.throws(() => planLocalReset("local", [{ urn: "u", type: "hcloud:index/server:Server", outputs: { name: "node2" } }]), /Hetzner Cloud/);
    });
    it("skips unprotect when nothing is protected, and lists names once, sorted", () => {
        const plan = planLocalReset("local", [
            { urn: "a", type: "docker:index/volume:Volume", outputs: { name: "b-data" } },
            { urn: "b", type: "docker:index/volume:Volume", outputs: { name: "a-data" } },
            { urn: "c", type: "docker:index/volume:Volume", inputs: { name: "a-data" } },
        ]);
        assert.deepEqual(plan.commands, [
            ["pulumi", "destroy", "--yes", "--skip-preview", "--stack", "local"],
            ["docker", "volume", "rm", "--force", "a-data", "b-data"],
        ]);
    });
});
