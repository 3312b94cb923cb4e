/**
 * The ingress module inside the whole program (offline, under mocks), and `haproxy -c` on the
 * haproxy.cfg it produces for this repository's topology.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { certificatePem, certificateSecretKey, ingressBackends, ingressModule, ingressStackSecretKeys, recordName } from "../../components/ingress/module";
import { haproxyContainerConfig, HAPROXY_CONFIG_PATH } from "../../components/ingress/workload";
import { hostResolver, localResolver } from "../../components/workload/addresses";
import { SIG_KEY } from "../../components/secrets/signature";
import { evaluateUnderMocks, Evaluation, reveal } from "../../offline/render";
import { labelsOf } from "../../offline/write";
import { MODULES } from "../../stacks/modules";
import { deployPlatform } from "../../stacks/program";
import { Topology } from "../../stacks/schema";
import { makeTempDir, requireBinary, run } from "../support/process";
import { container, containersOf } from "../support/resources";
import { committedConfig, loadedStack } from "../support/topology";
import { makeCert } from "./support";

async function evaluate(stack: string, stackSecrets: Record<string, string>): Promise<Evaluation> {
    const { project } = committedConfig(stack);
    const loaded = loadedStack(stack);
    const modules = MODULES.includes(ingressModule) ? MODULES : [...MODULES, ingressModule];
    // The committed topology pulls private app images, so every stack also holds the registry credentials.
    const secrets: Record<string, string> = { registryUsername: "ci", registryPassword: "ci-password", ...stackSecrets };
    return evaluateUnderMocks({ project, stack }, () => deployPlatform(loaded, { modules, stackSecrets: pulumi.secret(secrets), stackSecretKeys: new Set(Object.keys(secrets)), warn: () => undefined }));
}

describe("ingress module: HAProxy in the program", function () {
    this.timeout(120_000);
    let topology: Topology;
    let certs: Record<string, string>;

    before(() => {
        topology = loadedStack("node1").topology;
        certs = Object.fromEntries(ingressStackSecretKeys(topology, "node1").map((k) => [k, `-----BEGIN CERTIFICATE-----\n${k}\n-----END CERTIFICATE-----\n`]));
    });

    it("names one stack secret per public host, dots replaced (config --path splits on dots)", () => {
        assert.deepEqual(ingressStackSecretKeys(topology, "node1"), ["tls-gateway-daarion-city", "tls-daedalus-ouranos-helu-ca"]);
        assert.deepEqual(ingressStackSecretKeys(topology, "node3"), []);
        assert.equal(certificateSecretKey("daedalus.ouranos.helu.ca"), "tls-daedalus-ouranos-helu-ca");
    });

    it("routes to every active instance, the standby as backup, Daedalus through its nginx", () => {
        assert.deepEqual(ingressBackends(topology, hostResolver({ node1: "10.10.2.11", node2: "10.10.1.12", node3: "10.10.1.13" })), [
            {
                name: "gateway",
                healthPath: "/health",
                servers: [
                    { name: "node1", address: "10.10.2.11", port: 9300 },
                    { name: "node2", address: "10.10.1.12", port: 9300 },
                    { name: "node3", address: "10.10.1.13", port: 9300 },
                ],
            },
            { name: "daedalus", healthPath: "/api/health", servers: [{ name: "node1", address: "10.10.2.11", port: 22181 }] },
        ]);
        const router = ingressBackends({ ...topology, ingress: { nodes: ["node1"], hosts: [{ domain: "router.daarion.city", service: "router" }] } }, localResolver());
        // The router is a failover group (failover.groups.router): each server is checked at its
        // node's agent, /ready/router (issue 12; test/ingress/agent-readiness.test.ts).
        assert.deepEqual(router, [
            {
                name: "router",
                healthPath: "/ready/router",
                servers: [
                    { name: "node1", address: "node1-router", port: 9102, checkAt: { address: "node1-agent", port: 9700 } },
                    { name: "node2", address: "node2-router", port: 9102, backup: true, checkAt: { address: "node2-agent", port: 9700 } },
                ],
            },
        ]);
    });

    it("deploys HAProxy on node1 with public 80/443, stats on the private IP, secret certificates", async () => {
        const e = await evaluate("node1", certs);
        const haproxy = container(e, "node1", "haproxy");
        assert.deepEqual(reveal(haproxy.inputs.ports), [
            { internal: 80, external: 80, ip: "0.0.0.0", protocol: "tcp" },
            { internal: 443, external: 443, ip: "0.0.0.0", protocol: "tcp" },
            { internal: 8404, external: 8404, ip: "10.10.2.11", protocol: "tcp" },
        ]);
        const uploads = reveal(haproxy.inputs.uploads) as { file: string; content: string }[];
        assert.deepEqual(uploads.map((u) => u.file), [HAPROXY_CONFIG_PATH, "/usr/local/etc/haproxy/certs/gateway.daarion.city.pem", "/usr/local/etc/haproxy/certs/daedalus.ouranos.helu.ca.pem"]);
        assert.equal(uploads[1]!.content, certs["tls-gateway-daarion-city"]);
        assert.match(uploads[0]!.content, /^ {4}http-request deny deny_status 403 if host_daedalus_ouranos_helu_ca \{ path,url_dec,regsub\(\/\+,\/,g\) -m beg \/metrics \}$/m);
        assert.match(uploads[0]!.content, /^ {4}stats auth admin:RENDERSECRET/m);
        const raw = haproxy.inputs.uploads as unknown[];
        assert.ok(JSON.stringify(raw).includes(SIG_KEY), "uploads must be secret");
    });

    it("refuses to deploy without a certificate, naming the stack secret", async () => {
        await assert.rejects(evaluate("node1", {}), /Pulumi\.node1\.yaml: daarion:secrets\.tls-gateway-daarion-city: missing secret/);
    });

    it("deploys one HAProxy on the local engine, none for nodes the topology does not name", async () => {
        const e = await evaluate("local", certs);
        const nodes = containersOf(e, { workload: "haproxy" }).map((c) => labelsOf(c)["daarion.node"]);
        assert.deepEqual(nodes, ["node1"], "one HAProxy on the local engine: 80/443 exist once on 127.0.0.1");
    });

    it("fails the deployment, naming the stack-secret key, when a certificate is missing", async () => {
        const pem = certificatePem(pulumi.secret<Record<string, string>>({ "tls-other": "x" }), "gateway.daarion.city", "node1") as unknown as { promise(): Promise<string> };
        await assert.rejects(pem.promise(), /no TLS certificate for gateway\.daarion\.city in Pulumi\.node1\.yaml: pulumi config set --secret --path 'daarion:secrets\.tls-gateway-daarion-city'/);
        const ok = certificatePem(pulumi.secret<Record<string, string>>({ "tls-gateway-daarion-city": "PEM" }), "gateway.daarion.city", "node1") as unknown as { promise(): Promise<string>; isSecret: Promise<boolean> };
        assert.equal(await ok.promise(), "PEM");
        assert.equal(await ok.isSecret, true);
    });

    it("derives DNS record names inside the zone", () => {
        assert.equal(recordName("gateway.daarion.city", "daarion.city"), "gateway");
        assert.equal(recordName("daarion.city", "daarion.city"), "@");
        assert.equal(recordName("daedalus.ouranos.helu.ca", "daarion.city"), undefined);
        assert.equal(recordName("evildaarion.city", "daarion.city"), undefined);
    });

    it("haproxy -c accepts the configuration rendered for this topology", () => {
        const haproxy = requireBinary("haproxy");
        const dir = makeTempDir("ingress-topology");
        try {
            const hosts = topology.ingress!.hosts.map((h) => {
                makeCert(dir, h.domain);
                return { host: h.domain, backend: h.service, pem: "", ...(h.service === "daedalus" ? { denyPaths: ["/metrics"] } : {}) };
            });
            for (const resolver of [hostResolver({ node1: "10.10.2.11", node2: "10.10.1.12", node3: "10.10.1.13" }), localResolver()]) {
                const text = haproxyContainerConfig(
                    { hosts, backends: ingressBackends(topology, resolver), statsUser: "admin", ...(resolver.kind === "local" ? { resolvers: ["127.0.0.11:53"] } : {}) },
                    "pw",
                    dir,
                );
                const file = path.join(dir, `haproxy-${resolver.kind}.cfg`);
                fs.writeFileSync(file, text);
                run(haproxy, ["-c", "-q", "-f", file]);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
