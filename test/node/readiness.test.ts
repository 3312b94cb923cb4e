/**
 * The host readiness script, run for real by bash against a fake host: a PATH of stub tools whose
 * answers come from a state directory. Each test breaks one piece and expects exactly one failure
 * line that names it and the command that fixes it. shellcheck lints every rendered variant.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReadinessSpec, renderReadinessScript } from "../../components/node/readiness";
import { requireBinary } from "../support/process";

const DEDICATED: ReadinessSpec = {
    nodeName: "node1",
    waitForCloudInit: false,
    dataMount: "/srv/data",
    dockerRoot: "/srv/data/docker",
    gpu: true,
    privateIp: "10.10.2.11",
    privateMtu: 1400,
    uplink: "enp0s31f6",
    firewall: { table: "daarion_public", file: "/etc/nftables.d/daarion-public.nft" },
    privateFix: "write /etc/netplan/60-daarion-vswitch.yaml (stack output hostFiles), then netplan apply",
};

const HCLOUD: ReadinessSpec = {
    nodeName: "node2",
    waitForCloudInit: true,
    dataMount: "/mnt/data",
    dockerRoot: "/mnt/data/docker",
    gpu: false,
    privateIp: "10.10.1.12",
    privateMtu: 1450,
    privateFix: "attach the server to the network",
};

/** Stub tools: bash builtins only, answers read from $FAKE. */
const STUBS: Record<string, string> = {
    "cloud-init": 'rc=0; [ -f "$FAKE/cloud-init.rc" ] && rc=$(<"$FAKE/cloud-init.rc"); exit "$rc"',
    systemctl: [
        'case "$1" in',
        '  is-active) [ -f "$FAKE/docker.active" ] ;;',
        '  show) [ -f "$FAKE/requires" ] && printf "%s\\n" "$(<"$FAKE/requires")" ;;',
        "  *) exit 2 ;;",
        "esac",
    ].join("\n"),
    docker: [
        '[ -f "$FAKE/docker.active" ] || exit 1',
        'if [ "$#" -eq 1 ]; then exit 0; fi',
        'printf "%s\\n" "$(<"$FAKE/docker-root")"',
    ].join("\n"),
    mountpoint: '[ -f "$FAKE/mounted" ]',
    ip: [
        'if [ "$1 $2" = "-o -4" ]; then printf "%s\\n" "$(<"$FAKE/addr")"; exit 0; fi',
        '# ip -o link show dev IF',
        'while read -r line; do [[ "$line" == *": $5: "* ]] && { printf "%s\\n" "$line"; exit 0; }; done < "$FAKE/links"',
        "exit 1",
    ].join("\n"),
    "nvidia-smi": '[ -f "$FAKE/gpu" ] || exit 9; echo "GPU 0: NVIDIA RTX 4000 SFF Ada Generation"',
    "nvidia-container-runtime-hook": "exit 0",
    nft: '[ -f "$FAKE/nft-table" ]',
};

interface FakeHost {
    readonly root: string;
    readonly bin: string;
    readonly state: string;
}

/** A host on which every check of `spec` passes. */
function healthyHost(spec: ReadinessSpec): FakeHost {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "daarion-ready-"));
    const bin = path.join(root, "bin");
    const state = path.join(root, "state");
    fs.mkdirSync(bin);
    fs.mkdirSync(state);
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    const w = (file: string, text: string) => fs.writeFileSync(path.join(state, file), text);
    const privateIf = spec.uplink ? "vlan4000" : "enp7s0";
    w("docker.active", "");
    w("mounted", "");
    w("requires", `/ ${spec.dataMount ?? "/"}`);
    w("docker-root", spec.dockerRoot ?? "/var/lib/docker");
    w("addr", `1: lo    inet 127.0.0.1/8 scope host lo\n3: ${privateIf}    inet ${spec.privateIp}/24 brd 10.10.255.255 scope global ${privateIf}\n`);
    w("links", [`2: ${spec.uplink ?? "eth0"}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP`, `3: ${privateIf}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${spec.privateMtu} qdisc noqueue state UP`].join("\n") + "\n");
    w("gpu", "");
    w("nft-table", "");
    return { root, bin, state };
}

