/**
 * Pure validation of a NATS supercluster spec and its streams/buckets. Errors block the
 * deployment; warnings are advisory (the policy pack re-checks them). Every issue names the
 * key path inside the NATS topology (prefixed with `pathPrefix`, e.g. `nats.`).
 */
import { NODE_LOCAL_SUBJECTS, NatsKeyValueDef, NatsStreamDef } from "./subjects";
import { DEFAULT_APP_ACCOUNT, DEFAULT_SYSTEM_ACCOUNT, NatsSuperclusterSpec, clusterPorts, natsPorts } from "./types";

export interface NatsIssue {
    readonly path: string;
    readonly message: string;
}

export interface NatsValidationResult {
    readonly errors: NatsIssue[];
    readonly warnings: NatsIssue[];
}

export interface NatsValidationOptions {
    readonly streams?: readonly NatsStreamDef[];
    readonly keyValues?: readonly NatsKeyValueDef[];
    /** Prepended to every path, e.g. `nats.`. @default "" */
    readonly pathPrefix?: string;
}

/** Names that nats-server accepts for servers, clusters, domains, accounts and streams. */
const NAME = /^[A-Za-z0-9_-]+$/;
const SIZE = /^\d+[KMGT]?B?$/i;

/**
 * Majority needed by a Raft group of `n` peers, and how many losses it survives.
 * JetStream meta group and every R>1 stream are Raft groups.
 */
export function natsQuorum(n: number): { majority: number; tolerates: number } {
    const majority = Math.floor(n / 2) + 1;
    return { majority, tolerates: n - majority };
}

/** NATS subject matching between two patterns: could some subject match both? */
export function subjectsOverlap(a: string, b: string): boolean {
    const x = a.split(".");
    const y = b.split(".");
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const s = x[i];
        const t = y[i];
        if (s === ">" || t === ">") return s !== undefined && t !== undefined;
        if (s === undefined || t === undefined) return false;
        if (s !== "*" && t !== "*" && s !== t) return false;
    }
    return true;
}

function validSubject(subject: string): boolean {
    if (subject.length === 0 || /\s/.test(subject)) return false;
    const tokens = subject.split(".");
    return tokens.every((t, i) => t.length > 0 && (t === ">" ? i === tokens.length - 1 : !t.includes(">") && (t === "*" || !t.includes("*"))));
}

/** The ports a server of `cluster` listens on (what two servers on one host must not share). */
function listenedPorts(spec: NatsSuperclusterSpec, cluster: NatsSuperclusterSpec["clusters"][number], gatewaysOn: boolean): Partial<Record<keyof ReturnType<typeof natsPorts>, number>> {
    const p = clusterPorts(spec, cluster);
    return {
        client: p.client,
        monitor: p.monitor,
        ...(cluster.servers.length > 1 ? { cluster: p.cluster } : {}),
        ...(gatewaysOn && cluster.leafnodeTo === undefined ? { gateway: p.gateway } : {}),
        ...(spec.clusters.some((c) => c.leafnodeTo === cluster.name) ? { leafnode: p.leafnode } : {}),
    };
}

