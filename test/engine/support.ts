// Where the real engine lives for tests, and the environment that keeps it offline (issue 15).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
const BUILD = path.join(ROOT, "tools/engine/build.sh");
/** Stand-in provider plugins, found by the engine on PATH. */
export const STANDIN_BIN = path.join(ROOT, "test/engine/bin");

/**
 * The directory holding the `pulumi` CLI built by tools/engine/build.sh. Throws, in CI and on a
 * developer machine alike, when it is not built: a real-engine test never skips.
 */
export function engineBin(): string {
    const bin = execFileSync("bash", [BUILD, "--print-bin"], { encoding: "utf8" }).trim();
    if (!fs.existsSync(path.join(bin, "pulumi"))) {
        const where = process.env.CI === "true" ? " (CI must build it before the tests run)" : "";
        throw new Error(`the Pulumi CLI is not built: ${bin}/pulumi is missing${where}; build it with \`bash tools/engine/build.sh\``);
    }
    return bin;
}

/**
 * Environment for every CLI call. Each variable is read by the engine at v3.248.0
 * (pulumi/pulumi@v3.248.0:sdk/go/common/env/env.go):
 * - PULUMI_IGNORE_AMBIENT_PLUGINS must be false, or the engine stops looking on PATH for the
 *   stand-ins (sdk/go/common/workspace/plugins.go getPluginInfoAndPath: `includeAmbient`); "" is
 *   false (sdk/go/common/util/env/env.go BoolValue.Value: only "1"/"true" are true), and setting it
 *   overrides a value inherited from the caller's environment.
 * - PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: a missing plugin fails instead of being downloaded.
 * - PULUMI_SKIP_UPDATE_CHECK: no version check against the Pulumi service.
 * - PULUMI_HOME: plugins, credentials and workspaces stay inside the test's temp dir.
 */
export function engineEnv(bin: string, home: string): Record<string, string> {
    return {
        PATH: `${bin}:${STANDIN_BIN}:${process.env.PATH ?? ""}`,
        PULUMI_HOME: home,
        PULUMI_CONFIG_PASSPHRASE: "engine-smoke-passphrase",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
}
