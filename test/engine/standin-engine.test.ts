// Each stand-in provider under the real Pulumi engine (issue 15 item 2): a tiny inline program per
// provider on a file backend goes preview -> up -> up --expect-no-changes, then one change the
// provider's rules say REPLACES and one they say UPDATES, each checked in the preview plan, in what
// `up` did, and in the ids the state keeps. Rules and sources: test/engine/standins/<name>.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as minio from "@pulumi/minio";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { engineStack, type EngineStack, stateResources } from "./standins/stack";
import { STANDIN_BIN } from "./support";

type Variant = "base" | "replace" | "update";

interface Case {
    /** The plugin: pulumi-resource-<provider>. */
    provider: string;
    /** Declares the resources for a variant; returns an Output that is a provider-computed value. */
    program: (v: Variant) => pulumi.Output<unknown>;
    /** Resources the program declares (the stack resource comes on top). */
    resources: number;
    /** The replace variant: type token of what replaces, and how many resources replace. */
    replace: { type: string; count: number; why: string; /** The id is derived from unchanged inputs (a name), so a replacement keeps it. */ sameId?: true };
    /** The update variant (absent when every input of the resource replaces). */
    update?: { type: string; why: string };
}

const CASES: Case[] = [
    {
        provider: "hcloud",
        resources: 4,
        program: (v) => {
            const net = new hcloud.Network("net", { name: "daarion", ipRange: "10.0.0.0/16" });
            const networkId = net.id.apply(Number);
            new hcloud.NetworkSubnet("cloud", { networkId, type: "cloud", networkZone: "eu-central", ipRange: "10.0.1.0/24" });
            const server = new hcloud.Server("node1", {
                name: "node1",
                serverType: "cx32",
                location: "fsn1",
                image: "debian-12",
                userData: v === "replace" ? "#cloud-config\n# v2\n" : "#cloud-config\n",
                labels: { role: v === "update" ? "core-2" : "core" },
                ...(v === "update" ? { networks: [{ networkId, ip: "10.0.1.5" }] } : {}),
            });
            new hcloud.ServerNetwork("node1-private", { serverId: server.id.apply(Number), networkId, ip: "10.0.1.2" });
            return server.ipv4Address;
        },
        // server_id RequiresReplace: the new server's attachment is replaced with it.
        replace: { type: "hcloud:index/server:Server", count: 2, why: "a changed userData (ForceNew) replaces the Server and, through server_id, its ServerNetwork" },
        update: { type: "hcloud:index/server:Server", why: "changed labels and an added `networks` block update the Server in place (no ForceNew at v1.66.1)" },
    },
    {
        provider: "docker",
        resources: 4,
        program: (v) => {
            const net = new docker.Network("net", { name: "daarion-node1", driver: "bridge", attachable: true });
            const vol = new docker.Volume("data", { name: "node1-nats-data" });
            const image = new docker.RemoteImage("nats", { name: "nats:2.10.22", keepLocally: true });
            const c = new docker.Container(
                "nats",
                {
                    name: "node1-nats",
                    image: image.imageId,
                    uploads: [{ file: "/etc/nats/nats.conf", content: pulumi.secret(v === "replace" ? "port: 4223\n" : "port: 4222\n"), permissions: "0644" }],
                    volumes: [{ volumeName: vol.name, containerPath: "/data" }],
                    networksAdvanced: [{ name: net.name, aliases: ["nats"] }],
                    restart: v === "update" ? "always" : "unless-stopped",
                },
                { deleteBeforeReplace: true },
            );
            return pulumi.all([image.imageId, c.hostname]);
        },
        replace: { type: "docker:index/container:Container", count: 1, why: "a changed upload (ForceNew) replaces the Container" },
        update: { type: "docker:index/container:Container", why: "a changed restart policy updates the Container" },
    },
    {
        provider: "postgresql",
        resources: 3,
        program: (v) => {
            // Configure does not connect in the stand-in; nothing listens here.
            const provider = new postgresql.Provider("primary", { host: "127.0.0.1", port: 1, username: "postgres", password: pulumi.secret("x"), sslmode: "disable", superuser: true });
            const role = new postgresql.Role("app", { name: "app", login: true, password: pulumi.secret(v === "update" ? "rotated" : "first") }, { provider });
            const db = new postgresql.Database("app", { name: "app", owner: role.name, encoding: v === "replace" ? "LATIN1" : "UTF8", template: "template0" }, { provider });
            return db.tablespaceName;
        },
        // The id is the database name (resource_postgresql_database.go:121), unchanged here.
        replace: { type: "postgresql:index/database:Database", count: 1, why: "a changed encoding (ForceNew) replaces the Database", sameId: true },
        update: { type: "postgresql:index/role:Role", why: "a rotated password updates the Role (ALTER ROLE)" },
    },
    {
        provider: "minio",
        resources: 5,
        program: (v) => {
            const provider = new minio.Provider("minio", { minioServer: "127.0.0.1:1", minioUser: "root", minioPassword: pulumi.secret("x"), minioSsl: false, minioRegion: "us-east-1" });
            const bucket = new minio.S3Bucket("media", { bucket: v === "replace" ? "media-2" : "media", acl: "private", forceDestroy: false }, { provider });
            const user = new minio.IamUser("app", { name: "app", secret: pulumi.secret(v === "update" ? "rotated-secret" : "first-secret"), forceDestroy: false }, { provider });
            const policy = new minio.IamPolicy("app-rw", { name: "app-media-rw", policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }, { provider, dependsOn: [bucket] });
            new minio.IamUserPolicyAttachment("app", { userName: user.name, policyName: policy.name }, { provider });
            return bucket.arn;
        },
        replace: { type: "minio:index/s3Bucket:S3Bucket", count: 1, why: "a renamed bucket (ForceNew) is replaced" },
        update: { type: "minio:index/iamUser:IamUser", why: "a rotated user secret updates the IamUser" },
    },
    {
        provider: "command",
        resources: 1,
        program: (v) => {
            const cmd = new command.remote.Command("ready", {
                connection: { host: "203.0.113.10", user: "root", hostKey: "ssh-ed25519 AAAA" },
                create: "bash -s",
                stdin: v === "update" ? "echo ready v2" : "echo ready",
                triggers: [v === "replace" ? "script-v2" : "script-v1"],
            });
            return cmd.stdout;
        },
        replace: { type: "command:remote:Command", count: 1, why: "a changed trigger (replaceOnChanges) replaces the Command" },
        update: { type: "command:remote:Command", why: "a changed stdin updates the Command (its create command runs again)" },
    },
    {
        provider: "tls",
        resources: 1,
        program: (v) => {
            const key = new tls.PrivateKey("host-key", { algorithm: "ED25519", ...(v === "replace" ? { rsaBits: 4096 } : {}) });
            return key.publicKeyOpenssh;
        },
        replace: { type: "tls:index/privateKey:PrivateKey", count: 1, why: "a changed rsaBits (RequiresReplace) replaces the key" },
    },
    {
        provider: "random",
        resources: 1,
        program: (v) => {
            const pw = new random.RandomPassword("pw", { length: v === "replace" ? 32 : 24, special: false, keepers: { k: v === "update" ? null! : "1" } });
            return pw.result;
        },
        // RandomPassword's id is always "none".
        replace: { type: "random:index/randomPassword:RandomPassword", count: 1, why: "a changed length replaces the password", sameId: true },
        update: { type: "random:index/randomPassword:RandomPassword", why: "keepers set to null update in place (RequiresReplaceIfValuesNotNull)" },
    },
];

