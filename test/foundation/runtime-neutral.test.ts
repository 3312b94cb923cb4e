/**
 * Issue 13 item 2: no platform module imports a runtime. Modules describe workloads with the
 * runtime-neutral spec (components/workload/spec.ts) and ask the WorkloadRuntime
 * (components/workload/runtime.ts); only the runtimes import @pulumi/docker or @pulumi/kubernetes.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MODULES } from "../../stacks/modules";

const COMPONENTS = path.resolve(__dirname, "../../components");
/** Folders that are not platform modules: the runtimes and the host layer they use, and shared libraries. */
const NOT_MODULES = new Set(["workload", "node", "network", "secrets", "images", "dynamic", "drift", "config"]);
/** What only a runtime may import. */
const RUNTIME_SPECIFIERS = [/^@pulumi\/docker$/, /^@pulumi\/kubernetes(\/|$)/, /\/workload\/(docker|docker-runtime|kubernetes-runtime|kubernetes-manifests|kubernetes-pod)$/];

function tsFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Module specifiers of static imports, re-exports, `import(...)` and `require(...)`. */
function specifiers(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    return [
        ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/\b(?:import|require)\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!),
    ];
}

describe("runtime-neutral modules (issue 13)", () => {
    const moduleFolders = fs.readdirSync(COMPONENTS).filter((d) => fs.statSync(path.join(COMPONENTS, d)).isDirectory() && !NOT_MODULES.has(d));

    it("finds every module's folder: one per registered module name or family", () => {
        // Each folder holds at least one registered module (apps also holds daedalus).
        assert.ok(moduleFolders.length >= 10, `only ${moduleFolders.join(", ")}`);
        assert.ok(MODULES.length >= moduleFolders.length, `${MODULES.length} modules for ${moduleFolders.length} folders`);
    });

    it("no file of a module folder imports @pulumi/docker, @pulumi/kubernetes or a runtime's own files", () => {
        const offenders = moduleFolders.flatMap((d) =>
            tsFiles(path.join(COMPONENTS, d)).flatMap((f) => specifiers(f).filter((s) => RUNTIME_SPECIFIERS.some((re) => re.test(s))).map((s) => `${path.relative(COMPONENTS, f)} imports ${s}`)),
        );
        assert.deepEqual(offenders, []);
    });

    it("the scan sees the runtimes' own imports (so it cannot pass by reading nothing)", () => {
        const runtimeImports = tsFiles(path.join(COMPONENTS, "workload")).flatMap(specifiers);
        assert.ok(runtimeImports.includes("@pulumi/docker"), "components/workload imports @pulumi/docker");
        assert.ok(runtimeImports.includes("@pulumi/kubernetes"), "components/workload imports @pulumi/kubernetes");
    });
});
