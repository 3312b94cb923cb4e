/**
 * (Over 400 lines on purpose: data, one sourced contract per image version the platform runs.)
 *
 * The image catalogue: every image the platform runs, at its pinned version, with what the image
 * really does — read from its upstream Dockerfile and entrypoint at that version. Data only.
 *
 * An image version that is not here is an error in the contract check, never a guess: pinning a
 * new version means reading its Dockerfile and adding an entry with its sources.
 *
 * Sources are `owner/repo@tag-or-commit:path` (lines with #L). Where the exact tag's file could not
 * be read, the entry says which commit was read instead and why.
 */
import { EntrypointEffects, ImageContract, ImagePath, Owner, ROOT, Sourced } from "./contract";
import { TEAM_IMAGES } from "./team";

const s = <T>(value: T, source: string): Sourced<T> => ({ value, source });
const dir = (path: string, owner: Owner, mode: number): ImagePath => ({ path, owner, mode });

// ---- base images ------------------------------------------------------------------------------

/**
 * Debian's Essential packages (bash, coreutils, dash, findutils, grep, sed, util-linux) are in
 * every debian:*-slim image: Debian Policy §3.8 "Essential packages", and debuerreotype's slim
 * variant removes docs/locales only, never Essential packages.
 */
const DEBIAN_ESSENTIAL_SOURCE = "https://www.debian.org/doc/debian-policy/ch-binary.html#essential-packages (bash coreutils dash findutils grep sed util-linux)";
const DEBIAN_ESSENTIAL: Record<string, string> = {
    sh: "/bin/sh",
    bash: "/bin/bash",
    cat: "/bin/cat",
    cp: "/bin/cp",
    mv: "/bin/mv",
    rm: "/bin/rm",
    mkdir: "/bin/mkdir",
    chown: "/bin/chown",
    chmod: "/bin/chmod",
    ls: "/bin/ls",
    sleep: "/bin/sleep",
    touch: "/bin/touch",
    date: "/bin/date",
    grep: "/bin/grep",
    sed: "/bin/sed",
    id: "/usr/bin/id",
    cut: "/usr/bin/cut",
    tr: "/usr/bin/tr",
    head: "/usr/bin/head",
    tail: "/usr/bin/tail",
    stat: "/usr/bin/stat",
    env: "/usr/bin/env",
    sha256sum: "/usr/bin/sha256sum",
    printenv: "/usr/bin/printenv",
    paste: "/usr/bin/paste",
    timeout: "/usr/bin/timeout",
    find: "/usr/bin/find",
    xargs: "/usr/bin/xargs",
    setpriv: "/usr/bin/setpriv",
};

/** Busybox applets the platform's probes and launchers use (busybox provides /bin/sh and wget). */
const BUSYBOX_APPLETS = ["sh", "wget", "cat", "cp", "mv", "rm", "mkdir", "ls", "grep", "sed", "sleep", "id", "cut", "tr", "head", "tail", "env", "sha256sum", "timeout", "find", "nc"];
const busybox = (binDir: string): Record<string, string> => Object.fromEntries(BUSYBOX_APPLETS.map((a) => [a, `${binDir}/${a}`]));
/** Alpine's base is busybox (alpinelinux/docker-alpine: rootfs = alpine-baselayout + busybox + apk-tools). */
const ALPINE_SOURCE = "alpinelinux/docker-alpine (alpine-minirootfs: busybox provides /bin/sh and /usr/bin/wget)";
/** Prometheus' images are FROM quay.io/prometheus/busybox-linux-amd64 (prometheus/busybox: FROM busybox:glibc, applets in /bin). */
const PROM_BUSYBOX_SOURCE =
    "prometheus/busybox@869afd4:glibc/Dockerfile (FROM busybox:glibc); docker-library/busybox@9c20878:latest/glibc/Dockerfile.builder#L176,L178-198 (busybox --install /bin; /etc/passwd from buildroot's skeleton, nobody = 65534:65534)";
const NOBODY: Owner = { uid: 65534, gid: 65534 };

// ---- upstream images --------------------------------------------------------------------------