function idsOf(s: EngineStack, type: string): string[] {
    return stateResources(s, type)
        .map((r) => r.id)
        .sort();
}

for (const c of CASES) {
    describe(`real engine: stand-in ${c.provider} provider`, function () {
        this.timeout(300_000);
        let s: EngineStack;
        let variant: Variant = "base";
        /** Values the program's apply saw for the provider-computed output, per run. */
        let seen: unknown[] = [];
        const total = c.resources + 1; // + the stack

        before(async () => {
            s = await engineStack(`standin-${c.provider}`, async () => {
                c.program(variant).apply((x) => seen.push(x));
            });
        });
        after(() => s?.dispose());

        it("preview plans the creates from the stand-in on PATH and leaves computed outputs unknown", async () => {
            seen = [];
            const res = await s.stack.preview();
            assert.deepEqual(res.changeSummary, { create: total });
            assert.ok(res.stdout.includes(`using pulumi-resource-${c.provider} from $PATH at ${STANDIN_BIN}/pulumi-resource-${c.provider}`), res.stdout);
            assert.deepEqual(seen, [], "a provider-computed output was known during preview");
        });

        it("up creates everything; the computed output arrives", async () => {
            seen = [];
            const res = await s.stack.up();
            assert.equal(res.summary.result, "succeeded");
            assert.deepEqual(res.summary.resourceChanges, { create: total });
            assert.equal(seen.length, 1);
        });

        it("a second up plans no change (--expect-no-changes)", async () => {
            const res = await s.stack.up({ expectNoChanges: true });
            assert.deepEqual(res.summary.resourceChanges, { same: total });
        });

        it(`replace: ${c.replace.why}`, async () => {
            const before = idsOf(s, c.replace.type);
            variant = "replace";
            const plan = await s.stack.preview();
            assert.deepEqual(plan.changeSummary, { replace: c.replace.count, same: total - c.replace.count });
            const res = await s.stack.up();
            assert.deepEqual(res.summary.resourceChanges, { replace: c.replace.count, same: total - c.replace.count });
            const after = idsOf(s, c.replace.type);
            assert.equal(after.length, before.length);
            if (c.replace.sameId) assert.deepEqual(after, before);
            else assert.notDeepEqual(after, before, "the replaced resource kept its id");
            const again = await s.stack.up({ expectNoChanges: true });
            assert.deepEqual(again.summary.resourceChanges, { same: total });
        });

        if (c.update) {
            const update = c.update;
            it(`update: ${update.why}`, async () => {
                // From the replaced state back to base would replace again; update from base.
                variant = "base";
                await s.stack.up();
                const before = idsOf(s, update.type);
                variant = "update";
                const plan = await s.stack.preview();
                assert.deepEqual(plan.changeSummary, { update: 1, same: total - 1 });
                const res = await s.stack.up();
                assert.deepEqual(res.summary.resourceChanges, { update: 1, same: total - 1 });
                assert.deepEqual(idsOf(s, update.type), before, "an update changed the id");
            });
        }
    });
}

