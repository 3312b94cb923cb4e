/**
 * npm run render -- <stack> [--out DIR]
 * Evaluates index.ts for the stack under Pulumi's mock runtime (no cloud account, no CLI) and
 * writes what it would deploy to DIR (default rendered/<stack>).
 */
import * as path from "node:path";
import { Command } from "commander";
import { readStackConfig, renderStack, RenderError } from "../offline/render";
import { leakedSecrets, writeRender } from "../offline/write";

async function main(): Promise<number> {
    const program = new Command()
        .name("render")
        .description("Render a stack offline: every resource and every config file it would deploy")
        .argument("<stack>", "stack name: node1, node2, node3 or local")
        .option("-o, --out <dir>", "output directory (default: rendered/<stack>)")
        .showHelpAfterError();
    program.parse();
    const stack = program.args[0]!;
    const root = path.resolve(__dirname, "..");
    const out = path.resolve(program.opts<{ out?: string }>().out ?? path.join(root, "rendered", stack));
    try {
        const result = await renderStack(stack, { projectDir: root });
        const leaks = leakedSecrets(result);
        if (leaks.length > 0) {
            console.error(`error: stack '${stack}' puts secrets into non-secret inputs:\n  ${leaks.join("\n  ")}`);
            return 1;
        }
        const summary = writeRender(result, out, readStackConfig(root, stack).config["daarion:topology"]);
        for (const w of result.warnings) console.error(`warning: ${w}`);
        console.log(`stack ${stack}: ${result.resources.length} resources -> ${path.relative(process.cwd(), out) || "."}`);
        for (const [type, count] of Object.entries(summary.resourcesByType).sort()) console.log(`  ${String(count).padStart(4)}  ${type}`);
        console.log("containers per node:");
        for (const [node, list] of Object.entries(summary.containersByNode).sort()) console.log(`  ${node} (${list.length}): ${list.join(", ")}`);
        return 0;
    } catch (err) {
        if (err instanceof RenderError) {
            console.error(`error: ${err.message}`);
            return 1;
        }
        throw err;
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof Error ? err.stack : err);
        process.exit(2);
    },
);
