/**
 * The drift report builder over engine event streams typed with the Automation API's own types,
 * shaped like the events of `pulumi refresh --preview-only` (op "refresh", old/new states) and of
 * a preview with refresh (detailedDiff).
 */
import * as assert from "node:assert/strict";
import { DiffKind, EngineEvent, OpType, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation";
import { buildDriftReport, diffPaths, driftExitCode, maskSecrets, MASK, parsePath, renderJson, renderMarkdown } from "../../components/drift/report";
import { KNOWN_PERMANENT_DIFFS } from "../../components/drift/known";
import { secretEnvelope } from "../../components/secrets/signature";

const STACK_URN = "urn:pulumi:node1::daarion::pulumi:pulumi:Stack::daarion-node1";
const CONTAINER = "docker:index/container:Container";
const urnOf = (type: string, name: string) => `urn:pulumi:node1::daarion::daarion:workload:DockerWorkload$${type}::${name}`;
const SECRET = secretEnvelope;

let seq = 0;
function event(e: Omit<EngineEvent, "sequence" | "timestamp">): EngineEvent {
    return { sequence: ++seq, timestamp: 1_764_000_000 + seq, ...e };
}

function state(type: string, urn: string, outputs: Record<string, unknown>): StepEventStateMetadata {
    return { type, urn, id: `id-${urn.length}`, parent: STACK_URN, custom: true, inputs: {}, outputs, provider: "urn:pulumi:node1::daarion::pulumi:providers:docker::node1::abc" };
}

function step(op: OpType, type: string, name: string, old?: Record<string, unknown>, next?: Record<string, unknown>, extra: Partial<StepEventMetadata> = {}): StepEventMetadata {
    const urn = urnOf(type, name);
    return {
        op,
        urn,
        type,
        provider: "urn:pulumi:node1::daarion::pulumi:providers:docker::node1::abc",
        ...(old ? { old: state(type, urn, old) } : {}),
        ...(next ? { new: state(type, urn, next) } : {}),
        ...extra,
    };
}

/** A refresh step as the engine streams it: pre event (no new state yet), then outputs event. */
function refresh(type: string, name: string, old: Record<string, unknown>, next: Record<string, unknown> | undefined): EngineEvent[] {
    return [
        event({ resourcePreEvent: { metadata: step("refresh", type, name, old), planning: true } }),
        event({ resOutputsEvent: { metadata: step("refresh", type, name, old, next), planning: true } }),
    ];
}

const postgres = {
    name: "node1-postgres",
    image: "sha256:" + "1".repeat(64),
    memory: 2048,
    ports: [{ internal: 5432, external: 5432, ip: "10.0.1.11", protocol: "tcp" }],
    envs: SECRET(["POSTGRES_PASSWORD=Xq7vR2pL9sT4wK8mN3bZ", "PGDATA=/data"]),
    labels: [{ label: "daarion.node", value: "node1" }],
};

function stream(...parts: EngineEvent[][]): EngineEvent[] {
    return [
        event({ preludeEvent: { config: { "daarion:node": "node1" } } }),
        event({ resourcePreEvent: { metadata: step("same", "pulumi:pulumi:Stack", "daarion-node1") } }),
        ...parts.flat(),
        event({ summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { same: 3, update: 1 }, policyPacks: {} } }),
    ];
}

