/**
 * Put the rendered PostgreSQL files where a test's launcher expects them: the directories the image
 * would have (config, socket, the data dir's parent, the secrets dir with 0700), each file with the
 * mode the container gets it with. Shared by the replication tests and the failover agent's harness.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PostgresPaths, POSTGRES_FILES } from "../../../components/postgres/render";
import { postgresBinDir, run } from "../../support/process";

/** One loopback node's PostgreSQL layout under `root`: what the image's paths are in a container. */
export function loopbackPostgresPaths(root: string): PostgresPaths {
    return {
        dataDir: path.join(root, "volume", "pgdata"),
        configDir: path.join(root, "config"),
        secretsDir: path.join(root, "secrets"),
        runDir: path.join(root, "run"),
        socketDir: path.join(root, "socket"),
        binDir: postgresBinDir(),
    };
}

/** Writes `files` under `p` (plus `extraDirs`) and returns the path of the rendered entrypoint. */
export function placePostgresFiles(files: Record<string, string>, p: PostgresPaths, extraDirs: readonly string[] = []): string {
    for (const dir of [p.configDir, p.socketDir, path.dirname(p.dataDir), ...extraDirs]) fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(p.secretsDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(p.configDir, POSTGRES_FILES.conf), files[POSTGRES_FILES.conf]!, { mode: 0o644 });
    fs.writeFileSync(path.join(p.configDir, POSTGRES_FILES.hba), files[POSTGRES_FILES.hba]!, { mode: 0o644 });
    fs.writeFileSync(path.join(p.configDir, POSTGRES_FILES.entrypoint), files[POSTGRES_FILES.entrypoint]!, { mode: 0o755 });
    fs.writeFileSync(path.join(p.secretsDir, POSTGRES_FILES.pgpass), files[POSTGRES_FILES.pgpass]!, { mode: 0o600 });
    fs.writeFileSync(path.join(p.secretsDir, POSTGRES_FILES.bootstrapSql), files[POSTGRES_FILES.bootstrapSql]!, { mode: 0o600 });
    // The socket dir stands in for the image's /var/run/postgresql (owned by the server user).
    if (process.getuid?.() === 0) run("chown", ["postgres:postgres", p.socketDir]);
    return path.join(p.configDir, POSTGRES_FILES.entrypoint);
}
