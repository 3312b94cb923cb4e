/**
 * Layer 2 under Pulumi mocks: a node's Docker provider is used only after the readiness check, every
 * SSH connection pins the same host key, networks carry the private MTU, engines get registry
 * credentials. The ssh options are parsed by the real OpenSSH client (`ssh -G`), which prints the
 * effective configuration without connecting.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { dockerMountDropIn, DOCKER_DROP_IN_PATH, renderCloudInit } from "../../components/node/cloud-init";
import { Node } from "../../components/node";
import { firewallRules } from "../../components/node/firewall";
import { pinnedSshOpts } from "../../components/node/host-key";
import { localDockerEndpoint } from "../../components/node/local-endpoint";
import { renderPublicFirewall } from "../../components/node/nftables";
import { registryHost, undeclaredRegistries } from "../../components/node/registry";
import { evaluateUnderMocks, Evaluation, isSecretValue, reveal } from "../../offline/render";
import { deployPlatform } from "../../stacks/program";
import type { NodeSpec } from "../../stacks/schema";
import { makeTempDir, requireBinary, startProcess, stopAllProcesses, waitForTcp } from "../support/process";
import { resource } from "../support/resources";
import { loadedStack } from "../support/topology";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINrT1Mf9othGpcqdqVk6sASCuSkzBYZqUu3Z11mwyh+O";

const HCLOUD: NodeSpec = {
    role: "replica",
    privateIp: "10.10.1.12",
    provisioner: { kind: "hcloud", serverType: "ccx33", location: "fsn1", image: "ubuntu-24.04", volumeSizeGb: 200, sshUser: "root" },
    runtime: { herodb: true, postgrest: false },
    labels: {},
};
const DEDICATED: NodeSpec = {
    ...HCLOUD,
    role: "primary",
    privateIp: "10.10.2.11",
    provisioner: { kind: "dedicated", product: "GEX44", address: "203.0.113.10", sshUser: "root", hostKey: HOST_KEY, uplink: "enp0s31f6" },
};

/** Evaluate `program`, recording the names each resource dependsOn (the offline recorder keeps no dependsOn). */
async function withDependencies(stack: string, program: () => void): Promise<{ ev: Evaluation; deps: Map<string, string[]> }> {
    const deps = new Map<string, string[]>();
    const ev = await evaluateUnderMocks({ project: "daarion", stack }, () => {
        pulumi.runtime.registerStackTransformation((args) => {
            const on = args.opts.dependsOn;
            const list = Array.isArray(on) ? on : on ? [on] : [];
            deps.set(args.name, list.map((r) => String((r as unknown as { __name?: string }).__name)));
            return undefined;
        });
        program();
    });
    return { ev, deps };
}

