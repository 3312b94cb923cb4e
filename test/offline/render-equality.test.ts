/**
 * Refactoring cannot drift (issue 13): each committed stack renders exactly the resources and files
 * its fingerprint in test/golden/ records. A deliberate change is re-recorded with
 * `npx tsx scripts/golden.ts --update` and named in the commit.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { fingerprintDifferences, fingerprintStack, GOLDEN_STACKS, goldenPath, StackFingerprint } from "../support/fingerprint";

describe("render equality with the committed fingerprints (test/golden/)", () => {
    for (const stack of GOLDEN_STACKS) {
        it(`${stack} renders the recorded resources and files`, async () => {
            const expected = JSON.parse(fs.readFileSync(goldenPath(stack), "utf8")) as StackFingerprint;
            assert.ok(Object.keys(expected.resources).length > 50, `${stack}: the golden file records too little to pin anything`);
            const diff = fingerprintDifferences(expected, await fingerprintStack(stack));
            assert.deepEqual(diff, [], `${stack} differs from test/golden/${stack}.json (re-record deliberate changes with npx tsx scripts/golden.ts --update):\n  ${diff.join("\n  ")}`);
        });
    }
});
