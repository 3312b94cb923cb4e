/**
 * Shared by test/kubernetes/*: the `k8s` stack's render (once per mocha process,
 * test/support/render.ts), written once to a temporary directory through the same writer
 * `npm run render` uses.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RenderResult } from "../../offline/render";
import { writeRender } from "../../offline/write";
import { renderedStack } from "../support/render";

let cached: Promise<{ result: RenderResult; dir: string }> | undefined;

export function renderK8s(): Promise<{ result: RenderResult; dir: string }> {
    cached ??= (async () => {
        const result = await renderedStack("k8s");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-k8s-"));
        writeRender(result, dir, result.config["daarion:topology"]);
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        return { result, dir };
    })();
    return cached;
}

export { listFiles } from "../support/files";