// Drift: a test names a resource and the properties a stand-in's `read` reports changed
// (DAARION_STANDIN_DRIFT, test/engine/standins/engine.ts driftFor); `refresh` then sees exactly that.
describe("real engine: drift injected into a stand-in, seen by refresh", function () {
    this.timeout(300_000);
    let s: EngineStack;
    let driftFile: string;
    const FW = "hcloud:index/firewall:Firewall";

    before(async () => {
        driftFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "standin-drift-")), "drift.json");
        s = await engineStack(
            "standin-drift",
            async () => {
                new hcloud.Firewall("public", { name: "node1-public", labels: { owner: "daarion" } });
                new hcloud.PlacementGroup("spread", { name: "spread", type: "spread" });
            },
            { DAARION_STANDIN_DRIFT: driftFile },
        );
        await s.stack.up();
    });
    after(() => {
        s?.dispose();
        fs.rmSync(path.dirname(driftFile), { recursive: true, force: true });
    });

    it("with no drift file, a refresh preview changes nothing", async () => {
        const res = await s.stack.previewRefresh();
        assert.deepEqual(res.changeSummary, { same: 3 });
    });

    it("a changed label on one resource is the only change a refresh preview reports; the state is untouched", async () => {
        const before = fs.readFileSync(s.stateFile(), "utf8");
        fs.writeFileSync(driftFile, JSON.stringify({ [`${FW}::public`]: { labels: { owner: "someone-else" } } }));
        const res = await s.stack.previewRefresh();
        assert.deepEqual(res.changeSummary, { update: 1, same: 2 });
        assert.match(res.stdout, /~\s+hcloud:index:Firewall\s+public\s+update/);
        assert.doesNotMatch(res.stdout, /hcloud:index:PlacementGroup\s+spread\s+update/);
        assert.equal(fs.readFileSync(s.stateFile(), "utf8"), before, "a refresh preview wrote the state");
    });

    it("a resource reported gone (null) is planned as a delete by a refresh preview", async () => {
        fs.writeFileSync(driftFile, JSON.stringify({ "hcloud:index/placementGroup:PlacementGroup::spread": null }));
        const res = await s.stack.previewRefresh();
        assert.deepEqual(res.changeSummary, { delete: 1, same: 2 });
        fs.writeFileSync(driftFile, JSON.stringify({ [`${FW}::public`]: { labels: { owner: "someone-else" } } }));
    });

    it("refresh stores the drifted value; the next up puts the declared value back", async () => {
        const res = await s.stack.refresh();
        assert.deepEqual(res.summary.resourceChanges, { update: 1, same: 2 });
        const [fw] = stateResources(s, FW);
        assert.deepEqual(fw!.outputs.labels, { owner: "someone-else" });
        fs.rmSync(driftFile);
        const up = await s.stack.up();
        assert.deepEqual(up.summary.resourceChanges, { update: 1, same: 2 });
        assert.deepEqual(stateResources(s, FW)[0]!.outputs.labels, { owner: "daarion" });
    });
});

// Secret inputs and generated keys stay secret in the state: the stand-ins return secret inputs
// still wrapped (engine.ts header) and the SDKs mark generated secrets (additionalSecretOutputs).
describe("real engine: stand-in secrets are ciphertext in the state file", function () {
    this.timeout(300_000);
    let s: EngineStack;
    const plain = "role-password-plaintext";

    before(async () => {
        s = await engineStack("standin-secrets", async () => {
            new tls.PrivateKey("host-key", { algorithm: "ED25519" });
            const provider = new postgresql.Provider("primary", { host: "127.0.0.1", port: 1, username: "postgres", password: pulumi.secret("x"), sslmode: "disable" });
            new postgresql.Role("app", { name: "app", login: true, password: pulumi.secret(plain) }, { provider });
        });
        await s.stack.up();
    });
    after(() => s?.dispose());

    it("the private key and the role password appear only as passphrase ciphertext", async () => {
        const text = fs.readFileSync(s.stateFile(), "utf8");
        assert.ok(!text.includes(plain), "the role password is in the state in clear");
        assert.ok(!text.includes("OPENSSH PRIVATE KEY"), "the private key is in the state in clear");
        assert.ok(!text.includes("BEGIN PRIVATE KEY"), "the PKCS#8 key is in the state in clear");
        const [key] = stateResources(s, "tls:index/privateKey:PrivateKey");
        for (const k of ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"]) assert.match((key!.outputs[k] as { ciphertext: string }).ciphertext, /^v1:/, k);
        // The public half is not secret, and is a real key.
        assert.match(key!.outputs.publicKeyOpenssh as string, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}=?\n$/);
        const [role] = stateResources(s, "postgresql:index/role:Role");
        assert.match((role!.outputs.password as { ciphertext: string }).ciphertext, /^v1:/);
    });
});
