/**
 * The Docker runtime and the Node component under Pulumi mocks: exact resource names, counts,
 * options and the inputs that matter for safety (private binds, secrets, protection).
 */
import * as assert from "node:assert/strict";
import * as docker from "@pulumi/docker";
import { Node } from "../../components/node";
import { firewallRules } from "../../components/node/firewall";
import { renderCloudInit } from "../../components/node/cloud-init";
import { DockerWorkload, isCredentialEnv, publishedPorts } from "../../components/workload/docker";
import { WorkloadSpec } from "../../components/workload/spec";
import { evaluateUnderMocks, isSecretValue, reveal } from "../../offline/render";
import { parse } from "yaml";
import { resource } from "../support/resources";

const SPEC: WorkloadSpec = {
    name: "postgres",
    service: "postgres",
    role: "primary",
    image: { repository: "docker.io/library/postgres", tag: "15", digest: `sha256:${"a".repeat(64)}` },
    env: { POSTGRES_PASSWORD: "hunter2", POSTGRES_DB: "app", DATABASE_URL: "postgresql://u:p@h/db", PLAIN_URL: "http://h:1" },
    files: [
        { path: "/etc/postgresql/postgresql.conf", content: "listen_addresses = '*'\n" },
        { path: "/etc/postgresql/secret.conf", content: "password=x\n", secret: true, mode: 0o600 },
    ],
    volumes: [
        { key: "data", containerPath: "/var/lib/postgresql/data", stateful: true },
        { key: "scratch", containerPath: "/scratch", stateful: false },
    ],
    ports: [
        { name: "sql", containerPort: 5432 },
        { name: "https", containerPort: 443, exposure: "ingress" },
        { name: "internal", containerPort: 9999, exposure: "internal" },
    ],
    probe: { check: { exec: ["pg_isready"] } },
    memoryMb: 2048,
    cpus: 1.5,
    gpu: true,
};

