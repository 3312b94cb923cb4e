/**
 * Drift detection: `npm run drift -- <stack...>` or `npm run drift -- --all`.
 *
 * Runs `refresh --preview-only` for each stack through the Automation API, and reports every
 * resource whose real state differs from the state file, secrets masked, as Markdown (stdout, or
 * --markdown-file) and JSON (--json-file).
 *
 * It then asks every node agent (`GET /cluster/status`, components/agent/) what the data plane
 * looks like: a fenced node, a primary other than the topology's preference, lag above its bound,
 * no Sentinel quorum, JetStream without a meta leader (components/drift/data-plane.ts).
 * `--no-data-plane` skips that; `--agents-only` skips the Pulumi refresh.
 *
 * Exit codes: 0 no drift, 1 drift, 2 error. `pulumi preview --expect-no-changes` uses one non-zero
 * code for both "changes" and "failed" (pulumi/pulumi#8992); a scheduled job must tell them apart.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { agentUrls, askAgents, buildDataPlaneReport, dataPlaneExitCode, DataPlaneReport, renderDataPlaneMarkdown } from "../components/drift/data-plane";
import { buildDriftReport, driftExitCode, DriftReport, renderJson, renderMarkdown } from "../components/drift/report";
import { readStackConfig } from "../offline/render";
import { loadConfig, rawConfigOf } from "../stacks/config";

const EXIT_ERROR = 2;

/** Where the Automation API would find the CLI: PATH, then the installer's default locations. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const dirs = [
        ...(env.PATH ?? "").split(path.delimiter).filter(Boolean),
        ...(env.PULUMI_HOME ? [path.join(env.PULUMI_HOME, "bin")] : []),
        path.join(env.HOME ?? os.homedir(), ".pulumi", "bin"),
    ];
    for (const dir of dirs) {
        const candidate = path.join(dir, "pulumi");
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            /* keep looking */
        }
    }
    return undefined;
}

export const NO_CLI_MESSAGE = [
    "drift: the Pulumi CLI was not found (looked in PATH, $PULUMI_HOME/bin and ~/.pulumi/bin).",
    "The Automation API drives the CLI, so install it first:",
    "  curl -fsSL https://get.pulumi.com | sh          # official installer, puts it in ~/.pulumi/bin",
    "  npm install --global pulumi                      # the CLI as an npm package",
    "or without installing, through npx:",
    "  npx -p pulumi -- npm run drift -- --all",
    "Docs: https://www.pulumi.com/docs/install/",
].join("\n");

/** Stack names from the committed Pulumi.<stack>.yaml files. */
export function committedStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

