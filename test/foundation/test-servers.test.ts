/**
 * The first step of `npm test` (scripts/test-servers.ts): which Debian packages are missing, and
 * which commands install them or which command the user must run. No apt-get is run here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Host, missingRequirements, planInstall, REQUIREMENTS } from "../../scripts/test-servers";

const ROOT = path.resolve(__dirname, "../..");
const root: Host = { isRoot: true, hasSudo: false, hasAptGet: true, hasPolicyRcD: false };
const only = (...absent: string[]) => (name: string) => !absent.includes(name);

describe("npm test: Debian servers prerequisite", () => {
    it("finds nothing missing when every binary exists, and then runs nothing", () => {
        assert.deepEqual(missingRequirements(REQUIREMENTS, () => true), []);
        assert.deepEqual(planInstall([], root), { action: "none" });
        assert.deepEqual(planInstall([], { ...root, hasAptGet: false }), { action: "none" }, "nothing to install needs no apt-get");
    });

    it("maps missing binaries to their packages, each with a reason", () => {
        const missing = missingRequirements(REQUIREMENTS, only("redis-server", "amtool", "postgres"));
        assert.deepEqual(missing.map((r) => r.pkg), ["postgresql", "redis-server", "prometheus-alertmanager"]);
        for (const r of missing) assert.match(r.why, /test\//, `${r.pkg} says which tests need it`);
    });

    it("as root: policy-rc.d first, then apt-get update and one non-interactive install", () => {
        const plan = planInstall(missingRequirements(REQUIREMENTS, only("redis-server", "redis-sentinel")), root);
        assert.equal(plan.action, "install");
        assert.ok(plan.action === "install");
        assert.equal(plan.commands.length, 3);
        assert.deepEqual(plan.commands[0]!.slice(0, 2), ["sh", "-c"]);
        assert.match(plan.commands[0]![2]!, /exit 101.*> \/usr\/sbin\/policy-rc\.d/);
        assert.deepEqual(plan.commands[1], ["apt-get", "update"]);
        assert.deepEqual(plan.commands[2], ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "redis-server", "redis-sentinel"]);
    });

    it("keeps an existing policy-rc.d and goes through sudo when not root", () => {
        const plan = planInstall(missingRequirements(REQUIREMENTS, only("haproxy")), { isRoot: false, hasSudo: true, hasAptGet: true, hasPolicyRcD: true });
        assert.ok(plan.action === "install");
        assert.deepEqual(plan.commands, [
            ["sudo", "apt-get", "update"],
            ["sudo", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "haproxy"],
        ]);
    });

    it("installs a package once even when several of its binaries are missing", () => {
        const plan = planInstall(missingRequirements(REQUIREMENTS, only("prometheus", "promtool")), root);
        assert.ok(plan.action === "install");
        assert.equal(plan.commands[2]!.filter((w) => w === "prometheus").length, 1);
    });

    it("stops with the exact command when not root and sudo needs a password", () => {
        const plan = planInstall(missingRequirements(REQUIREMENTS, only("nats-server", "nginx")), { isRoot: false, hasSudo: false, hasAptGet: true, hasPolicyRcD: false });
        assert.ok(plan.action === "stop");
        assert.match(plan.reason, /not root/);
        assert.equal(plan.command, "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nats-server nginx-light");
    });

    it("stops and names the packages when there is no apt-get, even as root", () => {
        const plan = planInstall(missingRequirements(REQUIREMENTS, only("shellcheck")), { ...root, hasAptGet: false });
        assert.ok(plan.action === "stop");
        assert.match(plan.reason, /apt-get is not available/);
        assert.match(plan.command, /shellcheck/);
    });

    it("covers every binary the tests ask requireBinary for", () => {
        // Every literal requireBinary call with a literal name in test/ must be provided by some requirement, so a
        // new real-server test cannot silently depend on a package this step does not install.
        const provided = new Set(REQUIREMENTS.flatMap((r) => r.provides));
        const asked = new Set<string>();
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(file);
                else if (file.endsWith(".ts")) for (const m of fs.readFileSync(file, "utf8").matchAll(/requireBinary\("([^"]+)"/g)) asked.add(m[1]!);
            }
        };
        walk(path.join(ROOT, "test"));
        assert.ok(asked.size >= 10, `found ${asked.size} binaries`);
        // bash is part of every Debian base system (Essential: yes).
        const notProvided = [...asked].filter((b) => !provided.has(b) && b !== "bash");
        assert.deepEqual(notProvided, []);
    });

    it("is the first step of the README's test command, and .ci/run calls that command", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.match(pkg.scripts.test!, /^tsx scripts\/test-servers\.ts && /);
        const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
        assert.match(ci, /^npm test 2>&1/m);
        assert.doesNotMatch(ci, /apt-get install/, "CI installs through npm test, like a newcomer");
    });
});
