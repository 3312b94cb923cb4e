/**
 * Daedalus (seed 004) and the per-node runtime (seed 003) as workloads: env names, exposure,
 * secrets, protection. The nginx text itself is run by Debian's nginx in test/ingress/nginx.test.ts.
 */
import { dockerHealthcheckTest } from "../../components/workload/probes";
import * as assert from "node:assert/strict";
import { buildDaedalusWorkloads, daedalusDatabaseUrl, daedalusNginxConfig, DaedalusArgs, validateDaedalusArgs } from "../../components/apps/daedalus";
import { buildHerodbWorkload, buildNodePostgresWorkload, buildPostgrestWorkload } from "../../components/apps/runtime";
import { valueOf } from "../support/outputs";

const ARGS: DaedalusArgs = {
    apiImage: { repository: "registry.daarion.city/ouranos/daedalus-api", digest: `sha256:${"a".repeat(64)}` },
    nginxImage: { repository: "registry.daarion.city/ouranos/daedalus-web", digest: `sha256:${"b".repeat(64)}` },
    databaseUrl: daedalusDatabaseUrl({ host: "10.10.2.11", password: "p@ss/word" }),
    s3: { endpoint: "http://10.10.2.11:9000", accessKey: "ak", secretKey: "sk" },
    trustedProxies: ["10.10.2.11", "172.16.0.0/12"],
    apiHost: "node1-daedalus-api",
};

describe("apps/daedalus: workloads", () => {
    const [api, nginx] = buildDaedalusWorkloads(ARGS);

    it("sets exactly seed 004's env names, credentials secret", async () => {
        assert.deepEqual(Object.keys(api.env ?? {}).sort(), [
            "DAEDALUS_DATABASE_URL", "DAEDALUS_ENV", "DAEDALUS_S3_ACCESS_KEY", "DAEDALUS_S3_BUCKET", "DAEDALUS_S3_ENDPOINT", "DAEDALUS_S3_SECRET_KEY",
        ]);
        assert.equal(api.env?.DAEDALUS_ENV, "production");
        assert.equal(api.env?.DAEDALUS_S3_BUCKET, "daedalus");
        const url = await valueOf(api.env?.DAEDALUS_DATABASE_URL);
        assert.equal(url.secret, true);
        assert.equal(url.value, "postgresql+asyncpg://daedalus:p%40ss%2Fword@10.10.2.11:5432/daedalus");
        for (const k of ["DAEDALUS_S3_ACCESS_KEY", "DAEDALUS_S3_SECRET_KEY"]) assert.equal((await valueOf(api.env?.[k])).secret, true, k);
    });

    it("keeps uvicorn on 8000 internal and publishes nginx on 22181 (private IP, not public ingress)", () => {
        assert.deepEqual(api.ports, [{ name: "http", containerPort: 8000, exposure: "internal" }]);
        assert.deepEqual(nginx.ports, [{ name: "http", containerPort: 80, hostPort: 22181 }]);
        assert.match(api.command?.join(" ") ?? "", /alembic upgrade head && exec uvicorn daedalus\.main:app --host 0\.0\.0\.0 --port 8000 --workers 2$/);
        assert.equal(api.name, "daedalus-api");
        assert.deepEqual(nginx.dependsOn, ["daedalus-api"]);
    });

    it("mounts the rendered nginx.conf, proxying to the api container by name", () => {
        const file = nginx.files?.find((f) => f.path === "/etc/nginx/nginx.conf");
        assert.ok(file);
        assert.equal(file.content, daedalusNginxConfig(ARGS));
        assert.match(String(file.content), /server node1-daedalus-api:8000;/);
        assert.match(String(file.content), /set_real_ip_from 10\.10\.2\.11;/);
    });

    it("labels both containers unit=daedalus for Loki and scrapes /metrics through nginx", () => {
        assert.equal(api.labels?.unit, "daedalus");
        assert.equal(nginx.labels?.unit, "daedalus");
        assert.deepEqual(nginx.metrics, [{ port: "http", path: "/metrics", job: "daedalus", interval: "15s" }]);
        assert.deepEqual(dockerHealthcheckTest(api.probe.check).slice(0, 2), ["CMD", "python3"]);
        assert.deepEqual(dockerHealthcheckTest(nginx.probe.check), ["CMD", "wget", "-q", "-O", "/dev/null", "-T", "4", "http://127.0.0.1:80/nginx-health"]);
        assert.ok(api.memoryMb > 0 && nginx.memoryMb > 0);
    });

    it("rejects invalid args naming the key", () => {
        assert.deepEqual(validateDaedalusArgs({ ...ARGS, metricsAllow: ["internet"], s3: { ...ARGS.s3, bucket: "Bad_Bucket" }, apiWorkers: 0 }), [
            "daedalus.metricsAllow[0]: 'internet' is not an address or CIDR",
            "daedalus.apiWorkers: must be an integer >= 1",
            "daedalus.s3.bucket: 'Bad_Bucket' is not an S3 bucket name",
        ]);
        assert.throws(() => buildDaedalusWorkloads({ ...ARGS, hostPort: 0 }), /daedalus\.hostPort: 0 is not a TCP port/);
    });
});

describe("apps/runtime: seed 003 per-node runtime", () => {
    const img = { repository: "registry.daarion.city/hero/herodb", digest: `sha256:${"c".repeat(64)}` };

    it("herodb: node-local only and NOT protected (its data may be lost)", () => {
        const w = buildHerodbWorkload({ image: img });
        assert.deepEqual(w.volumes, [{ key: "data", containerPath: "/data", stateful: false }]);
        assert.deepEqual(w.ports, [{ name: "resp", containerPort: 6379, exposure: "internal" }]);
        assert.deepEqual(w.command, ["herodb", "--dir", "/data", "--port", "6379"]);
        assert.equal(dockerHealthcheckTest(w.probe.check)[1], "bash");
    });

    it("PostgREST: secret URI and JWT secret, admin port health and metrics, ordered after its database", async () => {
        const w = buildPostgrestWorkload({ image: img, dbUri: "postgres://authenticator:pw@node3-node-postgres:5432/app", jwtSecret: "x".repeat(32), anonRole: "web_anon", dependsOn: ["node-postgres"] });
        assert.equal((await valueOf(w.env?.PGRST_DB_URI)).secret, true);
        assert.equal((await valueOf(w.env?.PGRST_JWT_SECRET)).secret, true);
        assert.equal(w.env?.PGRST_ADMIN_SERVER_PORT, "3001");
        assert.equal(w.env?.PGRST_DB_ANON_ROLE, "web_anon");
        assert.deepEqual(dockerHealthcheckTest(w.probe.check), ["CMD", "postgrest", "--ready"]);
        assert.deepEqual(w.dependsOn, ["node-postgres"]);
        assert.deepEqual(w.metrics, [{ port: "admin", path: "/metrics", job: "postgrest" }]);
    });

    it("node-local PostgreSQL: protected volume, TCP readiness, secret password", async () => {
        const w = buildNodePostgresWorkload({ image: img, password: "pw" });
        assert.deepEqual(w.volumes, [{ key: "data", containerPath: "/var/lib/postgresql/data", stateful: true }]);
        assert.deepEqual(dockerHealthcheckTest(w.probe.check), ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", "app"]);
        assert.equal((await valueOf(w.env?.POSTGRES_PASSWORD)).secret, true);
    });
});