export function validateNatsTopology(spec: NatsSuperclusterSpec, options: NatsValidationOptions = {}): NatsValidationResult {
    const prefix = options.pathPrefix ?? "";
    const errors: NatsIssue[] = [];
    const warnings: NatsIssue[] = [];
    const err = (path: string, message: string) => errors.push({ path: prefix + path, message });
    const warn = (path: string, message: string) => warnings.push({ path: prefix + path, message });

    if (spec.clusters.length === 0) err("clusters", "at least one NATS cluster is required");

    const clusterByName = new Map<string, number>();
    const serverNames = new Map<string, string>();
    /** `host:port` -> `<server> <port name>`: two servers may share a host (node) on distinct ports. */
    const listeners = new Map<string, string>();
    /** domain -> clusters using it */
    const domains = new Map<string, string[]>();
    const gatewaysOn = (spec.gateways ?? true) && spec.clusters.filter((c) => c.leafnodeTo === undefined).length >= 2;
    spec.clusters.forEach((cluster, ci) => {
        const cp = `clusters[${ci}]`;
        if (!NAME.test(cluster.name)) err(`${cp}.name`, `cluster name '${cluster.name}' must match ${NAME} (it is also the gateway name)`);
        if (clusterByName.has(cluster.name)) err(`${cp}.name`, `duplicate cluster name '${cluster.name}' (also clusters[${clusterByName.get(cluster.name)}])`);
        else clusterByName.set(cluster.name, ci);
        if (cluster.servers.length === 0) err(`${cp}.servers`, `cluster '${cluster.name}' has no servers`);
        cluster.servers.forEach((server, si) => {
            const sp = `${cp}.servers[${si}]`;
            if (!NAME.test(server.name)) err(`${sp}.name`, `server name '${server.name}' must match ${NAME}`);
            const seen = serverNames.get(server.name);
            if (seen !== undefined) {
                err(`${sp}.name`, `duplicate server name '${server.name}' (also ${seen}): JetStream identifies peers by server name; use '<cluster>-<node>'`);
            } else serverNames.set(server.name, sp);
            if (server.host.trim() === "") err(`${sp}.host`, `server '${server.name}' needs the private address of node '${server.node}'`);
            for (const [key, port] of Object.entries(listenedPorts(spec, cluster, gatewaysOn))) {
                const owner = listeners.get(`${server.host}:${port}`);
                if (owner !== undefined) {
                    err(`${cp}.ports.${key}`, `server '${server.name}' would listen on ${server.host}:${port}, where ${owner} listens: give cluster '${cluster.name}' its own ports (ports.${key})`);
                } else listeners.set(`${server.host}:${port}`, `'${server.name}' (${key})`);
            }
        });
        if (cluster.jetstream) {
            const js = cluster.jetstream;
            const jp = `${cp}.jetstream`;
            if (js.domain.trim() === "") {
                err(`${jp}.domain`, cluster.leafnodeTo !== undefined
                    ? `JetStream leaf cluster '${cluster.name}' needs its own domain; without one it tries to join the hub's meta group over the leaf link`
                    : `JetStream cluster '${cluster.name}' needs a domain`);
            } else if (!NAME.test(js.domain)) {
                err(`${jp}.domain`, `JetStream domain '${js.domain}' must match ${NAME}`);
            } else {
                const owners = domains.get(js.domain) ?? [];
                // Full clusters joined by gateways legitimately share the supercluster's domain (checked below).
                const shared = gatewaysOn && cluster.leafnodeTo === undefined && owners.every((o) => spec.clusters[clusterByName.get(o)!].leafnodeTo === undefined);
                if (owners.length > 0 && !shared) {
                    err(`${jp}.domain`, `JetStream domain '${js.domain}' is also used by cluster '${owners[0]}'; every leaf (and every cluster not joined by gateways) needs its own domain`);
                }
                domains.set(js.domain, [...owners, cluster.name]);
            }
            for (const key of ["maxMemory", "maxFile"] as const) {
                const v = js[key];
                if (typeof v === "number" ? !(Number.isInteger(v) && v > 0) : !SIZE.test(v)) err(`${jp}.${key}`, `'${v}' is not a size (bytes or e.g. 512M, 10G)`);
            }
            const n = cluster.servers.length;
            if (n > 1 && n % 2 === 0) {
                const q = natsQuorum(n);
                warn(
                    `${cp}.servers`,
                    n === 2
                        ? `JetStream cluster '${cluster.name}' has 2 servers: the meta group and every R2 stream need both (majority 2 of 2), so there is no quorum after one loss and JetStream stops accepting writes; use 3 servers (or 1)`
                        : `JetStream cluster '${cluster.name}' has ${n} servers: a majority is ${q.majority} of ${n}, so it tolerates only ${q.tolerates} loss(es), no more than ${n - 1} servers would; use an odd size`,
                );
            }
        }
    });

    spec.clusters.forEach((cluster, ci) => {
        if (cluster.leafnodeTo === undefined) return;
        const lp = `clusters[${ci}].leafnodeTo`;
        const hubIndex = clusterByName.get(cluster.leafnodeTo);
        if (hubIndex === undefined) {
            err(lp, `leaf remote of cluster '${cluster.name}' points to unknown cluster '${cluster.leafnodeTo}' (known: ${[...clusterByName.keys()].join(", ")})`);
        } else if (cluster.leafnodeTo === cluster.name) {
            err(lp, `cluster '${cluster.name}' cannot be a leafnode of itself`);
        } else if (spec.clusters[hubIndex].leafnodeTo !== undefined) {
            err(lp, `cluster '${cluster.name}' must join a full cluster, but '${cluster.leafnodeTo}' is itself a leaf of '${spec.clusters[hubIndex].leafnodeTo}'`);
        }
    });

    const full = spec.clusters.filter((c) => c.leafnodeTo === undefined);
    if (spec.clusters.length > 0 && full.length === 0) err("clusters", "every cluster is a leafnode: at least one full cluster must accept the leaf links");
    const fullJs = full.filter((c) => c.jetstream !== undefined);
    if (gatewaysOn && fullJs.length > 1) {
        // Observed with Debian's nats-server 2.9.10 (test/nats/gateways-tls.test.ts history): two
        // gateway-joined JetStream clusters each bootstrap a meta group and then keep electing two
        // competing meta leaders, whether they start together or one joins later; with different
        // domains the meta group lists the other cluster's servers as offline peers.
        const ci = spec.clusters.indexOf(fullJs[1]);
        err(
            `clusters[${ci}].jetstream`,
            `full clusters joined by gateways may not both run JetStream (${fullJs.map((c) => `'${c.name}'`).join(", ")}): nats-server 2.9 elects competing meta leaders across the gateway; keep JetStream in one full cluster and make the others leafnodes or plain pub/sub clusters`,
        );
    }
    if (gatewaysOn) {
        if ((spec.nodeLocalSubjects ?? NODE_LOCAL_SUBJECTS).length > 0) {
            warn("gateways", "nats-server 2.9 has no subject permissions on gateways: node-local subjects are kept off routes and leaf links, but a subscriber in another full cluster can still receive them");
        }
    } else if (full.length >= 2) {
        warn("gateways", `gateways are disabled, so full clusters ${full.map((c) => `'${c.name}'`).join(", ")} do not exchange messages`);
    }

    const checkPorts = (path: string, ports: Record<string, number>) => {
        const portOwners = new Map<number, string>();
        for (const [key, value] of Object.entries(ports)) {
            if (!Number.isInteger(value) || value < 1 || value > 65535) err(`${path}${key}`, `port ${value} is not a TCP port`);
            const owner = portOwners.get(value);
            if (owner !== undefined) err(`${path}${key}`, `port ${value} is also the ${owner} port`);
            else portOwners.set(value, key);
        }
    };
    checkPorts("ports.", { ...natsPorts(spec) });
    spec.clusters.forEach((c, ci) => {
        if (c.ports !== undefined) checkPorts(`clusters[${ci}].ports.`, { ...clusterPorts(spec, c) });
    });

    const auth = spec.auth;
    const sys = auth.systemAccount ?? DEFAULT_SYSTEM_ACCOUNT;
    const app = auth.appAccount ?? DEFAULT_APP_ACCOUNT;
    if (!NAME.test(sys)) err("auth.systemAccount", `account name '${sys}' must match ${NAME}`);
    if (!NAME.test(app)) err("auth.appAccount", `account name '${app}' must match ${NAME}`);
    if (sys === app) err("auth.appAccount", `the application account must differ from the system account '${sys}'`);
    const users = new Map<string, string>();
    const checkUser = (path: string, user: string, password: string) => {
        if (!NAME.test(user)) err(`${path}`, `user name '${user}' must match ${NAME}`);
        if (password.length < 12) err(`${path.replace(/\.(user|service)$/, "")}.password`, `password of '${user}' is shorter than 12 characters`);
        const seen = users.get(user);
        if (seen !== undefined) err(path, `user '${user}' is also defined at ${seen}; nats-server needs unique user names across accounts`);
        else users.set(user, path);
    };
    checkUser("auth.system.user", auth.system.user, auth.system.password);
    auth.services.forEach((s, i) => checkUser(`auth.services[${i}].service`, s.service, s.password));
    if (auth.services.length === 0) err("auth.services", "at least one service user is required in the application account");
    // The leaf credential only exists in `leafnodes.authorization`, a separate user list.
    if (!NAME.test(auth.leafnode.user)) err("auth.leafnode.user", `user name '${auth.leafnode.user}' must match ${NAME}`);
    if (auth.leafnode.password.length < 12) err("auth.leafnode.password", "leafnode password is shorter than 12 characters");
    for (const key of ["route", "gateway"] as const) {
        const c = auth[key];
        if (c && c.password.length < 12) err(`auth.${key}.password`, `${key} password is shorter than 12 characters`);
    }
    if (spec.tls) {
        for (const key of ["certFile", "keyFile", "caFile"] as const) {
            if (spec.tls[key].trim() === "") err(`tls.${key}`, `TLS ${key} path is empty`);
        }
    }

    /**
     * Size of the cluster that stores an asset: its placement cluster, else the largest cluster of
     * the domain (a stream lives in one cluster, so R can never exceed that).
     */
    const sizeOf = (path: string, domain: string, cluster: string | undefined): number | undefined => {
        const names = domains.get(domain);
        if (names === undefined) {
            err(`${path}.domain`, `no JetStream cluster has domain '${domain}'`);
            return undefined;
        }
        if (cluster !== undefined) {
            if (!names.includes(cluster)) {
                err(`${path}.cluster`, `cluster '${cluster}' is not a JetStream cluster of domain '${domain}'`);
                return undefined;
            }
            return spec.clusters[clusterByName.get(cluster)!].servers.length;
        }
        return Math.max(...names.map((n) => spec.clusters[clusterByName.get(n)!].servers.length));
    };
    const streamNames = new Set<string>();
    const bySubjectDomain: { domain: string; subject: string; owner: string }[] = [];
    (options.streams ?? []).forEach((s, i) => {
        const p = `streams[${i}]`;
        if (!NAME.test(s.name)) err(`${p}.name`, `stream name '${s.name}' must match ${NAME}`);
        if (streamNames.has(`${s.domain}/${s.name}`)) err(`${p}.name`, `duplicate stream '${s.name}' in domain '${s.domain}'`);
        streamNames.add(`${s.domain}/${s.name}`);
        const n = sizeOf(p, s.domain, s.cluster);
        if (n !== undefined && s.replicas > n) err(`${p}.replicas`, `stream '${s.name}' wants ${s.replicas} replicas but its cluster (domain '${s.domain}') has ${n} server(s)`);
        if (!(Number.isInteger(s.replicas) && s.replicas >= 1 && s.replicas <= 5)) err(`${p}.replicas`, `stream '${s.name}': replicas must be 1..5`);
        if (s.subjects.length === 0) err(`${p}.subjects`, `stream '${s.name}' has no subjects`);
        s.subjects.forEach((subject, j) => {
            if (!validSubject(subject)) err(`${p}.subjects[${j}]`, `'${subject}' is not a valid subject`);
            for (const other of bySubjectDomain) {
                if (other.domain === s.domain && other.owner !== s.name && subjectsOverlap(other.subject, subject)) {
                    err(`${p}.subjects[${j}]`, `'${subject}' overlaps '${other.subject}' of stream '${other.owner}': JetStream rejects overlapping streams in one domain`);
                }
            }
            bySubjectDomain.push({ domain: s.domain, subject, owner: s.name });
        });
    });
    const buckets = new Set<string>();
    (options.keyValues ?? []).forEach((kv, i) => {
        const p = `keyValues[${i}]`;
        if (!NAME.test(kv.bucket)) err(`${p}.bucket`, `bucket name '${kv.bucket}' must match ${NAME}`);
        if (buckets.has(`${kv.domain}/${kv.bucket}`)) err(`${p}.bucket`, `duplicate bucket '${kv.bucket}' in domain '${kv.domain}'`);
        buckets.add(`${kv.domain}/${kv.bucket}`);
        const n = sizeOf(p, kv.domain, kv.cluster);
        if (n !== undefined && kv.replicas > n) err(`${p}.replicas`, `bucket '${kv.bucket}' wants ${kv.replicas} replicas but its cluster (domain '${kv.domain}') has ${n} server(s)`);
        if (!(Number.isInteger(kv.history) && kv.history >= 1 && kv.history <= 64)) err(`${p}.history`, `bucket '${kv.bucket}': history must be 1..64`);
    });

    return { errors, warnings };
}
