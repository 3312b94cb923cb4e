/**
 * npm run docs [-- --check]: regenerate the marked tables of README.md from the config and the
 * typed alert rules, and docs/runbooks.md from the modules' runbook files (PlatformModule.runbook).
 * With --check it changes nothing and exits 1 when either file is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { readmeSections, RUNBOOK_FILE, runbookDocument } from "../offline/docs";
import { replaceSections } from "../stacks/docs";

const program = new Command().option("--check", "exit 1 if README.md or docs/runbooks.md is out of date").parse();
const root = path.resolve(__dirname, "..");
const readme = path.join(root, "README.md");
const current = fs.readFileSync(readme, "utf8");
const outputs: Array<{ name: string; file: string; current: string; next: string }> = [
    { name: "README.md", file: readme, current, next: replaceSections(current, readmeSections()) },
    { name: RUNBOOK_FILE, file: path.join(root, RUNBOOK_FILE), current: fs.readFileSync(path.join(root, RUNBOOK_FILE), "utf8"), next: runbookDocument() },
];
let stale = false;
for (const o of outputs) {
    if (program.opts().check) {
        if (o.next !== o.current) {
            console.error(`${o.name} is out of date: run \`npm run docs\``);
            stale = true;
        } else console.log(`${o.name} is up to date`);
    } else {
        fs.writeFileSync(o.file, o.next);
        console.log(o.next === o.current ? `${o.name} unchanged` : `${o.name} updated`);
    }
}
if (stale) process.exit(1);