function run(spec: ReadinessSpec, host: FakeHost): { status: number | null; lines: string[] } {
    const script = path.join(host.root, "ready.sh");
    fs.writeFileSync(script, renderReadinessScript(spec));
    // Only the stub tools are on PATH: a check that needs anything else fails here.
    const r = spawnSync("/bin/bash", [script], { env: { PATH: host.bin, FAKE: host.state }, encoding: "utf8" });
    assert.equal(r.stderr, "", "the script writes nothing to stderr");
    return { status: r.status, lines: r.stdout.split("\n").filter((l) => l !== "") };
}

function breakOne(spec: ReadinessSpec, damage: (h: FakeHost) => void): { status: number | null; lines: string[] } {
    const host = healthyHost(spec);
    try {
        damage(host);
        return run(spec, host);
    } finally {
        fs.rmSync(host.root, { recursive: true, force: true });
    }
}

const rm = (h: FakeHost, ...files: string[]) => files.forEach((f) => fs.rmSync(path.join(h.state, f)));
const rmTool = (h: FakeHost, tool: string) => fs.rmSync(path.join(h.bin, tool));
const write = (h: FakeHost, file: string, text: string) => fs.writeFileSync(path.join(h.state, file), text);

describe("host readiness script (bash against a fake host)", () => {
    it("passes on a ready dedicated GPU node and on a ready cloud node", () => {
        assert.deepEqual(breakOne(DEDICATED, () => undefined), { status: 0, lines: ["READY node1"] });
        assert.deepEqual(breakOne(HCLOUD, () => undefined), { status: 0, lines: ["READY node2"] });
    });

    const cases: Array<{ what: string; spec: ReadinessSpec; damage: (h: FakeHost) => void; line: string }> = [
        {
            what: "Docker not installed",
            spec: DEDICATED,
            damage: (h) => rmTool(h, "docker"),
            line: "NOT READY node1: Docker Engine is not installed; fix: apt-get install -y docker.io",
        },
        {
            what: "Docker not running",
            spec: DEDICATED,
            damage: (h) => rm(h, "docker.active"),
            line: "NOT READY node1: docker.service is not running; fix: systemctl enable --now docker.service (journalctl -u docker.service says why it stopped)",
        },
        {
            what: "data volume not mounted",
            spec: HCLOUD,
            damage: (h) => rm(h, "mounted"),
            line: "NOT READY node2: data volume is not mounted at /mnt/data; fix: attach the volume, then mount /mnt/data (see /etc/fstab)",
        },
        {
            what: "docker.service does not require the mount",
            spec: HCLOUD,
            damage: (h) => write(h, "requires", "/ /mnt/data/other"),
            line: "NOT READY node2: docker.service may start without /mnt/data; fix: write [Unit] RequiresMountsFor=/mnt/data to /etc/systemd/system/docker.service.d/10-daarion-data.conf, then systemctl daemon-reload",
        },
        {
            what: "data-root off the volume",
            spec: HCLOUD,
            damage: (h) => write(h, "docker-root", "/var/lib/docker"),
            line: 'NOT READY node2: Docker data-root is \'/var/lib/docker\', not /mnt/data/docker on the data volume; fix: set "data-root": "/mnt/data/docker" in /etc/docker/daemon.json, then systemctl restart docker.service',
        },
        {
            what: "cloud-init failed",
            spec: HCLOUD,
            damage: (h) => write(h, "cloud-init.rc", "1"),
            line: "NOT READY node2: cloud-init finished with status 1; fix: read cloud-init status --long and /var/log/cloud-init-output.log, then re-run the first-boot setup",
        },
        {
            what: "private address missing",
            spec: DEDICATED,
            damage: (h) => write(h, "addr", "1: lo    inet 127.0.0.1/8 scope host lo\n"),
            line: "NOT READY node1: private address 10.10.2.11 is not up on any interface; fix: write /etc/netplan/60-daarion-vswitch.yaml (stack output hostFiles), then netplan apply",
        },
        {
            what: "private interface MTU too large",
            spec: DEDICATED,
            damage: (h) => write(h, "links", "2: enp0s31f6: <UP> mtu 1500 qdisc mq\n3: vlan4000: <UP> mtu 1500 qdisc noqueue\n"),
            line: "NOT READY node1: vlan4000 has MTU 1500, above the private network's 1400; fix: set mtu: 1400 on vlan4000 (netplan), then netplan apply",
        },
        {
            what: "uplink interface name wrong",
            spec: DEDICATED,
            // The server's NIC is eno1, the config says enp0s31f6.
            damage: (h) => write(h, "links", "2: eno1: <UP> mtu 1500 qdisc mq\n3: vlan4000: <UP> mtu 1400 qdisc noqueue\n"),
            line: "NOT READY node1: uplink interface enp0s31f6 does not exist; fix: set daarion:topology nodes.node1.provisioner.uplink to the interface ip -br link lists",
        },
        {
            what: "NVIDIA driver missing",
            spec: DEDICATED,
            damage: (h) => rmTool(h, "nvidia-smi"),
            line: "NOT READY node1: NVIDIA driver is missing or sees no GPU (nvidia-smi -L failed); fix: ubuntu-drivers install --gpgpu, then reboot",
        },
        {
            what: "driver sees no GPU",
            spec: DEDICATED,
            damage: (h) => rm(h, "gpu"),
            line: "NOT READY node1: NVIDIA driver is missing or sees no GPU (nvidia-smi -L failed); fix: ubuntu-drivers install --gpgpu, then reboot",
        },
        {
            what: "NVIDIA container toolkit missing",
            spec: DEDICATED,
            damage: (h) => rmTool(h, "nvidia-container-runtime-hook"),
            line: "NOT READY node1: NVIDIA Container Toolkit is missing (no nvidia-container-runtime-hook); fix: apt-get install -y nvidia-container-toolkit (NVIDIA's apt repository), then systemctl restart docker.service",
        },
        {
            what: "public firewall not loaded",
            spec: DEDICATED,
            damage: (h) => rm(h, "nft-table"),
            line: "NOT READY node1: public firewall table inet daarion_public is not loaded; fix: nft -f /etc/nftables.d/daarion-public.nft and include it from /etc/nftables.conf (systemctl enable nftables.service)",
        },
        {
            what: "nftables not installed",
            spec: DEDICATED,
            damage: (h) => rmTool(h, "nft"),
            line: "NOT READY node1: nftables is not installed (public firewall); fix: apt-get install -y nftables",
        },
    ];
    for (const c of cases) {
        it(`fails with the exact missing piece: ${c.what}`, () => {
            assert.deepEqual(breakOne(c.spec, c.damage), { status: 1, lines: [c.line] });
        });
    }

    it("lists every missing piece in one run", () => {
        const r = breakOne(DEDICATED, (h) => {
            rmTool(h, "nvidia-container-runtime-hook");
            rm(h, "nft-table");
        });
        assert.equal(r.status, 1);
        assert.equal(r.lines.length, 2);
    });

    it("checks no GPU where no GPU service is placed", () => {
        assert.deepEqual(breakOne({ ...DEDICATED, gpu: false }, (h) => rmTool(h, "nvidia-smi")), { status: 0, lines: ["READY node1"] });
    });

    it("is clean under shellcheck in every variant", () => {
        const shellcheck = requireBinary("shellcheck");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daarion-sc-"));
        try {
            for (const spec of [DEDICATED, HCLOUD, { ...DEDICATED, dataMount: undefined, dockerRoot: undefined, firewall: undefined, uplink: undefined, gpu: false }]) {
                const file = path.join(dir, `${spec.nodeName}.sh`);
                fs.writeFileSync(file, renderReadinessScript(spec));
                const r = spawnSync(shellcheck, ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
                assert.equal(r.status, 0, `shellcheck:\n${r.stdout}${r.stderr}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("quotes values so a hostile name cannot run code", () => {
        const script = renderReadinessScript({ ...HCLOUD, nodeName: "x'; touch /tmp/pwned; '" });
        assert.match(script, /^node='x'\\''; touch \/tmp\/pwned; '\\'''$/m);
    });
});
