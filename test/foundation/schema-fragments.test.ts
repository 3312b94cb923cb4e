/**
 * Issue 13 item 1: each module folder owns the zod fragment of its topology keys
 * (components/<module>/schema.ts) and stacks/schema.ts composes them into `topologySchema`.
 * Two rules keep that honest:
 * - a fragment never reaches stacks/ (or Pulumi) through its imports, so the dependency points one
 *   way and there is no import cycle;
 * - every schema a fragment exports is part of `topologySchema` (by identity), so no fragment is
 *   written and then forgotten in the composition.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { topologySchema } from "../../stacks/schema";

const ROOT = path.resolve(__dirname, "../..");
const COMPONENTS = path.join(ROOT, "components");

function fragmentFiles(): string[] {
    return fs
        .readdirSync(COMPONENTS)
        .map((dir) => path.join(COMPONENTS, dir, "schema.ts"))
        .filter((file) => fs.existsSync(file));
}

/** Module specifiers of a TypeScript file's static imports and re-exports. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]!);
}

/** Every file a file reaches through relative imports, with the packages they import. */
function closure(start: string): { files: string[]; packages: string[] } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const todo = [start];
    while (todo.length > 0) {
        const file = todo.pop()!;
        if (files.has(file)) continue;
        files.add(file);
        for (const spec of importsOf(file)) {
            if (!spec.startsWith(".")) {
                packages.add(spec);
                continue;
            }
            const base = path.resolve(path.dirname(file), spec);
            const resolved = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
            assert.ok(resolved, `${path.relative(ROOT, file)}: cannot resolve ${spec}`);
            todo.push(resolved);
        }
    }
    return { files: [...files], packages: [...packages] };
}

/** Every zod schema reachable from `root` through the definitions (shapes, inner types, elements, options, ...). */
function reachable(root: z.ZodType): Set<unknown> {
    const seen = new Set<unknown>();
    const visit = (value: unknown): void => {
        if (value instanceof z.ZodType) {
            if (seen.has(value)) return;
            seen.add(value);
            for (const v of Object.values((value as unknown as { _zod: { def: Record<string, unknown> } })._zod.def)) visit(v);
        } else if (Array.isArray(value)) {
            value.forEach(visit);
        } else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
            Object.values(value).forEach(visit);
        }
    };
    visit(root);
    return seen;
}

describe("config schema fragments (components/<module>/schema.ts)", () => {
    it("the modules own their fragments", () => {
        const owners = fragmentFiles().map((f) => path.basename(path.dirname(f)));
        for (const module of ["agent", "apps", "ingress", "minio", "monitoring", "nats", "neo4j", "postgres", "qdrant", "redis"]) {
            assert.ok(owners.includes(module), `components/${module}/schema.ts is missing`);
        }
    });

    it("no fragment imports stacks/ or Pulumi, directly or through the files it imports", () => {
        const stacks = path.join(ROOT, "stacks") + path.sep;
        for (const file of [...fragmentFiles(), path.join(COMPONENTS, "config", "primitives.ts")]) {
            const { files, packages } = closure(file);
            const name = path.relative(ROOT, file);
            assert.deepEqual(files.filter((f) => f.startsWith(stacks)).map((f) => path.relative(ROOT, f)), [], `${name} reaches stacks/`);
            assert.deepEqual(packages.filter((p) => p !== "zod"), [], `${name} imports a package other than zod`);
        }
    });

    it("every schema a fragment exports is composed into topologySchema", () => {
        const composed = reachable(topologySchema);
        let count = 0;
        for (const file of fragmentFiles()) {
            // require, not import(): the test runs as CommonJS under tsx, and Node's ESM loader refuses .ts.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exports = require(file) as Record<string, unknown>;
            for (const [name, value] of Object.entries(exports)) {
                if (!(value instanceof z.ZodType)) continue;
                count++;
                assert.ok(composed.has(value), `${path.relative(ROOT, file)}: ${name} is not part of topologySchema (compose it in stacks/schema.ts)`);
            }
        }
        assert.ok(count >= 15, `only ${count} fragment schemas found`);
    });
});
