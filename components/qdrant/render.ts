/**
 * Pure renderer of the Qdrant config and command for one cluster peer (seed 000: `Qdrant: mode:
 * sharded, shards: 2, replication_factor: 2, nodes: [NODE1, NODE2]`). No Pulumi import.
 *
 * Keys verified against qdrant/qdrant `config/config.yaml` (service.host/http_port/grpc_port/api_key,
 * cluster.enabled, cluster.p2p.port, cluster.consensus.tick_period_ms, storage.storage_path,
 * storage.snapshots_path, telemetry_disabled) and the "Distributed deployment" guide (`--uri` on the
 * first peer, `--bootstrap <uri of an existing peer>` on the others).
 */
import { isIPv4 } from "node:net";
import { stringify } from "yaml";

export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

export interface QdrantPeer {
    readonly name: string;
    readonly privateIp: string;
}

export interface QdrantClusterSpec {
    /** Every peer; order is irrelevant, `firstPeer` starts the cluster. */
    readonly peers: readonly QdrantPeer[];
    /** Name of the peer that bootstraps the Raft cluster. */
    readonly firstPeer: string;
    /** @default 6333 */
    readonly httpPort?: number;
    /** @default 6334 */
    readonly grpcPort?: number;
    /** @default 6335 */
    readonly p2pPort?: number;
}

export const QDRANT_DEFAULT_PORTS = { http: 6333, grpc: 6334, p2p: 6335 } as const;

export interface QdrantNodeSpec {
    readonly cluster: QdrantClusterSpec;
    readonly node: string;
    /** @default "/qdrant/storage" */
    readonly storagePath?: string;
    /** @default "/qdrant/snapshots" */
    readonly snapshotsPath?: string;
    /**
     * Address the servers bind inside the container. The container's ports are published on the
     * node's private IP only, which is what keeps p2p (6335, unauthenticated, it carries writes) private.
     * @default "0.0.0.0"
     */
    readonly bindHost?: string;
    /** Address peers reach this node at (`--uri`). @default this node's private IP */
    readonly announceHost?: string;
    /** Address of the first peer as seen from this node. @default the first peer's private IP */
    readonly firstPeerHost?: string;
}

function ports(c: QdrantClusterSpec) {
    return {
        http: c.httpPort ?? QDRANT_DEFAULT_PORTS.http,
        grpc: c.grpcPort ?? QDRANT_DEFAULT_PORTS.grpc,
        p2p: c.p2pPort ?? QDRANT_DEFAULT_PORTS.p2p,
    };
}

function peer(c: QdrantClusterSpec, name: string): QdrantPeer {
    const p = c.peers.find((x) => x.name === name);
    if (!p) throw new Error(`node '${name}' is not a Qdrant peer`);
    return p;
}

/** config.yaml for one peer; the API key is part of it, so the file is secret. */
export function renderQdrantConfig(spec: QdrantNodeSpec, apiKey: string): string {
    const p = ports(spec.cluster);
    peer(spec.cluster, spec.node);
    const config = {
        log_level: "INFO",
        storage: {
            storage_path: spec.storagePath ?? "/qdrant/storage",
            snapshots_path: spec.snapshotsPath ?? "/qdrant/snapshots",
            on_disk_payload: true,
        },
        service: {
            host: spec.bindHost ?? "0.0.0.0",
            http_port: p.http,
            grpc_port: p.grpc,
            // Every REST/gRPC request must carry `api-key`; p2p is protected by network placement only.
            api_key: apiKey,
            enable_cors: false,
        },
        cluster: {
            enabled: true,
            p2p: { port: p.p2p },
            consensus: { tick_period_ms: 100 },
        },
        telemetry_disabled: true,
    };
    return `# Rendered by daarion components/qdrant for ${spec.node}.\n${stringify(config)}`;
}

/** Qdrant CLI args: the first peer announces itself with --uri; the others also --bootstrap from it. */
export function qdrantArgs(spec: QdrantNodeSpec, configPath: string): string[] {
    const c = spec.cluster;
    const p = ports(c);
    const self = peer(c, spec.node);
    const first = peer(c, c.firstPeer);
    const args = ["--config-path", configPath, "--uri", `http://${spec.announceHost ?? self.privateIp}:${p.p2p}`];
    if (spec.node !== c.firstPeer) {
        // Ignored once the peer has joined (its Raft state is on the volume), so restarts are safe.
        args.push("--bootstrap", `http://${spec.firstPeerHost ?? first.privateIp}:${p.p2p}`);
    }
    return args;
}

/** REST base URL of a peer. */
export function qdrantUrl(host: string, httpPort: number = QDRANT_DEFAULT_PORTS.http): string {
    return `http://${host}:${httpPort}`;
}

export interface QdrantReplicationBlock {
    readonly nodes: readonly string[];
    readonly firstPeer?: string;
    readonly shards: number;
    readonly replicationFactor: number;
    readonly collections: readonly { readonly name: string; readonly vectorSize: number; readonly shards?: number; readonly replicationFactor?: number }[];
}

/** Cross-checks of seed 000's Qdrant block against the known nodes. */
export function validateQdrantBlock(block: QdrantReplicationBlock, knownNodes: Readonly<Record<string, { privateIp: string }>>, base = "replication.qdrant"): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const add = (path: string, message: string) => issues.push({ path: `${base}.${path}`, message });
    block.nodes.forEach((n, i) => {
        if (!knownNodes[n]) add(`nodes[${i}]`, `unknown node '${n}'`);
        else if (!isIPv4(knownNodes[n].privateIp)) add(`nodes[${i}]`, `node '${n}' has no IPv4 private IP`);
    });
    if (new Set(block.nodes).size !== block.nodes.length) add("nodes", "a node is listed twice");
    const peers = new Set(block.nodes).size;
    if (block.firstPeer !== undefined && !block.nodes.includes(block.firstPeer)) add("firstPeer", `'${block.firstPeer}' is not one of nodes`);
    const checkRf = (rf: number, path: string) => {
        if (!Number.isInteger(rf) || rf < 1) add(path, `replication factor ${rf} must be an integer >= 1`);
        else if (rf > peers) add(path, `replication factor ${rf} exceeds the ${peers} Qdrant peer(s): Qdrant cannot place more replicas than peers`);
    };
    const checkShards = (s: number, path: string) => {
        if (!Number.isInteger(s) || s < 1) add(path, `shard number ${s} must be an integer >= 1`);
    };
    checkRf(block.replicationFactor, "replicationFactor");
    checkShards(block.shards, "shards");
    const names = new Set<string>();
    block.collections.forEach((c, i) => {
        if (names.has(c.name)) add(`collections[${i}].name`, `collection '${c.name}' is declared twice`);
        names.add(c.name);
        if (c.replicationFactor !== undefined) checkRf(c.replicationFactor, `collections[${i}].replicationFactor`);
        if (c.shards !== undefined) checkShards(c.shards, `collections[${i}].shards`);
        if (!Number.isInteger(c.vectorSize) || c.vectorSize < 1 || c.vectorSize > 65536) add(`collections[${i}].vectorSize`, `vector size ${c.vectorSize} must be 1..65536`);
    });
    return issues;
}
