/**
 * Sends a PostgreSQL v3 StartupMessage from a chosen local address and reports the server's first
 * answer, before any password is exchanged: either the pg_hba decision (ErrorResponse) or the
 * authentication method it asks for (AuthenticationRequest; 10 = SASL, i.e. scram-sha-256).
 * libpq cannot choose its source address, which is exactly what pg_hba tests need.
 */
import * as net from "node:net";

export type StartupAnswer = { kind: "error"; message: string } | { kind: "auth"; code: number };

export function startupProbe(opts: { localAddress: string; host: string; port: number; params: Record<string, string> }): Promise<StartupAnswer> {
    const body = Buffer.concat([
        ...Object.entries(opts.params).flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`)]),
        Buffer.from([0]),
    ]);
    const header = Buffer.alloc(8);
    header.writeInt32BE(8 + body.length, 0);
    header.writeInt32BE(196608, 4); // protocol 3.0
    return new Promise((resolve, reject) => {
        const socket = net.connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
        let data = Buffer.alloc(0);
        const timer = setTimeout(() => {
            socket.destroy();
            reject(new Error("no answer to the startup message within 5 s"));
        }, 5000);
        socket.once("connect", () => socket.write(Buffer.concat([header, body])));
        socket.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        socket.on("data", (chunk) => {
            data = Buffer.concat([data, chunk]);
            if (data.length < 5) return;
            const length = data.readInt32BE(1);
            if (data.length < 1 + length) return;
            clearTimeout(timer);
            socket.destroy();
            const type = String.fromCharCode(data[0]);
            if (type === "R") {
                resolve({ kind: "auth", code: data.readInt32BE(5) });
            } else if (type === "E") {
                const fields = data.subarray(5, 1 + length).toString("utf8").split("\0");
                const message = fields.find((f) => f.startsWith("M"))?.slice(1) ?? fields.join(" ");
                resolve({ kind: "error", message });
            } else {
                reject(new Error(`unexpected first message type '${type}'`));
            }
        });
    });
}
