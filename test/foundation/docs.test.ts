import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readmeSections } from "../../offline/docs";
import { replaceSections } from "../../stacks/docs";

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
