#!/usr/bin/env node
/**
 * node offline/run.cjs <script.ts> [args...]: run one of this repository's TypeScript CLIs
 * (`npm run render`, `npm run bench`) on plain Node, with a content-addressed compile cache.
 *
 * Why not `tsx <script>` (measured with `node --cpu-prof`, see README "Benchmark"):
 * - the tsx CLI starts a second Node process and an ESM-loader worker thread;
 * - its require hook also runs on every node_modules .js file (~1,500 of them for
 *   @pulumi/pulumi and the provider SDKs), which made loading @pulumi/pulumi several times slower
 *   than a bare require;
 * - its disk cache is written asynchronously, so a CLI that ends with process.exit() leaves
 *   truncated (0-byte) entries and every run recompiles every file with esbuild;
 * - it enables source maps, and Pulumi captures a stack trace for every promise
 *   (@pulumi/pulumi@3.248.0:runtime/debuggable.js:79) and every resource (resource.js:282),
 *   each mapped back through the source maps.
 *
 * This hook compiles only this repository's .ts files, with the options tsx 4 uses for CommonJS
 * (tsx@4.23.15:dist/register-*.cjs `transformSync`), so the program's function text, and with it
 * the closure Pulumi serializes into every dynamic provider's `__provider` input, is byte for byte
 * what `tsx` produces. Compiled files land in <repo>/.cache/ts, keyed by a hash of the source, the
 * options and the esbuild and Node versions; they are written synchronously through a rename, so
 * an entry is complete or absent. Inline source maps are kept: `node --enable-source-maps
 * offline/run.cjs ...` maps a stack trace back to the .ts lines.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, ".cache", "ts");
const esbuildVersion = require("esbuild/package.json").version;
let esbuild; // loaded on the first cache miss only: a warm run never starts esbuild's service
// tsx hands esbuild the project's tsconfig (strictness, class-field semantics); so does this hook.
const tsconfigText = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");

function options(filename) {
    return {
        // tsx@4.23.15 `tr` + its CommonJS transform: keep in step, or `__provider` texts change.
        target: `node${process.versions.node}`,
        loader: "ts",
        minifyWhitespace: true,
        keepNames: true,
        format: "cjs",
        platform: "node",
        banner: "(()=>{",
        footer: "})()",
        sourcemap: "inline",
        sourcesContent: false,
        sourcefile: filename,
        tsconfigRaw: JSON.parse(tsconfigText),
    };
}

function compile(source, filename) {
    const key = crypto.createHash("sha256").update([source, filename, tsconfigText, esbuildVersion, process.versions.node, "v1"].join("\0")).digest("hex");
    const file = path.join(CACHE, `${key}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        esbuild ??= require("esbuild");
        const { code } = esbuild.transformSync(source, options(filename));
        fs.mkdirSync(CACHE, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, file);
        return code;
    }
}

Module._extensions[".ts"] = function loadTs(module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`offline/run.cjs compiles this repository's sources only, not ${filename}`);
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};

const [script, ...args] = process.argv.slice(2);
if (!script) {
    console.error("usage: node offline/run.cjs <script.ts> [args...]");
    process.exit(2);
}
const entry = path.resolve(script);
// The script sees the argv it would see under `tsx <script>`: [node, script, ...args].
process.argv = [process.argv[0], entry, ...args];
require(entry);
