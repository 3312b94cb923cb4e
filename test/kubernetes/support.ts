/**
 * Shared by test/kubernetes/*: one render of the `k8s` stack per mocha process (the mock runtime
 * is process-global, and a render costs seconds), written once to a temporary directory through
 * the same writer `npm run render` uses.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RenderResult, renderStack } from "../../offline/render";
import { writeRender } from "../../offline/write";

let cached: Promise<{ result: RenderResult; dir: string }> | undefined;

export function renderK8s(): Promise<{ result: RenderResult; dir: string }> {
    cached ??= (async () => {
        const result = await renderStack("k8s");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-k8s-"));
        writeRender(result, dir, result.config["daarion:topology"]);
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        return { result, dir };
    })();
    return cached;
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string, prefix = ""): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
        .sort();
}
