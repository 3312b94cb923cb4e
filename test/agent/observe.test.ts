/** The agent's report of a service with its own consensus, against the real redis-sentinel 7. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { askSentinel } from "../../components/agent/daemon/observe";
import { makeTempDir, requireBinary, startProcess, stopAllProcesses, waitForTcp } from "../support/process";

describe("agent observe: Redis Sentinel (real redis-server + redis-sentinel)", function () {
    this.timeout(60_000);
    const dir = makeTempDir("agent-sentinel");
    after(async () => {
        await stopAllProcesses();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads the master address with AUTH, and reports a wrong password as an error", async () => {
        startProcess("redis", requireBinary("redis-server"), ["--bind", "127.0.1.11", "--port", "16391", "--save", "", "--appendonly", "no"]);
        await waitForTcp("127.0.1.11", 16391);
        const conf = path.join(dir, "sentinel.conf");
        fs.writeFileSync(conf, "bind 127.0.1.11\nport 26391\nrequirepass s3ntinel\nsentinel monitor daarion 127.0.1.11 16391 1\n");
        startProcess("sentinel", requireBinary("redis-sentinel"), [conf]);
        await waitForTcp("127.0.1.11", 26391);
        assert.deepEqual(await askSentinel("127.0.1.11:26391", "s3ntinel", 3000), ["127.0.1.11", 16391]);
        await assert.rejects(askSentinel("127.0.1.11:26391", "wrong", 3000), /WRONGPASS|invalid/i);
    });
});
