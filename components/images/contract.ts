/**
 * The shape of an image contract: what a container image really does when Docker starts it,
 * each fact beside the upstream file it was read from (`repository@tag:path`).
 *
 * Pure data types: no Pulumi import, so the render, the tests and the policy pack share them.
 */

/** A fact and where it was read. `source` is `owner/repo@tag-or-commit:path[#Lnn]` or a URL. */
export interface Sourced<T> {
    readonly value: T;
    readonly source: string;
}

export interface Owner {
    readonly uid: number;
    readonly gid: number;
}

/** A directory that exists in the image, with the owner and mode it has there. */
export interface ImagePath {
    readonly path: string;
    readonly owner: Owner;
    /** Octal permission bits, e.g. 0o755. */
    readonly mode: number;
}

/**
 * What the image's ENTRYPOINT script does before the server runs. Only the behaviours the
 * check relies on are modelled; `note` records the rest in words.
 */
export interface EntrypointEffects {
    /** The script's name as it appears in argv or in a `sh -c` launcher (`docker-entrypoint.sh`). */
    readonly script: string;
    /** Started as root with one of these commands as its first argument, it drops to `dropsTo`. */
    readonly serverCommands: readonly string[];
    readonly dropsTo?: Owner;
    /** Paths it chowns to `dropsTo` before dropping (recursively). */
    readonly chowns: readonly string[];
    /**
     * The script prepends `command` to its arguments: when the first starts with `-` (`flag`), or
     * whenever the first is not `command` itself (`not-command`, MinIO).
     */
    readonly prepends?: { readonly command: string; readonly when: "flag" | "not-command" };
    /** The script ends with `exec "$@"`: its first argument must itself be an executable. */
    readonly execsArgs: boolean;
    /**
     * Directories the script deletes and refills from another one when that one exists (neo4j:
     * conf/ from /conf), with the files the image ships in `dir` that are lost unless `from` has them.
     */
    readonly replaces?: readonly { readonly dir: string; readonly from: string; readonly shipped: readonly string[]; readonly shippedSource: string }[];
    readonly note?: string;
}

/** How a contract is known: read from the upstream files, or declared by the team for its own images. */
export type Provenance = "upstream" | "team-declared";

export interface ImageContract {
    readonly repository: string;
    /** The pinned tag this contract was read for. */
    readonly tag: string;
    /** When known, the digest of that tag; a container pinned by digest matches on it. */
    readonly digest?: string;
    readonly provenance: Provenance;
    /** The image's ENTRYPOINT ([] = none). */
    readonly entrypoint: Sourced<readonly string[]>;
    /**
     * The image's CMD ([] = none). `null` only for team-declared images whose CMD the team
     * declares as "starts the service" without publishing its literal argv.
     */
    readonly cmd: Sourced<readonly string[] | null>;
    /** The image's USER as uid:gid (root when the Dockerfile has no USER). */
    readonly user: Sourced<Owner>;
    readonly workdir: Sourced<string>;
    /** The shell Docker's `CMD-SHELL` healthchecks need (`/bin/sh`), or null when the image has none. */
    readonly shell: Sourced<string | null>;
    /**
     * Executables the image has: command name (as found on PATH) -> absolute path. Several
     * groups, each with its own source (the image's Dockerfile, its base image's packages).
     */
    readonly executables: readonly Sourced<Readonly<Record<string, string>>>[];
    /** Directories the server writes, as they are in the image (a fresh named volume copies them). */
    readonly paths: Sourced<readonly ImagePath[]>;
    readonly entrypointEffects?: Sourced<EntrypointEffects>;
}

export const ROOT: Owner = { uid: 0, gid: 0 };
