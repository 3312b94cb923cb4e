/**
 * Contracts of the team's own images (registry.daarion.city/...). They have no public Dockerfile to
 * read, so their contract is DECLARED here by the team, per pinned tag, and marked
 * `provenance: "team-declared"`: the check enforces them exactly like upstream contracts, and the
 * render prints one warning naming every container whose image contract is declared rather than
 * read, so nobody mistakes a declaration for a reading.
 *
 * What is declared is only what the platform's specs rely on (the probes in
 * components/apps/healthcheck.ts, the launchers in components/apps/*.ts). Whoever builds a new tag
 * confirms it against the image (`docker image inspect <ref>`, `docker run --rm --entrypoint sh
 * <ref> -c 'command -v python3'`) and adds an entry for the new tag here; a tag without an entry
 * fails the check.
 */
import { ImageContract, ROOT, Sourced } from "./contract";

const declared = <T>(value: T, what: string): Sourced<T> => ({ value, source: `team-declared (components/images/team.ts): ${what}` });

/** The microdao Python services: python3 on PATH (the urllib probe), a POSIX shell, no USER. */
function pythonService(repository: string, tag: string, extra: Record<string, string> = {}): ImageContract {
    return {
        repository,
        tag,
        provenance: "team-declared",
        entrypoint: declared([], "no ENTRYPOINT"),
        cmd: declared(null, "CMD starts the service"),
        user: declared(ROOT, "no USER (root)"),
        workdir: declared("/app", "WORKDIR /app"),
        shell: declared("/bin/sh", "python:3.x-slim base (Debian)"),
        executables: [declared({ sh: "/bin/sh", python3: "/usr/local/bin/python3", python: "/usr/local/bin/python", ...extra }, "python:3.x-slim base; python3 used by the healthcheck")],
        paths: declared([], "writes nothing outside its volumes"),
    };
}

const MICRODAO = "registry.daarion.city/microdao";
const MICRODAO_TAG = "2025.12.1";

export const TEAM_IMAGES: readonly ImageContract[] = [
    ...["gateway", "router", "swapper", "memory-service", "crewai", "ingest", "parser", "async-worker"].map((name) => pythonService(`${MICRODAO}/${name}`, MICRODAO_TAG)),
    pythonService("registry.daarion.city/ouranos/daedalus-api", "2025.12.1", { alembic: "/usr/local/bin/alembic", uvicorn: "/usr/local/bin/uvicorn" }),
    {
        repository: "registry.daarion.city/ouranos/daedalus-web",
        tag: "2025.12.1",
        provenance: "team-declared",
        entrypoint: declared(["/docker-entrypoint.sh"], "nginx:alpine base ENTRYPOINT (nginxinc/docker-nginx:mainline/alpine-slim/Dockerfile)"),
        cmd: declared(["nginx", "-g", "daemon off;"], "nginx:alpine base CMD"),
        user: declared(ROOT, "nginx:alpine base: master as root, workers as nginx"),
        workdir: declared("/", "nginx:alpine base"),
        shell: declared("/bin/sh", "nginx:alpine base (busybox)"),
        executables: [declared({ sh: "/bin/sh", wget: "/usr/bin/wget", nginx: "/usr/sbin/nginx", "/docker-entrypoint.sh": "/docker-entrypoint.sh" }, "nginx:alpine base (busybox wget)")],
        paths: declared([], "serves /usr/share/nginx/html read-only"),
        entrypointEffects: declared({ script: "/docker-entrypoint.sh", serverCommands: [], chowns: [], execsArgs: true }, "nginx:alpine base: runs /docker-entrypoint.d/*, then exec \"$@\""),
    },
    {
        // Built from github.com/threefoldtech/herodb (no published image): a Debian-based Rust image.
        repository: "registry.daarion.city/hero/herodb",
        tag: "0.1.0",
        provenance: "team-declared",
        entrypoint: declared([], "no ENTRYPOINT"),
        cmd: declared(null, "CMD starts herodb"),
        user: declared(ROOT, "no USER (root)"),
        workdir: declared("/", "no WORKDIR"),
        shell: declared("/bin/sh", "debian:bookworm-slim runtime stage"),
        executables: [declared({ sh: "/bin/sh", bash: "/bin/bash", herodb: "/usr/local/bin/herodb" }, "debian:bookworm-slim runtime stage; herodb installed in /usr/local/bin")],
        paths: declared([], "writes only --dir (a volume)"),
    },
];
