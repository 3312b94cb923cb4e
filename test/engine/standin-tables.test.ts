// The stand-in providers' tables without the engine (issue 15 item 2): every replacement rule of
// every table replaces, the named in-place changes update, Optional+Computed inputs left unset never
// diff, unknown inputs replace where the rule replaces, secrets survive, drift reaches `read`, and each
// table serves a type the @pulumi/<name> SDK really registers, at the version in package-lock.json.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { commandTable } from "./standins/command";
import { dockerTable } from "./standins/docker";
import { diffProps, type Props, type ProviderTable, standinProvider } from "./standins/engine";
import { hcloudTable } from "./standins/hcloud";
import { kubernetesTable } from "./standins/kubernetes";
import { minioTable } from "./standins/minio";
import { postgresqlTable } from "./standins/postgresql";
import { randomTable } from "./standins/random";
import { tlsTable } from "./standins/tls";
import { ROOT } from "./support";

const TABLES: ProviderTable[] = [hcloudTable, dockerTable, postgresqlTable, minioTable, randomTable, commandTable, tlsTable, kubernetesTable];
const urn = (type: string, name = "r") => `urn:pulumi:s::p::${type}::${name}`;
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

/** Checked inputs and the outputs create returns, through the provider the engine is served. */
async function created(t: ProviderTable, type: string, news: Props): Promise<{ inputs: Props; outs: Props; id: string }> {
    const p = standinProvider(t);
    const c = await p.check!(urn(type), {}, news);
    assert.deepEqual(c.failures, [], `check failed for ${type}: ${JSON.stringify(c.failures)}`);
    const r = await p.create!(urn(type), c.inputs);
    return { inputs: c.inputs as Props, outs: r.outs as Props, id: r.id };
}

async function diff(t: ProviderTable, type: string, olds: Props, news: Props) {
    const p = standinProvider(t);
    const c = await p.check!(urn(type), olds, news);
    return p.diff!("id", urn(type), olds, c.inputs);
}

/** A different value of the same shape. */
function changed(v: unknown): unknown {
    if (typeof v === "number") return v + 1;
    if (typeof v === "boolean") return !v;
    if (Array.isArray(v)) return [...v, changed(v[0] ?? "x")];
    if (v && typeof v === "object") return { ...v, changedKey: "x" };
    return `${v ?? ""}-changed`;
}

