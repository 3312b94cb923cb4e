/**
 * Reading and validating the stack's config. The only place (with index.ts) that touches
 * pulumi.Config; components get typed values.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isMap, parseDocument } from "yaml";
import { z } from "zod";
import { parseConfig, unknownKeyMessage } from "./messages";
import { imageSchema, StackSettings, stackSettingsSchema, Topology, topologySchema } from "./schema";
import { MODULES } from "./modules";
import { Finding, validateStackSettings, validateTopology, ValidatingModule } from "./validate";
import { defaultNodeSelector, LABELS, nodeSelectorOverlap } from "../components/workload/kubernetes-manifests";

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

/**
 * A config that must not be deployed. Its message is the whole report, one line per error naming
 * the file and key; no stack trace is useful. It is a `pulumi.RunError`, so `pulumi up` prints the
 * message and hides the stack (@pulumi/pulumi@3.248.0:cmd/run/run.ts, uncaughtHandler:
 * "Always hide the stack for RunErrors"), exactly as `npm run render` prints it.
 */
export class ConfigError extends pulumi.RunError {
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

/** Cross-checks of `daarion:runtime` and `daarion:kubernetes` against the topology. */
export function validateRuntimeSettings(settings: StackSettings, t: Topology): Finding[] {
    const findings: Finding[] = [];
    const names = Object.keys(t.nodes);
    const k = settings.kubernetes;
    if (settings.runtime !== "kubernetes") {
        if (k) findings.push({ severity: "warning", path: "kubernetes", message: "ignored: daarion:runtime is not kubernetes" });
        return findings;
    }
    if (settings.node !== "all") findings.push({ severity: "error", path: "node", message: `must be 'all' with runtime kubernetes: one stack deploys every topology node into the cluster (found '${settings.node}')` });
    if (!k) {
        findings.push({ severity: "error", path: "kubernetes", message: "missing: runtime kubernetes needs the cluster's storageClass, podCidrs and dnsServer (README \"Kubernetes\")" });
        return findings;
    }
    for (const node of Object.keys(k.nodeSelectors)) {
        if (!t.nodes[node]) findings.push({ severity: "error", path: `kubernetes.nodeSelectors.${node}`, message: `unknown node '${node}' (nodes are: ${names.join(", ")})` });
    }
    // Seed 000's distribution (a replica off its primary's node, one Sentinel per node, a JetStream
    // vote per node) holds in a cluster only if two topology nodes never share a cluster node.
    const selectorOf = (n: string) => k.nodeSelectors[n] ?? defaultNodeSelector(n);
    const show = (m: Readonly<Record<string, string>>) => Object.entries(m).map(([key, v]) => `${key}=${v}`).join(",");
    for (const [i, a] of names.entries()) {
        for (const b of names.slice(i + 1)) {
            const overlap = nodeSelectorOverlap(selectorOf(a), selectorOf(b));
            if (overlap === "disjoint") continue;
            // Named on the selector that was configured (a default one is disjoint from every other default).
            const at = k.nodeSelectors[b] ? b : a;
            const other = at === b ? a : b;
            const both = `${at} (${show(selectorOf(at))}) and ${other} (${show(selectorOf(other))})`;
            findings.push(
                overlap === "contained"
                    ? { severity: "error", path: `kubernetes.nodeSelectors.${at}`, message: `${both} select the same cluster nodes, so the pods of both topology nodes may share one; give them one label key with different values (the default is ${LABELS.node}=<node>)` }
                    : { severity: "warning", path: `kubernetes.nodeSelectors.${at}`, message: `${both} share no label key with different values: a cluster node labelled for both would run the pods of both topology nodes` },
            );
        }
    }
    for (const key of Object.keys(k.adminEndpoints)) {
        const node = key.split("/")[0]!;
        if (!t.nodes[node]) findings.push({ severity: "error", path: `kubernetes.adminEndpoints.${key}`, message: `unknown node '${node}' (nodes are: ${names.join(", ")})` });
    }
    return findings;
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

/** Keys of `daarion:` that are not plain settings (they have their own schema or reader). */
const STRUCTURED_KEYS = ["topology", "overrides", "secrets"];

/** The `daarion:` keys a stack file may set. */
export const STACK_KEYS: readonly string[] = [...Object.keys(stackSettingsSchema.shape), ...STRUCTURED_KEYS];

/**
 * Parse, cross-check and return the config, or throw a ConfigError that lists every error
 * with its file and key. Warnings are returned for the caller to print. `modules` contribute
 * their checks (PlatformModule.validate) and published ports.
 */
export function loadConfig(stack: string, raw: RawConfig, modules: readonly ValidatingModule[] = MODULES): LoadedConfig {
    const errors: Array<Finding & { location: string }> = [];
    const push = (source: "topology" | "settings" | "overrides", f: Finding) => errors.push({ ...f, location: locate(stack, source, f.path) });

    if (raw.topology === undefined) {
        throw new ConfigError(stack, [{ severity: "error", path: "", message: "missing: declare the topology in Pulumi.yaml under config.daarion:topology.value", location: locate(stack, "topology", "") }]);
    }
    const topologyResult = parseConfig(topologySchema, raw.topology);
    const settingsResult = parseConfig(stackSettingsSchema, raw.settings);
    const overridesResult = parseConfig(overridesSchema, raw.overrides ?? {});
    if (!topologyResult.success) topologyResult.findings.forEach((f) => push("topology", f));
    if (!settingsResult.success) {
        const nodes = topologyResult.success ? Object.keys(topologyResult.data.nodes) : ["a node of daarion:topology.nodes"];
        for (const f of settingsResult.findings) {
            // A stack file's keys are `daarion:<key>`: suggest the qualified spelling.
            if (f.message.startsWith("unknown key")) push("settings", { ...f, message: unknownKeyMessage(f.path, STACK_KEYS, "daarion:") });
            else if (f.path === "node" && raw.settings.node === undefined) {
                push("settings", { ...f, message: `missing: which node this stack deploys; set it to one of: ${[...nodes, "all"].join(", ")}` });
            } else push("settings", f);
        }
    }
    if (!overridesResult.success) overridesResult.findings.forEach((f) => push("overrides", f));
    if (!topologyResult.success || !settingsResult.success || !overridesResult.success) throw new ConfigError(stack, errors);

    const topology = applyOverrides(topologyResult.data, overridesResult.data, (path, message) => push("overrides", { severity: "error", path, message }));
    const findings = validateTopology(topology, modules);
    const settingFindings = [...validateStackSettings(settingsResult.data, topology), ...validateRuntimeSettings(settingsResult.data, topology)];
    findings.filter((f) => f.severity === "error").forEach((f) => push("topology", f));
    settingFindings.filter((f) => f.severity === "error").forEach((f) => push("settings", f));
    if (errors.length > 0) throw new ConfigError(stack, errors);

    const warnings = [
        ...findings.filter((f) => f.severity === "warning").map((f) => ({ ...f, path: locate(stack, "topology", f.path) })),
        ...settingFindings.filter((f) => f.severity === "warning").map((f) => ({ ...f, path: locate(stack, "settings", f.path) })),
    ];
    return { stack, topology, settings: settingsResult.data, warnings };
}


/**
 * A plain setting as the program receives it. The Pulumi CLI hands every scalar config value to
 * the program as a string and the program reads booleans back from "true"/"false"; doing the same
 * for the offline render makes both paths print the same message for the same file.
 */
function settingValue(value: unknown): unknown {
    const text = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : value;
    return text === "true" ? true : text === "false" ? false : text;
}

/**
 * The raw config from a parsed config map (fully qualified keys, as in Pulumi.yaml and
 * Pulumi.<stack>.yaml). Every `daarion:` key other than the structured ones is a setting, so a
 * misspelled key (`daarion:nod`) reaches the schema and is reported, not silently ignored.
 */
export function rawConfigOf(config: Readonly<Record<string, unknown>>): RawConfig {
    const settings: Record<string, unknown> = {};
    for (const [qualified, value] of Object.entries(config)) {
        if (!qualified.startsWith("daarion:")) continue;
        const key = qualified.slice("daarion:".length);
        if (!STRUCTURED_KEYS.includes(key)) settings[key] = settingValue(value);
    }
    return { topology: config["daarion:topology"], settings, overrides: config["daarion:overrides"] };
}

/** Read the raw config through Pulumi's runtime (inside `pulumi up` or the mock runtime). */
export function readPulumiConfig(): RawConfig {
    const all = pulumi.runtime.allConfig();
    const config = new pulumi.Config("daarion");
    const settings: Record<string, unknown> = {};
    for (const [qualified, text] of Object.entries(all)) {
        if (!qualified.startsWith("daarion:")) continue;
        const key = qualified.slice("daarion:".length);
        if (!STRUCTURED_KEYS.includes(key)) settings[key] = settingValue(text);
    }
    return { topology: config.getObject<unknown>("topology"), settings, overrides: config.getObject<unknown>("overrides") };
}

/**
 * Top-level keys of a stack file: the fields of the SDK's StackSettings
 * (@pulumi/pulumi@3.248.0:automation/stackSettings.ts, serialized as secretsprovider, encryptedkey,
 * encryptionsalt, config) and `environment`, the ESC environments a stack imports
 * (pulumi.com/docs/esc/guides/pulumi-iac).
 */
export const STACK_FILE_KEYS: readonly string[] = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * A Pulumi.yaml or Pulumi.<stack>.yaml as a plain object, or a ConfigError that names the file,
 * line and column of the first YAML error (the `yaml` package's `linePos`), with no stack trace.
 * `pulumi up` parses these files itself (the Pulumi CLI reports its own YAML errors); this reader
 * serves the offline render and the tests.
 */
export function readConfigFile(file: string, stack: string, topLevelKeys?: readonly string[]): Record<string, unknown> {
    const name = path.basename(file);
    const fail = (location: string, message: string): never => {
        throw new ConfigError(stack, [{ severity: "error", path: "", location, message }]);
    };
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        return fail(name, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // prettyErrors (the default) fills linePos: line and column, 1-based.
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first) {
        const pos = first.linePos?.[0];
        // The message's first sentence; the rest is a code frame of several lines.
        const reason = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return fail(pos ? `${name}:${pos.line}:${pos.col}` : name, `invalid YAML: ${reason}`);
    }
    if (doc.contents === null) return {};
    if (!isMap(doc.contents)) return fail(name, "must be a YAML mapping of keys (name:, config:, ...)");
    const value = doc.toJS() as Record<string, unknown>;
    // A misspelled `config:` would silently drop every setting of the stack.
    for (const key of topLevelKeys ? Object.keys(value) : []) {
        if (!topLevelKeys!.includes(key)) fail(`${name}: ${key}`, unknownKeyMessage(key, topLevelKeys!));
    }
    if (value.config !== undefined && (value.config === null || typeof value.config !== "object" || Array.isArray(value.config))) {
        return fail(`${name}: config`, `expected an object (key: value), found ${Array.isArray(value.config) ? "a list" : JSON.stringify(value.config)}`);
    }
    return value;
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
