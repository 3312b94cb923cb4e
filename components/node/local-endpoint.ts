/**
 * Which engine the `local` stack talks to, by the Docker CLI's precedence: an explicit setting, then
 * DOCKER_HOST, then DOCKER_CONTEXT, then the current context of the CLI config (`docker context use`).
 * Pure: the caller passes the environment and the text of $DOCKER_CONFIG/config.json.
 *
 * The provider reads DOCKER_HOST itself (schema.json config `host`: defaultInfo environment
 * DOCKER_HOST) and DOCKER_CONTEXT (config `context`: "Can also be set via DOCKER_CONTEXT environment
 * variable. Overrides the host if set."), and without either it tries the default socket and Docker
 * Desktop's per-user sockets (pulumi/pulumi-docker provider/image.go configureDockerClient). What it
 * does not read is the CLI's current context, so that one is passed as `context`.
 */
import { readFileSync } from "fs";
import { homedir } from "os";
import { join } from "path";

/** How the local engine is reached; both unset: the provider's own default. */
export interface LocalDockerEndpoint {
    readonly host?: string;
    readonly context?: string;
}

export function localDockerEndpoint(setting: string | undefined, env: Readonly<Record<string, string | undefined>>, cliConfigJson: string | undefined): LocalDockerEndpoint {
    if (setting) return { host: setting };
    // The provider reads these two itself; passing nothing keeps its precedence intact.
    if (env.DOCKER_HOST || env.DOCKER_CONTEXT) return {};
    if (!cliConfigJson) return {};
    let current: unknown;
    try {
        current = (JSON.parse(cliConfigJson) as { currentContext?: unknown }).currentContext;
    } catch {
        return {};
    }
    return typeof current === "string" && current !== "" && current !== "default" ? { context: current } : {};
}

/** Text of the Docker CLI config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), if any. */
export function readDockerCliConfig(env: Readonly<Record<string, string | undefined>>): string | undefined {
    try {
        return readFileSync(join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json"), "utf8");
    } catch {
        return undefined;
    }
}
