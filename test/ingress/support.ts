/** Loopback helpers shared by the ingress and apps real-server tests. */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { requireBinary, run } from "../support/process";

/** A port free on `host` right now (the kernel picks it; we release it for the server to take). */
export function freePort(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, host, () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

/** Self-signed certificate for `host`, written as cert+key PEM (HAProxy's crt format). */
export function makeCert(dir: string, host: string): { pem: string; cert: string } {
    const openssl = requireBinary("openssl");
    const key = path.join(dir, `${host}.key`);
    const cert = path.join(dir, `${host}.crt`);
    run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`]);
    const pem = path.join(dir, `${host}.pem`);
    fs.writeFileSync(pem, fs.readFileSync(cert, "utf8") + fs.readFileSync(key, "utf8"), { mode: 0o600 });
    return { pem, cert };
}

export interface SeenRequest {
    readonly method: string;
    readonly url: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly remoteAddress: string;
}

/** A tiny upstream: answers `id` on every path, and its health path follows `healthy`. */
export interface Upstream {
    readonly id: string;
    readonly host: string;
    readonly port: number;
    healthy: boolean;
    readonly seen: SeenRequest[];
    close(): Promise<void>;
}

export async function startUpstream(id: string, host: string, healthPath: string, extra: Record<string, string> = {}): Promise<Upstream> {
    const seen: SeenRequest[] = [];
    const state = { healthy: true };
    const server = http.createServer((req, res) => {
        const url = req.url ?? "";
        if (url === healthPath) {
            res.writeHead(state.healthy ? 200 : 503, { "content-type": "text/plain" });
            res.end(state.healthy ? "ok" : "unhealthy");
            return;
        }
        seen.push({ method: req.method ?? "", url, headers: req.headers, remoteAddress: req.socket.remoteAddress ?? "" });
        const body = extra[url] ?? id;
        res.writeHead(200, { "content-type": "text/plain", "x-upstream": id });
        res.end(body);
    });
    const port = await freePort(host);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
    });
    return {
        id,
        host,
        port,
        get healthy() {
            return state.healthy;
        },
        set healthy(v: boolean) {
            state.healthy = v;
        },
        seen,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

export interface Reply {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
    /** Subject CN of the certificate the server presented (HTTPS only). */
    readonly peerCn?: string;
}

/** One request with full control over Host, raw path, source address and TLS SNI. */
export function request(options: {
    readonly tls: boolean;
    readonly host: string;
    readonly port: number;
    readonly hostHeader: string;
    readonly path: string;
    readonly localAddress?: string;
    readonly ca?: string;
    readonly headers?: Record<string, string>;
}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const common = {
            host: options.host,
            port: options.port,
            path: options.path,
            method: "GET",
            localAddress: options.localAddress,
            headers: { host: options.hostHeader, connection: "close", ...(options.headers ?? {}) },
            agent: false as const,
        };
        const onResponse = (res: http.IncomingMessage) => {
            let body = "";
            const sock = res.socket as tls.TLSSocket | null;
            const peer = options.tls && sock && typeof sock.getPeerCertificate === "function" ? sock.getPeerCertificate() : undefined;
            res.setEncoding("utf8");
            res.on("data", (c: string) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, peerCn: peer?.subject?.CN as string | undefined }));
        };
        const req = options.tls
            ? https.request({ ...common, servername: options.hostHeader.split(":")[0], ca: options.ca, rejectUnauthorized: options.ca !== undefined }, onResponse)
            : http.request(common, onResponse);
        req.setTimeout(10_000, () => req.destroy(new Error(`request to ${options.host}:${options.port}${options.path} timed out`)));
        req.once("error", reject);
        req.end();
    });
}
