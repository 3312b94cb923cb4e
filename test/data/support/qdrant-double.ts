/**
 * A small recording HTTP double of the Qdrant REST endpoints the collection provider uses, on
 * 127.0.0.1. Qdrant itself cannot run in CI (no Debian package, no network to fetch it), so this
 * double only proves the provider's request logic against the documented request/response shapes;
 * it does NOT prove Qdrant's behaviour. Peer ids are u64 values above 2^53, serialized as bare JSON
 * integers like Qdrant does.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly apiKey: string | undefined;
    /** Raw body text (peer ids must be bare integers in it). */
    readonly body: string;
}

interface Collection {
    params: Record<string, unknown>;
    /** shard id -> peer ids holding it */
    placement: Map<number, string[]>;
}

export class QdrantDouble {
    readonly requests: RecordedRequest[] = [];
    readonly collections = new Map<string, Collection>();
    /** Peer ids (decimal strings); the first is the peer this double answers as. */
    peers: string[];
    private server?: http.Server;
    url = "";

    constructor(
        /** The key the peers were configured with; settable (test/engine/containers.ts learns it from the deployed config). */
        public apiKey: string,
        peers: string[],
    ) {
        this.peers = peers;
    }

    /** Listens on 127.0.0.1:`port` (0: any free port). */
    async start(port = 0): Promise<void> {
        this.server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => this.handle(req, body, res));
        });
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(port, "127.0.0.1", resolve);
        });
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    /** Requests other than the read-only GETs. */
    writes(): RecordedRequest[] {
        return this.requests.filter((r) => r.method !== "GET");
    }

    private send(res: http.ServerResponse, status: number, payload: string): void {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(payload);
    }

    private ok(res: http.ServerResponse, result: string): void {
        this.send(res, 200, `{"result":${result},"status":"ok","time":0.001}`);
    }

    private error(res: http.ServerResponse, status: number, message: string): void {
        this.send(res, status, JSON.stringify({ status: { error: message }, time: 0.001 }));
    }

    private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://double");
        const apiKey = req.headers["api-key"] as string | undefined;
        this.requests.push({ method: req.method ?? "", path: url.pathname + url.search, apiKey, body });
        if (apiKey !== this.apiKey) return this.error(res, 401, "Invalid api-key");
        const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        if (req.method === "GET" && parts.length === 1 && parts[0] === "cluster") {
            const peers = this.peers.map((p, i) => `"${p}":{"uri":"http://10.0.0.${i + 1}:6335/"}`).join(",");
            return this.ok(res, `{"status":"enabled","peer_id":${this.peers[0]},"peers":{${peers}},"raft_info":{"term":1,"commit":10,"pending_operations":0,"leader":${this.peers[0]},"role":"Leader","is_voter":true},"consensus_thread_status":{"consensus_thread_status":"working","last_update":"2026-01-01T00:00:00Z"},"message_send_failures":{}}`);
        }
        if (parts[0] !== "collections" || parts.length < 2) return this.error(res, 404, "Not found");
        const name = parts[1];
        const col = this.collections.get(name);
        if (parts.length === 2) {
            switch (req.method) {
                case "PUT": {
                    if (col) return this.error(res, 409, `Wrong input: Collection \`${name}\` already exists!`);
                    const b = JSON.parse(body) as Record<string, unknown>;
                    const shards = Number(b.shard_number ?? this.peers.length);
                    const rf = Number(b.replication_factor ?? 1);
                    const placement = new Map<number, string[]>();
                    // Like Qdrant: at most one replica per peer, as many as there are peers now.
                    for (let s = 0; s < shards; s++) {
                        placement.set(s, Array.from({ length: Math.min(rf, this.peers.length) }, (_, i) => this.peers[(s + i) % this.peers.length]));
                    }
                    this.collections.set(name, { params: { vectors: b.vectors, shard_number: shards, replication_factor: rf, write_consistency_factor: b.write_consistency_factor ?? 1, on_disk_payload: b.on_disk_payload ?? true }, placement });
                    return this.ok(res, "true");
                }
                case "GET":
                    if (!col) return this.error(res, 404, `Not found: Collection \`${name}\` doesn't exist!`);
                    return this.ok(res, JSON.stringify({ status: "green", optimizer_status: "ok", points_count: 0, segments_count: 2, config: { params: col.params, hnsw_config: {}, optimizer_config: {}, wal_config: {} }, payload_schema: {} }));
                case "PATCH": {
                    if (!col) return this.error(res, 404, `Not found: Collection \`${name}\` doesn't exist!`);
                    const b = JSON.parse(body) as { params?: Record<string, unknown> };
                    Object.assign(col.params, b.params ?? {});
                    return this.ok(res, "true");
                }
                case "DELETE":
                    // Qdrant answers 200 with result false for a missing collection.
                    return this.ok(res, String(this.collections.delete(name)));
            }
        }
        if (parts.length === 3 && parts[2] === "cluster" && col) {
            if (req.method === "GET") {
                const self = this.peers[0];
                const local: string[] = [];
                const remote: string[] = [];
                for (const [shard, holders] of col.placement) {
                    for (const p of holders) {
                        if (p === self) local.push(`{"shard_id":${shard},"points_count":0,"state":"Active"}`);
                        else remote.push(`{"shard_id":${shard},"peer_id":${p},"state":"Active"}`);
                    }
                }
                return this.ok(res, `{"peer_id":${self},"shard_count":${col.placement.size},"local_shards":[${local.join(",")}],"remote_shards":[${remote.join(",")}],"shard_transfers":[]}`);
            }
            if (req.method === "POST") {
                // Peer ids must arrive as exact integers: compare the raw text, not a rounded number.
                const m = /"replicate_shard"\s*:\s*\{\s*"shard_id"\s*:\s*(\d+)\s*,\s*"from_peer_id"\s*:\s*(\d+)\s*,\s*"to_peer_id"\s*:\s*(\d+)\s*\}/.exec(body);
                if (!m) return this.error(res, 400, "Format error in JSON body");
                const [shard, from, to] = [Number(m[1]), m[2], m[3]];
                const holders = col.placement.get(shard);
                if (!holders) return this.error(res, 400, `Bad request: Shard ${shard} does not exist`);
                if (!this.peers.includes(to)) return this.error(res, 400, `Bad request: Peer ${to} does not exist`);
                if (!holders.includes(from)) return this.error(res, 400, `Bad request: Shard ${shard} is not on peer ${from}`);
                if (holders.includes(to)) return this.error(res, 400, `Bad request: Shard ${shard} is already on peer ${to}`);
                holders.push(to);
                return this.ok(res, "true");
            }
        }
        return this.error(res, 404, "Not found");
    }
}
