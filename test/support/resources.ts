/**
 * Finders over recorded resources: a whole-stack render (`RenderResult`) or one component
 * evaluated under mocks (`Evaluation`); both carry `resources`. A finder that returns one resource
 * asserts that exactly one matches and names what it looked for, so a renamed resource fails with
 * its type and name instead of a TypeError on `undefined` (CONVENTIONS.md: one helper to find a
 * recorded resource by type+name).
 *
 * Containers are found by the labels every DockerWorkload sets (`daarion.node`,
 * `daarion.workload`), read through offline/write.ts, the same code `npm run render` uses.
 */
import { strict as assert } from "node:assert";
import type { RecordedResource, RenderResult } from "../../offline/render";
import { labelsOf, placedFiles, PlacedFile } from "../../offline/write";
import { reveal } from "../../offline/render";

/** Resource types the tests look for most. */
export const TYPE = {
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    dockerWorkload: "daarion:workload:DockerWorkload",
} as const;

/** Anything that recorded resources: a render, an evaluation, or the list itself. */
export type Recorded = { readonly resources: readonly RecordedResource[] } | readonly RecordedResource[];

function all(from: Recorded): readonly RecordedResource[] {
    return "resources" in from ? from.resources : from;
}

/** Every resource of `type`, in declaration order. */
export function ofType(from: Recorded, type: string): RecordedResource[] {
    return all(from).filter((r) => r.type === type);
}

/** The names of every resource of `type`, sorted. */
export function namesOf(from: Recorded, type: string): string[] {
    return ofType(from, type)
        .map((r) => r.name)
        .sort();
}

/** The one resource of `type` named `name`. */
export function resource(from: Recorded, type: string, name: string): RecordedResource {
    const hits = ofType(from, type).filter((r) => r.name === name);
    assert.equal(hits.length, 1, `expected one ${type} named ${name}, found ${hits.length}; ${type} names: ${namesOf(from, type).join(", ") || "(none)"}`);
    return hits[0]!;
}

/** The one resource named `name`, whatever its type (unit tests that declare unique names). */
export function named(from: Recorded, name: string): RecordedResource {
    const hits = all(from).filter((r) => r.name === name);
    assert.equal(hits.length, 1, `expected one resource named ${name}, found ${hits.length}`);
    return hits[0]!;
}

/** Containers, optionally only those on `node` and/or of `workload` (by their labels). */
export function containersOf(from: Recorded, where: { readonly node?: string; readonly workload?: string } = {}): RecordedResource[] {
    return ofType(from, TYPE.container).filter((c) => {
        const l = labelsOf(c);
        return (where.node === undefined || l["daarion.node"] === where.node) && (where.workload === undefined || l["daarion.workload"] === where.workload);
    });
}

/** The one container of `workload` on `node`. */
export function container(from: Recorded, node: string, workload: string): RecordedResource {
    const hits = containersOf(from, { node, workload });
    assert.equal(hits.length, 1, `expected one ${workload} container on ${node}, found ${hits.length}`);
    return hits[0]!;
}

/** Files placed into containers, optionally only those of `workload` on `node`. */
export function filesOf(render: RenderResult, where: { readonly node?: string; readonly workload?: string } = {}): PlacedFile[] {
    return placedFiles(render).filter((f) => (where.node === undefined || f.node === where.node) && (where.workload === undefined || f.workload === where.workload));
}

/** The text of the one file placed at `path` into `workload` on `node` (secrets revealed: placeholders in a render). */
export function placedFile(render: RenderResult, node: string, workload: string, path: string): string {
    const hits = filesOf(render, { node, workload }).filter((f) => f.path === path);
    assert.equal(hits.length, 1, `expected one ${path} in ${workload} on ${node}, found ${hits.length}`);
    return hits[0]!.content;
}

/** A container's environment, secrets revealed, as NAME -> value. */
export function envOf(c: RecordedResource): Record<string, string> {
    return Object.fromEntries(envLines(c).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** A container's environment, secrets revealed, one `NAME=value` a line (for /^...$/m matches). */
export function envText(c: RecordedResource): string {
    return envLines(c).join("\n");
}

function envLines(c: RecordedResource): string[] {
    return (reveal(c.inputs.envs) as string[] | undefined) ?? [];
}
