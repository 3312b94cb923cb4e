/**
 * Host readiness: the bash script that proves a node can take containers, run over SSH (with the
 * pinned host key) before the node's Docker provider is used. Pure renderer, no Pulumi import.
 *
 * Why a check runs before the provider: pulumi-docker connects to the engine when the provider is
 * configured, not when a container is created (pulumi/pulumi-docker#1106: "returned an unexpected
 * error from Configure: failed to connect to any docker daemon"; the Configure logic came with
 * pulumi/pulumi-docker#697/#708, provider/provider.go `Configure` -> `configureDockerClient`). A
 * provider that depends on this check is configured only after the host passed it.
 *
 * Every failure prints one line `NOT READY <node>: <missing piece>; fix: <command>` and the script
 * exits 1 after listing all of them, so one run says everything that is missing.
 */

export interface ReadinessSpec {
    readonly nodeName: string;
    /** Wait for cloud-init to finish first (hcloud servers are set up by cloud-init at first boot). */
    readonly waitForCloudInit: boolean;
    /** Mount point of the data volume; Docker's data-root lives on it. Unset: no data-volume check. */
    readonly dataMount?: string;
    /** Expected `docker info .DockerRootDir` (on the data mount). */
    readonly dockerRoot?: string;
    /** A GPU service is placed on this node: driver + container toolkit hook must be present. */
    readonly gpu: boolean;
    /** The node's private address; the interface that carries it must be up. */
    readonly privateIp: string;
    /** Largest MTU the private interface may have (Hetzner: cloud network 1450, vSwitch VLAN 1400). */
    readonly privateMtu: number;
    /** Physical uplink that carries the vSwitch VLAN (dedicated node). */
    readonly uplink?: string;
    /** nftables table that must be loaded (the dedicated node's public firewall), and its file. */
    readonly firewall?: { readonly table: string; readonly file: string };
    /** How to bring the private interface up, for the failure message. */
    readonly privateFix: string;
}

