/**
 * Validation of a schema-valid topology: the platform's own cross-checks (nodes, network, the
 * service distribution table) plus what every module contributes through `PlatformModule.validate`
 * (stacks/context.ts). Pure: no Pulumi import, so tests and the render CLI run it directly. Every
 * finding names the key path below `daarion:topology` (or the stack setting).
 */
import { cidrContains, cidrsOverlap, cidrWithin, ipToInt, parseCidr } from "../components/network/cidr";
import type { StackSettings, Topology } from "./schema";

/** The one finding type of every validator: core, module, and stack settings. */
export interface Finding {
    readonly severity: "error" | "warning";
    /** Key path, e.g. `replication.redis.sentinels`. */
    readonly path: string;
    readonly message: string;
}

/** What a module validator receives besides the topology. */
export interface ValidationContext {
    /** Names of the topology's nodes. */
    readonly nodeNames: readonly string[];
    /** Every port the platform's modules publish on a node, with its owner (collected from `PlatformModule.ports`). */
    readonly platformPorts: Readonly<Record<number, string>>;
}

/** The part of a module the collector needs (a structural subset of `PlatformModule`). */
export interface ValidatingModule {
    readonly name: string;
    readonly ports?: Readonly<Record<number, string>>;
    validate?(t: Topology, ctx: ValidationContext): Finding[];
}

/** A findings list with helpers validators share. */
export class Findings {
    readonly list: Finding[] = [];
    constructor(private readonly t: Topology) {}
    error(path: string, message: string): void {
        this.list.push({ severity: "error", path, message });
    }
    warn(path: string, message: string): void {
        this.list.push({ severity: "warning", path, message });
    }
    /** An error at `path` unless `node` is a node of the topology. */
    refNode(path: string, node: string): void {
        const names = Object.keys(this.t.nodes);
        if (!this.t.nodes[node]) this.error(path, `unknown node '${node}' (nodes are: ${names.join(", ") || "none"})`);
    }
    /**
     * Issues of a renderer's own validator (`{path, message}` or `"path: message"`), as errors.
     * A path the cross-checks already reported is not reported twice.
     */
    adopt(issues: ReadonlyArray<{ readonly path: string; readonly message: string } | string>, severity: Finding["severity"] = "error"): void {
        const reported = new Set(this.list.map((f) => f.path));
        for (const issue of issues) {
            const { path, message } = typeof issue === "string" ? splitIssue(issue) : issue;
            if (!reported.has(path)) this.list.push({ severity, path, message });
        }
    }
}

/** `"services.x.port: 70000 is not a port"` -> path + message. */
export function splitIssue(issue: string): { path: string; message: string } {
    const at = issue.indexOf(": ");
    return at < 0 ? { path: "", message: issue } : { path: issue.slice(0, at), message: issue.slice(at + 2) };
}

export function duplicates<T>(items: readonly T[]): T[] {
    const seen = new Set<T>();
    const dup = new Set<T>();
    for (const item of items) (seen.has(item) ? dup : seen).add(item);
    return [...dup];
}

/** Ports the modules publish on a node's private IP; two modules claiming one port is a defect. */
export function platformPorts(modules: readonly ValidatingModule[]): Record<number, string> {
    const ports: Record<number, string> = {};
    for (const m of modules) {
        for (const [port, owner] of Object.entries(m.ports ?? {})) {
            const n = Number(port);
            if (ports[n] !== undefined && ports[n] !== owner) throw new Error(`modules claim port ${n} twice: ${ports[n]} and ${owner} (${m.name})`);
            ports[n] = owner;
        }
    }
    return ports;
}

/** Every check: the platform's own, then each module's, in module order. */
export function validateTopology(t: Topology, modules: readonly ValidatingModule[]): Finding[] {
    const ctx: ValidationContext = { nodeNames: Object.keys(t.nodes), platformPorts: platformPorts(modules) };
    return [...validatePlatform(t, ctx), ...modules.flatMap((m) => m.validate?.(t, ctx) ?? [])];
}

