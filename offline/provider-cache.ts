/**
 * The offline render's disk cache of the dynamic providers' serialized closures (`__provider`).
 *
 * Why (measured with `node --cpu-prof` on `npm run render -- local`, README "Benchmark"): the
 * stack's three dynamic providers (NATS stream, NATS KV bucket, Qdrant collection) cost ~0.9 s of
 * CPU to serialize, a third of the render: Pulumi opens an inspector session (whose
 * `Debugger.enable` replays a `scriptParsed` event for each of the ~2,000 loaded scripts,
 * @pulumi/pulumi@3.248.0 runtime/closure/v8Hooks.js l. 37-45), walks each closure through
 * `Runtime.getProperties` and parses every function with the TypeScript compiler
 * (runtime/closure/parseFunction.js). Pulumi already serializes each provider object only once
 * per process (dynamic/index.js l. 26-43, on unless PULUMI_NODEJS_CACHE_DYNAMIC_PROVIDERS=false,
 * runtime/state.js l. 57), so the remaining cost is one serialization per provider per process.
 *
 * The text is a pure function of the compiled code reachable from the provider's module (its
 * module-level constants included) and of the serializer, so the render keeps it on disk under a
 * key over exactly those inputs (`cacheKey`), like the compile cache of offline/run.cjs. A hit
 * gives byte for byte the text Pulumi would produce; test/offline/speed.test.ts compares the
 * render's `__provider` inputs with a fresh `pulumi.runtime.serializeFunction` of each provider.
 *
 * Scope: only `renderStack` (the mock runtime) installs the cache, and only while it evaluates
 * the program. A real `pulumi up` never loads this file: the engine receives what
 * `pulumi.dynamic.Resource` serializes itself.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
/** Where the entries live (git-ignored, beside the compile cache .cache/ts). */
export const PROVIDER_CACHE_DIR = path.join(ROOT, ".cache", "providers");

