/**
 * The documented flows the rehearsal runs: the stack order of .github/workflows/deploy.yml (read from
 * the file, so the rehearsal and CI cannot drift apart) and the secrets an operator sets per stack.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { changes, Platform, PlatformOptions, StepResult } from "./engine";

const REPO = path.resolve(__dirname, "..", "..");

/** Stacks of deploy.yml in `needs` order (each job needs the one before). */
export function deployOrder(): string[] {
    const wf = parse(fs.readFileSync(path.join(REPO, ".github/workflows/deploy.yml"), "utf8")) as { jobs: Record<string, { needs?: string | string[]; with: { stack: string } }> };
    const jobs = Object.entries(wf.jobs);
    const order: string[] = [];
    const done = new Set<string>();
    while (done.size < jobs.length) {
        const ready = jobs.filter(([id, j]) => !done.has(id) && [j.needs ?? []].flat().every((n) => done.has(n)));
        assert.equal(ready.length, 1, `deploy.yml must be one chain; ready at once: ${ready.map(([id]) => id).join(", ")}`);
        done.add(ready[0]![0]);
        order.push(ready[0]![1].with.stack);
    }
    return order;
}

/**
 * What the README has the operator set: the pull credentials of registry.daarion.city on every
 * stack, and both certificates on every ingress stack (node1, node2, local).
 */
export function operatorSecrets(stack: string): Record<string, string> {
    const registry = { registryUsername: "ci-puller", registryPassword: "registry token" };
    return stack === "node3" ? registry : { ...registry, "tls-gateway-daarion-city": "PEM chain+key", "tls-daedalus-ouranos-helu-ca": "PEM chain+key" };
}

export function newPlatform(extra: Partial<PlatformOptions> = {}): Platform {
    return new Platform({ stackSecrets: operatorSecrets, ...extra });
}

export function assertOk(r: StepResult): void {
    assert.ok(r.ok, `${r.mode} ${r.stack} failed: ${r.error}`);
}

/** preview then up for every stack in deploy.yml's order; every step must succeed. */
export async function deployAll(p: Platform): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const stack of deployOrder()) {
        for (const step of [await p.preview(stack), await p.up(stack)]) {
            assertOk(step);
            results.push(step);
        }
    }
    return results;
}

/** Replacements and deletions of protected resources a step planned. */
export function protectedLosses(r: StepResult): string[] {
    return changes(r).filter((c) => c.protect && (c.op === "replace" || c.op === "delete")).map((c) => `${c.op} ${c.name} (${c.keys.join(", ")})`);
}