const PG = "docker-library/postgres@50b4cdb50e3599013f2fce9cd8860600f53c696c"; // "Update 15 to 15.10"
const postgres: ImageContract = {
    repository: "docker.io/library/postgres",
    tag: "15.10-bookworm",
    provenance: "upstream",
    entrypoint: s(["docker-entrypoint.sh"], `${PG}:15/bookworm/Dockerfile#L192`),
    cmd: s(["postgres"], `${PG}:15/bookworm/Dockerfile#L225`),
    user: s(ROOT, `${PG}:15/bookworm/Dockerfile (no USER instruction)`),
    workdir: s("/", `${PG}:15/bookworm/Dockerfile (no WORKDIR instruction)`),
    shell: s("/bin/sh", `${PG}:15/bookworm/Dockerfile#L7 (FROM debian:bookworm-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        s(
            {
                "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
                gosu: "/usr/local/bin/gosu",
                postgres: "/usr/lib/postgresql/15/bin/postgres",
                pg_isready: "/usr/lib/postgresql/15/bin/pg_isready",
                psql: "/usr/lib/postgresql/15/bin/psql",
                initdb: "/usr/lib/postgresql/15/bin/initdb",
                pg_ctl: "/usr/lib/postgresql/15/bin/pg_ctl",
                pg_basebackup: "/usr/lib/postgresql/15/bin/pg_basebackup",
            },
            `${PG}:15/bookworm/Dockerfile#L38,L90,L190 (gosu; ENV PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin; COPY docker-entrypoint.sh)`,
        ),
    ],
    paths: s(
        [dir("/var/lib/postgresql/data", { uid: 999, gid: 999 }, 0o1777), dir("/var/run/postgresql", { uid: 999, gid: 999 }, 0o3777)],
        `${PG}:15/bookworm/Dockerfile#L11-13,L183,L187 (postgres = 999:999; install --directory --owner postgres)`,
    ),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "docker-entrypoint.sh",
            serverCommands: ["postgres"],
            dropsTo: { uid: 999, gid: 999 },
            chowns: ["/var/lib/postgresql/data", "/var/run/postgresql"],
            prepends: { command: "postgres", when: "flag" },
            execsArgs: true,
            note: "as root: find $PGDATA ! -user postgres -exec chown postgres, then exec gosu postgres",
        },
        `${PG}:15/bookworm/docker-entrypoint.sh#L58-59,L304,L313,L351`,
    ),
};

const REDIS = "docker-library/redis@5f08363e6d64b97a0c2e651f4bdcec6e71a32ab4";
const REDIS_NOTE = " (newest 7.2 commit in the mirror read here: REDIS_VERSION 7.2.5; the 7.2.6 bump changed only the version/sha lines)";
const redis: ImageContract = {
    repository: "docker.io/library/redis",
    tag: "7.2.6-bookworm",
    provenance: "upstream",
    entrypoint: s(["docker-entrypoint.sh"], `${REDIS}:7.2/debian/Dockerfile#L147${REDIS_NOTE}`),
    cmd: s(["redis-server"], `${REDIS}:7.2/debian/Dockerfile#L150`),
    user: s(ROOT, `${REDIS}:7.2/debian/Dockerfile (no USER instruction)`),
    workdir: s("/data", `${REDIS}:7.2/debian/Dockerfile#L144`),
    shell: s("/bin/sh", `${REDIS}:7.2/debian/Dockerfile#L7 (FROM debian:bookworm-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        s(
            {
                "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
                gosu: "/usr/local/bin/gosu",
                "redis-server": "/usr/local/bin/redis-server",
                "redis-cli": "/usr/local/bin/redis-cli",
                "redis-sentinel": "/usr/local/bin/redis-sentinel",
            },
            `${REDIS}:7.2/debian/Dockerfile (gosu 1.17; make install PREFIX=/usr/local; COPY docker-entrypoint.sh /usr/local/bin/)`,
        ),
    ],
    paths: s([dir("/data", { uid: 999, gid: 999 }, 0o755)], `${REDIS}:7.2/debian/Dockerfile#L11-12,L142 (redis = 999:999; mkdir /data && chown redis:redis /data)`),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "docker-entrypoint.sh",
            serverCommands: ["redis-server"],
            dropsTo: { uid: 999, gid: 999 },
            // `find . \! -user redis -exec chown redis` from WORKDIR /data.
            chowns: ["/data"],
            prepends: { command: "redis-server", when: "flag" },
            execsArgs: true,
            note: "as root with redis-server: chowns . (WORKDIR /data) to redis, then exec gosu redis; umask 0077",
        },
        `${REDIS}:7.2/debian/docker-entrypoint.sh`,
    ),
};

