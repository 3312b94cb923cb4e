/**
 * Starts Debian's nats-server with configs rendered by components/nats/render.ts. Only the
 * JetStream store directory is substituted (through the renderer's `paths` input).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderNatsServerConfig } from "../../components/nats/render";
import { NatsSuperclusterSpec, NatsTlsSpec, clusterPorts, findServer } from "../../components/nats/types";
import { RunningProcess, getJson, makeTempDir, requireBinary, startProcess, waitFor } from "../support/process";

/** `nats-server -t`: exits non-zero on syntax errors and unknown keys (it does not start subsystems). */
export function checkNatsConfig(binary: string, confPath: string): void {
    const res = spawnSync(binary, ["-t", "-c", confPath], { encoding: "utf8" });
    const out = `${res.stdout}${res.stderr}`;
    assert.equal(res.status, 0, `nats-server -t rejected ${confPath}: ${out}`);
    assert.match(out, /is valid/, `nats-server -t output: ${out}`);
}

export interface StartedServer {
    readonly name: string;
    readonly host: string;
    readonly confPath: string;
    readonly monitorUrl: string;
    proc: RunningProcess;
}

export class NatsTopologyHarness {
    readonly dir: string;
    readonly servers = new Map<string, StartedServer>();
    private readonly binary = requireBinary("nats-server");
    /** TLS files substituted for spec.tls paths (through the renderer's `paths` input). */
    tls?: NatsTlsSpec;

    constructor(readonly spec: NatsSuperclusterSpec, prefix: string) {
        this.dir = makeTempDir(prefix);
    }

    /** Render, check with `nats-server -t`, and write each server's config. */
    render(serverName: string): string {
        const confPath = path.join(this.dir, `${serverName}.conf`);
        const storeDir = path.join(this.dir, serverName, "jetstream");
        fs.mkdirSync(storeDir, { recursive: true });
        fs.writeFileSync(confPath, renderNatsServerConfig(this.spec, serverName, { storeDir, tls: this.tls }), { mode: 0o600 });
        checkNatsConfig(this.binary, confPath);
        return confPath;
    }

    async start(serverNames: string[]): Promise<void> {
        for (const name of serverNames) {
            const confPath = this.render(name);
            const { cluster, server } = findServer(this.spec, name);
            // A second server on one host (node3: edge leaf beside a core server) has its own ports.
            const ports = clusterPorts(this.spec, cluster);
            const proc = startProcess(name, this.binary, ["-c", confPath]);
            this.servers.set(name, { name, host: server.host, confPath, monitorUrl: `http://${server.host}:${ports.monitor}`, proc });
        }
        for (const name of serverNames) await this.waitUntilServing(name);
    }

    /**
     * Waits until *this* server answers on its monitor port (a port that merely accepts could
     * belong to another process on a shared machine). A server that lost a port race at startup
     * ("address already in use", e.g. a neighbour's server still shutting down) is restarted a few
     * times before giving up.
     */
    async waitUntilServing(name: string): Promise<void> {
        const s = this.servers.get(name)!;
        for (let attempt = 1; ; attempt++) {
            try {
                await waitFor(`${name} to serve /varz`, async () => {
                    if (s.proc.child.exitCode !== null) throw new Error(`exited: ${s.proc.output().slice(-600)}`);
                    return (await getJson<{ server_name: string }>(`${s.monitorUrl}/varz`)).server_name === name;
                }, 20_000, 200);
                return;
            } catch (err) {
                const inUse = /address already in use/.test(s.proc.output());
                if (!inUse || attempt >= 5) throw new Error(`${name} did not start: ${(err as Error).message}\n${s.proc.output().slice(-2000)}`);
                await s.proc.stop();
                await new Promise((r) => setTimeout(r, 1000 * attempt));
                s.proc = startProcess(name, this.binary, ["-c", s.confPath]);
            }
        }
    }

    /** Restart a stopped server with the same (already rendered) config and store. */
    async restart(name: string): Promise<void> {
        const s = this.servers.get(name)!;
        s.proc = startProcess(name, this.binary, ["-c", s.confPath]);
        await this.waitUntilServing(name);
    }

    server(name: string): StartedServer {
        const s = this.servers.get(name);
        if (!s) throw new Error(`server ${name} not started`);
        return s;
    }

    async monitor<T = any>(name: string, endpoint: string): Promise<T> {
        return getJson<T>(`${this.server(name).monitorUrl}${endpoint}`);
    }

    async waitForRoutes(names: string[], expected: number): Promise<void> {
        for (const name of names) {
            await waitFor(`${name} to have ${expected} route(s)`, async () => (await this.monitor(name, "/routez")).num_routes === expected, 20_000);
        }
    }

    /** Waits until the JetStream meta group of the server's cluster has a leader; returns its name. */
    async waitForMetaLeader(name: string, timeoutMs = 20_000): Promise<string> {
        return waitFor(`JetStream meta leader seen by ${name}`, async () => (await this.monitor(name, "/jsz")).meta_cluster?.leader as string | undefined, timeoutMs);
    }

    /**
     * Waits until the meta leader sees every one of `names` as a current peer: creating an R3
     * stream before that fails with "no suitable peers for placement".
     */
    async waitForMetaPeers(names: string[], timeoutMs = 30_000): Promise<void> {
        await waitFor(`meta group of ${names.join(", ")} complete and current`, async () => {
            for (const name of names) {
                const m = (await this.monitor(name, "/jsz")).meta_cluster;
                if (m?.leader !== name) continue;
                const peers = (m.replicas ?? []) as { name: string; current: boolean; offline?: boolean }[];
                return peers.length === names.length - 1 && peers.every((p) => p.current && !p.offline && names.includes(p.name));
            }
            return false;
        }, timeoutMs, 250);
    }

    logs(): string {
        return [...this.servers.values()].map((s) => `--- ${s.name}\n${s.proc.output().slice(-4000)}`).join("\n");
    }

    async stopAll(): Promise<void> {
        await Promise.all([...this.servers.values()].map((s) => s.proc.stop()));
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