describe("stand-in provider tables", () => {
    for (const t of TABLES) {
        describe(`${t.name} ${t.version}`, () => {
            it("serves the @pulumi version package-lock.json pins, and only type tokens that SDK registers", () => {
                const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
                assert.equal(t.version, lock.packages[`node_modules/@pulumi/${t.name}`].version);
                const sdk = path.join(ROOT, "node_modules/@pulumi", t.name);
                const registered = execFileSync("grep", ["-rhoE", "__pulumiType = '[^']+'", sdk, "--include=*.js"], { encoding: "utf8" });
                for (const type of Object.keys(t.resources)) assert.ok(registered.includes(`'${type}'`), `${type} is not a resource of @pulumi/${t.name}`);
            });

            for (const [type, table] of Object.entries(t.resources)) {
                describe(type, () => {
                    it("cites an upstream source for the table and every replacement rule", () => {
                        assert.match(table.source, /^[\w.-]+\/[\w.-]+@[\w.]+:/);
                        for (const [k, rule] of Object.entries(table.replaceOn)) {
                            const src = typeof rule === "string" ? rule : rule.source;
                            assert.match(src, /^[\w.-]+\/[\w.-]+@[\w.]+:\S+/, `${k}: ${src}`);
                        }
                    });

                    it("each replacing input replaces when changed or unknown", async () => {
                        for (const [k, rule] of Object.entries(table.replaceOn)) {
                            if (typeof rule !== "string") continue;
                            const olds: Props = { [k]: "a" };
                            assert.deepEqual(diffProps(table, olds, { [k]: "b" }).replaces, [k], `${k} changed`);
                            assert.deepEqual(diffProps(table, olds, { [k]: unknownValue }).replaces, [k], `${k} unknown`);
                            assert.deepEqual(diffProps(table, olds, { [k]: secret("a") }), { changes: false, replaces: [], updates: [] }, `${k} same, now secret`);
                        }
                    });

                    it("a computed output whose input is unset never diffs", () => {
                        for (const k of Object.keys(table.computed ?? {})) {
                            const d = diffProps(table, { [k]: "from-provider" }, {});
                            assert.deepEqual(d, { changes: false, replaces: [], updates: [] }, k);
                        }
                    });
                });
            }
        });
    }

    describe("rules this program depends on", () => {
        const HC = "hcloud:index/server:Server";
        const server = { name: "node1", serverType: "cx32", location: "fsn1", image: "debian-12", userData: "#cloud-config", sshKeys: ["k"], labels: { a: "1" } };

        it("hcloud Server: userData, image, location and sshKeys replace; networks, labels, firewallIds update", async () => {
            const { outs } = await created(hcloudTable, HC, server);
            for (const k of ["userData", "image", "location", "sshKeys"] as const) {
                assert.deepEqual((await diff(hcloudTable, HC, outs, { ...server, [k]: changed(server[k]) })).replaces, [k]);
            }
            for (const [k, v] of [["networks", [{ networkId: 1, ip: "10.0.1.2" }]], ["labels", { a: "2" }], ["firewallIds", [7]]] as const) {
                assert.deepEqual(await diff(hcloudTable, HC, outs, { ...server, [k]: v }), { changes: true, replaces: [], deleteBeforeReplace: false }, k);
            }
            assert.match(outs.ipv4Address as string, /^203\.0\.113\.\d+$/);
        });

        it("hcloud Volume: size updates (resize), location replaces; ServerNetwork ip replaces", async () => {
            const V = "hcloud:index/volume:Volume";
            const vol = { name: "node1-data", size: 50, location: "fsn1", format: "ext4", deleteProtection: true };
            const { outs, id } = await created(hcloudTable, V, vol);
            assert.equal(outs.linuxDevice, `/dev/disk/by-id/scsi-0HC_Volume_${id}`);
            assert.deepEqual((await diff(hcloudTable, V, outs, { ...vol, size: 100 })).replaces, []);
            assert.deepEqual((await diff(hcloudTable, V, outs, { ...vol, location: "nbg1" })).replaces, ["location"]);
            const SN = "hcloud:index/serverNetwork:ServerNetwork";
            const sn = await created(hcloudTable, SN, { serverId: 1, networkId: 2, ip: "10.0.1.2" });
            assert.equal(sn.id, "1-2");
            assert.deepEqual((await diff(hcloudTable, SN, sn.outs, { serverId: 1, networkId: 2, ip: "10.0.1.3" })).replaces, ["ip"]);
        });

        const DC = "docker:index/container:Container";
        const container = {
            name: "node1-api",
            image: "sha256:abc",
            envs: [secret("PASSWORD=x"), "A=1"],
            uploads: [{ file: "/etc/app.conf", content: secret("a=1"), permissions: "0644" }],
            restart: "unless-stopped",
            healthcheck: { tests: ["CMD", "true"], interval: "10s" },
            memory: 512,
        };

        it("docker Container: a changed upload or env replaces; restart, memory and healthcheck update", async () => {
            const { outs } = await created(dockerTable, DC, container);
            assert.equal((outs.envs as unknown[])[0] && JSON.stringify(outs.envs).includes(specialSecretSig), true, "a secret env lost its secret marker");
            const upload = { ...container, uploads: [{ ...container.uploads[0], content: secret("a=2") }] };
            assert.deepEqual((await diff(dockerTable, DC, outs, upload)).replaces, ["uploads"]);
            assert.deepEqual((await diff(dockerTable, DC, outs, { ...container, envs: [secret("PASSWORD=y"), "A=1"] })).replaces, ["envs"]);
            for (const [k, v] of [["restart", "always"], ["memory", 1024], ["healthcheck", { tests: ["CMD", "false"], interval: "10s" }]] as const) {
                assert.deepEqual(await diff(dockerTable, DC, outs, { ...container, [k]: v }), { changes: true, replaces: [], deleteBeforeReplace: false }, k);
            }
            assert.deepEqual(await diff(dockerTable, DC, outs, container), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.match(outs.hostname as string, /^[0-9a-f]{12}$/);
        });

        it("docker Image (native): a changed build updates, changed registry credentials are no change", async () => {
            const I = "docker:index/image:Image";
            const img = { imageName: "reg.example/app", build: { context: "app", dockerfile: "Dockerfile" }, registry: { server: "reg.example", username: "u", password: secret("p") } };
            const { outs, id } = await created(dockerTable, I, img);
            assert.equal(id, "reg.example/app");
            assert.deepEqual(await diff(dockerTable, I, outs, { ...img, build: { context: "app2", dockerfile: "Dockerfile" } }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(await diff(dockerTable, I, outs, { ...img, registry: { ...img.registry, password: secret("q") } }), { changes: false, replaces: [], deleteBeforeReplace: false });
            const upd = await standinProvider(dockerTable).update!(id, urn(I), outs, { ...img, build: { context: "app2" } });
            assert.notEqual(upd.outs.repoDigest, outs.repoDigest, "a rebuilt image kept its digest");
        });

        it("docker RemoteImage: id is the image id followed by the name; a new name replaces", async () => {
            const R = "docker:index/remoteImage:RemoteImage";
            const { outs, id } = await created(dockerTable, R, { name: "nats:2.10", keepLocally: true });
            assert.equal(id, `${outs.imageId}nats:2.10`);
            assert.deepEqual((await diff(dockerTable, R, outs, { name: "nats:2.11", keepLocally: true })).replaces, ["name"]);
            assert.deepEqual((await diff(dockerTable, R, outs, { name: "nats:2.10", keepLocally: false })).replaces, []);
        });

        it("postgresql: a role's password and name update; a database's encoding and template replace, its owner updates", async () => {
            const RO = "postgresql:index/role:Role";
            const role = await created(postgresqlTable, RO, { name: "app", login: true, password: secret("a") });
            assert.equal(role.id, "app");
            assert.deepEqual(await diff(postgresqlTable, RO, role.outs, { name: "app", login: true, password: secret("b") }), { changes: true, replaces: [], deleteBeforeReplace: false });
            const DB = "postgresql:index/database:Database";
            const dbIn = { name: "app", owner: "app", encoding: "UTF8", template: "template0" };
            const db = await created(postgresqlTable, DB, dbIn);
            assert.deepEqual((await diff(postgresqlTable, DB, db.outs, { ...dbIn, encoding: "LATIN1" })).replaces, ["encoding"]);
            assert.deepEqual((await diff(postgresqlTable, DB, db.outs, { ...dbIn, template: "template1" })).replaces, ["template"]);
            assert.deepEqual((await diff(postgresqlTable, DB, db.outs, { ...dbIn, owner: "other" })).replaces, []);
        });

        it("minio: a bucket rename replaces, its acl updates; a user's secret updates; an attachment's user replaces", async () => {
            const B = "minio:index/s3Bucket:S3Bucket";
            const b = await created(minioTable, B, { bucket: "media", acl: "private", forceDestroy: false });
            assert.equal(b.id, "media");
            assert.deepEqual((await diff(minioTable, B, b.outs, { bucket: "media2", acl: "private" })).replaces, ["bucket"]);
            assert.deepEqual(await diff(minioTable, B, b.outs, { bucket: "media", acl: "public" }), { changes: true, replaces: [], deleteBeforeReplace: false });
            const U = "minio:index/iamUser:IamUser";
            const u = await created(minioTable, U, { name: "app", secret: secret("s1") });
            assert.deepEqual(await diff(minioTable, U, u.outs, { name: "app", secret: secret("s2") }), { changes: true, replaces: [], deleteBeforeReplace: false });
            const A = "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment";
            const a = await created(minioTable, A, { userName: "app", policyName: "p" });
            assert.match(a.id, /^app-/);
            assert.deepEqual((await diff(minioTable, A, a.outs, { userName: "app2", policyName: "p" })).replaces, ["userName"]);
        });

        it("kubernetes: a StatefulSet's claim templates or serviceName replace, its pod template updates; ConfigMap data and a Service's clusterIP replace; a new name replaces", async () => {
            const S = "kubernetes:apps/v1:StatefulSet";
            const sts = {
                apiVersion: "apps/v1",
                kind: "StatefulSet",
                metadata: { name: "node1-postgres", namespace: "daarion", labels: { a: "1" } },
                spec: { serviceName: "node1-postgres-peers", selector: { matchLabels: { w: "postgres" } }, template: { spec: { containers: [{ name: "postgres", image: "postgres:15" }] } }, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "200Gi" } } } }] },
            };
            const s = await created(kubernetesTable, S, sts);
            assert.equal(s.id, "daarion/node1-postgres");
            const withSpec = (spec: Props) => ({ ...sts, spec: { ...sts.spec, ...spec } });
            assert.deepEqual((await diff(kubernetesTable, S, s.outs, withSpec({ volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "300Gi" } } } }] }))).replaces, ["spec"]);
            assert.deepEqual((await diff(kubernetesTable, S, s.outs, withSpec({ serviceName: "other" }))).replaces, ["spec"]);
            assert.deepEqual(await diff(kubernetesTable, S, s.outs, withSpec({ template: { spec: { containers: [{ name: "postgres", image: "postgres:15.10" }] } } })), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(await diff(kubernetesTable, S, s.outs, { ...sts, metadata: { ...sts.metadata, labels: { a: "2" } } }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual((await diff(kubernetesTable, S, s.outs, { ...sts, metadata: { ...sts.metadata, name: "node1-pg" } })).replaces, ["metadata"]);
            assert.deepEqual(await diff(kubernetesTable, S, s.outs, sts), { changes: false, replaces: [], deleteBeforeReplace: false });

            const C = "kubernetes:core/v1:ConfigMap";
            const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "node1-nats-files", namespace: "daarion" }, data: { "nats.conf": "a" } };
            const c = await created(kubernetesTable, C, cm);
            assert.deepEqual((await diff(kubernetesTable, C, c.outs, { ...cm, data: { "nats.conf": "b" } })).replaces, ["data"]);

            const V = "kubernetes:core/v1:Service";
            const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "node1-nats", namespace: "daarion" }, spec: { ports: [{ name: "client", port: 4222 }] } };
            const v = await created(kubernetesTable, V, svc);
            assert.deepEqual(await diff(kubernetesTable, V, v.outs, { ...svc, spec: { ports: [{ name: "client", port: 4223 }] } }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual((await diff(kubernetesTable, V, v.outs, { ...svc, spec: { ...svc.spec, clusterIP: "None" } })).replaces, ["spec"]);
        });

        it("command remote.Command: a changed trigger replaces, a changed command or stdin updates", async () => {
            const C = "command:remote:Command";
            const cmd = { connection: secret({ host: "203.0.113.1", user: "root" }), create: "bash -s", stdin: "echo ok", triggers: ["v1"] };
            const { outs, id } = await created(commandTable, C, cmd);
            assert.match(id, /^r[0-9a-f]{8}$/);
            assert.deepEqual((await diff(commandTable, C, outs, { ...cmd, triggers: ["v2"] })).replaces, ["triggers"]);
            assert.deepEqual((await diff(commandTable, C, outs, { ...cmd, stdin: "echo other" })).replaces, []);
            assert.equal((await diff(commandTable, C, outs, { ...cmd, stdin: "echo other" })).changes, true);
        });

        it("tls PrivateKey ED25519: real keys in the upstream formats that ssh-keygen and openssl accept; algorithm replaces", async () => {
            const K = "tls:index/privateKey:PrivateKey";
            const { outs, id } = await created(tlsTable, K, { algorithm: "ED25519" });
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-tls-"));
            try {
                const priv = path.join(dir, "key");
                fs.writeFileSync(priv, outs.privateKeyOpenssh as string, { mode: 0o600 });
                // ssh-keygen -y derives the public key from the OpenSSH private key: both halves agree.
                const derived = execFileSync("ssh-keygen", ["-y", "-f", priv], { encoding: "utf8" }).trim();
                assert.equal(derived, (outs.publicKeyOpenssh as string).trim());
                fs.writeFileSync(`${priv}.pub`, outs.publicKeyOpenssh as string);
                const fp = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${priv}.pub`], { encoding: "utf8" });
                assert.ok(fp.includes(outs.publicKeyFingerprintSha256 as string), fp);
                const md5 = execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", `${priv}.pub`], { encoding: "utf8" });
                assert.ok(md5.includes(`MD5:${outs.publicKeyFingerprintMd5}`), md5);
                fs.writeFileSync(path.join(dir, "pkcs8.pem"), outs.privateKeyPem as string);
                const pub = execFileSync("openssl", ["pkey", "-in", path.join(dir, "pkcs8.pem"), "-pubout"], { encoding: "utf8" });
                assert.equal(pub, outs.publicKeyPem);
                const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "DER"], { input: pub });
                assert.equal(id, require("node:crypto").createHash("sha1").update(der).digest("hex"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            assert.deepEqual((await diff(tlsTable, K, outs, { algorithm: "ED25519", rsaBits: 4096 })).replaces, ["rsaBits"]);
            assert.deepEqual(await diff(tlsTable, K, outs, { algorithm: "ED25519" }), { changes: false, replaces: [], deleteBeforeReplace: false });
            const rsa = await standinProvider(tlsTable).check!(urn(K), {}, { algorithm: "RSA" });
            assert.match(rsa.failures![0]!.reason, /ED25519 keys only/);
            const upd = await standinProvider(tlsTable).update!(id, urn(K), outs, { algorithm: "ED25519" });
            assert.equal(upd.outs.privateKeyOpenssh, outs.privateKeyOpenssh, "an update regenerated the key");
        });
    });

    describe("read and drift", () => {
        const T = "hcloud:index/firewall:Firewall";
        let file: string;
        before(() => {
            file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "standin-drift-")), "drift.json");
        });
        afterEach(() => delete process.env.DAARION_STANDIN_DRIFT);
        after(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

        it("read returns the stored state when no drift is injected", async () => {
            const props = { name: "fw", labels: { a: "1" } };
            assert.deepEqual(await standinProvider(hcloudTable).read!("7", urn(T, "fw"), props), { id: "7", props });
        });

        it("read overlays the injected properties, by URN or by type::name, and reports a deleted resource", async () => {
            process.env.DAARION_STANDIN_DRIFT = file;
            fs.writeFileSync(file, JSON.stringify({ [`${T}::fw`]: { labels: { a: "2" } }, [urn(T, "gone")]: null }));
            const p = standinProvider(hcloudTable);
            assert.deepEqual(await p.read!("7", urn(T, "fw"), { name: "fw", labels: { a: "1" } }), { id: "7", props: { name: "fw", labels: { a: "2" } } });
            assert.deepEqual(await p.read!("8", urn(T, "gone"), { name: "gone" }), { id: "", props: {} });
            assert.deepEqual(await p.read!("9", urn(T, "other"), { name: "other" }), { id: "9", props: { name: "other" } });
        });
    });

    it("an unknown type fails with the table to extend", async () => {
        await assert.rejects(standinProvider(hcloudTable).check!(urn("hcloud:index/loadBalancer:LoadBalancer"), {}, {}), /no table for type hcloud:index\/loadBalancer:LoadBalancer .*standins\/hcloud\.ts/);
    });
});