const NATS = "nats-io/nats-docker@v2.10.22";
const nats: ImageContract = {
    repository: "docker.io/library/nats",
    tag: "2.10.22-alpine",
    provenance: "upstream",
    entrypoint: s(["docker-entrypoint.sh"], `${NATS}:2.10.x/alpine3.20/Dockerfile`),
    cmd: s(["nats-server", "--config", "/etc/nats/nats-server.conf"], `${NATS}:2.10.x/alpine3.20/Dockerfile`),
    user: s(ROOT, `${NATS}:2.10.x/alpine3.20/Dockerfile (no USER instruction)`),
    workdir: s("/", `${NATS}:2.10.x/alpine3.20/Dockerfile (no WORKDIR instruction)`),
    shell: s("/bin/sh", `${NATS}:2.10.x/alpine3.20/Dockerfile (FROM alpine:3.20)`),
    executables: [
        s(busybox("/bin"), ALPINE_SOURCE),
        s({ "nats-server": "/usr/local/bin/nats-server", "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh" }, `${NATS}:2.10.x/alpine3.20/Dockerfile (mv nats-server /usr/local/bin; COPY docker-entrypoint.sh /usr/local/bin)`),
    ],
    paths: s([], `${NATS}:2.10.x/alpine3.20/Dockerfile (runs as root; creates no data directory)`),
    entrypointEffects: s<EntrypointEffects>(
        { script: "docker-entrypoint.sh", serverCommands: [], chowns: [], prepends: { command: "nats-server", when: "flag" }, execsArgs: true },
        `${NATS}:2.10.x/alpine3.20/docker-entrypoint.sh`,
    ),
};

const QDRANT = "qdrant/qdrant@v1.12.4"; // f95a74a92eee65bdc376bae42d8e6a06f26e4eba
const qdrant: ImageContract = {
    repository: "docker.io/qdrant/qdrant",
    tag: "v1.12.4",
    provenance: "upstream",
    entrypoint: s([], `${QDRANT}:Dockerfile (no ENTRYPOINT instruction)`),
    cmd: s(["./entrypoint.sh"], `${QDRANT}:Dockerfile#L175`),
    user: s(ROOT, `${QDRANT}:Dockerfile#L151,L160 (ARG USER_ID=0; USER "$USER_ID:$USER_ID")`),
    workdir: s("/qdrant", `${QDRANT}:Dockerfile#L142,L149 (ARG APP=/qdrant; WORKDIR "$APP")`),
    shell: s("/bin/sh", `${QDRANT}:Dockerfile#L107 (FROM debian:12-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        // No curl/wget: apt-get installs only ca-certificates tzdata libunwind8.
        s({ qdrant: "/qdrant/qdrant", "entrypoint.sh": "/qdrant/entrypoint.sh" }, `${QDRANT}:Dockerfile#L115,L144-146`),
    ],
    // With USER_ID=0 the storage/snapshots directories are not created in the image (root writes them).
    paths: s([], `${QDRANT}:Dockerfile#L153-158 (mkdir storage/snapshots only when USER_ID != 0)`),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "./entrypoint.sh",
            serverCommands: [],
            chowns: [],
            execsArgs: false,
            note: "runs `./qdrant $@` (all arguments go to qdrant); default config is config/config.yaml under WORKDIR, --config-path adds one",
        },
        `${QDRANT}:tools/entrypoint.sh; ${QDRANT}:src/main.rs#L108-111; ${QDRANT}:src/settings.rs#L175-209`,
    ),
};

