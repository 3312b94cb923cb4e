/**
 * A compact fingerprint of what a stack renders: one hash per resource (keyed `type::name`, over its
 * parent, inputs, options and dependency edges exactly as `resources.json` holds them) and one per
 * placed file (`files/<node>/<workload>/<path>`). The committed fingerprints in test/golden/ pin the
 * four stacks, so a refactor that changes what is deployed shows up as a named difference
 * (test/offline/render-equality.test.ts); a deliberate change is re-recorded with
 * `npx tsx scripts/golden.ts --update` and listed in the commit.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeRender } from "../../offline/write";
import { listFiles } from "./files";
import { DOCKER_STACKS, renderedStack } from "./render";

export interface StackFingerprint {
    readonly resources: Record<string, string>;
    readonly files: Record<string, string>;
}

export const GOLDEN_DIR = path.resolve(__dirname, "..", "golden");
/** The four Docker stacks the restructure of issue 13 must keep, and the Kubernetes stack. */
export const GOLDEN_STACKS = [...DOCKER_STACKS, "k8s"] as const;

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** Render `stack` (once per process, test/support/render.ts) through the same writer `npm run render` uses, and hash what it wrote. */
export async function fingerprintStack(stack: string): Promise<StackFingerprint> {
    const result = await renderedStack(stack);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `golden-${stack}-`));
    try {
        writeRender(result, out, result.config["daarion:topology"]);
        const written = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Array<{ type: string; name: string }>;
        const resources: Record<string, string> = {};
        for (const r of written) {
            const key = `${r.type}::${r.name}`;
            if (resources[key] !== undefined) throw new Error(`${stack}: two resources share ${key}`);
            resources[key] = sha(JSON.stringify(r));
        }
        const files: Record<string, string> = {};
        for (const f of listFiles(path.join(out, "files"))) files[f] = sha(fs.readFileSync(path.join(out, "files", f), "utf8"));
        return { resources: sortKeys(resources), files };
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

function sortKeys(record: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

export function goldenPath(stack: string): string {
    return path.join(GOLDEN_DIR, `${stack}.json`);
}

/** Named differences between two fingerprints; empty when they are equal. */
export function fingerprintDifferences(expected: StackFingerprint, actual: StackFingerprint): string[] {
    const lines: string[] = [];
    for (const kind of ["resources", "files"] as const) {
        const keys = new Set([...Object.keys(expected[kind]), ...Object.keys(actual[kind])]);
        for (const key of [...keys].sort()) {
            const was = expected[kind][key];
            const now = actual[kind][key];
            if (was === now) continue;
            lines.push(was === undefined ? `added ${kind === "files" ? "file" : "resource"} ${key}` : now === undefined ? `removed ${kind === "files" ? "file" : "resource"} ${key}` : `changed ${kind === "files" ? "file" : "resource"} ${key}`);
        }
    }
    return lines;
}
