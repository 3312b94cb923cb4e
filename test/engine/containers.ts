// The servers behind the program's containers, for the real-engine tests (issue 15 item 1). The
// docker stand-in runs no container (test/engine/standins/README.md); with DAARION_STANDIN_HOOK set
// it tells this runner about every create and delete (test/engine/standins/engine.ts notifyHook),
// and the runner starts what the container would run, on loopback:
// - a JetStream core server's container (`/etc/nats/nats.conf` with `server_name: "<core>-<node>"`):
//   Debian's nats-server with EXACTLY the nats.conf the engine placed in the container (real
//   generated passwords included), rewritten only where a container differs from a loopback
//   process: each node's address (private IP on the node stacks, container name on `local`) becomes
//   that node's loopback address, `0.0.0.0` listeners bind that address, and the store dir (a
//   Docker volume in production) is a temp dir;
// - a Qdrant container: Qdrant cannot run here (no Debian package, no image pull), so the recording
//   double test/data/support/qdrant-double.ts answers at the stack's admin endpoint with the API key
//   from the config the engine placed in the container (`service.api_key`).
// A deleted container stops its server (its volume, i.e. the store, stays, as Docker keeps a
// volume); `dropVolumes` is what `docker volume rm` does to them.
//
// Docker's `wait`: with `wait: true` the docker provider returns from create only once the
// container's healthcheck passes (@pulumi/docker 5.2.0 container.d.ts `wait`: "If `true`, then the
// Docker container is waited for being healthy state after creation. [...] If `false`, then the
// container health state is not checked. Defaults to `false`."); without it, once it started.
// The NATS containers are created without `wait` (components/nats/workload.ts sets no
// waitHealthy), so the streams' create can race the servers' start on a real first deployment; it
// did not fail in these runs (the node stacks add core servers one per `up`; `local` started three
// at once and created its R3 streams), which does not prove it cannot.
// The runner answers the same way: with `wait`, once the server answers the healthcheck's URL;
// without, once the process is spawned.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { QdrantDouble } from "../data/support/qdrant-double";
import { checkNatsConfig } from "../nats/harness";
import { RunningProcess, makeTempDir, requireBinary, startProcess, waitFor } from "../support/process";

type Props = Record<string, unknown>;

export interface HookCall {
    readonly op: "create" | "delete";
    readonly urn: string;
    readonly type: string;
    readonly id: string;
    readonly inputs: Props;
}

/** What the runner saw of one container and what it did. */
export interface RunnerEvent {
    readonly op: "create" | "delete";
    readonly stack: string;
    readonly container: string;
    readonly started?: string;
}

interface NatsServer {
    /** groupOf(stack) of the stack that created it. */
    readonly group: string;
    readonly stack: string;
    readonly serverName: string;
    readonly ip: string;
    readonly storeDir: string;
    readonly confPath: string;
    readonly monitorUrl: string;
    proc: RunningProcess;
}

export interface RunnerTopology {
    /** node -> private IP (Pulumi.yaml `nodes.<node>.privateIp`). */
    readonly privateIps: Readonly<Record<string, string>>;
    /** The JetStream core cluster's name (its servers are `<name>-<node>`). */
    readonly coreCluster: string;
}

const NATS_CONF = "/etc/nats/nats.conf";
const QDRANT_CONF = /^\/qdrant\/config\/[^/]+\.yaml$/;
/** Qdrant peer ids are u64 values above 2^53 (test/data/support/qdrant-double.ts). */
const QDRANT_PEERS = ["11290467321496021721", "5963294727219302337"];

const stackOf = (urn: string): string => urn.split("::")[0]!.replace(/^urn:pulumi:/, "");
/** The node stacks deploy one platform (one NATS core, one Qdrant cluster); `local` is another. */
const groupOf = (stack: string): string => (stack === "local" ? "local" : "nodes");

function uploads(inputs: Props): { file: string; content: string }[] {
    return ((inputs.uploads ?? []) as { file?: string; content?: string }[]).filter((u) => typeof u.file === "string" && typeof u.content === "string") as { file: string; content: string }[];
}

/**
 * The deployed nats.conf as a loopback process runs it. Exported for its unit test; throws when a
 * host is left that is not loopback (the process would dial a real address).
 */
