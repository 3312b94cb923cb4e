/**
 * npx tsx scripts/golden.ts [--update] [stack...]
 * Compares what each stack renders with its committed fingerprint in test/golden/ (see
 * test/support/fingerprint.ts) and prints every added, removed or changed resource and file.
 * `--update` records the current render instead: use it only for a deliberate change, and list
 * that change in the commit message.
 */
import * as fs from "node:fs";
import { Command } from "commander";
import { fingerprintDifferences, fingerprintStack, GOLDEN_STACKS, goldenPath, StackFingerprint } from "../test/support/fingerprint";

async function main(): Promise<number> {
    const program = new Command().name("golden").option("--update", "record the current render as the fingerprint").argument("[stacks...]").parse();
    const stacks = program.args.length > 0 ? program.args : [...GOLDEN_STACKS];
    let differing = 0;
    for (const stack of stacks) {
        const actual = await fingerprintStack(stack);
        if (program.opts<{ update?: boolean }>().update) {
            fs.writeFileSync(goldenPath(stack), JSON.stringify(actual, null, 1) + "\n");
            console.log(`${stack}: recorded ${Object.keys(actual.resources).length} resources, ${Object.keys(actual.files).length} files`);
            continue;
        }
        const expected = JSON.parse(fs.readFileSync(goldenPath(stack), "utf8")) as StackFingerprint;
        const diff = fingerprintDifferences(expected, actual);
        differing += diff.length;
        console.log(`${stack}: ${diff.length === 0 ? "same resources and files" : `${diff.length} differences`}`);
        for (const line of diff) console.log(`  ${line}`);
    }
    return differing === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(2); });