/** Nodes, network and the service distribution table: what every module builds on. */
export function validatePlatform(t: Topology, ctx: ValidationContext): Finding[] {
    const f = new Findings(t);
    const findings = f.list;
    const error = f.error.bind(f);
    const warn = f.warn.bind(f);
    const refNode = f.refNode.bind(f);
    const nodeNames = ctx.nodeNames;
    const known = new Set(nodeNames);

    // --- nodes and network -------------------------------------------------------------
    if (nodeNames.length === 0) error("nodes", "at least one node is required");
    const primaries = nodeNames.filter((n) => t.nodes[n]!.role === "primary");
    if (nodeNames.length > 0 && primaries.length !== 1) {
        error("nodes", `exactly one node must have role 'primary' (found ${primaries.length}: ${primaries.join(", ") || "none"})`);
    }
    const net = t.network;
    if (!cidrWithin(net.cloudSubnet, net.ipRange)) error("network.cloudSubnet", `${net.cloudSubnet} is not inside network.ipRange ${net.ipRange}`);
    if (net.vswitch) {
        if (!cidrWithin(net.vswitch.subnet, net.ipRange)) error("network.vswitch.subnet", `${net.vswitch.subnet} is not inside network.ipRange ${net.ipRange}`);
        if (cidrsOverlap(net.vswitch.subnet, net.cloudSubnet)) error("network.vswitch.subnet", `${net.vswitch.subnet} overlaps network.cloudSubnet ${net.cloudSubnet}`);
    }
    const ipOwners = new Map<string, string>();
    for (const name of nodeNames) {
        const node = t.nodes[name]!;
        const path = `nodes.${name}.privateIp`;
        const other = ipOwners.get(node.privateIp);
        if (other) error(path, `duplicate private IP ${node.privateIp} (also used by node '${other}')`);
        ipOwners.set(node.privateIp, name);
        const kind = node.provisioner.kind;
        if (kind === "hcloud" && !cidrContains(net.cloudSubnet, node.privateIp)) {
            error(path, `${node.privateIp} is not inside network.cloudSubnet ${net.cloudSubnet} (hcloud nodes attach to the cloud subnet)`);
        }
        if (kind === "dedicated") {
            if (!net.vswitch) {
                warn(`nodes.${name}.provisioner`, "dedicated node without network.vswitch: it cannot join the private network, so peers cannot reach it on its private IP");
            } else if (!cidrContains(net.vswitch.subnet, node.privateIp)) {
                error(path, `${node.privateIp} is not inside network.vswitch.subnet ${net.vswitch.subnet} (the dedicated server joins through the vSwitch)`);
            }
        }
        if (kind !== "local") {
            const { base, size } = parseCidr(kind === "hcloud" ? net.cloudSubnet : net.vswitch?.subnet ?? net.ipRange);
            const value = ipToInt(node.privateIp);
            if (value === base || value === base + size - 1) error(path, `${node.privateIp} is the network or broadcast address of its subnet`);
            // Hetzner reserves the first host address of every subnet for its gateway.
            if (value === base + 1) error(path, `${node.privateIp} is the first host address of its subnet, which Hetzner reserves for the gateway`);
        }
    }

    // --- services (seed 000's distribution table) ---------------------------------------
    const portsOnNode = new Map<string, Map<number, string>>();
    const claimPort = (node: string, port: number, owner: string, path: string) => {
        const ports = portsOnNode.get(node) ?? new Map<number, string>();
        portsOnNode.set(node, ports);
        const holder = ports.get(port) ?? ctx.platformPorts[port];
        if (holder) error(path, `port ${port} on ${node} is already used by ${holder}`);
        ports.set(port, owner);
    };
    const databaseOwners = new Map<string, string>();
    for (const [service, spec] of Object.entries(t.services)) {
        const placed = Object.keys(spec.placement);
        if (placed.length === 0) error(`services.${service}.placement`, "a service must be placed on at least one node");
        for (const node of placed) {
            const path = `services.${service}.placement.${node}`;
            refNode(path, node);
            if (!known.has(node)) continue;
            if (spec.gpu && !t.nodes[node]!.gpu) error(path, `'${service}' needs a GPU but node '${node}' has none (set nodes.${node}.gpu or move the service)`);
            if (spec.port > 0) claimPort(node, spec.port, `service '${service}'`, `services.${service}.port`);
        }
        const roles = Object.values(spec.placement);
        if (roles.length > 0 && !roles.some((r) => r === "active" || r === "worker")) {
            error(`services.${service}.placement`, "no node runs this service as 'active' or 'worker'; standby and read instances need an active one");
        }
        if (spec.port === 0 && roles.some((r) => r !== "worker")) {
            error(`services.${service}.port`, "port 0 is only valid for services placed as 'worker' everywhere");
        }
        if (spec.database) {
            const other = databaseOwners.get(spec.database);
            if (other) error(`services.${service}.database`, `database '${spec.database}' is already owned by service '${other}'`);
            databaseOwners.set(spec.database, service);
            if (!spec.uses.includes("postgres")) error(`services.${service}.uses`, `service has database '${spec.database}' but does not list 'postgres' in uses`);
        }
    }

    const built = Object.entries(t.services).filter(([, spec]) => "build" in spec.image).map(([name]) => name);
    if (built.length > 0 && !t.registry) error("registry", `services ${built.join(", ")} are built from a context, so a registry to push them to is required`);
    const unpinned = Object.entries(t.services).filter(([, spec]) => !("build" in spec.image) && !spec.image.digest).map(([name]) => name);
    if (unpinned.length > 0) {
        warn("services.*.image", `not pinned by digest (a re-pushed tag changes what runs without a diff): ${unpinned.join(", ")}`);
    }

    return findings;
}

/** Checks of Pulumi.<stack>.yaml against the topology. Paths are stack config keys. */
export function validateStackSettings(settings: StackSettings, t: Topology): Finding[] {
    const findings: Finding[] = [];
    const names = Object.keys(t.nodes);
    if (settings.node !== "all" && !t.nodes[settings.node]) {
        findings.push({ severity: "error", path: "node", message: `unknown node '${settings.node}' (nodes are: ${names.join(", ")}, or 'all' for the local engine)` });
        return findings;
    }
    const ownsShared = settings.node === "all" || t.nodes[settings.node]!.role === "primary";
    if (!ownsShared && !settings.sharedStack) {
        findings.push({
            severity: "error",
            path: "sharedStack",
            message: "required on non-primary stacks: the stack that owns the shared secrets and network, e.g. organization/daarion/node1",
        });
    }
    if (ownsShared && settings.sharedStack) {
        findings.push({ severity: "warning", path: "sharedStack", message: "ignored: this stack owns the shared secrets itself" });
    }
    return findings;
}
