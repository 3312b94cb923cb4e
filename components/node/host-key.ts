/**
 * SSH host-key pinning for the Docker provider, which talks to a node's engine through the local
 * `ssh` binary (pulumi-docker `sshOpts`: "Additional SSH option flags to be appended when using
 * ssh:// protocol", pulumi/pulumi-docker docs/_index.md; the flags reach docker/cli's
 * connhelper.GetConnectionHelperWithSSHOpts, pulumi/pulumi-docker provider/image.go).
 *
 * The expected key is handed to ssh by KnownHostsCommand (OpenSSH >= 8.5), with both known_hosts
 * files pointed at /dev/null and StrictHostKeyChecking=yes: ssh accepts exactly this key and never
 * records or trusts another. Unlike a known_hosts file written by a resource, nothing has to exist on
 * the machine running `pulumi up` beforehand, so a second operator or a CI runner gets the same pin.
 * (Without this the provider connected with no known host key: kreuzwerker/terraform-provider-docker#80.)
 */

/** `ssh-ed25519 AAAA...` (an authorized_keys-format public key, the form ssh and pulumi-command read). */
export const HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,3}( [^\s]+)?$/;

/** The key type and base64 blob, without a comment. */
export function hostKeyParts(hostKey: string): { type: string; blob: string } {
    const trimmed = hostKey.trim();
    if (!HOST_KEY.test(trimmed)) throw new Error(`not an SSH public host key: '${trimmed.slice(0, 40)}'`);
    const [type, blob] = trimmed.split(" ");
    return { type: type!, blob: blob! };
}

/**
 * ssh options under which the connection succeeds only if the server presents `hostKey`. They
 * belong to one node's provider, so the one key they know is that node's.
 */
export function pinnedSshOpts(hostKey: string): string[] {
    const { type, blob } = hostKeyParts(hostKey);
    return [
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", "GlobalKnownHostsFile=/dev/null",
        // ssh runs this itself (argv split, no shell); echo prints one known_hosts line. %H is the
        // name ssh looks up (`address`, or `[address]:port` off port 22), ssh_config(5) TOKENS.
        "-o", `KnownHostsCommand=/bin/echo %H ${type} ${blob}`,
        // Offer only the pinned key's algorithm, so a server with other key types cannot pick one.
        "-o", `HostKeyAlgorithms=${type}`,
        // Keep SSH sessions alive through long image pulls.
        "-o", "ServerAliveInterval=30",
    ];
}
