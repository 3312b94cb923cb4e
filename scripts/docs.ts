/**
 * npm run docs [-- --check]: regenerate the marked tables of README.md from the config and the
 * typed alert rules. With --check it changes nothing and exits 1 when README.md is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { readmeSections } from "../offline/docs";
import { replaceSections } from "../stacks/docs";

const program = new Command().option("--check", "exit 1 if README.md is out of date").parse();
const file = path.resolve(__dirname, "..", "README.md");
const current = fs.readFileSync(file, "utf8");
const next = replaceSections(current, readmeSections());
if (program.opts().check) {
    if (next !== current) {
        console.error("README.md is out of date: run `npm run docs`");
        process.exit(1);
    }
    console.log("README.md is up to date");
} else {
    fs.writeFileSync(file, next);
    console.log(next === current ? "README.md unchanged" : "README.md updated");
}
