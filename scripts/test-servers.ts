/**
 * First step of `npm test`: make sure the Debian servers the real-server tests start are installed.
 * Missing ones are installed with apt-get (as root, or through passwordless sudo), saying which and
 * why. Where that is impossible (no apt-get, not root and no sudo) it stops before any test starts
 * and prints the exact command to run. Tests never skip a missing server (CONVENTIONS.md), so
 * without this step they would fail one by one, or abort mocha while loading.
 *
 * The decision (what is missing -> which commands) is pure and tested in
 * test/foundation/test-servers.test.ts; only `main` touches the machine.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface Requirement {
    /** Debian (bookworm) package. */
    readonly pkg: string;
    /** Binaries it provides (looked up on PATH, the sbin dirs and Debian's PostgreSQL dirs), or absolute file paths. */
    readonly provides: readonly string[];
    /** Which tests need it. */
    readonly why: string;
}

/** What the tests start or run; the binary names are the ones test/ passes to requireBinary. */
export const REQUIREMENTS: readonly Requirement[] = [
    { pkg: "nats-server", provides: ["nats-server"], why: "NATS config checks and the supercluster on 127.0.1.x (test/nats)" },
    { pkg: "postgresql", provides: ["postgres", "initdb"], why: "PostgreSQL primary/replica and pg_hba tests (test/data)" },
    { pkg: "postgresql-client", provides: ["psql"], why: "pg_hba tests connect with psql (test/data)" },
    { pkg: "redis-server", provides: ["redis-server"], why: "Redis master/replica and edge cache (test/data)" },
    { pkg: "redis-sentinel", provides: ["redis-sentinel"], why: "Sentinel failover (test/data)" },
    { pkg: "redis-tools", provides: ["redis-cli"], why: "Redis probes (test/data)" },
    { pkg: "prometheus", provides: ["prometheus", "promtool"], why: "promtool check/test of rules, a real Prometheus (test/monitoring)" },
    { pkg: "prometheus-alertmanager", provides: ["amtool"], why: "amtool check-config (test/monitoring)" },
    { pkg: "haproxy", provides: ["haproxy"], why: "haproxy -c and a live ingress chain (test/ingress)" },
    // nginx-light as in .ci/run before this script: the smallest package with /usr/sbin/nginx.
    { pkg: "nginx-light", provides: ["nginx"], why: "nginx -t and Daedalus' frontend (test/ingress, test/apps)" },
    { pkg: "openssl", provides: ["openssl"], why: "test certificates for TLS routes and ingress (test/nats, test/ingress)" },
    { pkg: "shellcheck", provides: ["shellcheck"], why: "lint of rendered shell scripts (test/data, test/policy)" },
    { pkg: "gcc", provides: ["cc"], why: "builds the LD_PRELOAD shim that binds psql to a 127.x source address (test/data)" },
    { pkg: "libc6-dev", provides: ["/usr/include/stdio.h"], why: "headers for that shim (test/data)" },
    { pkg: "openssh-client", provides: ["ssh", "ssh-keygen"], why: "ssh -G parses the Docker provider's host-key pinning options (test/node)" },
    { pkg: "openssh-server", provides: ["sshd"], why: "a real sshd on 127.0.0.1 accepts the pinned host key and refuses another (test/node)" },
    { pkg: "nftables", provides: ["nft"], why: "nft -c checks node1's rendered host firewall (test/node)" },
    { pkg: "iptables", provides: ["iptables"], why: "network partitions between loopback nodes in the failover tests (test/agent)" },
    // Essential in Debian (always there); listed so the check below knows who provides setpriv.
    { pkg: "util-linux", provides: ["setpriv"], why: "runs a rendered launcher as the postgres user, as the image's gosu does (test/kubernetes)" },
    { pkg: "wget", provides: ["wget"], why: "container healthcheck probes run for real (test/apps)" },
    { pkg: "python3", provides: ["python3"], why: "container healthcheck probes run for real (test/apps)" },
];

/** The machine, as far as the decision needs it. */
export interface Host {
    readonly isRoot: boolean;
    /** `sudo -n true` succeeds: sudo works without a password prompt. */
    readonly hasSudo: boolean;
    readonly hasAptGet: boolean;
    /** /usr/sbin/policy-rc.d exists already. */
    readonly hasPolicyRcD: boolean;
}

export type Plan =
    | { readonly action: "none" }
    | { readonly action: "install"; readonly missing: readonly Requirement[]; readonly commands: readonly (readonly string[])[] }
    | { readonly action: "stop"; readonly missing: readonly Requirement[]; readonly reason: string; readonly command: string };

export function missingRequirements(requirements: readonly Requirement[], exists: (binaryOrPath: string) => boolean): Requirement[] {
    return requirements.filter((r) => !r.provides.every(exists));
}

/**
 * Debian's postinst scripts start packaged servers as system services unless policy-rc.d says no
 * (exit 101 = "action forbidden", Debian policy-rc.d interface, /usr/share/doc/init-system-helpers/README.policy-rc.d);
 * the tests start their own instances on loopback addresses, so the packaged ones stay stopped.
 */