/** The effective client config OpenSSH computes from the options, without connecting. */
function sshEffective(opts: string[], target: string): Map<string, string> {
    const ssh = requireBinary("ssh");
    const r = spawnSync(ssh, ["-G", "-F", "/dev/null", ...opts, target], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const map = new Map<string, string>();
    for (const line of r.stdout.split("\n")) {
        const i = line.indexOf(" ");
        if (i > 0) map.set(line.slice(0, i), line.slice(i + 1));
    }
    return map;
}

describe("node readiness before the Docker provider (mocks)", () => {
    it("hcloud: one generated host key, installed by cloud-init, pinned by the readiness check and the provider", async () => {
        const { ev, deps } = await withDependencies("node2", () => {
            new Node("node2", { nodeName: "node2", spec: HCLOUD, adminCidrs: ["198.51.100.0/28"], network: { networkId: 7, placementGroupId: 9 } });
        });
        // The provider is configured only after the check, the check only after server, volume and NIC.
        assert.deepEqual(deps.get("node2-docker"), ["node2-ready"]);
        assert.deepEqual(deps.get("node2-ready"), ["node2-server", "node2-data-attachment", "node2-private"]);
        assert.equal(resource(ev, "tls:index/privateKey:PrivateKey", "node2-host-key").inputs.algorithm, "ED25519");

        const server = resource(ev, "hcloud:index/server:Server", "node2-server");
        const address = "203.0.113.190";
        const cloudInit = parse(String(reveal(server.inputs.userData)).replace(/^#cloud-config\n/, ""));
        const publicKey = String(cloudInit.ssh_keys.ed25519_public);
        assert.match(publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+$/);
        assert.deepEqual(cloudInit.ssh_genkeytypes, [], "no other host key types are generated");

        const ready = resource(ev, "command:remote:Command", "node2-ready");
        const connection = reveal(ready.inputs.connection) as { host: string; user: string; hostKey: string };
        assert.deepEqual({ host: connection.host, user: connection.user, hostKey: connection.hostKey }, { host: address, user: "root", hostKey: publicKey });
        assert.equal(ready.inputs.create, "bash -s");
        assert.match(String(ready.inputs.stdin), /cloud-init status --wait/);

        const provider = resource(ev, "pulumi:providers:docker", "node2-docker");
        assert.equal(provider.inputs.host, `ssh://root@${address}`);
        const opts = JSON.parse(String(provider.inputs.sshOpts)) as string[];
        assert.deepEqual(opts, pinnedSshOpts(publicKey));
        assert.ok(!opts.some((o) => /StrictHostKeyChecking=(no|accept-new|off)/.test(o)), "never accepts a key blindly");
    });

    it("dedicated: pins the configured host key, checks GPU, uplink, firewall; emits the nftables host file", async () => {
        let node: Node | undefined;
        const { ev, deps } = await withDependencies("node1", () => {
            node = new Node("node1", {
                nodeName: "node1",
                spec: DEDICATED,
                adminCidrs: ["198.51.100.0/28"],
                ingress: true,
                gpuServices: true,
                vswitch: { vlan: 4000, subnet: "10.10.2.0/24", networkCidr: "10.10.0.0/16" },
            });
        });
        assert.deepEqual(deps.get("node1-docker"), ["node1-ready"]);
        const ready = resource(ev, "command:remote:Command", "node1-ready");
        assert.equal((reveal(ready.inputs.connection) as { hostKey: string }).hostKey, HOST_KEY);
        const script = String(ready.inputs.stdin);
        for (const piece of ["nvidia-container-runtime-hook", "uplink='enp0s31f6'", "fw_table='daarion_public'", "max_mtu=1400"]) assert.ok(script.includes(piece), piece);
        assert.equal(node!.readinessSpec!.dataMount, undefined, "no data mount configured, none checked");
        const nft = node!.hostFiles.find((f) => f.path === "/etc/nftables.d/daarion-public.nft");
        assert.ok(nft, "firewall host file");
        assert.equal(nft.content, renderPublicFirewall("enp0s31f6", firewallRules(["198.51.100.0/28"], true)));
        const netplan = parse(node!.hostFiles.find((f) => f.path === "/etc/netplan/60-daarion-vswitch.yaml")!.content);
        assert.equal(netplan.network.vlans.vlan4000.link, "enp0s31f6", "the uplink comes from config, not a hard-coded name");
    });

    it("Docker networks carry the private network's MTU per node kind", async () => {
        const { ev } = await withDependencies("mtu", () => {
            new Node("node1", { nodeName: "node1", spec: DEDICATED, adminCidrs: ["198.51.100.0/28"] });
            new Node("node2", { nodeName: "node2", spec: HCLOUD, adminCidrs: ["198.51.100.0/28"], network: { networkId: 7, placementGroupId: 9 } });
            new Node("node3", { nodeName: "node3", spec: HCLOUD, adminCidrs: ["198.51.100.0/28"], forceLocal: true });
        });
        const mtu = (n: string) => (resource(ev, "docker:index/network:Network", `${n}-network`).inputs.options as Record<string, string>)["com.docker.network.driver.mtu"];
        assert.deepEqual([mtu("node1"), mtu("node2"), mtu("node3")], ["1400", "1450", undefined]);
        assert.equal(ev.resources.some((r) => r.name === "node3-ready"), false, "the local engine needs no readiness check");
    });

    it("the OpenSSH client parses the pinning options as meant", () => {
        const eff = sshEffective(pinnedSshOpts(HOST_KEY), "root@203.0.113.10");
        assert.equal(eff.get("stricthostkeychecking"), "true");
        assert.equal(eff.get("userknownhostsfile"), "/dev/null");
        assert.equal(eff.get("globalknownhostsfile"), "/dev/null");
        assert.equal(eff.get("hostkeyalgorithms"), "ssh-ed25519");
        assert.equal(eff.get("knownhostscommand"), `/bin/echo %H ${HOST_KEY}`);
        assert.throws(() => pinnedSshOpts("not a key"), /not an SSH public host key/);
    });

    it("cloud-init keeps Docker down without its data volume and sets the daemon's MTU", () => {
        const text = renderCloudInit({ volumeId: "42", privateIp: "10.10.1.12", nodeName: "node2", hostKey: { privateKeyOpenssh: "PRIVATE", publicKeyOpenssh: `${HOST_KEY}\n` } });
        const doc = parse(text.replace(/^#cloud-config\n/, ""));
        const dropIn = doc.write_files.find((f: { path: string }) => f.path === DOCKER_DROP_IN_PATH);
        assert.equal(dropIn.content, dockerMountDropIn("/mnt/data"));
        assert.match(dropIn.content, /^\[Unit\]\nRequiresMountsFor=\/mnt\/data\n$/m);
        const daemon = JSON.parse(doc.write_files.find((f: { path: string }) => f.path === "/etc/docker/daemon.json").content);
        assert.deepEqual({ root: daemon["data-root"], mtu: daemon.mtu }, { root: "/mnt/data/docker", mtu: 1450 });
        assert.deepEqual(doc.ssh_keys, { ed25519_private: "PRIVATE", ed25519_public: HOST_KEY });
        // daemon-reload comes before docker is (re)started, so the drop-in is in force.
        const runcmd = doc.runcmd.map((c: string[]) => c.join(" "));
        assert.ok(runcmd.indexOf("systemctl daemon-reload") < runcmd.indexOf("systemctl restart docker"));
    });
});

describe("node1's public firewall ruleset", () => {
    it("is accepted by the real nft (check mode, nothing is loaded), and a broken one is not", () => {
        const nft = requireBinary("nft");
        const dir = makeTempDir("nft");
        try {
            const file = path.join(dir, "daarion-public.nft");
            const text = renderPublicFirewall("enp0s31f6", firewallRules(["198.51.100.0/28", "2001:db8::/48"], true));
            fs.writeFileSync(file, text);
            const ok = spawnSync(nft, ["-c", "-f", file], { encoding: "utf8" });
            assert.equal(ok.status, 0, ok.stderr);
            assert.match(text, /ip saddr \{ 198\.51\.100\.0\/28 \} tcp dport 22 accept/);
            assert.match(text, /ip6 saddr \{ 2001:db8::\/48 \} tcp dport 22 accept/);
            assert.match(text, /iifname != "enp0s31f6" accept/, "only the public uplink is filtered; the vSwitch VLAN is another interface");
            fs.writeFileSync(file, text.replace("tcp dport 22", "tcp dport twentytwo"));
            assert.notEqual(spawnSync(nft, ["-c", "-f", file]).status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("registry credentials on every Docker provider", () => {
    const all = (stack: string, extra: Record<string, string> = {}) => {
        const secrets: Record<string, string> = { "tls-gateway-daarion-city": "x", "tls-daedalus-ouranos-helu-ca": "x", ...extra };
        return { stackSecrets: pulumi.secret(secrets), stackSecretKeys: new Set(Object.keys(secrets)), warn: () => undefined };
    };

    it("node1's engine pulls registry.daarion.city with the stack's credentials", async () => {
        const ev = await evaluateUnderMocks({ project: "daarion", stack: "node1" }, () => deployPlatform(loadedStack("node1"), all("node1", { registryUsername: "puller", registryPassword: "s3cret" })));
        const provider = resource(ev, "pulumi:providers:docker", "node1-docker");
        // Provider config reaches the engine JSON-encoded; the password makes the whole value secret.
        assert.equal(isSecretValue(provider.inputs.registryAuth), true);
        assert.deepEqual(JSON.parse(String(reveal(provider.inputs.registryAuth))), [{ address: "registry.daarion.city", username: "puller", password: "s3cret" }]);
    });

    it("missing credentials for the private registry: one line per key, nothing declared", async () => {
        await assert.rejects(
            evaluateUnderMocks({ project: "daarion", stack: "node3" }, () => deployPlatform(loadedStack("node3"), all("node3", { registryUsername: "puller" }))),
            (err: Error) => {
                const lines = err.message.split("\n").filter((l) => l.startsWith("  - "));
                assert.deepEqual(lines, [
                    "  - Pulumi.node3.yaml: daarion:secrets.registryPassword: missing secret; set it with: pulumi config set --secret --path 'daarion:secrets.registryPassword' --stack node3 -- <value>",
                ]);
                return true;
            },
        );
    });

    it("an image from an undeclared private registry is a config error naming its key", () => {
        const t = loadedStack("node1").topology;
        assert.deepEqual(undeclaredRegistries(t), []);
        const findings = undeclaredRegistries({ ...t, registry: undefined });
        assert.equal(findings[0]!.path, "services.gateway.image");
        assert.match(findings[0]!.message, /registry\.daarion\.city, which is not a known public registry; declare it as registry\.server/);
        assert.deepEqual([registryHost("postgres"), registryHost("docker.io/library/postgres"), registryHost("ghcr.io/coollabsio/minio"), registryHost("localhost:5000/x")], ["docker.io", "docker.io", "ghcr.io", "localhost:5000"]);
    });

    it("a GPU container on a node without a placed GPU service is refused before it is declared", async () => {
        const config = loadedStack("node2");
        await assert.rejects(
            evaluateUnderMocks({ project: "daarion", stack: "node2" }, () =>
                deployPlatform(config, {
                    ...all("node2", { registryUsername: "u", registryPassword: "p" }),
                    modules: [{ name: "gpu-probe", deployNode: (ctx) => void ctx.deploy({ name: "probe", service: "probe", role: "active", image: { repository: "docker.io/library/busybox", tag: "1.37" }, gpu: true, memoryMb: 64, probe: { check: { exec: ["true"] } } }) }],
                }),
            ),
            /workload 'probe' on node2 requests a GPU, but no GPU service of daarion:topology.services is placed there/,
        );
    });
});

describe("local engine endpoint", () => {
    it("follows the Docker CLI's precedence and never hard-wires a socket", () => {
        const cfg = JSON.stringify({ currentContext: "desktop-linux" });
        assert.deepEqual(localDockerEndpoint("unix:///run/user/1000/docker.sock", { DOCKER_HOST: "tcp://x:2375" }, cfg), { host: "unix:///run/user/1000/docker.sock" });
        assert.deepEqual(localDockerEndpoint(undefined, { DOCKER_HOST: "tcp://x:2375" }, cfg), {}, "the provider reads DOCKER_HOST itself");
        assert.deepEqual(localDockerEndpoint(undefined, { DOCKER_CONTEXT: "colima" }, cfg), {}, "the provider reads DOCKER_CONTEXT itself");
        assert.deepEqual(localDockerEndpoint(undefined, {}, cfg), { context: "desktop-linux" });
        assert.deepEqual(localDockerEndpoint(undefined, {}, JSON.stringify({ currentContext: "default" })), {});
        assert.deepEqual(localDockerEndpoint(undefined, {}, undefined), {});
        assert.deepEqual(localDockerEndpoint(undefined, {}, "{not json"), {});
    });
});

describe("host-key pinning against a real sshd on 127.0.0.1", function () {
    this.timeout(60_000);
    const PORT = 42_000 + (process.pid % 1000);
    let dir: string;
    let hostKey: string;
    let otherKey: string;
    before(async () => {
        dir = makeTempDir("sshd");
        const keygen = requireBinary("ssh-keygen");
        for (const k of ["host", "other", "client"]) spawnSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(dir, k)]);
        const pub = (k: string) => fs.readFileSync(path.join(dir, `${k}.pub`), "utf8").trim();
        hostKey = pub("host");
        otherKey = pub("other");
        fs.writeFileSync(path.join(dir, "authorized_keys"), `${pub("client")}\n`);
        fs.writeFileSync(
            path.join(dir, "sshd_config"),
            [
                "ListenAddress 127.0.0.1",
                `Port ${PORT}`,
                `HostKey ${path.join(dir, "host")}`,
                `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "PidFile none",
                "",
            ].join("\n"),
        );
        // sshd refuses to start without its privilege-separation directory (Debian: /run/sshd).
        fs.mkdirSync("/run/sshd", { recursive: true });
        startProcess("sshd", requireBinary("sshd"), ["-D", "-e", "-f", path.join(dir, "sshd_config")]);
        await waitForTcp("127.0.0.1", PORT);
    });
    after(async () => {
        await stopAllProcesses();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const connect = (pinned: string) =>
        spawnSync(requireBinary("ssh"), ["-F", "/dev/null", "-p", String(PORT), "-i", path.join(dir, "client"), "-o", "BatchMode=yes", ...pinnedSshOpts(pinned), `${os.userInfo().username}@127.0.0.1`, "echo", "pinned-ok"], {
            encoding: "utf8",
            timeout: 20_000,
        });

    it("connects when the server presents the pinned key", () => {
        const r = connect(hostKey);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "pinned-ok");
    });

    it("refuses a server with any other key, and records nothing", () => {
        const r = connect(otherKey);
        assert.equal(r.status, 255);
        assert.match(r.stderr, /Host key verification failed/);
        assert.doesNotMatch(r.stdout, /pinned-ok/);
    });
});
