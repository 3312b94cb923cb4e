/**
 * Drift report builder: turns the engine events of a `refresh --preview-only` (or of a preview
 * with refresh) into per-resource drifted properties, with secrets masked, as JSON and Markdown.
 *
 * Pure: it only reads events. scripts/drift.ts runs the Automation API and feeds it.
 */
import type { EngineEvent, OpType, PropertyDiff, StepEventMetadata } from "@pulumi/pulumi/automation";
import { isSecretEnvelope } from "../secrets/signature";
import { findKnownDiff, KNOWN_PERMANENT_DIFFS, KnownPermanentDiff } from "./known";

export const MASK = "[secret]";

/** Keys whose values are masked whatever the engine did (an output that was never marked secret). */
const CREDENTIAL_KEY = /(password|passwd|secret|token|api_?key|access_?key|private_?key|credential|(^|_)auth$|connection_?string)/i;
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^/@\s]+@/i;

export type DriftStatus = "drifted" | "deleted" | "known-permanent";

export interface DriftedProperty {
    /** Property path as the engine reports it: `ports[0].external`, `labels`. */
    readonly path: string;
    /** Engine diff kind, or `changed` when derived from old/new outputs. */
    readonly kind: PropertyDiff["diffKind"] | "changed";
    /** Masked values when the event carries them. */
    readonly old?: unknown;
    readonly new?: unknown;
    /** Set when this is a known permanent diff (see components/drift/known.ts). */
    readonly known?: Pick<KnownPermanentDiff, "reason" | "reference">;
}

export interface DriftedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly op: OpType;
    readonly status: DriftStatus;
    readonly properties: DriftedProperty[];
}

export interface DriftReport {
    readonly stack: string;
    readonly resources: DriftedResource[];
    /** Resources the engine looked at and found unchanged. */
    readonly unchanged: number;
    /** Error diagnostics of the run; any error makes the report inconclusive (exit 2). */
    readonly errors: string[];
    /** True when a resource drifted in a way that is not a known permanent diff. */
    readonly hasDrift: boolean;
}

export interface BuildOptions {
    readonly stack: string;
    readonly knownDiffs?: readonly KnownPermanentDiff[];
}

// ---- masking ----------------------------------------------------------------------------------

function maskString(key: string | undefined, value: string): string {
    if (key !== undefined && CREDENTIAL_KEY.test(key)) return MASK;
    // `envs` entries: `POSTGRES_PASSWORD=...`
    const eq = value.indexOf("=");
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.slice(0, eq)) && CREDENTIAL_KEY.test(value.slice(0, eq))) {
        return `${value.slice(0, eq)}=${MASK}`;
    }
    return value.replace(URL_USERINFO, `$1${MASK}@`).replace(/(=[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^/@\s]+@/i, `$1${MASK}@`);
}

/** Deep copy with secrets and credential-looking values replaced by `[secret]`. */
export function maskSecrets(value: unknown, key?: string): unknown {
    if (isSecretEnvelope(value) || value === MASK) return MASK;
    if (typeof value === "string") return maskString(key, value);
    if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, k);
        return out;
    }
    if (key !== undefined && CREDENTIAL_KEY.test(key) && value !== null && value !== undefined) return MASK;
    return value;
}

// ---- property paths ---------------------------------------------------------------------------

/** Splits `a.b[0]["x.y"]` into `["a", "b", 0, "x.y"]`. */
export function parsePath(path: string): (string | number)[] {
    const parts: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(path))) {
        if (m[1] !== undefined) parts.push(m[1]);
        else if (m[2] !== undefined) parts.push(Number(m[2]));
        else parts.push(m[3].replace(/\\(.)/g, "$1"));
    }
    return parts;
}

function getPath(root: unknown, path: string): unknown {
    let cur: unknown = root;
    for (const part of parsePath(path)) {
        if (isSecretEnvelope(cur)) return MASK;
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string | number, unknown>)[part];
    }
    return cur;
}

