/** The agent's endpoints on the node's private IP (contract: 200 or 503 each) and its metrics. */
import * as http from "node:http";
import { Agent } from "./agent";

function metrics(a: Agent): string {
    const out: string[] = [];
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const metric = (name: string, help: string, rows: Array<[Record<string, string>, number | undefined]>) => {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`);
        for (const [labels, v] of rows) {
            if (v === undefined || Number.isNaN(v)) continue;
            const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(",");
            out.push(`${name}${l ? `{${l}}` : ""} ${v}`);
        }
    };
    const gs = [...a.groups.values()];
    metric("daarion_agent_up", "1 while the agent runs and reaches its NATS KV bucket", [[{}, a.natsOk ? 1 : 0]]);
    metric("daarion_agent_lease_held", "1 when this node holds the group's lease", gs.map((g) => [{ group: g.name }, g.leaseHeld ? 1 : 0]));
    metric("daarion_agent_lease_age_seconds", "Age of the group's lease entry (JetStream timestamps)", gs.map((g) => [{ group: g.name }, g.leaseAgeSeconds]));
    metric("daarion_agent_fenced", "1 when this node's workload of an AbsoluteConsistency group may not accept writes", gs.map((g) => [{ group: g.name }, g.strategy === "AbsoluteConsistency" && g.fenced ? 1 : 0]));
    metric("daarion_agent_failovers_total", "Lease take-overs performed by this node", gs.map((g) => [{ group: g.name }, g.failovers]));
    metric("daarion_agent_replication_lag_bytes", "Replay position behind the WAL position the primary last published", gs.map((g) => [{ group: g.name }, g.lagBytes]));
    metric("daarion_agent_lag_bound_bytes", "maxLagBytes of the group", gs.map((g) => [{ group: g.name }, g.lagBoundBytes]));
    metric("daarion_agent_primary", "1 for the node that is primary/active now, as this agent sees it", gs.filter((g) => g.primaryNode).map((g) => [{ group: g.name, node: g.primaryNode! }, 1]));
    metric("daarion_agent_peer_up", "1 when the peer agent answers", [...a.peers.values()].map((p) => [{ peer: p.node }, p.reachable ? 1 : 0]));
    return out.join("\n") + "\n";
}

export function startHttp(a: Agent, host: string, port: number): http.Server {
    const server = http.createServer((req, res) => {
        const send = (ok: boolean, body: unknown, type = "application/json") => {
            res.writeHead(ok ? 200 : 503, { "content-type": type });
            res.end(typeof body === "string" ? body : JSON.stringify(body, null, 1));
        };
        const url = (req.url ?? "/").split("?")[0];
        a.refreshLocal();
        const groups = [...a.groups.values()];
        if (url === "/health") return send(a.natsOk || groups.every((g) => g.ready), { node: a.cfg.node, nats: a.natsOk, groups: groups.map((g) => ({ name: g.name, ready: g.ready })) });
        if (url === "/ready") return send(groups.length === 0 ? a.natsOk : groups.some((g) => g.ready), { node: a.cfg.node, ready: groups.filter((g) => g.ready).map((g) => g.name) });
        if (url.startsWith("/ready/")) {
            const g = a.groups.get(decodeURIComponent(url.slice("/ready/".length)));
            if (!g) return send(false, { error: "unknown group" });
            return send(g.ready, g);
        }
        if (url === "/cluster/status") return send(a.natsOk, { node: a.cfg.node, nats: a.natsOk, groups, services: a.observed });
        if (url === "/cluster/peers") return send([...a.peers.values()].every((p) => p.reachable), [...a.peers.values()]);
        if (url === "/metrics") return send(true, metrics(a), "text/plain; version=0.0.4");
        send(false, { error: "not found" });
    });
    server.listen(port, host);
    return server;
}
