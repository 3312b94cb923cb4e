import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readmeSections, RUNBOOK_FILE, runbookDocument } from "../../offline/docs";
import { assembleRunbooks, replaceSections } from "../../stacks/docs";
import { MODULES } from "../../stacks/modules";

describe("generated README sections", () => {
    it("README.md matches the config and typed rules (run `npm run docs` after changing them)", () => {
        const file = path.resolve(__dirname, "../../README.md");
        const current = fs.readFileSync(file, "utf8");
        assert.equal(replaceSections(current, readmeSections()), current);
    });

    it("fails loudly on a missing section marker", () => {
        assert.throws(() => replaceSections("no markers", [{ name: "services", content: "x" }]), /no generated section 'services'/);
    });
});

describe("generated docs/runbooks.md", () => {
    const root = path.resolve(__dirname, "../..");

    it("docs/runbooks.md matches stacks/runbook.md and the modules' runbook files (run `npm run docs` after editing them)", () => {
        assert.equal(fs.readFileSync(path.join(root, RUNBOOK_FILE), "utf8"), runbookDocument());
    });

    it("assembles the modules' sections in module order (stacks/modules.ts)", () => {
        const doc = runbookDocument();
        const at = MODULES.filter((m) => m.runbook).map((m) => {
            const first = fs.readFileSync(path.join(root, m.runbook!), "utf8").match(/^## .+$/m)![0];
            return { module: m.name, index: doc.indexOf(`\n${first}\n`) };
        });
        for (const a of at) assert.ok(a.index > 0, `${a.module}'s first heading is missing from the assembled runbook`);
        assert.deepEqual(at.map((a) => a.module), [...at].sort((a, b) => a.index - b.index).map((a) => a.module));
    });

    it("a runbook file that names a missing file or lacks a '## ' heading fails with its path", () => {
        assert.throws(() => runbookDocument([{ name: "x", runbook: "components/x/runbook.md" }]), /^Error: components\/x\/runbook\.md: runbook file missing/);
        assert.throws(
            () => assembleRunbooks({ file: "stacks/runbook.md", text: "# Runbooks" }, [{ file: "components/y/runbook.md", text: "### YDown" }]),
            /components\/y\/runbook\.md: a module runbook must start with a '## ' heading/,
        );
    });
});