interface SerializedFunction {
    readonly text: string;
    readonly exportName: string;
    readonly containsSecrets: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SerializeFunction = (func: (...args: any[]) => unknown, args?: Record<string, unknown>) => Promise<SerializedFunction>;

/**
 * The module whose export `dynamic.Resource` calls for every provider: `sc.serializeFunction(() =>
 * provider, { allowSecrets: true })`, looked up on the module object at call time
 * (@pulumi/pulumi@3.248.0 dynamic/index.js l. 45-52). `pulumi.runtime.serializeFunction` is a copy
 * taken when runtime/index.js loads (l. 21), so replacing this export leaves it untouched.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const closureModule = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: SerializeFunction };
/** The exact text of dynamic/index.js's thunk: only such a thunk is called to find its provider (it has no side effect). */
const DYNAMIC_THUNK = "() => provider";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const isRepoSource = (filename: string) => filename.startsWith(ROOT + path.sep) && !filename.includes(`${path.sep}node_modules${path.sep}`);

function packageVersion(name: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
}

/**
 * The repository sources a module can reach through its imports (`module.children`, which Node
 * fills for cached modules too), each as a path relative to the repository and a hash of its
 * text. Packages under node_modules are covered by package-lock.json in `cacheKey`.
 */
function reachableSources(mod: NodeJS.Module, into = new Map<string, string>()): Map<string, string> {
    if (into.has(mod.filename) || !isRepoSource(mod.filename)) return into;
    into.set(mod.filename, sha256(fs.readFileSync(mod.filename)));
    for (const child of mod.children) reachableSources(child, into);
    return into;
}

/** The loaded repository module exporting `provider`, and the export's name. */
function exportingModule(provider: unknown): { module: NodeJS.Module; exportName: string } | undefined {
    for (const mod of Object.values(require.cache)) {
        if (!mod || !isRepoSource(mod.filename) || typeof mod.exports !== "object" || mod.exports === null) continue;
        for (const [exportName, value] of Object.entries(mod.exports as Record<string, unknown>)) {
            if (value === provider) return { module: mod, exportName };
        }
    }
    return undefined;
}

/**
 * Everything the serialized text depends on: the source of every repository module the
 * provider's module reaches (the functions and module-level values the closure captures), how
 * that source is compiled (the `.ts` loader in use, offline/run.cjs, tsconfig.json, the locked
 * tsx/esbuild versions in package-lock.json), where `require`d packages resolve from
 * (package-lock.json), the serializer (@pulumi/pulumi and the TypeScript it parses with) and Node.
 * Assumes, as every provider module here does, that no other module mutates values the provider
 * captures after loading (Pulumi serializes the values current at call time, serializeClosure.js
 * l. 40-47).
 */
function cacheKey(provider: unknown, args: Record<string, unknown> | undefined): string | undefined {
    const origin = exportingModule(provider);
    if (!origin) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsLoader = String((require("node:module") as { _extensions: Record<string, unknown> })._extensions[".ts"]);
    const sources = [...reachableSources(origin.module)].map(([file, hash]) => `${path.relative(ROOT, file)}=${hash}`).sort();
    const parts = [
        "daarion-provider-cache-v1",
        path.relative(ROOT, origin.module.filename),
        origin.exportName,
        JSON.stringify(args ?? {}),
        ...sources,
        `loader=${sha256(tsLoader)}`,
        `run.cjs=${sha256(fs.readFileSync(path.join(ROOT, "offline", "run.cjs")))}`,
        `tsconfig=${sha256(fs.readFileSync(path.join(ROOT, "tsconfig.json")))}`,
        `lock=${sha256(fs.readFileSync(path.join(ROOT, "package-lock.json")))}`,
        `pulumi=${packageVersion("@pulumi/pulumi")}`,
        `typescript=${packageVersion("typescript")}`,
        `node=${process.versions.node}`,
    ];
    return sha256(parts.join("\n"));
}

function readEntry(file: string): SerializedFunction | undefined {
    try {
        const entry = JSON.parse(fs.readFileSync(file, "utf8")) as SerializedFunction;
        return typeof entry.text === "string" && typeof entry.exportName === "string" && typeof entry.containsSecrets === "boolean" ? entry : undefined;
    } catch {
        return undefined; // absent (or unreadable): serialize and write it
    }
}

function writeEntry(file: string, entry: SerializedFunction): void {
    // Written through a rename, so an entry is complete or absent (as offline/run.cjs does).
    const tmp = `${file}.${process.pid}.tmp`;
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(tmp, JSON.stringify(entry));
        fs.renameSync(tmp, file);
    } catch {
        // A read-only checkout only loses the speed-up: the text returned is the fresh one.
        fs.rmSync(tmp, { force: true });
    }
}

/** Counts of the current process, for tests and the bench. */
export const providerCacheStats = { hits: 0, misses: 0, uncached: 0 };

/**
 * Run `fn` (one evaluation under mocks) with the dynamic providers' serialization served from the
 * disk cache; a miss serializes with Pulumi's own function and stores the result. Anything that is
 * not a dynamic provider exported by a repository module goes to Pulumi unchanged.
 */
export async function withProviderCache<T>(fn: () => Promise<T>): Promise<T> {
    const original = closureModule.serializeFunction;
    closureModule.serializeFunction = async (func, args) => {
        const key = String(func) === DYNAMIC_THUNK ? cacheKey(func(), args) : undefined;
        if (!key) {
            providerCacheStats.uncached += 1;
            return original(func, args);
        }
        const file = path.join(PROVIDER_CACHE_DIR, `${key}.json`);
        const cached = readEntry(file);
        if (cached) {
            providerCacheStats.hits += 1;
            return cached;
        }
        providerCacheStats.misses += 1;
        const fresh = await original(func, args);
        writeEntry(file, { text: fresh.text, exportName: fresh.exportName, containsSecrets: fresh.containsSecrets });
        return fresh;
    };
    try {
        return await fn();
    } finally {
        closureModule.serializeFunction = original;
    }
}