describe("docker runtime", () => {
    it("marks credentials and URLs with userinfo as secret, and nothing else", () => {
        assert.equal(isCredentialEnv("POSTGRES_PASSWORD", "x"), true);
        assert.equal(isCredentialEnv("NATS_TOKEN", "x"), true);
        assert.equal(isCredentialEnv("DAEDALUS_S3_SECRET_KEY", "x"), true);
        assert.equal(isCredentialEnv("DATABASE_URL", "postgresql://u:p@h/db"), true);
        assert.equal(isCredentialEnv("PLAIN_URL", "http://h:1"), false);
        assert.equal(isCredentialEnv("NODE_ID", "node1"), false);
    });

    it("publishes non-ingress ports on the private IP only, and none on the local engine", () => {
        assert.deepEqual(publishedPorts(SPEC.ports!, "10.10.1.12", "0.0.0.0"), [
            { internal: 5432, external: 5432, ip: "10.10.1.12", protocol: "tcp" },
            { internal: 443, external: 443, ip: "0.0.0.0", protocol: "tcp" },
        ]);
        assert.deepEqual(publishedPorts(SPEC.ports!, undefined, "127.0.0.1"), [{ internal: 443, external: 443, ip: "127.0.0.1", protocol: "tcp" }]);
    });

    it("realizes a spec as image, volumes and container with exact names and safe inputs", async () => {
        const ev = await evaluateUnderMocks({ project: "daarion", stack: "test" }, () => {
            const provider = new docker.Provider("p", { host: "ssh://root@203.0.113.5" });
            new DockerWorkload("node2-postgres", { node: "node2", spec: SPEC, provider, networkName: "daarion-node2", privateBindIp: "10.10.1.12" });
        });
        const names = ev.resources.map((r) => `${r.type}::${r.name}`).sort();
        assert.deepEqual(names, [
            "daarion:workload:DockerWorkload::node2-postgres",
            "docker:index/container:Container::node2-postgres",
            "docker:index/remoteImage:RemoteImage::node2-postgres-image",
            "docker:index/volume:Volume::node2-postgres-data",
            "docker:index/volume:Volume::node2-postgres-scratch",
            "pulumi:providers:docker::p",
        ]);
        const image = resource(ev, "docker:index/remoteImage:RemoteImage", "node2-postgres-image");
        assert.equal(image.inputs.name, `docker.io/library/postgres@sha256:${"a".repeat(64)}`);

        const data = resource(ev, "docker:index/volume:Volume", "node2-postgres-data");
        assert.deepEqual(data.options, { protect: true, retainOnDelete: true });
        assert.equal(data.inputs.name, "node2-postgres-data");
        assert.deepEqual(resource(ev, "docker:index/volume:Volume", "node2-postgres-scratch").options, {});

        const c = resource(ev, "docker:index/container:Container", "node2-postgres");
        assert.equal(c.parent, "node2-postgres");
        assert.equal(c.options.deleteBeforeReplace, true);
        assert.equal(c.inputs.name, "node2-postgres");
        assert.equal(c.inputs.memory, 2048);
        assert.equal(c.inputs.cpus, "1.5");
        assert.equal(c.inputs.gpus, "all");
        assert.equal(c.inputs.image, `docker.io/library/postgres@sha256:${"a".repeat(64)}`);
        // Pulumi serializes an array holding any secret as one secret (the engine has no per-element
        // secrecy), so a container with a credential has its whole env list secret.
        assert.equal(isSecretValue(c.inputs.envs), true);
        assert.deepEqual(reveal(c.inputs.envs), ["POSTGRES_PASSWORD=hunter2", "POSTGRES_DB=app", "DATABASE_URL=postgresql://u:p@h/db", "PLAIN_URL=http://h:1"]);
        const uploads = c.inputs.uploads;
        assert.equal(isSecretValue(uploads), true, "a secret file makes the uploads secret");
        assert.deepEqual(reveal(uploads), [
            { file: "/etc/postgresql/postgresql.conf", content: "listen_addresses = '*'\n", permissions: "0644" },
            { file: "/etc/postgresql/secret.conf", content: "password=x\n", permissions: "0600" },
        ]);
        assert.deepEqual(c.inputs.ports, [
            { internal: 5432, external: 5432, ip: "10.10.1.12", protocol: "tcp" },
            { internal: 443, external: 443, ip: "0.0.0.0", protocol: "tcp" },
        ]);
        const labels = Object.fromEntries((c.inputs.labels as Array<{ label: string; value: string }>).map((l) => [l.label, l.value]));
        assert.deepEqual(labels, { "daarion.node": "node2", "daarion.service": "postgres", "daarion.role": "primary", "daarion.workload": "postgres", "daarion.ingress": "true" });
        assert.deepEqual(c.inputs.healthcheck, { tests: ["CMD", "pg_isready"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s" });
    });

    it("drops the GPU request when told to, and keeps env without credentials readable", async () => {
        const ev = await evaluateUnderMocks({ project: "daarion", stack: "test" }, () => {
            const provider = new docker.Provider("p", { host: "unix:///var/run/docker.sock" });
            new DockerWorkload("node1-postgres", { node: "node1", spec: { ...SPEC, env: { NODE_ID: "node1" } }, provider, networkName: "daarion", privateBindIp: undefined, ingressBindIp: "127.0.0.1", dropGpu: true });
        });
        const c = resource(ev, "docker:index/container:Container", "node1-postgres");
        assert.equal(c.inputs.gpus, undefined);
        assert.deepEqual(c.inputs.envs, ["NODE_ID=node1"]);
        assert.deepEqual(c.inputs.ports, [{ internal: 443, external: 443, ip: "127.0.0.1", protocol: "tcp" }], "only ingress is published locally");
    });

    it("refuses an image with neither tag nor digest", async () => {
        await assert.rejects(
            evaluateUnderMocks({ project: "daarion", stack: "test" }, () => {
                const provider = new docker.Provider("p", {});
                new DockerWorkload("n-x", { node: "n", spec: { ...SPEC, image: { repository: "r" } }, provider, networkName: "n", privateBindIp: undefined });
            }),
            /neither a digest nor a tag/,
        );
    });
});

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINrT1Mf9othGpcqdqVk6sASCuSkzBYZqUu3Z11mwyh+O";

const NODE2 = {
    role: "replica" as const,
    privateIp: "10.10.1.12",
    provisioner: { kind: "hcloud" as const, serverType: "ccx33", location: "fsn1", image: "ubuntu-24.04", volumeSizeGb: 200, sshUser: "root" },
    runtime: { herodb: true, postgrest: false },
    labels: {},
};

describe("node component", () => {
    it("hcloud: protected server, firewall, private IP, placement group, retained volume", async () => {
        const ev = await evaluateUnderMocks({ project: "daarion", stack: "node2" }, () => {
            new Node("node2", { nodeName: "node2", spec: NODE2, adminCidrs: ["198.51.100.0/28"], sshKeys: ["ops"], network: { networkId: 7, placementGroupId: 9 } });
        });
        assert.deepEqual(ev.resources.map((r) => `${r.type}::${r.name}`).sort(), [
            "command:remote:Command::node2-ready",
            "daarion:node:Node::node2",
            "docker:index/network:Network::node2-network",
            "hcloud:index/firewall:Firewall::node2-firewall",
            "hcloud:index/server:Server::node2-server",
            "hcloud:index/serverNetwork:ServerNetwork::node2-private",
            "hcloud:index/volume:Volume::node2-data",
            "hcloud:index/volumeAttachment:VolumeAttachment::node2-data-attachment",
            "pulumi:providers:docker::node2-docker",
            "tls:index/privateKey:PrivateKey::node2-host-key",
        ]);
        const server = resource(ev, "hcloud:index/server:Server", "node2-server");
        assert.equal(server.inputs.deleteProtection, true);
        assert.equal(server.inputs.rebuildProtection, true);
        assert.equal(server.inputs.placementGroupId, 9);
        assert.deepEqual(server.options.ignoreChanges, ["userData", "image", "sshKeys"]);
        assert.equal(server.inputs.serverType, "ccx33");
        // userData carries the host's private key: it is secret.
        assert.equal(isSecretValue(server.inputs.userData), true);
        const cloudInit = parse(String(reveal(server.inputs.userData)).replace(/^#cloud-config\n/, ""));
        assert.ok(cloudInit.packages.includes("docker.io"));
        assert.match(JSON.stringify(cloudInit.write_files), /data-root/);

        const volume = resource(ev, "hcloud:index/volume:Volume", "node2-data");
        assert.deepEqual(volume.options, { protect: true, retainOnDelete: true });
        assert.equal(volume.inputs.deleteProtection, true);
        assert.equal(resource(ev, "hcloud:index/serverNetwork:ServerNetwork", "node2-private").inputs.ip, "10.10.1.12");
        const rules = resource(ev, "hcloud:index/firewall:Firewall", "node2-firewall").inputs.rules as Array<{ port?: string; sourceIps: string[] }>;
        assert.deepEqual(rules.find((r) => r.port === "22")?.sourceIps, ["198.51.100.0/28"]);
        assert.equal(rules.some((r) => r.port === "443"), false, "no ingress asked for");
        const provider = resource(ev, "pulumi:providers:docker", "node2-docker");
        assert.match(String(provider.inputs.host), /^ssh:\/\/root@203\.0\.113\.\d+$/);
    });

    it("dedicated: creates no server, reaches the host over SSH, emits the vSwitch netplan", async () => {
        let node: Node | undefined;
        const ev = await evaluateUnderMocks({ project: "daarion", stack: "node1" }, () => {
            node = new Node("node1", {
                nodeName: "node1",
                spec: { ...NODE2, role: "primary", privateIp: "10.10.2.11", provisioner: { kind: "dedicated", product: "GEX44", address: "203.0.113.10", sshUser: "root", hostKey: HOST_KEY, uplink: "enp0s31f6" } },
                adminCidrs: ["198.51.100.0/28"],
                vswitch: { vlan: 4000, subnet: "10.10.2.0/24", networkCidr: "10.10.0.0/16" },
            });
        });
        assert.equal(ev.resources.filter((r) => r.type.startsWith("hcloud:")).length, 0);
        assert.equal(resource(ev, "pulumi:providers:docker", "node1-docker").inputs.host, "ssh://root@203.0.113.10");
        const netplan = parse(node!.hostFiles.find((f) => f.path === "/etc/netplan/60-daarion-vswitch.yaml")!.content);
        assert.deepEqual(netplan.network.vlans.vlan4000.addresses, ["10.10.2.11/24"]);
        assert.deepEqual(netplan.network.vlans.vlan4000.routes, [{ to: "10.10.0.0/16", via: "10.10.2.1" }]);
        assert.equal(netplan.network.vlans.vlan4000.mtu, 1400);
    });

    it("firewall opens no data or broker port, and 80/443 only on ingress nodes", () => {
        const ingress = firewallRules(["198.51.100.0/28"], true);
        const open = ingress.filter((r) => r.sourceIps.includes("0.0.0.0/0")).map((r) => r.port ?? r.protocol);
        assert.deepEqual(open, ["icmp", "80", "443"]);
        assert.deepEqual(firewallRules(["198.51.100.0/28"], false).filter((r) => r.port).map((r) => r.port), ["22"]);
    });

    it("cloud-init mounts the volume before Docker starts", () => {
        const text = renderCloudInit({ volumeId: "42", privateIp: "10.10.1.12", nodeName: "node2", hostKey: { privateKeyOpenssh: "PRIVATE", publicKeyOpenssh: HOST_KEY } });
        assert.match(text, /^#cloud-config\n/);
        const doc = parse(text.slice("#cloud-config\n".length));
        assert.match(JSON.stringify(doc.bootcmd), /scsi-0HC_Volume_42/);
        assert.deepEqual(doc.runcmd, [["sysctl", "--system"], ["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "docker"], ["systemctl", "restart", "docker"]]);
        assert.match(JSON.stringify(doc.write_files), /ip_nonlocal_bind = 1/);
    });
});
