/** The generated sections of README.md, computed from the committed config. */
import * as fs from "node:fs";
import * as path from "node:path";
import { readStackConfig } from "./render";
import { serviceDistributionMarkdown } from "../components/apps/module";
import { renderAlertTableForTopology } from "../components/monitoring/docs";
import { assembleRunbooks, DocumentedModule, GeneratedSection, platformServiceTable, RunbookPart } from "../stacks/docs";
import { MODULES } from "../stacks/modules";
import { topologySchema } from "../stacks/schema";

export function readmeSections(): GeneratedSection[] {
    const root = path.resolve(__dirname, "..");
    const topology = topologySchema.parse(readStackConfig(root, "node1").config["daarion:topology"]);
    return [
        { name: "services", content: serviceDistributionMarkdown(topology) },
        { name: "platform", content: platformServiceTable(topology, MODULES) },
        { name: "alerts", content: renderAlertTableForTopology(topology, MODULES) },
    ];
}

/** Repo-relative path of the platform's own runbook part (what precedes every module's). */
export const RUNBOOK_INTRO = "stacks/runbook.md";
/** The generated runbook, kept in git: alerts' runbook_url and GitHub links point at it. */
export const RUNBOOK_FILE = "docs/runbooks.md";

/** docs/runbooks.md as `npm run docs` assembles it from the modules' runbook files, in module order. */
export function runbookDocument(modules: readonly DocumentedModule[] = MODULES): string {
    const root = path.resolve(__dirname, "..");
    const read = (file: string): RunbookPart => {
        const full = path.join(root, file);
        if (!fs.existsSync(full)) throw new Error(`${file}: runbook file missing (named by a module's \`runbook\`)`);
        return { file, text: fs.readFileSync(full, "utf8") };
    };
    return assembleRunbooks(read(RUNBOOK_INTRO), modules.flatMap((m) => (m.runbook ? [read(m.runbook)] : [])));
}