describe("drift report: builder", () => {
    it("a refresh with no differences is no drift (exit 0)", () => {
        const r = buildDriftReport(stream(refresh(CONTAINER, "node1-postgres", postgres, postgres)), { stack: "node1" });
        assert.deepEqual(r.resources, []);
        assert.equal(r.unchanged, 1);
        assert.equal(r.hasDrift, false);
        assert.equal(driftExitCode([r]), 0);
    });

    it("reports the drifted property paths with old and new values (exit 1)", () => {
        const changed = { ...postgres, ports: [{ ...postgres.ports[0], ip: "0.0.0.0" }], memory: 4096 };
        const r = buildDriftReport(stream(refresh(CONTAINER, "node1-postgres", postgres, changed)), { stack: "node1" });
        assert.equal(r.resources.length, 1);
        const res = r.resources[0];
        assert.equal(res.status, "drifted");
        assert.equal(res.name, "node1-postgres");
        assert.deepEqual(res.properties, [
            { path: "memory", kind: "changed", old: 2048, new: 4096 },
            { path: "ports[0].ip", kind: "changed", old: "10.0.1.11", new: "0.0.0.0" },
        ]);
        assert.equal(driftExitCode([r]), 1);
    });

    it("uses the engine's detailedDiff when the event carries one (preview with refresh)", () => {
        const meta = step("update", CONTAINER, "node1-redis", { memory: 512, restart: "always" }, { memory: 1024, restart: "always" }, {
            diffs: ["memory"],
            detailedDiff: { memory: { diffKind: DiffKind.update, inputDiff: true } },
        });
        const r = buildDriftReport(stream([event({ resourcePreEvent: { metadata: meta, planning: true } })]), { stack: "node1" });
        assert.deepEqual(r.resources[0].properties, [{ path: "memory", kind: "update", old: 512, new: 1024 }]);
    });

    it("masks secrets: engine secret values, credential keys, credential env entries and URL passwords", () => {
        const old = { ...postgres, envs: ["POSTGRES_PASSWORD=old-password-123", "PGDATA=/data"], databaseUrl: "postgres://app:hunter2hunter2@10.0.1.11/db", apiToken: "abc" };
        const next = { ...postgres, envs: ["POSTGRES_PASSWORD=new-password-456", "PGDATA=/data2"], databaseUrl: "postgres://app:other-password@10.0.1.11/db", apiToken: "def" };
        const r = buildDriftReport(stream(refresh(CONTAINER, "node1-postgres", old, next)), { stack: "node1" });
        const json = renderJson([r]);
        for (const leaked of ["old-password-123", "new-password-456", "hunter2hunter2", "other-password", '"abc"', '"def"']) {
            assert.ok(!json.includes(leaked), `leaked ${leaked}`);
        }
        const byPath = Object.fromEntries(r.resources[0].properties.map((p) => [p.path, p]));
        assert.deepEqual(byPath["envs[0]"], { path: "envs[0]", kind: "changed", old: `POSTGRES_PASSWORD=${MASK}`, new: `POSTGRES_PASSWORD=${MASK}` });
        assert.deepEqual(byPath["envs[1]"].new, "PGDATA=/data2");
        assert.equal(byPath["databaseUrl"].old, `postgres://app:${MASK}@10.0.1.11/db`);
        assert.equal(byPath["apiToken"].new, MASK);
        const secretChange = buildDriftReport(stream(refresh(CONTAINER, "c", { envs: SECRET(["A=1"]) }, { envs: SECRET(["A=2"]) })), { stack: "node1" });
        assert.deepEqual(secretChange.resources[0].properties, [{ path: "envs", kind: "changed", old: MASK, new: MASK }]);
    });

    it("marks known permanent diffs, lists them, and does not fail on them alone", () => {
        const rotated = { ...postgres, image: "docker.io/library/postgres@sha256:" + "2".repeat(64) };
        const grant = { database: "daarion", role: "app", objectType: "table", privileges: ["SELECT"] };
        const r = buildDriftReport(
            stream(
                refresh(CONTAINER, "node1-postgres", postgres, rotated),
                refresh("postgresql:index/grant:Grant", "app-read", grant, { ...grant, privileges: ["SELECT", "SELECT"] }),
            ),
            { stack: "node1" },
        );
        assert.deepEqual(r.resources.map((x) => x.status), ["known-permanent", "known-permanent"]);
        const image = r.resources.find((x) => x.type === CONTAINER)!.properties[0];
        assert.equal(image.path, "image");
        assert.match(image.known!.reference, /pulumi-docker#325/);
        assert.match(r.resources.find((x) => x.type.startsWith("postgresql"))!.properties[0].known!.reference, /pulumi-postgresql#233/);
        assert.equal(r.hasDrift, false);
        assert.equal(driftExitCode([r]), 0);
        const md = renderMarkdown([r]);
        assert.match(md, /known permanent diff only/);
        assert.match(md, /pulumi\/pulumi-postgresql#233/);
    });

    it("a known permanent diff next to a real one is still drift", () => {
        const both = { ...postgres, image: "postgres:17", memory: 1 };
        const r = buildDriftReport(stream(refresh(CONTAINER, "node1-postgres", postgres, both)), { stack: "node1" });
        assert.equal(r.resources[0].status, "drifted");
        assert.deepEqual(r.resources[0].properties.map((p) => [p.path, Boolean(p.known)]), [["image", true], ["memory", false]]);
        assert.equal(driftExitCode([r]), 1);
    });

    it("a resource deleted outside Pulumi is drift", () => {
        const r = buildDriftReport(stream(refresh("hcloud:index/volume:Volume", "node2-data", { size: 100 }, undefined)), { stack: "node2" });
        assert.equal(r.resources[0].status, "deleted");
        assert.match(renderMarkdown([r]), /deleted outside Pulumi/);
        assert.equal(driftExitCode([r]), 1);
    });

    it("a refresh step that never completed (pre event only) is not reported as deleted", () => {
        const pre = [event({ resourcePreEvent: { metadata: step("refresh", CONTAINER, "node1-postgres", postgres), planning: true } })];
        const r = buildDriftReport(stream(pre), { stack: "node1" });
        assert.deepEqual(r.resources, []);
        assert.equal(driftExitCode([r]), 0);
    });

    it("an error diagnostic makes the run inconclusive (exit 2, even with drift elsewhere)", () => {
        const failed = buildDriftReport(
            stream([event({ diagnosticEvent: { message: "error: ssh: handshake failed\n", color: "never", severity: "error" } })]),
            { stack: "node2" },
        );
        assert.deepEqual(failed.errors, ["error: ssh: handshake failed"]);
        const drifted = buildDriftReport(stream(refresh(CONTAINER, "c", { memory: 1 }, { memory: 2 })), { stack: "node1" });
        assert.equal(driftExitCode([drifted, failed]), 2);
        assert.match(renderMarkdown([drifted, failed]), /Drift detection failed/);
        const warning = buildDriftReport(stream([event({ diagnosticEvent: { message: "warning: x", color: "never", severity: "warning" } })]), { stack: "n" });
        assert.equal(driftExitCode([warning]), 0);
    });

    it("renders JSON with the exit code and Markdown with one row per stack", () => {
        const a = buildDriftReport(stream(refresh(CONTAINER, "c", { memory: 1 }, { memory: 2 })), { stack: "node1" });
        const b = buildDriftReport(stream(), { stack: "node3" });
        const parsed = JSON.parse(renderJson([a, b]));
        assert.equal(parsed.exitCode, 1);
        assert.deepEqual(parsed.stacks.map((s: { stack: string }) => s.stack), ["node1", "node3"]);
        const md = renderMarkdown([a, b]);
        assert.match(md, /\| node1 \| 1 \| 0 \| 0 \| 0 \| 0 \|/);
        assert.match(md, /\| node3 \| 0 \| 0 \| 0 \| 0 \| 0 \|/);
        assert.match(md, /`memory` changed: `1` → `2`/);
    });
});

describe("drift report: helpers", () => {
    it("parses property paths", () => {
        assert.deepEqual(parsePath('a.b[0]["x.y"].c'), ["a", "b", 0, "x.y", "c"]);
    });
    it("diffs nested outputs into paths", () => {
        assert.deepEqual(diffPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] }, d: true }), ["b.c[1]", "d"]);
        assert.deepEqual(diffPaths({ "x.y": 1 }, { "x.y": 2 }), ['["x.y"]']);
    });
    it("masks deeply", () => {
        assert.deepEqual(maskSecrets({ nested: { password: "p", list: ["TOKEN=abc", "HOME=/root"] } }), { nested: { password: MASK, list: [`TOKEN=${MASK}`, "HOME=/root"] } });
    });
    it("keeps the known permanent diff list in one place with a reason and reference each", () => {
        assert.ok(KNOWN_PERMANENT_DIFFS.length >= 4);
        for (const k of KNOWN_PERMANENT_DIFFS) assert.ok(k.reason.length > 20 && k.reference.length > 5, k.type);
    });
});