async function driftOf(stackName: string, workDir: string, cli: string): Promise<DriftReport> {
    // Loaded lazily: the automation module is heavy and unnecessary when the CLI is missing.
    const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
    const events: EngineEvent[] = [];
    try {
        // PulumiCommand resolves `<root>/bin/pulumi`; installs always have that layout.
        const root = path.basename(path.dirname(cli)) === "bin" ? path.dirname(path.dirname(cli)) : undefined;
        const pulumiCommand = await PulumiCommand.get({ root });
        const stack = await LocalWorkspace.selectStack({ stackName, workDir }, { pulumiCommand });
        await stack.previewRefresh({ onEvent: (e) => events.push(e), color: "never" });
        return buildDriftReport(events, { stack: stackName });
    } catch (err) {
        const partial = buildDriftReport(events, { stack: stackName });
        const message = err instanceof Error ? err.message : String(err);
        return { ...partial, errors: [...partial.errors, `pulumi refresh --preview-only failed: ${message.split("\n").slice(0, 20).join("\n")}`] };
    }
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command()
        .name("drift")
        .description("Report drift between the real infrastructure and the Pulumi state (exit 0 none, 1 drift, 2 error)")
        .argument("[stacks...]", "stacks to check (node1 node2 node3 local)")
        .option("--all", "check every committed stack (Pulumi.<stack>.yaml)")
        .option("--skip <stacks>", "comma-separated stacks to leave out of --all (e.g. local, which has no remote state)", "")
        .option("--cwd <dir>", "project directory", path.resolve(__dirname, ".."))
        .option("--json-file <file>", "also write the JSON report here")
        .option("--markdown-file <file>", "also write the Markdown report here")
        .option("--format <format>", "stdout format: markdown or json", "markdown")
        .option("--no-data-plane", "do not ask the node agents (/cluster/status)")
        .option("--agents-only", "only ask the node agents; no Pulumi refresh (no CLI needed)")
        .option("--agents <list>", "agent URLs as node=url,... (default: http://<private IP>:<failover.port> from the topology)")
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });
    try {
        program.parse(argv, { from: "user" });
    } catch (err) {
        // Usage errors must not look like "drift found" (1).
        if (err instanceof CommanderError && (err.code === "commander.helpDisplayed" || err.code === "commander.version")) return 0;
        return EXIT_ERROR;
    }
    const opts = program.opts<{ all?: boolean; skip: string; cwd: string; jsonFile?: string; markdownFile?: string; format: string; dataPlane: boolean; agentsOnly?: boolean; agents?: string }>();
    const root = path.resolve(opts.cwd);
    if (!["markdown", "json"].includes(opts.format)) {
        process.stderr.write(`drift: --format must be markdown or json, got '${opts.format}'\n`);
        return EXIT_ERROR;
    }
    const available = committedStacks(root);
    if (opts.agentsOnly) {
        const plane = await dataPlane(root, available[0], opts.agents);
        if (typeof plane === "string") {
            process.stderr.write(`drift: ${plane}\n`);
            return EXIT_ERROR;
        }
        const json = JSON.stringify({ exitCode: dataPlaneExitCode(plane), dataPlane: plane }, null, 2) + "\n";
        const markdown = renderDataPlaneMarkdown(plane);
        if (opts.jsonFile) fs.writeFileSync(opts.jsonFile, json);
        if (opts.markdownFile) fs.writeFileSync(opts.markdownFile, markdown);
        process.stdout.write(opts.format === "json" ? json : markdown);
        return dataPlaneExitCode(plane);
    }
    const skip = new Set(opts.skip.split(",").map((s) => s.trim()).filter(Boolean));
    const stacks: string[] = (opts.all ? [...new Set([...available, ...program.args])] : program.args).filter((s) => !skip.has(s));
    if (stacks.length === 0) {
        process.stderr.write(`drift: name at least one stack or pass --all (committed stacks: ${available.join(", ") || "none"})\n`);
        return EXIT_ERROR;
    }
    const unknown = stacks.filter((s) => !available.includes(s));
    if (unknown.length > 0) {
        process.stderr.write(`drift: no Pulumi.<stack>.yaml for ${unknown.join(", ")} in ${root} (committed stacks: ${available.join(", ") || "none"})\n`);
        return EXIT_ERROR;
    }
    const cli = findPulumiCli();
    if (!cli) {
        process.stderr.write(NO_CLI_MESSAGE + "\n");
        return EXIT_ERROR;
    }

    const reports: DriftReport[] = [];
    for (const stack of stacks) {
        process.stderr.write(`drift: refreshing ${stack} (preview only)...\n`);
        reports.push(await driftOf(stack, root, cli));
    }
    let plane: DataPlaneReport | undefined;
    if (opts.dataPlane) {
        const p = await dataPlane(root, stacks[0]!, opts.agents);
        plane = typeof p === "string" ? { findings: [], notReported: [], errors: [p], hasDrift: false } : p;
    }
    const markdown = renderMarkdown(reports) + (plane ? renderDataPlaneMarkdown(plane) : "");
    const json = plane ? JSON.stringify({ ...JSON.parse(renderJson(reports)), exitCode: combined(driftExitCode(reports), dataPlaneExitCode(plane)), dataPlane: plane }, null, 2) + "\n" : renderJson(reports);
    if (opts.jsonFile) fs.writeFileSync(opts.jsonFile, json);
    if (opts.markdownFile) fs.writeFileSync(opts.markdownFile, markdown);
    process.stdout.write(opts.format === "json" ? json : markdown);
    return plane ? combined(driftExitCode(reports), dataPlaneExitCode(plane)) : driftExitCode(reports);
}

/** Error (2) wins over drift (1) over none (0): an incomplete check never reads as "no drift". */
function combined(a: 0 | 1 | 2, b: 0 | 1 | 2): 0 | 1 | 2 {
    return Math.max(a, b) as 0 | 1 | 2;
}

/** Ask the agents named by the topology (or `--agents node=url,...`); a string is a usage/config error. */
async function dataPlane(root: string, stack: string | undefined, agents: string | undefined): Promise<DataPlaneReport | string> {
    if (!stack) return "no committed Pulumi.<stack>.yaml to read the topology from";
    let topology;
    try {
        topology = loadConfig(stack, rawConfigOf(readStackConfig(root, stack).config)).topology;
    } catch (err) {
        return err instanceof Error ? err.message : String(err);
    }
    let urls = agentUrls(topology);
    if (agents) {
        const pairs = agents.split(",").map((x) => x.trim()).filter(Boolean).map((x) => x.split("="));
        const bad = pairs.find((p) => p.length !== 2 || !topology.nodes[p[0]!] || !/^https?:\/\//.test(p[1]!));
        if (bad) return `--agents: '${bad.join("=")}' is not node=http://host:port with a node of the topology (${Object.keys(topology.nodes).join(", ")})`;
        urls = { ...urls, ...Object.fromEntries(pairs.map(([n, u]) => [n!, u!])) };
    }
    return buildDataPlaneReport(topology, await askAgents(urls));
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`drift: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
            process.exit(EXIT_ERROR);
        },
    );
}