const NEO4J = "neo4j/docker-neo4j-publish@849a03d18f2cdc12f82a874d45f0c8192583cb50"; // "Publishing 5.24.2"
const NEO4J_USER: Owner = { uid: 7474, gid: 7474 };
const neo4j: ImageContract = {
    repository: "docker.io/library/neo4j",
    tag: "5.24.2-community",
    provenance: "upstream",
    entrypoint: s(["tini", "-g", "--", "/startup/docker-entrypoint.sh"], `${NEO4J}:5.24.2/bullseye/community/Dockerfile`),
    cmd: s(["neo4j"], `${NEO4J}:5.24.2/bullseye/community/Dockerfile`),
    user: s(ROOT, `${NEO4J}:5.24.2/bullseye/community/Dockerfile (no USER instruction)`),
    workdir: s("/var/lib/neo4j", `${NEO4J}:5.24.2/bullseye/community/Dockerfile (WORKDIR "\${NEO4J_HOME}")`),
    shell: s("/bin/sh", `${NEO4J}:5.24.2/bullseye/community/Dockerfile (FROM debian:bullseye-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        s(
            {
                tini: "/usr/bin/tini",
                "su-exec": "/usr/bin/su-exec",
                wget: "/usr/bin/wget",
                jq: "/usr/bin/jq",
                java: "/opt/java/openjdk/bin/java",
                neo4j: "/var/lib/neo4j/bin/neo4j",
                "neo4j-admin": "/var/lib/neo4j/bin/neo4j-admin",
                "cypher-shell": "/var/lib/neo4j/bin/cypher-shell",
                "docker-entrypoint.sh": "/startup/docker-entrypoint.sh",
            },
            `${NEO4J}:5.24.2/bullseye/community/Dockerfile (apt-get install curl gcc git jq make procps tini wget, then purge curl gcc git make; su-exec built; COPY ./local-package/* /startup/)`,
        ),
    ],
    paths: s(
        [dir("/data", NEO4J_USER, 0o777), dir("/logs", NEO4J_USER, 0o777), dir("/var/lib/neo4j", NEO4J_USER, 0o777)],
        `${NEO4J}:5.24.2/bullseye/community/Dockerfile (chown -R neo4j:neo4j /data /logs $NEO4J_HOME; chmod -R 777; neo4j = 7474:7474)`,
    ),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "docker-entrypoint.sh",
            serverCommands: ["neo4j"],
            dropsTo: NEO4J_USER,
            chowns: ["/var/lib/neo4j", "/data", "/logs"],
            execsArgs: true,
            // The shipped conf/ (neo4j.conf, neo4j-admin.conf, server-logs.xml, user-logs.xml) is
            // deleted whenever /conf exists; only /conf's files come back.
            replaces: [
                {
                    dir: "/var/lib/neo4j/conf",
                    from: "/conf",
                    shipped: ["neo4j.conf", "neo4j-admin.conf", "server-logs.xml", "user-logs.xml"],
                    // The tarball's conf/ is what the Dockerfile extracts into $NEO4J_HOME. Its listing
                    // was read for neo4j-community-5.24.0-unix/conf (a public listing), not by
                    // opening the 5.24.2 tarball; Neo4j 5 configures logging through the two XMLs
                    // (server.logs.config / server.logs.user.config).
                    shippedSource: "neo4j-community-5.24.x-unix.tar.gz conf/ (listing of 5.24.0; the 5.24.2 tarball was not opened)",
                },
            ],
            note: "as root: chown -R neo4j $NEO4J_HOME, conf files 0600; if [ -d /conf ]: rm -rf $NEO4J_HOME/conf/* and copy /conf's files; exec su-exec neo4j:neo4j",
        },
        `${NEO4J}:5.24.2/bullseye/community/local-package/docker-entrypoint.sh#L366-394,L475-479,L512-523`,
    ),
};

/**
 * The Enterprise twin (components/neo4j picks `-enterprise` for clustering): its Dockerfile differs
 * from Community's only in the tarball (NEO4J_EDITION, NEO4J_URI, NEO4J_SHA256) and its
 * docker-entrypoint.sh is identical (diff of the two folders at the same commit).
 */
const neo4jEnterprise: ImageContract = {
    ...neo4j,
    tag: "5.24.2-enterprise",
    entrypoint: s(neo4j.entrypoint.value, `${NEO4J}:5.24.2/bullseye/enterprise/Dockerfile`),
    cmd: s(neo4j.cmd.value, `${NEO4J}:5.24.2/bullseye/enterprise/Dockerfile`),
    entrypointEffects: s(neo4j.entrypointEffects!.value, `${NEO4J}:5.24.2/bullseye/enterprise/local-package/docker-entrypoint.sh#L366-394,L475-479,L512-523`),
};

const MINIO_DF = "coollabsio/minio@ab88ac1:Dockerfile (the build recipe of ghcr.io/coollabsio/minio; MINIO_VERSION is the tag)";
const minio: ImageContract = {
    repository: "ghcr.io/coollabsio/minio",
    tag: "RELEASE.2025-10-15T17-29-55Z",
    provenance: "upstream",
    entrypoint: s(["/usr/bin/docker-entrypoint.sh"], MINIO_DF),
    cmd: s(["minio"], MINIO_DF),
    user: s(ROOT, `${MINIO_DF} (no USER instruction)`),
    workdir: s("/", `${MINIO_DF} (no WORKDIR in the runtime stage)`),
    // Not read from a file here: the runtime stage is registry.access.redhat.com/ubi9/ubi-micro,
    // whose package set (bash, coreutils-single, no curl/wget) is what components/minio/workload.ts
    // already relies on. Recorded as unverified in the report.
    shell: s("/bin/sh", "registry.access.redhat.com/ubi9/ubi-micro (bash provides /bin/sh) — package set not read from a file here"),
    executables: [
        s({ sh: "/bin/sh", bash: "/bin/bash" }, "registry.access.redhat.com/ubi9/ubi-micro (bash) — package set not read from a file here"),
        s({ minio: "/usr/bin/minio", mc: "/usr/bin/mc", "docker-entrypoint.sh": "/usr/bin/docker-entrypoint.sh" }, MINIO_DF),
    ],
    paths: s([], `${MINIO_DF} (VOLUME /data; runs as root)`),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "docker-entrypoint.sh",
            serverCommands: [],
            chowns: [],
            prepends: { command: "minio", when: "not-command" },
            execsArgs: true,
            note: "prepends `minio` when the first argument is not `minio`; switches user only with MINIO_USERNAME/MINIO_GROUPNAME",
        },
        "minio/minio:dockerscripts/docker-entrypoint.sh (copied by the Dockerfile from the checked-out tag; read at the default branch, not the tag)",
    ),
};

/** Prometheus-family images: all FROM quay.io/prometheus/busybox, binaries in /bin. */
function promImage(args: {
    repository: string;
    tag: string;
    src: string;
    binaries: Record<string, string>;
    entrypoint: string[];
    cmd: string[];
    user: Owner;
    userSource: string;
    workdir: string;
    paths?: ImagePath[];
}): ImageContract {
    return {
        repository: args.repository,
        tag: args.tag,
        provenance: "upstream",
        entrypoint: s(args.entrypoint, args.src),
        cmd: s(args.cmd, args.src),
        user: s(args.user, `${args.src} (${args.userSource})`),
        workdir: s(args.workdir, args.src),
        shell: s("/bin/sh", `${args.src} (FROM quay.io/prometheus/busybox-linux-amd64); ${PROM_BUSYBOX_SOURCE}`),
        executables: [s(busybox("/bin"), PROM_BUSYBOX_SOURCE), s(args.binaries, args.src)],
        paths: s(args.paths ?? [], args.src),
    };
}

const prometheus = promImage({
    repository: "quay.io/prometheus/prometheus",
    tag: "v2.55.1",
    src: "prometheus/prometheus@v2.55.1:Dockerfile",
    binaries: { prometheus: "/bin/prometheus", promtool: "/bin/promtool" },
    entrypoint: ["/bin/prometheus"],
    cmd: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.console.libraries=/usr/share/prometheus/console_libraries", "--web.console.templates=/usr/share/prometheus/consoles"],
    user: NOBODY,
    userSource: "USER nobody",
    workdir: "/prometheus",
    paths: [dir("/prometheus", NOBODY, 0o755), dir("/etc/prometheus", NOBODY, 0o755)],
});

const alertmanager = promImage({
    repository: "quay.io/prometheus/alertmanager",
    tag: "v0.27.0",
    src: "prometheus/alertmanager@v0.27.0:Dockerfile",
    binaries: { alertmanager: "/bin/alertmanager", amtool: "/bin/amtool" },
    entrypoint: ["/bin/alertmanager"],
    cmd: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
    user: NOBODY,
    userSource: "USER nobody",
    workdir: "/alertmanager",
    paths: [dir("/alertmanager", NOBODY, 0o755), dir("/etc/alertmanager", NOBODY, 0o755)],
});

const nodeExporter = promImage({
    repository: "quay.io/prometheus/node-exporter",
    tag: "v1.8.2",
    src: "prometheus/node_exporter@v1.8.2:Dockerfile",
    binaries: { node_exporter: "/bin/node_exporter" },
    entrypoint: ["/bin/node_exporter"],
    cmd: [],
    user: NOBODY,
    userSource: "USER nobody",
    workdir: "/",
});

const blackbox = promImage({
    repository: "quay.io/prometheus/blackbox-exporter",
    tag: "v0.25.0",
    src: "prometheus/blackbox_exporter@v0.25.0:Dockerfile",
    binaries: { blackbox_exporter: "/bin/blackbox_exporter" },
    entrypoint: ["/bin/blackbox_exporter"],
    cmd: ["--config.file=/etc/blackbox_exporter/config.yml"],
    user: ROOT,
    userSource: "no USER instruction",
    workdir: "/",
});

const postgresExporter = promImage({
    repository: "quay.io/prometheuscommunity/postgres-exporter",
    tag: "v0.16.0",
    src: "prometheus-community/postgres_exporter@v0.16.0:Dockerfile",
    binaries: { postgres_exporter: "/bin/postgres_exporter" },
    entrypoint: ["/bin/postgres_exporter"],
    cmd: [],
    user: NOBODY,
    userSource: "USER nobody",
    workdir: "/",
});

const REDIS_EXPORTER = "oliver006/redis_exporter@v1.66.0:Dockerfile (stage `alpine`, FROM alpine:3.20)";
const redisExporter: ImageContract = {
    repository: "docker.io/oliver006/redis_exporter",
    tag: "v1.66.0-alpine",
    provenance: "upstream",
    entrypoint: s(["/redis_exporter"], REDIS_EXPORTER),
    cmd: s([], REDIS_EXPORTER),
    user: s({ uid: 59000, gid: 59000 }, `${REDIS_EXPORTER} (USER 59000:59000)`),
    workdir: s("/", REDIS_EXPORTER),
    shell: s("/bin/sh", `${REDIS_EXPORTER}; ${ALPINE_SOURCE}`),
    // The default (non -alpine) tag is FROM scratch: no shell, no wget.
    executables: [s(busybox("/bin"), ALPINE_SOURCE), s({ redis_exporter: "/redis_exporter" }, REDIS_EXPORTER)],
    paths: s([], REDIS_EXPORTER),
};

const NATS_EXPORTER =
    "nats-io/prometheus-nats-exporter@v0.16.0:cicd/Dockerfile (FROM alpine:3.21.0; the image .github/workflows/release.yaml#L40-47 pushes through docker-bake.hcl — not docker/linux/Dockerfile, which is FROM scratch)";
const natsExporter: ImageContract = {
    repository: "docker.io/natsio/prometheus-nats-exporter",
    tag: "0.16.0",
    provenance: "upstream",
    entrypoint: s(["/entrypoint.sh"], NATS_EXPORTER),
    cmd: s([], NATS_EXPORTER),
    user: s(ROOT, `${NATS_EXPORTER} (no USER instruction)`),
    workdir: s("/", NATS_EXPORTER),
    shell: s("/bin/sh", `${NATS_EXPORTER}; ${ALPINE_SOURCE}`),
    executables: [
        s(busybox("/bin"), ALPINE_SOURCE),
        s(
            { "prometheus-nats-exporter": "/usr/local/bin/prometheus-nats-exporter", "/prometheus-nats-exporter": "/prometheus-nats-exporter", "entrypoint.sh": "/entrypoint.sh" },
            `${NATS_EXPORTER} (COPY to /usr/local/bin/\${GO_APP}; ln -s to /\${GO_APP})`,
        ),
    ],
    paths: s([], NATS_EXPORTER),
    entrypointEffects: s<EntrypointEffects>(
        { script: "/entrypoint.sh", serverCommands: [], chowns: [], execsArgs: false, note: 'exec "/${GO_APP}" "$@": every argument goes to the exporter' },
        "nats-io/prometheus-nats-exporter@v0.16.0:cicd/assets/entrypoint.sh",
    ),
};

const GRAFANA =
    "grafana/grafana@78515af65f036f536c4ab2e6fdb5484552f99f1f:Dockerfile (a later 11.x/12.x commit: the v11.3.1 tag's file could not be fetched, the repository exceeds the mirror limit; same USER/ENTRYPOINT/paths layout)";
const GRAFANA_USER: Owner = { uid: 472, gid: 0 };
const grafana: ImageContract = {
    repository: "docker.io/grafana/grafana-oss",
    tag: "11.3.1",
    provenance: "upstream",
    entrypoint: s(["/run.sh"], GRAFANA),
    cmd: s([], GRAFANA),
    user: s(GRAFANA_USER, `${GRAFANA} (ARG GF_UID=472, GF_GID=0; USER "$GF_UID")`),
    workdir: s("/usr/share/grafana", GRAFANA),
    shell: s("/bin/sh", `${GRAFANA} (BASE_IMAGE=alpine)`),
    executables: [
        s(busybox("/bin"), ALPINE_SOURCE),
        s({ bash: "/bin/bash", curl: "/usr/bin/curl", grafana: "/usr/share/grafana/bin/grafana", "grafana-server": "/usr/share/grafana/bin/grafana-server", "grafana-cli": "/usr/share/grafana/bin/grafana-cli", "run.sh": "/run.sh" }, `${GRAFANA} (apk add bash curl; COPY bin/grafana*)`),
    ],
    paths: s(
        [dir("/var/lib/grafana", GRAFANA_USER, 0o777), dir("/etc/grafana/provisioning", GRAFANA_USER, 0o777), dir("/var/log/grafana", GRAFANA_USER, 0o777)],
        `${GRAFANA} (chown -R grafana:$GF_GID_NAME and chmod -R 777 the data, logs, plugins and provisioning paths)`,
    ),
};

const HAPROXY = "docker-library/haproxy@ec437dd2a3656610b10a42c08763d8fa1c591efe:2.6/Dockerfile (HAPROXY_VERSION 2.6.31; `2.6` is a moving tag — pin its digest)";
const haproxy: ImageContract = {
    repository: "docker.io/library/haproxy",
    tag: "2.6",
    provenance: "upstream",
    entrypoint: s(["docker-entrypoint.sh"], HAPROXY),
    cmd: s(["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"], HAPROXY),
    user: s({ uid: 99, gid: 99 }, `${HAPROXY} (groupadd --gid 99 haproxy; useradd --uid 99; USER haproxy)`),
    workdir: s("/", `${HAPROXY} (no WORKDIR "for backwards compatibility")`),
    shell: s("/bin/sh", `${HAPROXY} (FROM debian:trixie-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        s({ haproxy: "/usr/local/sbin/haproxy", "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh", socat: "/usr/bin/socat" }, HAPROXY),
    ],
    paths: s([dir("/var/lib/haproxy", { uid: 99, gid: 99 }, 0o755)], HAPROXY),
    entrypointEffects: s<EntrypointEffects>(
        { script: "docker-entrypoint.sh", serverCommands: [], chowns: [], prepends: { command: "haproxy", when: "flag" }, execsArgs: true, note: "adds -W -db to haproxy" },
        "docker-library/haproxy@ec437dd2a3656610b10a42c08763d8fa1c591efe:docker-entrypoint.sh",
    ),
};

const POSTGREST = "PostgREST/postgrest@v14.0:nix/tools/docker/default.nix (the x86-64 image: dockerTools.buildImage, copyToRoot = postgrest only)";
const postgrest: ImageContract = {
    repository: "docker.io/postgrest/postgrest",
    tag: "v14.0",
    provenance: "upstream",
    entrypoint: s([], POSTGREST),
    cmd: s(["/bin/postgrest"], POSTGREST),
    // `User = "1000"` without a group: Docker uses gid 0 for a uid with no passwd entry.
    user: s({ uid: 1000, gid: 0 }, POSTGREST),
    workdir: s("/", POSTGREST),
    shell: s(null, `${POSTGREST} (no shell in the closure)`),
    executables: [s({ postgrest: "/bin/postgrest" }, `${POSTGREST}; PostgREST/postgrest@v14.0:src/PostgREST/CLI.hs#L143 (--ready)`)],
    paths: s([], POSTGREST),
};

// nodejs/docker-node has no git tags; this is the commit that set NODE_VERSION=20.20.2 in
// 20/bookworm-slim/Dockerfile ("security: Node.js 20.20.2, 22.22.2, 24.14.1, and 25.8.2"); the
// 20/ folder was removed later (f97aaf33 "feat: Drop Node.js v20").
const NODE = "nodejs/docker-node@8e93bb03443b68eccbddc0f1e31a5e9756f7e70e";
/** The node agent's runtime (components/agent/): the daemon bundle is uploaded into it. */
const nodeSlim: ImageContract = {
    repository: "docker.io/library/node",
    tag: "20.20.2-bookworm-slim",
    provenance: "upstream",
    entrypoint: s(["docker-entrypoint.sh"], `${NODE}:20/bookworm-slim/Dockerfile#L102`),
    cmd: s(["node"], `${NODE}:20/bookworm-slim/Dockerfile#L104`),
    user: s(ROOT, `${NODE}:20/bookworm-slim/Dockerfile (no USER instruction; user node 1000:1000 exists, #L3-4)`),
    workdir: s("/", `${NODE}:20/bookworm-slim/Dockerfile (no WORKDIR instruction)`),
    shell: s("/bin/sh", `${NODE}:20/bookworm-slim/Dockerfile#L1 (FROM debian:bookworm-slim)`),
    executables: [
        s(DEBIAN_ESSENTIAL, DEBIAN_ESSENTIAL_SOURCE),
        // curl and wget are installed only to download node and purged again (#L20, #L56:
        // apt-get purge --auto-remove): probes must use node itself.
        s(
            { node: "/usr/local/bin/node", nodejs: "/usr/local/bin/nodejs", npm: "/usr/local/bin/npm", "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh" },
            `${NODE}:20/bookworm-slim/Dockerfile#L44 (tar -C /usr/local --strip-components=1), #L57 (ln -s node nodejs), #L101 (COPY docker-entrypoint.sh /usr/local/bin/)`,
        ),
    ],
    paths: s([], `${NODE}:20/bookworm-slim/Dockerfile (creates no data directory)`),
    entrypointEffects: s<EntrypointEffects>(
        {
            script: "docker-entrypoint.sh",
            serverCommands: [],
            chowns: [],
            prepends: { command: "node", when: "flag" },
            execsArgs: true,
            note: "also prepends node when the first argument is not a command on PATH or is a non-executable file",
        },
        `${NODE}:20/bookworm-slim/docker-entrypoint.sh`,
    ),
};

/** Every image the platform runs, keyed `repository:tag`. */
export const IMAGE_CATALOGUE: readonly ImageContract[] = [
    postgres,
    redis,
    nats,
    qdrant,
    neo4j,
    neo4jEnterprise,
    minio,
    prometheus,
    alertmanager,
    nodeExporter,
    blackbox,
    postgresExporter,
    redisExporter,
    natsExporter,
    grafana,
    haproxy,
    postgrest,
    nodeSlim,
    ...TEAM_IMAGES,
];
