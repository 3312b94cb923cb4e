import * as assert from "node:assert/strict";
import { checkCredentialEnvs, credentialPart, hasCredentialEnv, isCredentialKey } from "../../policy/rules/secrets";
import { container, withProps } from "./fixtures";

const withEnv = (...envs: string[]) => withProps(container(), { envs });

describe("policy: docker-credential-env", () => {
    it("recognizes credential keys and URLs with passwords", () => {
        for (const k of ["POSTGRES_PASSWORD", "REDIS_PASSWD", "JWT_SECRET", "GITHUB_TOKEN", "OPENAI_API_KEY", "MINIO_ROOT_PASSWORD", "AWS_SECRET_ACCESS_KEY", "S3_SECRET_KEY", "NEO4J_AUTH", "SIGNING_KEY", "DATA_SOURCE_PASS", "PULUMI_CONFIG_PASSPHRASE"]) {
            assert.ok(isCredentialKey(k), k);
        }
        for (const k of ["POSTGRES_PASSWORD_FILE", "POSTGRES_HOST_AUTH_METHOD", "PUBLIC_KEY", "KEYSPACE", "PGDATA", "MONKEY", "S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "MINIO_ACCESS_KEY", "COMPASS", "BYPASS_CACHE"]) {
            assert.ok(!isCredentialKey(k), k);
        }
        assert.equal(credentialPart("DATABASE_URL", "postgres://app:s3cr%40t@10.0.1.11/db"), "s3cr@t");
        assert.equal(credentialPart("NEO4J_AUTH", "neo4j/longenoughpassword"), "longenoughpassword");
        assert.equal(credentialPart("DATABASE_URL", "postgres://10.0.1.11/db"), undefined);
    });
    it("passes a generated credential", () => {
        assert.deepEqual(checkCredentialEnvs(container()), []);
        assert.ok(hasCredentialEnv(container()));
    });
    it("fails a well-known default without echoing it", () => {
        const v = checkCredentialEnvs(withEnv("POSTGRES_PASSWORD=postgres"));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /POSTGRES_PASSWORD holds a well-known default credential/);
        assert.doesNotMatch(v[0].message, /=postgres/);
    });
    it("fails minioadmin in MINIO_ROOT_PASSWORD and neo4j/neo4j", () => {
        assert.equal(checkCredentialEnvs(withEnv("MINIO_ROOT_PASSWORD=minioadmin", "NEO4J_AUTH=neo4j/neo4j")).length, 2);
    });
    it("fails a short credential", () => {
        const v = checkCredentialEnvs(withEnv("REDIS_PASSWORD=abc123xyz"));
        assert.equal(v.length, 1);
        assert.match(v[0].message, /shorter than 12/);
    });
    it("fails an unexpanded placeholder", () => {
        assert.match(checkCredentialEnvs(withEnv("JWT_SECRET=${JWT_SECRET}"))[0].message, /unexpanded placeholder/);
    });
    it("fails a default password inside a connection URL", () => {
        assert.match(checkCredentialEnvs(withEnv("DATABASE_URL=postgres://daarion:postgres@10.0.1.11:5432/daarion"))[0].message, /DATABASE_URL holds a well-known default/);
    });
    it("fails auth disabled (trust / none)", () => {
        assert.match(checkCredentialEnvs(withEnv("POSTGRES_HOST_AUTH_METHOD=trust"))[0].message, /disables password authentication/);
        assert.match(checkCredentialEnvs(withEnv("NEO4J_AUTH=none"))[0].message, /disables authentication/);
    });
    it("fails plaintext credentials when secretness is known (offline render)", () => {
        assert.deepEqual(checkCredentialEnvs(container(), { envIsSecret: true }), []);
        assert.match(checkCredentialEnvs(container(), { envIsSecret: false })[0].message, /not a Pulumi secret/);
    });
    it("judges secretness per entry when it is known entry by entry", () => {
        // envs: [POSTGRES_USER, POSTGRES_PASSWORD, PGDATA]
        assert.deepEqual(checkCredentialEnvs(container(), { envIsSecret: [false, true, false] }), []);
        const v = checkCredentialEnvs(container(), { envIsSecret: [true, false, true] });
        assert.equal(v.length, 1);
        assert.match(v[0].message, /POSTGRES_PASSWORD is a credential but envs is not a Pulumi secret/);
    });
    it("honours configured minLength and weakValues", () => {
        assert.deepEqual(checkCredentialEnvs(withEnv("REDIS_PASSWORD=abc123xyz"), { minLength: 8 }), []);
        assert.equal(checkCredentialEnvs(container(), { weakValues: ["xq7vr2pl9st4wk8mn3bz"] }).length, 1);
    });
});
