/**
 * The words a user reads when a config is wrong. zod's default texts ("Invalid input") name
 * neither what was expected nor what was found, so every schema is parsed with `configErrorMap`,
 * and `zodFindings` turns the issues into one finding per key. Messages set on a schema itself
 * ("must be an IPv4 address like 10.10.1.12") take precedence over this map (zod 4's order:
 * schema-level `error`, then per-parse `error`, then the global/locale map — zod.dev/error-customization).
 *
 * Pure: no Pulumi import.
 */
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import type { Finding } from "./validate";

/** A value as a user wrote it, short enough for one line; never used for secret slots. */
export function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (typeof value === "string") return `"${value.length > 60 ? value.slice(0, 57) + "..." : value}"`;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (Array.isArray(value)) return `a list of ${value.length}`;
    if (typeof value === "object") return "an object";
    return typeof value;
}

/** zod's type names in the words of a YAML file. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "an object (key: value)",
    array: "a list",
    record: "an object (key: value)",
};

const typeName = (expected: string) => TYPE_NAMES[expected] ?? expected;
const list = (values: readonly unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");

/**
 * The closest of `candidates` to a misspelled `key`, when it is close enough to be a likely typo:
 * at most two edits or a third of the key's length (so `replicationFactr` -> `replicationFactor`,
 * `tga` -> `tag`, but `colour` among unrelated keys suggests nothing).
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
    if (candidates.length === 0) return undefined;
    const best = closest(key.toLowerCase(), candidates.map((c) => c.toLowerCase()));
    const index = candidates.findIndex((c) => c.toLowerCase() === best);
    return distance(key.toLowerCase(), best) <= Math.max(2, Math.ceil(key.length / 3)) ? candidates[index] : undefined;
}

/** The keys an object schema accepts, read from the schema instance zod passes with the issue. */
function shapeKeys(inst: unknown): string[] {
    const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
    return shape ? Object.keys(shape) : [];
}

/** One line for an unknown key: what is accepted there, and the likely intended key. */
export function unknownKeyMessage(key: string, valid: readonly string[], namespace = ""): string {
    const guess = closestKey(key, valid);
    return guess ? `unknown key; did you mean \`${namespace}${guess}\`?` : `unknown key; valid keys here: ${valid.map((k) => namespace + k).join(", ")}`;
}

/** zod 4 per-parse error map: a message for every issue code zod can raise on config shapes. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined ? `missing (expected ${typeName(issue.expected)})` : `expected ${typeName(issue.expected)}`;
        case "too_small":
            if (issue.origin === "array" || issue.origin === "set") return `needs at least ${issue.minimum} item(s)`;
            if (issue.origin === "string") return Number(issue.minimum) <= 1 ? "must not be empty" : `needs at least ${issue.minimum} characters`;
            return `must be ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}`;
        case "too_big":
            if (issue.origin === "array" || issue.origin === "set") return `takes at most ${issue.maximum} item(s)`;
            if (issue.origin === "string") return `takes at most ${issue.maximum} characters`;
            return `must be ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}`;
        case "invalid_format":
            if (issue.format === "url") return "must be a URL like https://example.org/path";
            if (issue.format === "email") return "must be an e-mail address";
            if (issue.format === "starts_with") return `must start with "${(issue as { prefix?: string }).prefix ?? ""}"`;
            if (issue.format === "regex") return `has the wrong format (must match ${(issue as { pattern?: string }).pattern ?? "its pattern"})`;
            return `must be a valid ${issue.format}`;
        case "invalid_value":
            return `must be one of: ${list(issue.values)}`;
        case "unrecognized_keys":
            return `unknown key(s) ${issue.keys.join(", ")}`;
        case "invalid_key":
            return "is not a valid key here";
        case "invalid_union":
            return "matches none of the accepted forms";
        case "not_multiple_of":
            return `must be a multiple of ${issue.divisor}`;
        default:
            return undefined;
    }
};

/** `a.b[0].c` from a zod path. */
export function keyPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/** Codes whose message is about one scalar value, so the value found is worth showing. */
const SHOWS_VALUE = new Set(["invalid_type", "invalid_format", "too_small", "too_big", "invalid_value", "custom", "not_multiple_of"]);

type Issue = z.core.$ZodIssue;

/**
 * One finding per offending key. Unknown keys become one finding each at their own path, with the
 * closest valid key; a failed union reports the alternative that came closest; every value-level
 * message says what was found.
 */
export function zodFindings(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Finding[] {
    const findings: Finding[] = [];
    const error = (path: readonly PropertyKey[], message: string) => findings.push({ severity: "error", path: keyPath(path), message });
    for (const issue of issues) {
        const path = [...prefix, ...issue.path];
        const input = (issue as { input?: unknown }).input;
        switch (issue.code) {
            case "unrecognized_keys": {
                const valid = (issue as { validKeys?: string[] }).validKeys ?? [];
                for (const key of issue.keys) error([...path, key], unknownKeyMessage(key, valid));
                break;
            }
            case "invalid_union": {
                const u = issue as Issue & { discriminator?: string; options?: unknown[] };
                if (u.discriminator !== undefined) {
                    // zod puts the discriminator key on the path; the input is the whole object.
                    const found = input && typeof input === "object" ? (input as Record<string, unknown>)[u.discriminator] : undefined;
                    error(path, found === undefined ? `missing (must be one of: ${list(u.options ?? [])})` : `must be one of: ${list(u.options ?? [])} (found ${describeValue(found)})`);
                    break;
                }
                // The alternative the user meant: fewest complaints, then the one whose complaints
                // sit deepest (its shape matched furthest).
                const depth = (list: readonly Issue[]) => Math.max(0, ...list.map((i) => i.path.length));
                const branches = [...issue.errors].sort((a, b) => a.length - b.length || depth(b) - depth(a));
                if (branches[0] && branches[0].length > 0) findings.push(...zodFindings(branches[0], path));
                else error(path, `${issue.message} (found ${describeValue(input)})`);
                break;
            }
            case "invalid_key": {
                const inner = issue.issues[0];
                error(path, `key "${String(issue.path[issue.path.length - 1] ?? input)}" is not valid: ${inner?.message ?? issue.message}`);
                break;
            }
            default: {
                const shown = SHOWS_VALUE.has(issue.code) && !(issue.code === "invalid_type" && input === undefined);
                error(path, shown ? `${issue.message} (found ${describeValue(input)})` : issue.message);
            }
        }
    }
    return findings;
}

/**
 * Parse `value` with `schema`, with the config error map, input reported on each issue, and the
 * valid keys recorded on every unknown-key issue (zod passes the object schema to the map only).
 */
export function parseConfig<T extends z.ZodType>(schema: T, value: unknown): { success: true; data: z.infer<T> } | { success: false; findings: Finding[] } {
    const validKeys = new WeakMap<object, string[]>();
    const result = schema.safeParse(value, {
        reportInput: true,
        error: (issue) => {
            if (issue.code === "unrecognized_keys" && issue.input && typeof issue.input === "object") validKeys.set(issue.input as object, shapeKeys(issue.inst));
            return configErrorMap(issue);
        },
    });
    if (result.success) return { success: true, data: result.data };
    const annotate = (issues: readonly Issue[]): Issue[] =>
        issues.map((i) => {
            if (i.code === "unrecognized_keys") return { ...i, validKeys: validKeys.get((i as { input?: object }).input ?? {}) ?? [] } as Issue;
            if (i.code === "invalid_union") return { ...i, errors: i.errors.map(annotate) } as Issue;
            return i;
        });
    return { success: false, findings: zodFindings(annotate(result.error.issues)) };
}