export function loopbackNatsConf(conf: string, node: string, ips: Readonly<Record<string, string>>, privateIps: Readonly<Record<string, string>>, storeDir: string): string {
    const ip = ips[node];
    assert.ok(ip, `no loopback address for ${node}`);
    let out = conf.replace(/"0\.0\.0\.0:/g, `"${ip}:`).replace(/store_dir: "[^"]*"/, `store_dir: ${JSON.stringify(storeDir)}`);
    for (const [n, privateIp] of Object.entries(privateIps)) {
        // Node stacks name peers by private IP; `local` by container name (`<node>-<workload>`).
        out = out.split(`${privateIp}:`).join(`${ips[n]}:`);
        out = out.replace(new RegExp(`\\b${n}-[a-z][a-z0-9-]*(?=:\\d)`, "g"), ips[n]!);
    }
    const hosts = [...out.matchAll(/(?:"|@)([A-Za-z0-9.-]+):\d+/g)].map((m) => m[1]!);
    const foreign = hosts.filter((h) => !h.startsWith("127."));
    assert.deepEqual(foreign, [], `nats.conf of ${node} still names non-loopback hosts`);
    return out;
}

export class ContainerRunner {
    readonly events: RunnerEvent[] = [];
    readonly nats = new Map<string, NatsServer>();
    /** Per stack: node stacks share one double (one Qdrant cluster), `local` has its own. */
    readonly qdrant = new Map<string, QdrantDouble>();
    private readonly dir = makeTempDir("engine-containers");
    private readonly binary = requireBinary("nats-server");
    private server?: http.Server;
    hookUrl = "";
    /** A test's injected failure: a message fails that resource's create (as a container that does not start). */
    failCreate?: (call: HookCall) => string | undefined;

    constructor(
        readonly topology: RunnerTopology,
        /** node -> loopback address its servers bind. */
        readonly ips: Readonly<Record<string, string>>,
        /** Qdrant double ports: per stack group ("nodes" or "local"); 0 = any free port. */
        private readonly qdrantPorts: { readonly nodes: number; readonly local: number },
    ) {}

    async start(): Promise<void> {
        for (const [group, port] of Object.entries(this.qdrantPorts)) {
            // The key is not known before the first Qdrant container is created; until then no key matches.
            const double = new QdrantDouble(`unset-${group}`, QDRANT_PEERS);
            await double.start(port);
            this.qdrant.set(group, double);
        }
        this.server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                this.handle(JSON.parse(body) as HookCall).then(
                    () => res.writeHead(200).end("ok"),
                    (err: Error) => res.writeHead(500).end(`container runner: ${err.message}`),
                );
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.hookUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    }

    /** The double answering the given stack's Qdrant admin endpoint. */
    double(stack: string): QdrantDouble {
        return this.qdrant.get(groupOf(stack))!;
    }

    /** Client URLs of the core servers, as `replication.nats.adminServers` takes them. */
    natsAdminServers(clientPort = 4222): string[] {
        return Object.values(this.ips).map((ip) => `nats://${ip}:${clientPort}`);
    }

    private async handle(call: HookCall): Promise<void> {
        const injected = call.op === "create" ? this.failCreate?.(call) : undefined;
        if (injected) throw new Error(injected);
        if (call.type !== "docker:index/container:Container") return;
        const stack = stackOf(call.urn);
        const container = String(call.inputs.name ?? call.id);
        if (call.op === "delete") {
            for (const s of [...this.nats.values()].filter((s) => s.group === groupOf(stack) && s.serverName === this.natsServerOf(call.inputs))) {
                await s.proc.stop();
                this.nats.delete(s.serverName);
            }
            this.events.push({ op: "delete", stack, container });
            return;
        }
        const files = uploads(call.inputs);
        const natsConf = files.find((f) => f.file === NATS_CONF)?.content;
        const qdrantConf = files.find((f) => QDRANT_CONF.test(f.file))?.content;
        let started: string | undefined;
        if (natsConf !== undefined && this.natsServerOf(call.inputs) !== undefined) {
            started = Object.keys(this.ips).length === 0 ? "not run (this test runs no NATS)" : await this.startNats(stack, natsConf, call.inputs);
        }
        if (qdrantConf !== undefined) started = this.keyQdrant(stack, qdrantConf);
        this.events.push({ op: "create", stack, container, started });
    }

    /** `<core>-<node>` when the container runs a JetStream core server, else undefined. */
    private natsServerOf(inputs: Props): string | undefined {
        const conf = uploads(inputs).find((f) => f.file === NATS_CONF)?.content ?? "";
        const name = /^server_name: "([^"]+)"/m.exec(conf)?.[1];
        return name?.startsWith(`${this.topology.coreCluster}-`) ? name : undefined;
    }

    private async startNats(stack: string, conf: string, inputs: Props): Promise<string> {
        const serverName = this.natsServerOf(inputs)!;
        const node = serverName.slice(this.topology.coreCluster.length + 1);
        const group = groupOf(stack);
        // The other platform's cluster on the same loopback addresses (node stacks, then `local`):
        // a different set of machines, so it stops before this one starts.
        for (const other of [...this.nats.values()].filter((s) => s.group !== group)) {
            await other.proc.stop();
            this.nats.delete(other.serverName);
        }
        const old = this.nats.get(serverName);
        if (old) await old.proc.stop();
        const dir = path.join(this.dir, group, serverName);
        const storeDir = path.join(dir, "jetstream");
        fs.mkdirSync(storeDir, { recursive: true });
        const confPath = path.join(dir, "nats.conf");
        fs.writeFileSync(confPath, loopbackNatsConf(conf, node, this.ips, this.topology.privateIps, storeDir), { mode: 0o600 });
        checkNatsConfig(this.binary, confPath);
        const monitorPort = /^http: "[^"]*:(\d+)"/m.exec(conf)?.[1];
        assert.ok(monitorPort, `nats.conf of ${serverName} has no monitor port`);
        const ip = this.ips[node]!;
        const server: NatsServer = { group, stack, serverName, ip, storeDir, confPath, monitorUrl: `http://${ip}:${monitorPort}`, proc: startProcess(`${stack}/${serverName}`, this.binary, ["-c", confPath]) };
        this.nats.set(serverName, server);
        if (inputs.wait === true) {
            const health = `${server.monitorUrl}/healthz`;
            await waitFor(`${serverName} healthy (${health})`, async () => {
                if (server.proc.child.exitCode !== null) throw new Error(`exited: ${server.proc.output().slice(-600)}`);
                return (await fetch(health)).ok;
            }, 60_000, 200);
        } else {
            // Started: the process runs (a server that exits at once, e.g. a port in use, fails the create).
            await new Promise((r) => setTimeout(r, 100));
            if (server.proc.child.exitCode !== null) throw new Error(`${serverName} exited: ${server.proc.output().slice(-600)}`);
        }
        return `nats-server ${serverName} on ${ip}`;
    }

    private keyQdrant(stack: string, conf: string): string {
        const key = /^\s*api_key:\s*(\S+)\s*$/m.exec(conf)?.[1];
        assert.ok(key, "the Qdrant config has no service.api_key");
        const double = this.double(stack);
        // Every peer of one cluster must carry the same key, or the admin endpoint's answer depends
        // on which peer it reaches.
        if (!double.apiKey.startsWith("unset-") && double.apiKey !== key) throw new Error(`Qdrant peers of stack ${stack} carry different API keys`);
        double.apiKey = key;
        return `qdrant double for ${stack} at ${double.url}`;
    }

    /** What `docker volume rm` of the stack's volumes does: the JetStream stores and Qdrant data are gone. */
    async dropVolumes(stack: string): Promise<void> {
        const group = groupOf(stack);
        for (const s of [...this.nats.values()].filter((s) => s.group === group)) {
            await s.proc.stop();
            this.nats.delete(s.serverName);
        }
        fs.rmSync(path.join(this.dir, group), { recursive: true, force: true });
        const double = this.double(stack);
        double.collections.clear();
        double.apiKey = `unset-${group}`;
    }

    logs(): string {
        return [...this.nats.values()].map((s) => `--- ${s.stack}/${s.serverName}\n${s.proc.output().slice(-3000)}`).join("\n");
    }

    async stop(): Promise<void> {
        await Promise.all([...this.nats.values()].map((s) => s.proc.stop()));
        this.nats.clear();
        await Promise.all([...this.qdrant.values()].map((d) => d.stop()));
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
