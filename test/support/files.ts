import * as fs from "node:fs";
import * as path from "node:path";

/** Every file under `dir` (none if it does not exist), relative with `/`, sorted. */
export function listFiles(dir: string): string[] {
    const walk = (at: string, prefix: string): string[] =>
        fs.readdirSync(at, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(at, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
    return fs.existsSync(dir) ? walk(dir, "").sort() : [];
}
