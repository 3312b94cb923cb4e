/**
 * cloud-init for Hetzner Cloud nodes: mount the protected data volume, point Docker's data root
 * at it (so every named volume lives on the volume, not on the server's disk), install Docker.
 */
import { stringify } from "yaml";

export interface CloudInitSpec {
    /** Hetzner volume id; the device is /dev/disk/by-id/scsi-0HC_Volume_<id>. */
    readonly volumeId: string;
    /** @default "/mnt/data" */
    readonly mountPoint?: string;
    /** Private IP of the node, written into /etc/daarion/node.env for operators. */
    readonly privateIp: string;
    readonly nodeName: string;
}

export function renderCloudInit(spec: CloudInitSpec): string {
    const mount = spec.mountPoint ?? "/mnt/data";
    const device = `/dev/disk/by-id/scsi-0HC_Volume_${spec.volumeId}`;
    const doc = {
        package_update: true,
        packages: ["docker.io", "ca-certificates"],
        write_files: [
            {
                path: "/etc/docker/daemon.json",
                permissions: "0644",
                // data-root on the volume: containers may be replaced, their volumes survive.
                content: JSON.stringify({ "data-root": `${mount}/docker`, "log-driver": "json-file", "log-opts": { "max-size": "50m", "max-file": "5" }, "live-restore": true }, null, 2) + "\n",
            },
            { path: "/etc/daarion/node.env", permissions: "0644", content: `NODE_ID=${spec.nodeName}\nNODE_PRIVATE_IP=${spec.privateIp}\n` },
            {
                // Ports are published on the private IP, which Hetzner attaches after boot (DHCP on a
                // hot-plugged interface). Without this, containers that dockerd restarts before the
                // address exists fail with "cannot assign requested address" and stay down.
                path: "/etc/sysctl.d/60-daarion-nonlocal-bind.conf",
                permissions: "0644",
                content: "net.ipv4.ip_nonlocal_bind = 1\n",
            },
        ],
        // Mount before Docker starts: the package's postinst starts dockerd, which must already
        // see the data root on the volume. nofail keeps the server bootable if the volume is detached.
        bootcmd: [
            ["mkdir", "-p", mount],
            ["sh", "-c", `for i in $(seq 1 60); do [ -e ${device} ] && break; sleep 2; done`],
            ["sh", "-c", `blkid ${device} || mkfs.ext4 -L daarion-data ${device}`],
            ["sh", "-c", `grep -q '${device}' /etc/fstab || echo '${device} ${mount} ext4 defaults,nofail,discard 0 2' >> /etc/fstab`],
            ["mount", "-a"],
        ],
        runcmd: [
            ["sysctl", "--system"],
            ["systemctl", "enable", "--now", "docker"],
        ],
    };
    return "#cloud-config\n" + stringify(doc);
}
