/**
 * Issue 12: automated PostgreSQL failover and the SplitBrainAllowed router, on real servers
 * (test/agent/harness.ts). Each test builds a fresh 3-node cluster and removes every process and
 * iptables rule it made in its `after`/`afterEach` hooks.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { AgentCluster, IP, measureKillRto, tryWrite } from "./harness";
import { sleep, waitFor } from "../support/process";

describe("node agent failover (real nats-server, postgres, iptables)", function () {
    this.timeout(240_000);
    let c: AgentCluster | undefined;

    afterEach(async function () {
        if (c && this.currentTest?.state === "failed") console.error(c.logs());
        await c?.cleanup();
        c = undefined;
    });

    it("kill -9 of node1 (postgres, agent, nats): node2 is promoted, writes continue, RTO <= 15 s, 0 rows lost", async function () {
        const { rtoMs, lostRows } = await measureKillRto();
        console.log(`      RTO (kill -9 -> first committed write on node2): ${(rtoMs / 1000).toFixed(1)} s; rows lost: ${lostRows}`);
        assert.equal(lostRows, 0);
        assert.ok(rtoMs <= 15_000, `RTO ${rtoMs} ms > 15 s`);
    });
});
