/**
 * Issue 12: the node agent's NATS user may use its lease bucket and nothing else
 * (components/agent/nats-permissions.ts), on Debian's nats-server 2.9.10 with the rendered
 * nats.conf. The three agents run under that user and must keep their heartbeats going; the same
 * credentials must be refused everything else an agent could reach.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AGENT_DEFAULT_BUCKET, heartbeatKey } from "../../components/agent/config";
import { agentNatsPermissions, kvStreamName } from "../../components/agent/nats-permissions";
import { AgentCluster, NODES } from "./harness";
import { waitFor } from "../support/process";

describe("node agent NATS user: its KV bucket only (real nats-server 2.9.10, rendered permissions)", function () {
    this.timeout(180_000);
    let c: AgentCluster;
    let agent: Awaited<ReturnType<AgentCluster["natsClient"]>>;
    let admin: Awaited<ReturnType<AgentCluster["natsClient"]>>;

    before(async function () {
        c = new AgentCluster({ postgres: false });
        await c.startAll();
        agent = await c.natsClient("node1", "agent");
        admin = await c.natsClient("node1", "admin");
        const jsm = await jetstreamManager(admin);
        await new Kvm(jetstream(admin)).create("other", { replicas: 1, history: 1 });
        await jsm.streams.add({ name: "EVENTS", subjects: ["events.>"], num_replicas: 1 });
    });

    after(async function () {
        if (this.currentTest?.state === "failed") console.error(c.logs());
        await agent?.close().catch(() => undefined);
        await admin?.close().catch(() => undefined);
        await c?.cleanup();
    });

    it("renders exactly the subjects the client uses for the bucket", () => {
        assert.deepEqual(agentNatsPermissions("failover"), {
            publish: ["$KV.failover.>", "$JS.API.STREAM.MSG.GET.KV_failover"],
            subscribe: ["_INBOX.>"],
        });
        // The nats.conf the servers of this test run with, rendered by components/nats/render.ts.
        const conf = fs.readFileSync(path.join(c.nats.dir, "core-node1.conf"), "utf8");
        assert.match(conf, /user: "agent", password: "[^"]+", permissions: \{ publish: \{ allow: \["\$KV\.failover\.>", "\$JS\.API\.STREAM\.MSG\.GET\.KV_failover"\] \}, subscribe: \{ allow: \["_INBOX\.>"\] \} \}/);
    });

    it("the agents work under it: every agent is up and its heartbeat revision advances", async () => {
        const kv = await new Kvm(jetstream(admin)).open(AGENT_DEFAULT_BUCKET);
        const first = new Map<string, number>();
        for (const n of NODES) first.set(n, (await waitFor(`heartbeat of ${n}`, async () => (await kv.get(heartbeatKey(n))) ?? undefined, 30_000, 250)).revision);
        for (const n of NODES) {
            await waitFor(`${n}'s heartbeat advances`, async () => ((await kv.get(heartbeatKey(n)))?.revision ?? 0) > first.get(n)!, 20_000, 250);
            assert.match((await c.agentJson(n, "/metrics")).body as string, /^daarion_agent_up 1$/m);
        }
        // The same credentials read and write a key of the bucket by compare-and-set, as the agents do.
        const mine = await new Kvm(jetstream(agent)).open(AGENT_DEFAULT_BUCKET);
        const rev = await mine.create("lease.permission-probe", "x");
        assert.ok((await mine.update("lease.permission-probe", "y", rev)) > rev);
        assert.equal((await mine.get("lease.permission-probe"))?.string(), "y");
    });

    const refused = /permissions violation/i;

    it("writing another KV bucket is refused", async () => {
        const other = await new Kvm(jetstream(agent, { timeout: 3000 })).open("other");
        await assert.rejects(other.put("k", "v"), refused);
        assert.equal(await (await new Kvm(jetstream(admin)).open("other")).get("k"), null);
    });

    it("publishing into another stream is refused", async () => {
        await assert.rejects(jetstream(agent, { timeout: 3000 }).publish("events.x", "v"), refused);
        assert.equal((await (await jetstreamManager(admin)).streams.info("EVENTS")).state.messages, 0);
    });

    it("creating a bucket or deleting its own bucket's stream is refused", async () => {
        await assert.rejects(new Kvm(jetstream(agent, { timeout: 3000 })).create("rogue", { replicas: 1 }), refused);
        const jsm = await jetstreamManager(agent, { checkAPI: false, timeout: 3000 });
        await assert.rejects(jsm.streams.delete(kvStreamName(AGENT_DEFAULT_BUCKET)), refused);
        const names: string[] = [];
        for await (const n of (await jetstreamManager(admin)).streams.names()) names.push(n);
        assert.deepEqual(names.sort(), ["EVENTS", "KV_failover", "KV_other"]);
    });

    it("watching the bucket's subjects directly (a subscription outside _INBOX) is refused", async () => {
        const sub = agent.subscribe(`$KV.${AGENT_DEFAULT_BUCKET}.>`);
        // The server answers the SUB with a permissions error; the client closes the subscription with it.
        const closed = await Promise.race([sub.closed, new Promise<string>((r) => setTimeout(() => r("still open after 5 s"), 5_000))]);
        assert.match(String(closed), refused);
    });
});
