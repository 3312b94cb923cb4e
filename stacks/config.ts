/**
 * Reading and validating the stack's config. The only place (with index.ts) that touches
 * pulumi.Config; components get typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { imageSchema, StackSettings, stackSettingsSchema, Topology, topologySchema } from "./schema";
import { Finding, validateStackSettings, validateTopology } from "./validate";

/** Node-local tweaks a stack file may make; nothing that peers compute addresses from. */
export const overridesSchema = z.strictObject({
    services: z
        .record(
            z.string(),
            z.strictObject({
                image: imageSchema.optional(),
                memoryMb: z.number().int().min(16).optional(),
                env: z.record(z.string(), z.string()).optional(),
            }),
        )
        .default({}),
    /**
     * Neo4j memory of this stack. The `local` stack sets it: heap + page cache are committed up
     * front (same initial and max heap), and 2 + 2 GB does not fit a laptop's Docker Desktop VM.
     */
    neo4j: z.strictObject({ heapGb: z.number().positive(), pageCacheGb: z.number().positive() }).optional(),
});

export interface RawConfig {
    /** Value of `daarion:topology` (normally from Pulumi.yaml). */
    readonly topology: unknown;
    /** Per-stack keys of Pulumi.<stack>.yaml, without the `daarion:` prefix (secrets excluded). */
    readonly settings: Record<string, unknown>;
    readonly overrides?: unknown;
}

export interface LoadedConfig {
    readonly stack: string;
    readonly topology: Topology;
    readonly settings: StackSettings;
    readonly warnings: Finding[];
}

/** Where each kind of key lives, so messages point at the file to edit. */
function locate(stack: string, source: "topology" | "settings" | "overrides", path: string): string {
    if (source === "topology") return `Pulumi.yaml: daarion:topology${path ? "." + path : ""}`;
    if (source === "overrides") return `Pulumi.${stack}.yaml: daarion:overrides${path ? "." + path : ""}`;
    return `Pulumi.${stack}.yaml: daarion:${path}`;
}

