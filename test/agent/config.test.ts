/** components/agent/config.ts: defaults, Patroni's timing rule, and one-line errors naming the key. */
import { strict as assert } from "node:assert";
import { DEFAULT_MAX_LAG_BYTES, parseAgentConfig } from "../../components/agent/config";
import { renderEntrypoint, renderPostgresqlConf, CONTAINER_POSTGRES_PATHS } from "../../components/postgres/render";

const base = {
    node: "node1",
    listen: "10.0.1.1:9700",
    nats: { servers: ["nats://10.0.1.1:4222"], user: "agent", passwordEnv: "NATS_PASSWORD" },
    groups: [
        {
            name: "postgres",
            strategy: "AbsoluteConsistency",
            kind: "postgres",
            members: [{ node: "node1", priority: 2 }, { node: "node2", priority: 1 }],
            postgres: { host: "10.0.1.1" },
        },
    ],
};

describe("agent config (components/agent/config.ts)", () => {
    it("applies the documented defaults", () => {
        const c = parseAgentConfig(base);
        assert.deepEqual(c.timing, { ttlMs: 10_000, loopMs: 2_000, retryTimeoutMs: 4_000 });
        assert.equal(c.nats.bucket, "failover");
        assert.deepEqual(c.groups[0].postgres, { host: "10.0.1.1", port: 5432, user: "postgres", passwordEnv: "PGPASSWORD", stateDir: "/run/daarion", database: "postgres" });
        assert.equal(c.groups[0].maxLagBytes, undefined);
        assert.equal(DEFAULT_MAX_LAG_BYTES, 1_048_576);
    });

    it("refuses timing that breaks loopMs + 2*retryTimeoutMs <= ttlMs, naming the key", () => {
        assert.throws(() => parseAgentConfig({ ...base, timing: { ttlMs: 9_000, loopMs: 2_000, retryTimeoutMs: 4_000 } }, "config.json"), /^Error: config\.json: timing\.ttlMs: loopMs \+ 2\*retryTimeoutMs \(10000\) must be <= ttlMs \(9000\)/);
    });

    it("refuses a SplitBrainAllowed PostgreSQL group and a group without its kind's block", () => {
        assert.throws(() => parseAgentConfig({ ...base, groups: [{ ...base.groups[0], strategy: "SplitBrainAllowed" }] }), /groups\.0\.strategy: PostgreSQL groups must be AbsoluteConsistency/);
        assert.throws(() => parseAgentConfig({ ...base, groups: [{ ...base.groups[0], postgres: undefined }] }), /groups\.0\.postgres: required when kind is postgres/);
        assert.throws(() => parseAgentConfig({ ...base, groups: [{ ...base.groups[0], members: [{ node: "node1" }] }] }), /groups\.0\.members: a failover group needs at least 2 members/);
    });

    it("the launcher in failover mode takes its role from the agent's files, and its conf includes the upstream file", () => {
        const topology = { primary: { name: "node1", privateIp: "10.0.1.1" }, replicas: [{ name: "node2", privateIp: "10.0.1.2" }], clientCidrs: ["10.0.1.0/24"] };
        const spec = { topology, node: "node2", paths: CONTAINER_POSTGRES_PATHS, failover: { stateDir: "/run/daarion" } };
        const sh = renderEntrypoint(spec);
        assert.match(sh, /readonly WRITABLE_UNTIL_FILE='\/run\/daarion\/writable-until'/);
        assert.match(sh, /kill -QUIT "\$PG_PID"/);
        assert.doesNotMatch(renderPostgresqlConf(spec), /^primary_conninfo/m);
        assert.match(renderPostgresqlConf(spec), /^include_if_exists = '\/var\/run\/postgresql\/daarion\/failover\.conf'$/m);
        // Without failover the launcher is unchanged (topology roles, docs/replication.md).
        assert.doesNotMatch(renderEntrypoint({ ...spec, failover: undefined }), /WRITABLE_UNTIL_FILE/);
    });
});
