/**
 * The pack as the engine runs it: a real policy-pack process speaking the analyzer gRPC protocol,
 * plus the factory contract (names, levels, options).
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { daarionPolicies, firewallSshAdminOnly, imagePinnedByDigest } from "../../policy/policies";
import { TYPES } from "../../policy/lib/resource";
import { run } from "../support/process";
import { PolicyPackServer, secret, SECRET_SIG, SIG_KEY, UNKNOWN_STRING, EngineResource } from "./engine";
import { DIGEST, labels, NGINX_CONF } from "./fixtures";

const REPO = path.resolve(__dirname, "..", "..");

function postgres(overrides: Record<string, unknown> = {}): EngineResource {
    return {
        type: TYPES.container,
        name: "node1-postgres",
        props: {
            name: "node1-postgres",
            image: `docker.io/library/postgres@${DIGEST}`,
            envs: secret(["POSTGRES_USER=daarion", "POSTGRES_PASSWORD=Xq7vR2pL9sT4wK8mN3bZ"]),
            labels: labels({ "daarion.node": "node1", "daarion.service": "postgres", "daarion.role": "primary" }),
            ports: [{ internal: 5432, external: 5432, ip: "10.0.1.11" }],
            memory: 2048,
            healthcheck: { tests: ["CMD", "pg_isready"] },
            ...overrides,
        },
    };
}

describe("policy pack: factories", () => {
    it("has at least 15 policies with unique names and explicit enforcement levels", () => {
        const policies = daarionPolicies();
        assert.ok(policies.length >= 15, `${policies.length} policies`);
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
        for (const p of policies) assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel!), p.name);
        assert.equal(policies.find((p) => p.name === "docker-image-pinned-by-digest")!.enforcementLevel, "advisory");
        assert.equal(policies.find((p) => p.name === "nats-jetstream-quorum")!.enforcementLevel, "advisory");
    });
    it("factories take an enforcement level and config defaults", () => {
        assert.equal(imagePinnedByDigest({ enforcementLevel: "mandatory" }).enforcementLevel, "mandatory");
        const ssh = firewallSshAdminOnly({ config: { adminCidrs: ["198.51.100.0/24"] } });
        assert.deepEqual(ssh.configSchema!.properties.adminCidrs, {
            type: "array",
            items: { type: "string" },
            description: "CIDRs allowed to reach SSH (admins, CI runners, bastion)",
            default: ["198.51.100.0/24"],
        });
        const set = daarionPolicies({ "docker-healthcheck": { enforcementLevel: "advisory" } });
        assert.equal(set.find((p) => p.name === "docker-healthcheck")!.enforcementLevel, "advisory");
        assert.throws(() => daarionPolicies({ "no-such-policy": {} }), /unknown policy name\(s\) no-such-policy/);
    });
    it("the pack type-checks standalone with policy/tsconfig.json", function () {
        this.timeout(120_000);
        run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(REPO, "policy", "tsconfig.json"), "--noEmit"]);
    });
});

describe("policy pack: served over the analyzer protocol", function () {
    this.timeout(90_000);
    let pack: PolicyPackServer;

    before(async () => {
        pack = await PolicyPackServer.start();
    });
    after(async () => {
        await pack?.stop();
    });
    beforeEach(async () => {
        await pack.configure({ "hcloud-firewall-ssh-admin-only": { enforcementLevel: "mandatory", adminCidrs: ["203.0.113.0/24"] } });
    });

    it("describes every policy with its enforcement level", async () => {
        const info = await pack.info();
        assert.equal(info.getName(), "daarion");
        const names = info.getPoliciesList().map((p) => p.getName());
        assert.deepEqual(names, daarionPolicies().map((p) => p.name));
    });

    it("a hardened container passes every resource policy", async () => {
        assert.deepEqual(await pack.analyze(postgres()), []);
    });

    it("seed 001's WHOOSH quick fix (docker.sock mount) is a mandatory violation", async () => {
        const whoosh = postgres({
            name: "node1-whoosh",
            labels: labels({ "daarion.node": "node1", "daarion.service": "whoosh", "daarion.role": "primary" }),
            volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }],
        });
        const d = await pack.analyze({ ...whoosh, name: "node1-whoosh" });
        assert.deepEqual(d.map((x) => [x.policyName, x.enforcementLevel]), [["docker-no-docker-socket", "mandatory"]]);
        assert.match(d[0].message, /\/var\/run\/docker\.sock/);
    });

    it("unknown values at preview neither crash nor fail the policies that read them", async () => {
        const d = await pack.analyze(postgres({ ports: [{ internal: 5432, external: 5432, ip: UNKNOWN_STRING }], envs: UNKNOWN_STRING }));
        assert.deepEqual(d, []);
    });

    it("sees through secrets: a default password inside a secret is still flagged, without echoing it", async () => {
        const d = await pack.analyze(postgres({ envs: secret(["POSTGRES_PASSWORD=postgres"]) }));
        assert.deepEqual(d.map((x) => x.policyName), ["docker-credential-env"]);
        assert.doesNotMatch(d[0].message, /=postgres/);
    });

    it("pack config reaches the rules (ssh admin CIDRs) and advisory policies report as advisory", async () => {
        const fw: EngineResource = {
            type: TYPES.hcloudFirewall,
            name: "node2-fw",
            props: {
                rules: [
                    { direction: "in", protocol: "tcp", port: "22", sourceIps: ["203.0.113.0/24"] },
                    { direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0"] },
                ],
            },
        };
        assert.deepEqual(await pack.analyze(fw), []);
        await pack.configure({ "hcloud-firewall-ssh-admin-only": { adminCidrs: ["198.51.100.0/24"] } });
        const d = await pack.analyze(fw);
        assert.deepEqual(d.map((x) => x.policyName), ["hcloud-firewall-ssh-admin-only"]);
        const tagged = await pack.analyze(postgres({ image: "postgres:16" }));
        assert.deepEqual(tagged.map((x) => [x.policyName, x.enforcementLevel]), [["docker-image-pinned-by-digest", "advisory"]]);
    });

    it("an ingress gateway passes; the same gateway proxying plaintext on :80 fails TLS", async () => {
        const gateway = (conf: string): EngineResource => ({
            type: TYPES.container,
            name: "node3-gateway",
            props: {
                image: `nginx@${DIGEST}`,
                labels: labels({ "daarion.node": "node3", "daarion.service": "gateway", "daarion.role": "edge", "daarion.ingress": "true" }),
                ports: [
                    { internal: 80, external: 80, ip: "0.0.0.0" },
                    { internal: 443, external: 443, ip: "0.0.0.0" },
                ],
                memory: 256,
                healthcheck: { tests: ["CMD", "nginx", "-t"] },
                uploads: [{ file: "/etc/nginx/nginx.conf", content: conf }],
            },
        });
        assert.deepEqual(await pack.analyze(gateway(NGINX_CONF)), []);
        const plain = NGINX_CONF.replace("return 301 https://$host$request_uri;", "proxy_pass http://10.0.1.11:8080;");
        assert.deepEqual((await pack.analyze(gateway(plain))).map((x) => x.policyName), ["docker-ingress-tls"]);
    });

    it("stack policies resolve server links through property dependencies", async () => {
        const serverUrn = "urn:pulumi:node2::daarion::hcloud:index/server:Server::node2";
        const server: EngineResource = {
            type: TYPES.hcloudServer,
            name: "node2",
            urn: serverUrn,
            protect: true,
            ignoreChanges: ["userData", "image"],
            props: { serverType: "cx32", deleteProtection: true, rebuildProtection: true, firewallIds: UNKNOWN_STRING, networks: [] },
        };
        const network: EngineResource = {
            type: TYPES.hcloudServerNetwork,
            name: "node2-private",
            props: { serverId: UNKNOWN_STRING, subnetId: "1-10.0.1.0/24" },
            dependencies: [serverUrn],
            propertyDependencies: { serverId: [serverUrn] },
        };
        assert.deepEqual(await pack.analyzeStack([server, network]), []);
        const d = await pack.analyzeStack([server]);
        assert.deepEqual(d.map((x) => [x.policyName, x.urn]), [["hcloud-server-firewall-and-private-network", serverUrn]]);
    });

    it("stack topology: a PostgreSQL replica on the primary's node is a mandatory violation", async () => {
        const replica = postgres({ labels: labels({ "daarion.node": "node1", "daarion.service": "postgres", "daarion.role": "replica" }) });
        // The fixture's digest is in no image catalogue entry, so docker-image-contract also reports
        // both containers; that policy has its own tests (test/images/policy.test.ts).
        const d = (await pack.analyzeStack([postgres(), { ...replica, name: "node1-postgres-replica" }])).filter((x) => x.policyName !== "docker-image-contract");
        assert.deepEqual(d.map((x) => x.policyName).sort(), ["postgres-replica-placement", "replicas-spread-across-nodes"]);
        assert.ok(d.every((x) => x.enforcementLevel === "mandatory"));
    });

    it("stateful types added through pack config are enforced", async () => {
        const bucket: EngineResource = { type: "pulumi-nodejs:dynamic/custom:Bucket", name: "b", props: { name: "b" } };
        assert.deepEqual(await pack.analyze(bucket), []);
        await pack.configure({ "stateful-resources-protected": { extraTypes: ["pulumi-nodejs:dynamic/custom:Bucket"] } });
        assert.deepEqual((await pack.analyze(bucket)).map((x) => x.policyName), ["stateful-resources-protected"]);
    });

    it("remediation marks plaintext credential envs secret, and leaves secret envs alone", async () => {
        await pack.configure({ "docker-credential-env": { enforcementLevel: "remediate" } });
        const plain = postgres({ envs: ["POSTGRES_USER=daarion", "POSTGRES_PASSWORD=Xq7vR2pL9sT4wK8mN3bZ"], healthcheck: secret({ tests: ["CMD", "true"] }) });
        const result = await pack.remediate(plain);
        const props = result["docker-credential-env"]!;
        assert.deepEqual(props.envs, { [SIG_KEY]: SECRET_SIG, value: ["POSTGRES_USER=daarion", "POSTGRES_PASSWORD=Xq7vR2pL9sT4wK8mN3bZ"] });
        // Other secrets survive the round trip.
        assert.deepEqual(props.healthcheck, { [SIG_KEY]: SECRET_SIG, value: { tests: ["CMD", "true"] } });
        assert.deepEqual(await pack.remediate(postgres()), {});
        assert.deepEqual(await pack.remediate(postgres({ envs: ["PGDATA=/data"] })), {});
    });
});
