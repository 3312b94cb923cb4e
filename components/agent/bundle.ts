/**
 * The daemon as ONE JavaScript file, bundled with esbuild at render time and cached by content.
 *
 * Why a bundle uploaded into the official Node image rather than an image of our own: no registry
 * or image build is needed on any node, the image's contract is read from upstream
 * (components/images/catalogue.ts, nodejs/docker-node), and the container is replaced exactly when
 * the bundle's hash changes (its content is a container upload, and the hash a label).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const AGENT_ENTRY = path.join(__dirname, "daemon", "main.ts");
const ROOT = path.resolve(__dirname, "..", "..");

export interface AgentBundle {
    readonly code: string;
    /** sha256 of `code`, hex. */
    readonly sha256: string;
}

/** Changes whenever the esbuild options below change, so no cached bundle of other options is reused. */
const BUNDLE_FORMAT = "esbuild-cjs-node20-preserve-symlinks";

/** Every file whose content can change the bundle: the daemon, its config schema, the lock file. */
function inputsDigest(entry: string): string {
    const h = createHash("sha256").update(BUNDLE_FORMAT).update("\0");
    const dir = path.dirname(entry);
    const files = [
        ...fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()),
        path.join(__dirname, "config.ts"),
        path.join(ROOT, "package-lock.json"),
    ].sort();
    for (const f of files) h.update(f).update("\0").update(fs.readFileSync(f)).update("\0");
    return h.digest("hex");
}

const memo = new Map<string, AgentBundle>();

/**
 * Bundle `entry` (default: components/agent/daemon/main.ts) for Node 20. Cached in memory and in
 * the OS temp dir, keyed by the digest of every input, so repeated renders cost one hash.
 */
export function bundleAgent(entry: string = AGENT_ENTRY): AgentBundle {
    if (!fs.existsSync(entry)) {
        throw new Error(`the node agent's daemon ${path.relative(ROOT, entry)} is missing (issue 12: agent-core's components/agent/daemon/)`);
    }
    const key = inputsDigest(entry);
    const hit = memo.get(key);
    if (hit) return hit;
    const cacheFile = path.join(os.tmpdir(), `daarion-agent-${key.slice(0, 32)}.js`);
    let code: string;
    if (fs.existsSync(cacheFile)) {
        code = fs.readFileSync(cacheFile, "utf8");
    } else {
        // Required lazily: esbuild is a build-time tool, never loaded by `pulumi up` of a cached bundle.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const esbuild = require("esbuild") as typeof import("esbuild");
        const out = esbuild.buildSync({
            entryPoints: [entry],
            bundle: true,
            platform: "node",
            target: "node20",
            format: "cjs",
            write: false,
            // Deterministic output: no absolute paths or timestamps depend on the machine.
            sourcemap: false,
            legalComments: "none",
            logLevel: "silent",
            absWorkingDir: ROOT,
            // Module paths are written into the bundle (`// node_modules/pg/lib/index.js`): resolving a
            // symlinked node_modules to its target would make the bundle, and the container's
            // bundle label, depend on where the checkout's dependencies physically live.
            preserveSymlinks: true,
            // pg's optional native binding is never used (pure JS client); leave it out of the bundle.
            external: ["pg-native"],
        });
        code = out.outputFiles[0]!.text;
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, cacheFile);
    }
    const bundle = { code, sha256: createHash("sha256").update(code).digest("hex") };
    memo.set(key, bundle);
    return bundle;
}
