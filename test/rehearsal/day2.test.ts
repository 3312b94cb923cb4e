/**
 * Rehearsal scenario 2 (issue 11): PR previews on the deployed platform. Each change is previewed
 * on every stack (as preview.yml does); each preview succeeds and plans no replacement or deletion
 * of a protected resource. Then the changes that need an `up` (retiring a service, rotating a secret,
 * replacing a cloud node) are applied the documented way.
 */
import * as assert from "node:assert/strict";
import { changes, Platform } from "./engine";
import { assertOk, deployAll, deployOrder, newPlatform, protectedLosses } from "./flows";
import { PR_CHANGES, Topology, topologyOf } from "./pr-changes";

describe("rehearsal 2: PR previews on the deployed platform", function () {
    this.timeout(900_000);
    let p: Platform;
    let change: ((t: Topology) => void) | undefined;
    before(async () => {
        p = newPlatform({ editConfig: (_stack, config) => change?.(topologyOf(config)) });
        await deployAll(p);
    });
    afterEach(() => (change = undefined));

    for (const [what, edit] of Object.entries(PR_CHANGES)) {
        it(`${what}: every stack's preview succeeds, no protected resource replaced or deleted`, async () => {
            change = edit;
            for (const stack of deployOrder()) {
                const r = await p.preview(stack);
                assertOk(r);
                assert.deepEqual(protectedLosses(r), [], stack);
            }
        });
    }

    it("the added service plans its database, bucket, credentials and container on node1 only", async () => {
        change = PR_CHANGES["add a service with uses: [nats, postgres, s3]"];
        const r = await p.preview("node1");
        const created = changes(r).filter((c) => c.op === "create").map((c) => c.name);
        for (const name of ["postgres-notify", "minio-bucket-notify", "shared-secrets-postgres-user-notify", "shared-secrets-nats-user-notify", "node1-notify"]) assert.ok(created.includes(name), name);
    });

    it("rotate one generated secret (`up --replace` of its RandomPassword): previews succeed, then every stack applies it", async () => {
        const target = { replace: ["shared-secrets-nats-user-jetstream-admin"] };
        const r = await p.preview("node1", target);
        assertOk(r);
        assert.deepEqual(changes(r).filter((c) => c.name === target.replace[0]).map((c) => c.op), ["replace"]);
        assert.deepEqual(protectedLosses(r), []);
        assertOk(await p.up("node1", target));
        for (const stack of ["node2", "node3"]) {
            const pr = await p.preview(stack);
            assertOk(pr);
            assert.deepEqual(protectedLosses(pr), [], stack);
            assertOk(await p.up(stack));
        }
        // node3 holds the streams: the new admin password is a connection update, not a new stream.
        const streams = p.state("node3").resources;
        assert.ok([...streams.keys()].filter((k) => k.includes("nats:Stream")).length === 4);
    });

    it("retire a service (up): its bucket and database leave the stack and stay on the server", async () => {
        change = PR_CHANGES["remove a service (parser: a bucket, a MinIO user, NATS credentials)"];
        const r = await p.up("node1");
        assertOk(r);
        assert.deepEqual(changes(r).filter((c) => c.name === "minio-bucket-parser").map((c) => c.op), ["delete"]);
        assert.ok(!p.state("node1").resources.has("minio:index/s3Bucket:S3Bucket::minio-bucket-parser"));
        assert.ok(p.worldOf("minio:index/s3Bucket:S3Bucket").some((b) => b.serverName === "parser"), "the bucket is kept (retainOnDelete)");
        for (const stack of ["node2", "node3"]) assertOk(await p.up(stack));
    });
});

describe("rehearsal: replacing a cloud node's server (issue 11 finding 7)", function () {
    this.timeout(900_000);
    let p: Platform;
    before(async () => {
        p = newPlatform();
        await deployAll(p);
    });
    const replace = { replace: ["node2-server"] };
    const serverOf = () => p.worldOf("hcloud:index/server:Server").filter((s) => s.serverName === "node2");

    it("create-before-delete (no deleteBeforeReplace) collides with Hetzner's per-project name uniqueness", async () => {
        serverOf()[0]!.props.deleteProtection = false;
        const r = await p.up("node2", { ...replace, withoutDeleteBeforeReplace: ["node2-server"] });
        serverOf()[0]!.props.deleteProtection = true;
        assert.equal(r.ok, false);
        assert.match(r.error!, /hcloud:index\/server:Server 'node2' already exists/);
    });

    it("`up --replace` while Hetzner's delete protection is on fails", async () => {
        const r = await p.up("node2", replace);
        assert.equal(r.ok, false);
        assert.match(r.error!, /delete-protected/);
    });

    it("the documented path works: `hcloud server disable-protection node2 delete rebuild`, then `up --replace`", async () => {
        const volumesBefore = p.worldOf("hcloud:index/volume:Volume").map((v) => v.serverName);
        serverOf()[0]!.props.deleteProtection = false; // stands in for the hcloud CLI call
        const r = await p.up("node2", replace);
        assertOk(r);
        assert.equal(serverOf().length, 1);
        assert.equal(serverOf()[0]!.props.deleteProtection, true, "the new server is protected again");
        assert.deepEqual(p.worldOf("hcloud:index/volume:Volume").map((v) => v.serverName), volumesBefore, "the data volume is kept");
        assert.deepEqual(protectedLosses(r), []);
    });
});
