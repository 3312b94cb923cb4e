/**
 * One offline render per committed stack per mocha process.
 *
 * Before this, six test files each rendered every stack in their own `before` (issue 13). A
 * render evaluates the whole program under Pulumi's mocks, and what it returns depends only on the
 * committed files, so the first file that asks renders the stack and every later file gets the
 * same `RenderResult`.
 *
 * - Renders run one at a time: the mock runtime is process-global (`pulumi.runtime.setMocks`, see
 *   `evaluateUnderMocks` in offline/render.ts), so two evaluations at once would mix their
 *   resources. Every render here, cached or not, goes through one queue, so even
 *   `Promise.all([renderedStack("node1"), renderedStack("node2")])` is safe. Evaluations outside
 *   this module (`evaluateUnderMocks` in unit tests, the rehearsal's own mocks) do not queue here:
 *   they are safe only because mocha runs one hook or test at a time (no `--parallel`).
 * - A cached result is shared, so it is deep-frozen: a test that edits it in place throws at once
 *   instead of changing what a later file sees. Tests that mutate work on a copy (`structuredClone`).
 * - Resource ORDER is not part of what is shared reliably: the first render in a process declares
 *   some resources in another order than later renders of the same stack (measured on node3: same
 *   resources and inputs by type::name, test/support/library.test.ts). Find by type and name.
 * - A render with edited config is not cached unless it is a named variant below, used by more
 *   than one file; one-off edits call `renderEdited`, which still queues behind the others.
 */
import { renderStack, RenderResult } from "../../offline/render";

/**
 * The four committed stacks that run on Docker (Pulumi.node1..3.yaml, Pulumi.local.yaml): the
 * ones test/golden/ pins. Pulumi.k8s.yaml is the fifth; `committedStacks` (scripts/drift.ts)
 * lists every stack file.
 */
export const DOCKER_STACKS = ["node1", "node2", "node3", "local"] as const;

type Edit = (config: Record<string, unknown>) => void;

/** Renders with edited config that several files check. */
export const VARIANTS = {
    /** node3 with a licensed Enterprise Neo4j, so Neo4j clusters on all three nodes. */
    "node3-neo4j-enterprise": {
        stack: "node3",
        edit: (config: Record<string, unknown>) => {
            const topology = config["daarion:topology"] as { replication: { neo4j: Record<string, unknown> } };
            Object.assign(topology.replication.neo4j, { edition: "enterprise", acceptLicenseAgreement: true });
        },
    },
} as const satisfies Record<string, { stack: string; edit: Edit }>;
export type Variant = keyof typeof VARIANTS;

const cache = new Map<string, Promise<RenderResult>>();
let queue: Promise<unknown> = Promise.resolve();
const stats = { renders: 0, ms: 0 };

/** Run `work` after every render queued before it (the mock runtime is process-global). */
function queued<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
}

function render(stack: string, edit?: Edit): Promise<RenderResult> {
    return queued(async () => {
        const started = Date.now();
        try {
            return await renderStack(stack, edit ? { editConfig: edit } : {});
        } finally {
            stats.renders += 1;
            stats.ms += Date.now() - started;
        }
    });
}

/** The render of a committed stack, rendered once per process and frozen. */
export function renderedStack(stack: string): Promise<RenderResult> {
    return cached(stack, () => render(stack));
}

/** A named variant's render, rendered once per process and frozen. */
export function renderedVariant(variant: Variant): Promise<RenderResult> {
    const { stack, edit } = VARIANTS[variant];
    return cached(`variant:${variant}`, () => render(stack, edit));
}

/** The render of each of `stacks` (the four Docker stacks by default), by stack. */
export async function renderedStacks(stacks: readonly string[] = DOCKER_STACKS): Promise<Record<string, RenderResult>> {
    const out: Record<string, RenderResult> = {};
    for (const stack of stacks) out[stack] = await renderedStack(stack);
    return out;
}

/** A one-off render with edited config: not cached, but queued behind every other render. */
export function renderEdited(stack: string, edit: Edit): Promise<RenderResult> {
    return render(stack, edit);
}

/** How many renders this process ran and how long they took (for measuring what the cache saves). */
export function renderStats(): { readonly renders: number; readonly ms: number } {
    return { ...stats };
}

function cached(key: string, make: () => Promise<RenderResult>): Promise<RenderResult> {
    let hit = cache.get(key);
    if (!hit) {
        hit = make().then(deepFreeze);
        cache.set(key, hit);
    }
    return hit;
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}
