// The documented deploy flow on the real engine with the stand-in plugins (issue 15 item 3, the
// engine run of issue 11's rehearsal): from empty, preview then up for each stack in deploy.yml's
// order, a second up plans no change, node2/node3 read node1 through StackReferences on the same
// file backend, secrets stay ciphertext in the state file, the policy pack passes every stack, and
// PR-style previews on the deployed stacks neither fail nor replace/delete a protected resource.
//
// Needs every provider the program uses as a stand-in on PATH (test/engine/bin, branch "standins");
// a missing one fails the `before` hook with its name, as a missing server would.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { parse as parseYaml } from "yaml";
import { ContainerRunner } from "./containers";
import { planLocalReset } from "../../scripts/local-reset";
import {
    deployOrder,
    EngineProject,
    POLICY_PACK,
    projectProgram,
    runDrift,
    runScript,
    setProgramSecrets,
    stackFile,
    step,
    StepCollector,
} from "./harness";
import { ROOT, STANDIN_BIN } from "./support";
import { PR_CHANGES, Topology } from "../rehearsal/pr-changes";
import { LOCAL_QDRANT_ADMIN_PORT } from "../../components/qdrant/module";
import { NATS_ADMIN_USER, NATS_SECRET_NAMES } from "../../components/nats/workload";
import { APP_SECRET_NAMES } from "../../components/apps/wiring";

/**
 * Each node's servers bind its own loopback address (ARCHITECTURE.md "Test layers"). Not the
 * 127.0.1.11-13 of the real-server suites: those run agents, PostgreSQL and NATS on the same
 * default ports, and on a shared machine a second suite's server took 127.0.1.13:8222 (measured),
 * so this suite has addresses of its own and runs beside them.
 */
const LOOPBACK: Record<string, string> = { node1: "127.0.15.11", node2: "127.0.15.12", node3: "127.0.15.13" };
const NATS_STREAM = "pulumi-nodejs:dynamic/nats:Stream";
const NATS_KV = "pulumi-nodejs:dynamic/nats:KeyValue";
const QDRANT_COLLECTION = "pulumi-nodejs:dynamic/qdrant:Collection";

function committedTopology(): { nodes: Record<string, { privateIp: string }>; replication: { nats: { clusters: { name: string; leafnodeTo?: string; jetstream?: { domain: string } }[] } } } {
    return (parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { value: never }> }).config["daarion:topology"]!.value;
}

/** What the servers hold: JetStream streams (KV buckets are their `KV_<bucket>` streams) and replicas. */
async function jetStreamAssets(servers: string[], password: string, domain: string): Promise<{ streams: Record<string, number>; buckets: Record<string, number> }> {
    const nc = await connect({ servers, user: NATS_ADMIN_USER, pass: password, timeout: 10_000 });
    try {
        const jsm = await jetstreamManager(nc, { domain });
        const streams: Record<string, number> = {};
        const buckets: Record<string, number> = {};
        for await (const si of jsm.streams.list()) {
            if (si.config.name.startsWith("KV_")) buckets[si.config.name.slice(3)] = si.config.num_replicas;
            else streams[si.config.name] = si.config.num_replicas;
        }
        return { streams, buckets };
    } finally {
        await nc.close();
    }
}

/** The dynamic objects the engine kept in a stack's state, by kind, with their declared replicas. */
function declaredAssets(resources: readonly { type: string; outputs?: Record<string, unknown> }[]): { streams: Record<string, number>; buckets: Record<string, number>; collections: string[] } {
    const of = (type: string, key: string) => Object.fromEntries(resources.filter((r) => r.type === type).map((r) => [String(r.outputs?.[key]), Number(r.outputs?.replicas)]));
    return {
        streams: of(NATS_STREAM, "name"),
        buckets: of(NATS_KV, "bucket"),
        collections: resources.filter((r) => r.type === QDRANT_COLLECTION).map((r) => String(r.outputs?.name)).sort(),
    };
}

/** Provider packages the program imports; each needs `pulumi-resource-<name>` (package.json dependencies). */
function providerPackages(): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    return Object.keys(pkg.dependencies)
        .filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi")
        .map((d) => d.slice("@pulumi/".length))
        .filter((name) => usedByProgram(name));
}