const POLICY_RC_D = ["sh", "-c", "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d"];

export function planInstall(missing: readonly Requirement[], host: Host): Plan {
    if (missing.length === 0) return { action: "none" };
    const packages = [...new Set(missing.map((r) => r.pkg))];
    const install = ["apt-get", "install", "-y", "--no-install-recommends", ...packages];
    if (!host.hasAptGet) {
        return { action: "stop", missing, reason: "apt-get is not available on this machine", command: `install the Debian packages ${packages.join(" ")} (on Debian/Ubuntu: sudo ${install.join(" ")})` };
    }
    if (!host.isRoot && !host.hasSudo) {
        return { action: "stop", missing, reason: "not root, and sudo is not available without a password", command: `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install.join(" ")}` };
    }
    const asRoot = (cmd: readonly string[]) => (host.isRoot ? [...cmd] : ["sudo", ...cmd]);
    const commands = [
        ...(host.hasPolicyRcD ? [] : [asRoot(POLICY_RC_D)]),
        asRoot(["apt-get", "update"]),
        asRoot(["env", "DEBIAN_FRONTEND=noninteractive", ...install]),
    ];
    return { action: "install", missing, commands };
}

/** Where test/support/process.ts's requireBinary and postgresBinDir look. */
function exists(binaryOrPath: string): boolean {
    if (path.isAbsolute(binaryOrPath)) return fs.existsSync(binaryOrPath);
    const pgRoot = "/usr/lib/postgresql";
    const pgDirs = fs.existsSync(pgRoot) ? fs.readdirSync(pgRoot).map((v) => path.join(pgRoot, v, "bin")) : [];
    const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin", ...pgDirs];
    return dirs.some((dir) => {
        try {
            fs.accessSync(path.join(dir, binaryOrPath), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

function succeeds(command: string, args: string[]): boolean {
    return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

function main(): number {
    const missing = missingRequirements(REQUIREMENTS, exists);
    const plan = planInstall(missing, {
        isRoot: process.getuid?.() === 0,
        hasSudo: succeeds("sudo", ["-n", "true"]),
        hasAptGet: exists("apt-get"),
        hasPolicyRcD: fs.existsSync("/usr/sbin/policy-rc.d"),
    });
    if (plan.action === "none") {
        console.log(`test servers: all ${REQUIREMENTS.length} Debian packages the tests need are installed`);
        return 0;
    }
    console.log("test servers: the real-server tests need these missing Debian packages:");
    for (const r of plan.missing) console.log(`  ${r.pkg.padEnd(24)} ${r.why}`);
    if (plan.action === "stop") {
        console.error(`test servers: cannot install them (${plan.reason}); no test was started. Run:\n  ${plan.command}\nthen npm test again.`);
        return 1;
    }
    for (const cmd of plan.commands) {
        console.log(`test servers: $ ${cmd.join(" ")}`);
        const result = spawnSync(cmd[0]!, cmd.slice(1), { stdio: "inherit" });
        if (result.status !== 0) {
            console.error(`test servers: '${cmd.join(" ")}' failed (exit ${result.status ?? result.signal}); no test was started.`);
            return 1;
        }
    }
    const still = missingRequirements(REQUIREMENTS, exists);
    if (still.length > 0) {
        console.error(`test servers: still missing after the install: ${still.map((r) => `${r.pkg} (${r.provides.join(", ")})`).join(", ")}; no test was started.`);
        return 1;
    }
    return 0;
}

/**
 * The real-engine tests (test/engine) drive a Pulumi CLI built from the Go module proxy by
 * tools/engine/build.sh (no CLI can be downloaded here). A warm cache is a no-op; a cold build
 * takes about 15-20 minutes on 2 cores. Without Go, stop before any test with the command to run.
 */
function ensureEngine(): number {
    const build = path.join(__dirname, "..", "tools", "engine", "build.sh");
    // The official Go tarball installs to /usr/local/go/bin, often not on a non-login PATH.
    if (!exists("go") && !fs.existsSync("/usr/local/go/bin/go")) {
        console.error(
            "test engine: the real-engine tests need the Pulumi CLI built from Go modules, and `go` is not installed; no test was started. Run:\n" +
                `  install Go >= 1.26 (tools/engine/go.mod; https://go.dev/doc/install), then: bash ${path.relative(process.cwd(), build)}\nthen npm test again.`,
        );
        return 1;
    }
    console.log("test engine: building (or reusing) the Pulumi CLI for the real-engine tests (test/engine)");
    const result = spawnSync("bash", [build], { stdio: "inherit" });
    if (result.status !== 0) {
        console.error(`test engine: tools/engine/build.sh failed (exit ${result.status ?? result.signal}); no test was started.`);
        return 1;
    }
    return 0;
}

if (require.main === module) process.exit(main() || ensureEngine());