/** POSIX single-quote a value for the script. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The readiness check as a bash script. It uses bash builtins and the tools it checks, nothing else. */
export function renderReadinessScript(spec: ReadinessSpec): string {
    const q = shellQuote;
    const lines: string[] = [
        "#!/bin/bash",
        `# Host readiness of ${spec.nodeName}, rendered by components/node/readiness.ts.`,
        "set -u",
        `node=${q(spec.nodeName)}`,
        "failures=0",
        'fail() { printf "NOT READY %s: %s; fix: %s\\n" "$node" "$1" "$2"; failures=$((failures + 1)); }',
        "",
    ];
    if (spec.waitForCloudInit) {
        lines.push(
            "# cloud-init installs Docker and mounts the volume at first boot; --wait blocks until it is done.",
            "# Exit 0 = done; 1 = error; 2 = done with recoverable errors (cloud-init >= 23.4).",
            "if command -v cloud-init >/dev/null 2>&1; then",
            "    cloud-init status --wait >/dev/null 2>&1",
            "    rc=$?",
            '    if [ "$rc" -ne 0 ]; then fail "cloud-init finished with status $rc" "read cloud-init status --long and /var/log/cloud-init-output.log, then re-run the first-boot setup"; fi',
            "else",
            '    fail "cloud-init is not installed" "use a Hetzner image that runs cloud-init (ubuntu-24.04)"',
            "fi",
            "",
        );
    }
    // docker_ok gates the checks that ask the daemon; it exists only when one does (shellcheck SC2034).
    const asksDaemon = spec.dataMount !== undefined && spec.dockerRoot !== undefined;
    lines.push(
        ...(asksDaemon ? ["docker_ok=0"] : []),
        "if ! command -v docker >/dev/null 2>&1; then",
        '    fail "Docker Engine is not installed" "apt-get install -y docker.io"',
        "elif ! systemctl is-active --quiet docker.service; then",
        '    fail "docker.service is not running" "systemctl enable --now docker.service (journalctl -u docker.service says why it stopped)"',
        "elif ! docker info >/dev/null 2>&1; then",
        '    fail "the Docker daemon does not answer" "journalctl -u docker.service; systemctl restart docker.service"',
        ...(asksDaemon ? ["else", "    docker_ok=1"] : []),
        "fi",
        "",
    );
    if (spec.dataMount) {
        const mount = spec.dataMount;
        lines.push(
            `mount=${q(mount)}`,
            'if ! mountpoint -q "$mount"; then',
            `    fail "data volume is not mounted at $mount" "attach the volume, then mount $mount (see /etc/fstab)"`,
            "fi",
            "# Docker must not start without its data volume (systemd.unit(5) RequiresMountsFor=).",
            'requires=" $(systemctl show -p RequiresMountsFor --value docker.service 2>/dev/null) "',
            'if [[ "$requires" != *" $mount "* ]]; then',
            `    fail "docker.service may start without $mount" "write [Unit] RequiresMountsFor=$mount to /etc/systemd/system/docker.service.d/10-daarion-data.conf, then systemctl daemon-reload"`,
            "fi",
        );
        if (spec.dockerRoot) {
            lines.push(
                `want_root=${q(spec.dockerRoot)}`,
                'if [ "$docker_ok" -eq 1 ]; then',
                "    root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)",
                '    if [ "$root" != "$want_root" ]; then',
                `        fail "Docker data-root is '$root', not $want_root on the data volume" "set \\"data-root\\": \\"$want_root\\" in /etc/docker/daemon.json, then systemctl restart docker.service"`,
                "    fi",
                "fi",
            );
        }
        lines.push("");
    }
    lines.push(
        `private_ip=${q(spec.privateIp)}`,
        `max_mtu=${spec.privateMtu}`,
        "private_if=",
        "while read -r _ ifname _ addr _; do",
        '    if [ "${addr%/*}" = "$private_ip" ]; then private_if=$ifname; fi',
        "done < <(ip -o -4 addr show up 2>/dev/null)",
        'if [ -z "$private_if" ]; then',
        `    fail "private address $private_ip is not up on any interface" ${q(spec.privateFix)}`,
        "else",
        '    link=$(ip -o link show dev "$private_if" 2>/dev/null)',
        '    if [[ "$link" =~ mtu\\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt "$max_mtu" ]; then',
        `        fail "$private_if has MTU \${BASH_REMATCH[1]}, above the private network's $max_mtu" "set mtu: $max_mtu on $private_if (netplan), then netplan apply"`,
        "    fi",
        "fi",
        "",
    );
    if (spec.uplink) {
        lines.push(
            `uplink=${q(spec.uplink)}`,
            'if ! ip -o link show dev "$uplink" >/dev/null 2>&1; then',
            `    fail "uplink interface $uplink does not exist" "set daarion:topology nodes.${spec.nodeName}.provisioner.uplink to the interface ip -br link lists"`,
            "fi",
            "",
        );
    }
    if (spec.gpu) {
        lines.push(
            "# `gpus: all` needs the driver and NVIDIA's hook: dockerd registers its GPU device driver at",
            "# start only if nvidia-container-runtime-hook is on its PATH (moby/moby daemon/nvidia_linux.go),",
            '# else containers fail with: could not select device driver "" with capabilities: [[gpu]].',
            "if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then",
            '    fail "NVIDIA driver is missing or sees no GPU (nvidia-smi -L failed)" "ubuntu-drivers install --gpgpu, then reboot"',
            "fi",
            "if ! command -v nvidia-container-runtime-hook >/dev/null 2>&1; then",
            '    fail "NVIDIA Container Toolkit is missing (no nvidia-container-runtime-hook)" "apt-get install -y nvidia-container-toolkit (NVIDIA\'s apt repository), then systemctl restart docker.service"',
            "fi",
            "",
        );
    }
    if (spec.firewall) {
        lines.push(
            `fw_table=${q(spec.firewall.table)}`,
            'if ! command -v nft >/dev/null 2>&1; then',
            '    fail "nftables is not installed (public firewall)" "apt-get install -y nftables"',
            "elif ! nft list table inet \"$fw_table\" >/dev/null 2>&1; then",
            `    fail "public firewall table inet $fw_table is not loaded" ${q(`nft -f ${spec.firewall.file} and include it from /etc/nftables.conf (systemctl enable nftables.service)`)}`,
            "fi",
            "",
        );
    }
    lines.push('if [ "$failures" -gt 0 ]; then exit 1; fi', 'echo "READY $node"', "");
    return lines.join("\n");
}
