/**
 * npm run render -- <stack> [--out DIR]
 * Evaluates index.ts for the stack under Pulumi's mock runtime (no cloud account, no CLI) and
 * writes what it would deploy to DIR (default rendered/<stack>).
 *
 * Exit codes (README "Quick start"); a bad config never prints a stack trace.
 */
import * as path from "node:path";
import { Command } from "commander";
import { renderStack, RenderError } from "../offline/render";
import * as fs from "node:fs";
import { leakedSecrets, writeRender } from "../offline/write";
import { checkRecordedStack, packConfigFor } from "../policy/offline";
import { checkDeclaredResources, reportLines } from "../components/images";
import { ConfigError } from "../stacks/config";

/** Rendered, and no mandatory policy violation. */
const EXIT_OK = 0;
/** The config (or the command line) is invalid; every error names its file and key. */
const EXIT_CONFIG = 1;
/** A defect in the program or the render itself, not in the config. */
const EXIT_INTERNAL = 2;
/** The config is valid but what it declares breaks a mandatory policy or leaks a secret. */
const EXIT_POLICY = 3;

async function main(): Promise<number> {
    const program = new Command()
        .name("render")
        .description("Render a stack offline: every resource and every config file it would deploy")
        .argument("<stack>", "stack name: node1, node2, node3 or local")
        .option("-o, --out <dir>", "output directory (default: rendered/<stack>)")
        .option("--no-policy", "skip the policy pack check")
        .option("--project-dir <dir>", "directory holding Pulumi.yaml, the stack files and index.ts (default: this repository)")
        .showHelpAfterError();
    program.parse();
    const stack = program.args[0]!;
    const root = path.resolve(program.opts<{ projectDir?: string }>().projectDir ?? path.resolve(__dirname, ".."));
    const out = path.resolve(program.opts<{ out?: string }>().out ?? path.join(root, "rendered", stack));
    try {
        const result = await renderStack(stack, { projectDir: root });
        const leaks = leakedSecrets(result);
        if (leaks.length > 0) {
            console.error(`error: stack '${stack}' puts secrets into non-secret inputs:\n  ${leaks.join("\n  ")}`);
            return EXIT_POLICY;
        }
        // Image contracts (components/images, issue 10): a container its image cannot run fails the render.
        const contracts = reportLines(checkDeclaredResources(result.resources));
        if (contracts.errors.length > 0) {
            console.error(`error: stack '${stack}' declares containers their images cannot run:\n  ${contracts.errors.join("\n  ")}`);
            return EXIT_POLICY;
        }
        const summary = writeRender(result, out, result.config["daarion:topology"]);
        for (const w of contracts.warnings) console.error(`warning: ${w}`);
        for (const w of result.warnings) console.error(`warning: ${w}`);
        let mandatory = 0;
        if (program.opts<{ policy: boolean }>().policy) {
            // The same pack `pulumi preview --policy-pack policy` runs, over the rendered resources.
            const violations = await checkRecordedStack(stack, result.resources, { config: packConfigFor(stack) });
            // One line per policy: 30 unpinned images are one finding to act on, not 30.
            const byPolicy = new Map<string, typeof violations>();
            for (const v of violations) byPolicy.set(v.policy, [...(byPolicy.get(v.policy) ?? []), v]);
            for (const [policy, list] of byPolicy) {
                const more = list.length > 1 ? ` (+${list.length - 1} more in policy.json)` : "";
                console.error(`policy ${list[0]!.level}: [${policy}] ${list[0]!.message}${more}`);
            }
            mandatory = violations.filter((v) => v.level === "mandatory").length;
            fs.writeFileSync(path.join(out, "policy.json"), JSON.stringify(violations, null, 2) + "\n");
        }
        console.log(`stack ${stack}: ${result.resources.length} resources -> ${path.relative(process.cwd(), out) || "."}`);
        for (const [type, count] of Object.entries(summary.resourcesByType).sort()) console.log(`  ${String(count).padStart(4)}  ${type}`);
        console.log("containers per node:");
        for (const [node, list] of Object.entries(summary.containersByNode).sort()) console.log(`  ${node} (${list.length}): ${list.join(", ")}`);
        if (mandatory > 0) {
            console.error(`error: ${mandatory} mandatory policy violation(s); \`pulumi preview --policy-pack policy\` would refuse this stack`);
            return EXIT_POLICY;
        }
        return EXIT_OK;
    } catch (err) {
        if (err instanceof ConfigError) {
            console.error(`error: ${err.message}`);
            return EXIT_CONFIG;
        }
        if (err instanceof RenderError) {
            console.error(`internal error (not a config problem; please report it): ${err.message}`);
            return EXIT_INTERNAL;
        }
        throw err;
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error("internal error (not a config problem; please report it):", err instanceof Error ? err.stack : err);
        process.exit(EXIT_INTERNAL);
    },
);