function lastKey(path: string): string | undefined {
    const parts = parsePath(path).filter((p): p is string => typeof p === "string");
    return parts[parts.length - 1];
}

/** Paths (top-level and nested) where two output objects differ. */
export function diffPaths(oldValue: unknown, newValue: unknown, prefix = ""): string[] {
    if (isSecretEnvelope(oldValue) || isSecretEnvelope(newValue)) {
        return JSON.stringify(oldValue) === JSON.stringify(newValue) ? [] : [prefix];
    }
    const bothObjects =
        oldValue !== null && newValue !== null && typeof oldValue === "object" && typeof newValue === "object" && Array.isArray(oldValue) === Array.isArray(newValue);
    if (!bothObjects) return JSON.stringify(oldValue) === JSON.stringify(newValue) ? [] : [prefix];
    const keys = Array.isArray(oldValue)
        ? [...Array(Math.max(oldValue.length, (newValue as unknown[]).length)).keys()]
        : [...new Set([...Object.keys(oldValue as object), ...Object.keys(newValue as object)])].sort();
    const out: string[] = [];
    for (const k of keys) {
        const child =
            typeof k === "number" ? `${prefix}[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? (prefix ? `${prefix}.${k}` : k) : `${prefix}[${JSON.stringify(k)}]`;
        out.push(
            ...diffPaths((oldValue as Record<string | number, unknown>)[k], (newValue as Record<string | number, unknown>)[k], child),
        );
    }
    return out;
}

// ---- building ---------------------------------------------------------------------------------

function nameOf(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

const NO_CHANGE: ReadonlySet<OpType> = new Set<OpType>(["same", "read", "discard", "discard-replaced", "remove-pending-replace"]);

function resourceProperties(meta: StepEventMetadata, known: readonly KnownPermanentDiff[]): DriftedProperty[] {
    const oldOut = meta.old?.outputs;
    const newOut = meta.new?.outputs;
    const withValues = (path: string, kind: DriftedProperty["kind"]): DriftedProperty => {
        const key = lastKey(path);
        const k = findKnownDiff(meta.type, path, known);
        return {
            path,
            kind,
            ...(oldOut !== undefined ? { old: maskSecrets(getPath(oldOut, path), key) } : {}),
            ...(newOut !== undefined ? { new: maskSecrets(getPath(newOut, path), key) } : {}),
            ...(k ? { known: { reason: k.reason, reference: k.reference } } : {}),
        };
    };
    if (meta.detailedDiff && Object.keys(meta.detailedDiff).length > 0) {
        return Object.entries(meta.detailedDiff)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([path, d]) => withValues(path, d.diffKind));
    }
    if (meta.diffs && meta.diffs.length > 0) return [...meta.diffs].sort().map((p) => withValues(p, "changed"));
    if (oldOut !== undefined && newOut !== undefined) return diffPaths(oldOut, newOut).map((p) => withValues(p, "changed"));
    return [];
}

/**
 * Builds the report. Later events for a URN win over earlier ones (the outputs event of a step
 * carries the refreshed state; the pre event may not), except that an event without any diff
 * information never replaces one with it.
 */
export function buildDriftReport(events: readonly EngineEvent[], options: BuildOptions): DriftReport {
    const known = options.knownDiffs ?? KNOWN_PERMANENT_DIFFS;
    const steps = new Map<string, StepEventMetadata>();
    /** URNs whose step completed (outputs event): only then does a missing new state mean "deleted". */
    const completed = new Set<string>();
    const errors: string[] = [];
    for (const event of events) {
        const meta = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (meta && meta.type !== "pulumi:pulumi:Stack" && !meta.type.startsWith("pulumi:providers:")) {
            if (event.resOutputsEvent) completed.add(meta.urn);
            const prev = steps.get(meta.urn);
            const informative = (m: StepEventMetadata) => Boolean(m.detailedDiff || m.diffs?.length || (m.old && m.new));
            if (!prev || informative(meta) || !informative(prev)) steps.set(meta.urn, meta);
        }
        if (event.resOpFailedEvent) errors.push(`operation failed on ${event.resOpFailedEvent.metadata.urn}`);
        const diag = event.diagnosticEvent;
        if (diag && diag.severity === "error") errors.push(maskString(undefined, diag.message.trim()));
    }

    const resources: DriftedResource[] = [];
    let unchanged = 0;
    for (const meta of steps.values()) {
        if (NO_CHANGE.has(meta.op)) {
            unchanged++;
            continue;
        }
        // A refresh whose new state is empty: the resource was deleted outside Pulumi.
        const deleted = meta.op === "delete" || (meta.op === "refresh" && completed.has(meta.urn) && meta.old !== undefined && meta.new === undefined);
        const properties = deleted ? [] : resourceProperties(meta, known);
        if (!deleted && properties.length === 0 && meta.op === "refresh") {
            unchanged++;
            continue;
        }
        const allKnown = properties.length > 0 && properties.every((p) => p.known);
        resources.push({
            urn: meta.urn,
            type: meta.type,
            name: nameOf(meta.urn),
            op: meta.op,
            status: deleted ? "deleted" : allKnown ? "known-permanent" : "drifted",
            properties,
        });
    }
    resources.sort((a, b) => a.urn.localeCompare(b.urn));
    return {
        stack: options.stack,
        resources,
        unchanged,
        errors,
        hasDrift: resources.some((r) => r.status !== "known-permanent"),
    };
}

/** 0 no drift, 1 drift, 2 error (an error wins: the result is incomplete). See pulumi/pulumi#8992. */
export function driftExitCode(reports: readonly DriftReport[]): 0 | 1 | 2 {
    if (reports.some((r) => r.errors.length > 0)) return 2;
    return reports.some((r) => r.hasDrift) ? 1 : 0;
}

export function renderJson(reports: readonly DriftReport[]): string {
    return JSON.stringify({ exitCode: driftExitCode(reports), stacks: reports }, null, 2) + "\n";
}

function inline(value: unknown): string {
    if (value === undefined) return "–";
    let text = JSON.stringify(value);
    if (text.length > 80) text = `${text.slice(0, 77)}...`;
    return `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

/** Markdown for a PR or issue comment. */
export function renderMarkdown(reports: readonly DriftReport[]): string {
    const code = driftExitCode(reports);
    const lines: string[] = [];
    lines.push(`## Drift report`, "");
    lines.push(code === 0 ? "No drift." : code === 1 ? "**Drift detected.**" : "**Drift detection failed** (errors below); the result is incomplete.", "");
    lines.push("| stack | drifted | deleted | known permanent | unchanged | errors |", "|---|---|---|---|---|---|");
    for (const r of reports) {
        const count = (s: DriftStatus) => r.resources.filter((x) => x.status === s).length;
        lines.push(`| ${r.stack} | ${count("drifted")} | ${count("deleted")} | ${count("known-permanent")} | ${r.unchanged} | ${r.errors.length} |`);
    }
    for (const r of reports) {
        if (r.resources.length === 0 && r.errors.length === 0) continue;
        lines.push("", `### ${r.stack}`, "");
        for (const e of r.errors) lines.push(`- error: ${e.split("\n")[0]}`);
        for (const res of r.resources) {
            const tag = res.status === "known-permanent" ? " (known permanent diff only)" : res.status === "deleted" ? " (deleted outside Pulumi)" : "";
            lines.push(`- \`${res.type}\` **${res.name}**${tag}`);
            for (const p of res.properties) {
                const knownNote = p.known ? ` — known permanent diff: ${p.known.reason} (${p.known.reference})` : "";
                lines.push(`  - \`${p.path}\` ${p.kind}: ${inline(p.old)} → ${inline(p.new)}${knownNote}`);
            }
        }
    }
    return lines.join("\n") + "\n";
}
