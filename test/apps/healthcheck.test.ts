/**
 * The Docker healthcheck commands, executed exactly as Docker would exec them (argv after "CMD"),
 * against real servers on 127.0.0.1: a node HTTP server and Debian's redis-server (herodb speaks
 * the same RESP protocol).
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { dockerHealthcheckTest, heartbeatCheck, httpProbe, respPingCheck } from "../../components/workload/probes";
import type { ProbeTool } from "../../components/workload/spec";
import { makeTempDir, requireBinary, startProcess, stopAllProcesses, waitForTcp } from "../support/process";
import { freePort } from "../ingress/support";

const LOCAL = "127.0.0.1";

/**
 * Exit status of a healthcheck test, run like Docker's exec form. Asynchronous: the HTTP server
 * under test lives in this process and must keep answering while the probe runs.
 */
function probe(test: string[]): Promise<number> {
    assert.equal(test[0], "CMD");
    requireBinary(test[1]);
    return new Promise((resolve) => {
        const child = spawn(test[1], test.slice(2), { stdio: "ignore" });
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", (code) => {
            clearTimeout(timer);
            resolve(code ?? -1);
        });
    });
}

describe("apps/healthcheck: probes against real servers", function () {
    this.timeout(30_000);
    let port: number;
    let status = 200;
    let server: http.Server;
    let closedPort: number;
    let dir: string;

    before(async () => {
        server = http.createServer((req, res) => {
            res.writeHead(req.url === "/health" ? status : 404);
            res.end();
        });
        port = await freePort(LOCAL);
        await new Promise<void>((resolve) => server.listen(port, LOCAL, resolve));
        closedPort = await freePort(LOCAL);
        dir = makeTempDir("probes");
    });
    after(async () => {
        await stopAllProcesses();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const tool of ["python", "wget", "bash"] as ProbeTool[]) {
        it(`${tool}: healthy on 200, unhealthy on 503, 404 and a closed port`, async () => {
            status = 200;
            assert.equal(await probe(httpProbe(tool, port, "/health")), 0);
            status = 503;
            assert.notEqual(await probe(httpProbe(tool, port, "/health")), 0);
            status = 200;
            assert.notEqual(await probe(httpProbe(tool, port, "/missing")), 0);
            assert.notEqual(await probe(httpProbe(tool, closedPort, "/health")), 0);
        });
    }

    it("rejects paths that would break out of the probe's quoting", () => {
        assert.throws(() => httpProbe("python", port, "/x'); import os; os.system('id"), /health path/);
        assert.throws(() => httpProbe("bash", 0, "/health"), /not a TCP port/);
    });

    it("RESP ping: healthy against redis-server, unhealthy against an HTTP server and a closed port", async () => {
        const redis = requireBinary("redis-server");
        const redisPort = await freePort(LOCAL);
        startProcess("redis-probe", redis, ["--port", String(redisPort), "--bind", LOCAL, "--save", "", "--appendonly", "no", "--dir", dir]);
        await waitForTcp(LOCAL, redisPort, 10_000);
        assert.equal(await probe(dockerHealthcheckTest(respPingCheck(redisPort))), 0);
        assert.notEqual(await probe(dockerHealthcheckTest(respPingCheck(port))), 0);
        assert.notEqual(await probe(dockerHealthcheckTest(respPingCheck(closedPort))), 0);
    });

    it("heartbeat: healthy while the file is fresh, unhealthy when stale or missing", async () => {
        const file = path.join(dir, "healthy");
        fs.writeFileSync(file, "");
        assert.equal(await probe(dockerHealthcheckTest(heartbeatCheck(file, 60))), 0);
        const old = Date.now() / 1000 - 120;
        fs.utimesSync(file, old, old);
        assert.equal(await probe(dockerHealthcheckTest(heartbeatCheck(file, 60))), 1);
        assert.notEqual(await probe(dockerHealthcheckTest(heartbeatCheck(path.join(dir, "missing"), 60))), 0);
    });
});
