/**
 * Seed 003's node-local PostgreSQL + PostgREST: the init SQL rendered by postgrestRolesSql, run by
 * Debian's PostgreSQL 15 exactly as the image's docker-entrypoint-initdb.d would (psql -f), then
 * checked from PostgREST's point of view: the authenticator logs in over TCP with its password and
 * holds no privileges until it switches to the anonymous role.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { postgrestRolesSql } from "../../components/apps/runtime";
import { makeTempDir, postgresBinDir, requireBinary, startProcess, stopAllProcesses, tcpOpen, waitFor } from "../support/process";
import { freePort } from "../ingress/support";

const HOST = "127.0.1.11";
// A quote in the password proves the SQL literal is escaped.
const PASSWORD = "s3cr'et-pw";

describe("apps/runtime: PostgREST roles on a real PostgreSQL", function () {
    this.timeout(90_000);
    let dir: string;
    let port: number;
    let bin: string;
    let ids: { uid: number; gid: number } | undefined;

    /** initdb and postgres refuse to run as root: drop to the `postgres` user like the image does. */
    const asServer = () => (ids ? { uid: ids.uid, gid: ids.gid } : {});
    const psql = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        execFileSync(path.join(bin, "psql"), ["-XAtq", "-v", "ON_ERROR_STOP=1", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PGCONNECT_TIMEOUT: "3", ...env }, ...asServer() }).trim();

    before(async () => {
        bin = postgresBinDir();
        requireBinary("psql", [bin]);
        if (process.getuid?.() === 0) {
            ids = { uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })) };
        }
        dir = makeTempDir("postgrest-roles");
        fs.chmodSync(dir, 0o755);
        if (ids) fs.chownSync(dir, ids.uid, ids.gid);
        port = await freePort(HOST);
        execFileSync(path.join(bin, "initdb"), ["-D", path.join(dir, "data"), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"], { stdio: "ignore", ...asServer() });
        const server = startProcess("postgres", path.join(bin, "postgres"), ["-D", path.join(dir, "data"), "-k", dir, "-h", HOST, "-p", String(port)], asServer());
        await waitFor("postgres to accept connections", async () => {
            if (server.child.exitCode !== null) throw new Error(server.output());
            return (await tcpOpen(HOST, port)) && psql(["-h", dir, "-p", String(port), "-U", "postgres", "-c", "SELECT 1"]) === "1";
        });
        const sqlFile = path.join(dir, "10-init.sql");
        fs.writeFileSync(sqlFile, postgrestRolesSql({ authenticatorPassword: PASSWORD, anonRole: "web_anon", schemas: ["api"] }), { mode: 0o644 });
        psql(["-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-f", sqlFile]);
    });
    after(async () => {
        await stopAllProcesses();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const asAuthenticator = (query: string, password = PASSWORD) =>
        psql(["-h", HOST, "-p", String(port), "-U", "authenticator", "-d", "postgres", "-c", query], { PGPASSWORD: password });

    it("lets the authenticator log in over TCP with its password, and only with it", () => {
        assert.equal(asAuthenticator("SELECT current_user"), "authenticator");
        assert.throws(() => asAuthenticator("SELECT 1", "wrong"), /password authentication failed/);
    });

    it("gives the authenticator nothing by itself (NOINHERIT) and the schema to web_anon after SET ROLE", () => {
        assert.equal(asAuthenticator("SELECT has_schema_privilege('api', 'USAGE')"), "f");
        assert.equal(asAuthenticator("SET ROLE web_anon; SELECT current_user, has_schema_privilege('api', 'USAGE')"), "web_anon|t");
    });

    it("does not let web_anon log in", () => {
        assert.throws(() => psql(["-h", HOST, "-p", String(port), "-U", "web_anon", "-d", "postgres", "-c", "SELECT 1"], { PGPASSWORD: "x" }), /failed/);
    });

    it("rejects identifiers that would change the SQL", () => {
        assert.throws(() => postgrestRolesSql({ authenticatorPassword: "x", anonRole: "web_anon; DROP ROLE postgres", schemas: ["api"] }), /anonRole/);
        assert.throws(() => postgrestRolesSql({ authenticatorPassword: "x", anonRole: "web_anon", schemas: ["Api"] }), /schema/);
    });
});