/** A config that must not be deployed. Its message is the whole report; no stack trace is useful. */
export class ConfigError extends Error {
    constructor(
        readonly stackName: string,
        readonly errors: Array<Finding & { readonly location: string }>,
    ) {
        super(
            `invalid config for stack '${stackName}' (${errors.length} error${errors.length === 1 ? "" : "s"}; nothing was deployed):\n` +
                errors.map((e) => `  - ${e.location}: ${e.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function zodPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

function zodFindings(error: z.ZodError): Finding[] {
    return error.issues.map((issue) => {
        let message = issue.message;
        if (issue.code === "unrecognized_keys") message = `unknown key(s): ${issue.keys.join(", ")}`;
        return { severity: "error" as const, path: zodPath(issue.path), message };
    });
}

/** Apply node-local overrides to a copy of the topology. */
function applyOverrides(topology: Topology, overrides: z.infer<typeof overridesSchema>, fail: (path: string, message: string) => void): Topology {
    const services = { ...topology.services };
    for (const [name, o] of Object.entries(overrides.services)) {
        const base = services[name];
        if (!base) {
            fail(`services.${name}`, `unknown service '${name}'`);
            continue;
        }
        services[name] = { ...base, image: o.image ?? base.image, memoryMb: o.memoryMb ?? base.memoryMb, env: { ...base.env, ...(o.env ?? {}) } };
    }
    const neo4j = overrides.neo4j ? { ...topology.replication.neo4j, ...overrides.neo4j } : topology.replication.neo4j;
    return { ...topology, services, replication: { ...topology.replication, neo4j } };
}

/**
 * Parse, cross-check and return the config, or throw a ConfigError that lists every error
 * with its file and key. Warnings are returned for the caller to print.
 */
export function loadConfig(stack: string, raw: RawConfig): LoadedConfig {
    const errors: Array<Finding & { location: string }> = [];
    const push = (source: "topology" | "settings" | "overrides", f: Finding) => errors.push({ ...f, location: locate(stack, source, f.path) });

    if (raw.topology === undefined) {
        throw new ConfigError(stack, [{ severity: "error", path: "", message: "missing: declare the topology in Pulumi.yaml under config.daarion:topology.value", location: locate(stack, "topology", "") }]);
    }
    const topologyResult = topologySchema.safeParse(raw.topology);
    const settingsResult = stackSettingsSchema.safeParse(raw.settings);
    const overridesResult = overridesSchema.safeParse(raw.overrides ?? {});
    if (!topologyResult.success) zodFindings(topologyResult.error).forEach((f) => push("topology", f));
    if (!settingsResult.success) zodFindings(settingsResult.error).forEach((f) => push("settings", f));
    if (!overridesResult.success) zodFindings(overridesResult.error).forEach((f) => push("overrides", f));
    if (!topologyResult.success || !settingsResult.success || !overridesResult.success) throw new ConfigError(stack, errors);

    const topology = applyOverrides(topologyResult.data, overridesResult.data, (path, message) => push("overrides", { severity: "error", path, message }));
    const findings = validateTopology(topology);
    const settingFindings = validateStackSettings(settingsResult.data, topology);
    findings.filter((f) => f.severity === "error").forEach((f) => push("topology", f));
    settingFindings.filter((f) => f.severity === "error").forEach((f) => push("settings", f));
    if (errors.length > 0) throw new ConfigError(stack, errors);

    const warnings = [
        ...findings.filter((f) => f.severity === "warning").map((f) => ({ ...f, path: locate(stack, "topology", f.path) })),
        ...settingFindings.filter((f) => f.severity === "warning").map((f) => ({ ...f, path: locate(stack, "settings", f.path) })),
    ];
    return { stack, topology, settings: settingsResult.data, warnings };
}

/** Keys of Pulumi.<stack>.yaml read as plain settings. */
const SETTING_KEYS = ["node", "sharedStack", "localDockerHost", "localGpu"] as const;

/**
 * The raw config from a parsed config map (fully qualified keys, as in Pulumi.yaml and
 * Pulumi.<stack>.yaml): the same keys `readPulumiConfig` reads through the runtime.
 */
export function rawConfigOf(config: Readonly<Record<string, unknown>>): RawConfig {
    const settings: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) {
        if (config[`daarion:${key}`] !== undefined) settings[key] = config[`daarion:${key}`];
    }
    return { topology: config["daarion:topology"], settings, overrides: config["daarion:overrides"] };
}

/** Read the raw config through Pulumi's runtime (inside `pulumi up` or the mock runtime). */
export function readPulumiConfig(): RawConfig {
    const config = new pulumi.Config("daarion");
    const settings: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) {
        const text = config.get(key);
        if (text === undefined) continue;
        // Pulumi stores every value as a string; booleans arrive as "true"/"false".
        settings[key] = text === "true" ? true : text === "false" ? false : text;
    }
    return { topology: config.getObject<unknown>("topology"), settings, overrides: config.getObject<unknown>("overrides") };
}

/** Keys of `daarion:secrets`, read without touching the secret values' Output. */
export function readStackSecretKeys(): Set<string> {
    const raw = pulumi.runtime.getConfig("daarion:secrets");
    if (!raw) return new Set();
    try {
        return new Set(Object.keys(JSON.parse(raw) as Record<string, unknown>));
    } catch {
        throw new ConfigError(pulumi.getStack(), [{ severity: "error", path: "secrets", location: `Pulumi.${pulumi.getStack()}.yaml: daarion:secrets`, message: "must be an object of secret values" }]);
    }
}

/** Stack secrets (`daarion:secrets`, an object with `secure:` leaves): TLS certificates, receiver tokens. */
export function readStackSecrets(): pulumi.Output<Record<string, string>> {
    const config = new pulumi.Config("daarion");
    return config.getSecretObject<Record<string, string>>("secrets") ?? pulumi.secret<Record<string, string>>({});
}