function usedByProgram(name: string): boolean {
    const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
    const files = ["components", "stacks"].flatMap((d) => walk(path.join(ROOT, d)));
    return files.some((f) => fs.readFileSync(f, "utf8").includes(`from "@pulumi/${name}"`));
}

describe("real engine: deploy flow from empty, in deploy.yml's order", function () {
    this.timeout(1_800_000);
    const timings: string[] = [];
    let project: EngineProject;
    const stacks = new Map<string, Stack>();
    const setSecrets = new Map<string, string[]>();

    async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
        const started = Date.now();
        try {
            return await step(label, f);
        } finally {
            timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
    }

    /** The stack with every secret the program asks for set, as the README has the operator do. */
    async function prepared(name: string): Promise<Stack> {
        const stack = await project.stack(name, projectProgram(), { stackFile: stackFile(name) });
        setSecrets.set(name, await setProgramSecrets(project, stack, name));
        stacks.set(name, stack);
        return stack;
    }

    let runner: ContainerRunner;
    before(async () => {
        const missing = providerPackages().filter((name) => !fs.existsSync(path.join(STANDIN_BIN, `pulumi-resource-${name}`)));
        assert.deepEqual(missing, [], `stand-in plugins missing from ${STANDIN_BIN} (branch "standins"): ${missing.map((n) => `pulumi-resource-${n}`).join(", ")}`);
        const topology = committedTopology();
        const core = topology.replication.nats.clusters.find((c) => c.leafnodeTo === undefined && c.jetstream !== undefined);
        assert.ok(core, "Pulumi.yaml declares no JetStream core cluster");
        runner = new ContainerRunner(
            { privateIps: Object.fromEntries(Object.entries(topology.nodes).map(([n, v]) => [n, v.privateIp])), coreCluster: core.name },
            LOOPBACK,
            { nodes: 0, local: LOCAL_QDRANT_ADMIN_PORT },
        );
        await runner.start();
        project = await EngineProject.create("flows");
        // The stand-ins tell the runner what each container would run (test/engine/containers.ts).
        project.env.DAARION_STANDIN_HOOK = runner.hookUrl;
        project.useAdminEndpoints({ nats: runner.natsAdminServers(), qdrant: new URL(runner.double("node2").url).host });
    });
    after(async () => {
        console.log(`      timings:\n${timings.map((t) => `        ${t}`).join("\n")}`);
        console.log(`      containers run:\n${runner?.events.filter((e) => e.started).map((e) => `        ${e.stack}/${e.container}: ${e.started}`).join("\n")}`);
        await runner?.stop();
        project?.dispose();
    });

    /** The stack that generated the shared secrets `name` uses (node1 for the node stacks). */
    const ownerOf = (name: string): string => (name === "local" ? "local" : "node1");

    /** The stack's streams, buckets and collections exist on the servers, exactly as the state has them. */
    async function assertAssetsOnServers(name: string): Promise<{ streams: number; buckets: number; collections: number }> {
        const state = await project.exportState(name);
        const declared = declaredAssets(state.deployment.resources ?? []);
        const owner = await stacks.get(ownerOf(name))!.outputs();
        const secrets = owner.sharedSecrets?.value as Record<string, string>;
        assert.ok(owner.sharedSecrets?.secret, `${ownerOf(name)}: sharedSecrets is not a secret output`);
        if (Object.keys(declared.streams).length + Object.keys(declared.buckets).length > 0) {
            const live = await jetStreamAssets(runner.natsAdminServers(), secrets[NATS_SECRET_NAMES.user(NATS_ADMIN_USER)]!, "core");
            assert.deepEqual(live, { streams: declared.streams, buckets: declared.buckets }, `${name}: JetStream on the servers differs from the state`);
        }
        if (declared.collections.length > 0) {
            const double = runner.double(name);
            const key = secrets[APP_SECRET_NAMES.qdrantApiKey]!;
            for (const c of declared.collections) {
                const res = await fetch(`${double.url}/collections/${encodeURIComponent(c)}`, { headers: { "api-key": key } });
                assert.equal(res.status, 200, `${name}: collection ${c} is not on the Qdrant endpoint`);
            }
            assert.deepEqual([...double.collections.keys()].sort(), declared.collections, `${name}: collections on the endpoint differ from the state`);
        }
        return { streams: Object.keys(declared.streams).length, buckets: Object.keys(declared.buckets).length, collections: declared.collections.length };
    }

    /** Preview, up from empty, up --expect-no-changes; returns the number of resources created. */
    async function deployFromEmpty(name: string): Promise<number> {
        const stack = await prepared(name);
        const preview = new StepCollector();
        const pre = await timed(`${name} preview`, () => stack.preview({ onEvent: preview.onEvent }));
        assert.ok((pre.changeSummary.create ?? 0) > 1, `${name}: preview planned no creates: ${JSON.stringify(pre.changeSummary)}`);
        assert.deepEqual(Object.keys(pre.changeSummary).filter((k) => k !== "create"), [], `${name}: ${JSON.stringify(pre.changeSummary)}`);

        const up = await timed(`${name} up`, () => stack.up()).catch((e: Error) => {
            throw new Error(`${e.message}\n${runner.logs().slice(-4000)}`);
        });
        assert.equal(up.summary.result, "succeeded");
        assert.deepEqual(Object.keys(up.summary.resourceChanges ?? {}), ["create"], `${name}: ${JSON.stringify(up.summary.resourceChanges)}`);
        assert.equal(up.summary.resourceChanges?.create, pre.changeSummary.create, `${name}: up created a different number of resources than preview planned`);
        // Default providers (`pulumi:providers:<pkg>::default_<version>`) and the StackReference (a
        // read, not a create) are in the state but not among the summary's creates.
        const created = ((await project.exportState(name)).deployment.resources ?? []).filter(
            (r) => r.type !== "pulumi:pulumi:StackReference" && !/^pulumi:providers:.*::default(_[0-9_]+)?$/.test(r.urn.replace(/^.*?::.*?::/, "")),
        );
        assert.equal(created.length, pre.changeSummary.create, `${name}: the state holds ${created.length} created resources, the preview planned ${pre.changeSummary.create}`);

        const again = await timed(`${name} up --expect-no-changes`, () => stack.up({ expectNoChanges: true }));
        assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], `${name}: ${JSON.stringify(again.summary.resourceChanges)}`);
        return up.summary.resourceChanges!.create!;
    }

    const order = deployOrder();
    it("deploy.yml's order is node1, node2, node3", () => {
        assert.deepEqual(order, ["node1", "node2", "node3"]);
    });

    // Which stack declares the JetStream and Qdrant objects (stacks/quorum.ts): the one completing
    // their members, node3 for the 3-server core, node2 for the Qdrant peers node1+node2; `local` all.
    const DECLARES: Record<string, { streams: boolean; collections: boolean }> = {
        node1: { streams: false, collections: false },
        node2: { streams: false, collections: true },
        node3: { streams: true, collections: false },
        local: { streams: true, collections: true },
    };
    for (const name of [...order, "local"]) {
        it(`${name}: preview then up from empty creates everything (servers running on loopback), a second up plans no change`, async () => {
            await deployFromEmpty(name);
            const found = await assertAssetsOnServers(name);
            const declares = DECLARES[name]!;
            assert.equal(found.streams > 0 && found.buckets > 0, declares.streams, `${name}: streams/buckets ${JSON.stringify(found)}`);
            assert.equal(found.collections > 0, declares.collections, `${name}: collections ${JSON.stringify(found)}`);
        });
    }

    it("node2 and node3 read node1 through StackReferences on the backend", async () => {
        for (const name of ["node2", "node3"]) {
            const state = await project.exportState(name);
            const refs = (state.deployment.resources ?? []).filter((r) => r.type === "pulumi:pulumi:StackReference");
            assert.ok(refs.length > 0, `${name}: no StackReference in the state`);
            for (const ref of refs) assert.equal(ref.inputs?.name, "organization/daarion/node1", ref.urn);
        }
        const node1 = await stacks.get("node1")!.outputs();
        assert.ok(Object.values(node1).some((o) => o.secret), "node1 exports no secret output for node2/node3");
    });

    it("secrets stay ciphertext in every state file", async () => {
        for (const name of [...order, "local"]) {
            const text = project.stateFile(name);
            const outputs = await stacks.get(name)!.outputs();
            const secretValues = Object.values(outputs)
                .filter((o) => o.secret)
                .flatMap((o) => (typeof o.value === "string" ? [o.value] : Object.values(o.value ?? {}).filter((v): v is string => typeof v === "string")))
                .filter((v) => v.length >= 8);
            for (const v of [...secretValues, ...(setSecrets.get(name) ?? [])]) {
                assert.ok(!text.includes(v) && !text.includes(JSON.stringify(v).slice(1, -1)), `${name}: a secret is in the state file in clear: ${v.slice(0, 12)}…`);
            }
            assert.equal(JSON.parse(text).checkpoint.latest.secrets_providers.type, "passphrase");
        }
    });

    it("drift: after the docker stand-in reports a changed property, `npm run drift` names exactly that container and exits 1", async () => {
        const state = await project.exportState("node2");
        const container = (state.deployment.resources ?? []).find((r) => r.type === "docker:index/container:Container");
        assert.ok(container, "node2 has no container");
        assert.ok(container.outputs && "restart" in container.outputs, `${container.urn} has no restart output`);
        const changed = container.outputs.restart === "no" ? "always" : "no";
        // The stand-ins' drift hook (test/engine/standins/README.md "Drift"): `read` reports these properties.
        const driftFile = path.join(project.tmp, "drift.json");
        const env = { DAARION_STANDIN_DRIFT: driftFile };

        fs.writeFileSync(driftFile, "{}");
        const clean = await timed("node2 drift (none)", () => runDrift(project, ["node2", "--format", "json"], env));
        assert.equal(clean.code, 0, clean.stderr + clean.stdout);

        fs.writeFileSync(driftFile, JSON.stringify({ [container.urn]: { restart: changed } }));
        const res = await timed("node2 drift (one container)", () => runDrift(project, ["node2", "--format", "json"], env));
        fs.writeFileSync(driftFile, "{}");
        assert.equal(res.code, 1, res.stderr + res.stdout);
        const [report] = JSON.parse(res.stdout).stacks;
        assert.deepEqual(report.errors, []);
        assert.deepEqual(report.resources.map((r: { urn: string }) => r.urn), [container.urn]);
        assert.ok(report.resources[0].properties.some((p: { path: string }) => p.path === "restart"), JSON.stringify(report.resources[0]));
    });

    for (const name of [...order, "local"]) {
        it(`${name}: preview --policy-pack policy passes`, async () => {
            const config = path.join(POLICY_PACK, "config", `${name}.json`);
            const res = await timed(`${name} preview --policy-pack`, () =>
                stacks.get(name)!.preview({ policyPacks: [POLICY_PACK], policyPackConfigs: fs.existsSync(config) ? [config] : undefined }),
            );
            // The pack ran (✅ none, ⚠️ advisory only) and no mandatory policy failed: the preview succeeded.
            assert.match(res.stdout, /(✅|⚠️) daarion@v0\.1\.0 \(local: /, res.stdout);
            assert.doesNotMatch(res.stdout, /\[mandatory\]/);
        });
    }

    for (const [what, edit] of Object.entries(PR_CHANGES)) {
        it(`PR preview, ${what}: every stack previews, no protected resource replaced or deleted`, async () => {
            project.editProjectConfig((c) => edit(c["daarion:topology"]!.value as Topology));
            try {
                for (const name of [...order, "local"]) {
                    const steps = new StepCollector();
                    await timed(`${name} PR preview (${what})`, () => stacks.get(name)!.preview({ onEvent: steps.onEvent }));
                    assert.deepEqual(steps.protectedLosses(), [], name);
                }
            } finally {
                project.resetProjectConfig();
            }
        });
    }

    it("PR preview, rotate one generated secret (preview --replace of its RandomPassword): no protected loss", async () => {
        const state = await project.exportState("node1");
        const password = (state.deployment.resources ?? []).find((r) => r.type === "random:index/randomPassword:RandomPassword");
        assert.ok(password, "node1 has no generated password");
        const steps = new StepCollector();
        await timed("node1 PR preview (rotate)", () => stacks.get("node1")!.preview({ replace: [password.urn], onEvent: steps.onEvent }));
        assert.ok(steps.ops("replace").includes(password.urn) || steps.ops("create-replacement").includes(password.urn), `${password.urn} is not replaced`);
        assert.deepEqual(steps.protectedLosses(), []);
    });

    // README "Resetting the local stack": `npm run local:reset -- --yes`, then `pulumi up` from empty.
    // Last in this suite: it destroys `local`. The reset runs for real (scripts/local-reset.ts with the
    // built CLI on PATH); only its `docker` commands go to a recording shim, since no Docker engine
    // runs the stand-ins' containers. What `docker volume rm` does to the servers' data is then done
    // by the runner (dropVolumes), after the test checked the reset named exactly those volumes.
    it("local: up, the documented reset, up again from empty with new generated secrets", async () => {
        const before = (await project.exportState("local")).deployment.resources ?? [];
        const plan = planLocalReset("local", before);
        const oldSecrets = (await stacks.get("local")!.outputs()).sharedSecrets!.value as Record<string, string>;
        const shim = path.join(project.tmp, "docker-shim");
        const dockerLog = path.join(shim, "calls.log");
        fs.mkdirSync(shim);
        fs.writeFileSync(path.join(shim, "docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${dockerLog}'\n`, { mode: 0o755 });

        const reset = await timed("local reset", () => runScript(project, "scripts/local-reset.ts", ["--yes", "--stack", "local"], { PATH: `${shim}:${project.env.PATH}` }));
        assert.equal(reset.code, 0, `${reset.stderr}\n${reset.stdout.slice(-3000)}`);
        assert.match(reset.stdout, new RegExp(`stack local: ${plan.protectedCount} protected resources; removes ${plan.containers.length} containers, ${plan.volumes.length} volumes`));
        assert.ok(plan.protectedCount > 0 && plan.containers.length > 0 && plan.volumes.length > 0, JSON.stringify(plan));
        // What the engine printed: every protected resource unprotected, then the destroy.
        // pulumi/pulumi pkg/cmd/pulumi/state/state_unprotect.go unprotectAllResources prints this line.
        assert.match(reset.stdout, /^All resources unprotected$/m, reset.stdout.slice(0, 2000));
        const destroyed = /Resources:\s*\n\s*-\s*(\d+) deleted/.exec(reset.stdout);
        assert.ok(destroyed, `the destroy printed no summary:\n${reset.stdout.slice(-3000)}`);
        console.log(`      reset: ${plan.protectedCount} unprotected, ${destroyed[1]} deleted of ${before.length} in the state`);
        assert.match(reset.stdout, /reset done/);
        // The state kept: nothing.
        assert.deepEqual(((await project.exportState("local")).deployment.resources ?? []).map((r) => r.urn), []);
        // Docker was asked to remove exactly what the export listed.
        const calls = fs.readFileSync(dockerLog, "utf8").trim().split("\n");
        assert.deepEqual(calls, plan.commands.filter((c) => c[0] === "docker").map((c) => c.slice(1).join(" ")));
        for (const kind of ["nats", "qdrant"]) assert.ok(plan.volumes.some((v) => v.includes(kind)), `no ${kind} volume among ${plan.volumes.join(", ")}`);
        // Every local container was deleted, so its server stopped.
        assert.deepEqual([...runner.nats.values()].filter((s) => s.group === "local").map((s) => s.serverName), []);
        await runner.dropVolumes("local");

        await deployFromEmpty("local");
        const found = await assertAssetsOnServers("local");
        assert.ok(found.streams > 0 && found.buckets > 0 && found.collections > 0, JSON.stringify(found));
        const newSecrets = (await stacks.get("local")!.outputs()).sharedSecrets!.value as Record<string, string>;
        assert.deepEqual(Object.keys(newSecrets).sort(), Object.keys(oldSecrets).sort());
        for (const k of Object.keys(oldSecrets)) assert.notEqual(newSecrets[k], oldSecrets[k], `${k} was not generated anew`);
    });
});
