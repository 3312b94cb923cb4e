/**
 * The committed configuration, read as the CLI hands it to the program (offline/render.ts
 * `readStackConfig`: Pulumi.yaml's project config under the stack file's) and validated by the
 * program's own loader (stacks/config.ts). Every call reads the files again and returns fresh
 * objects, so a test may edit what it gets.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackConfig } from "../../offline/render";
import { LoadedConfig, loadConfig, rawConfigOf } from "../../stacks/config";
import { Topology } from "../../stacks/schema";

/** The repository root: where Pulumi.yaml and the stack files are. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The config map of `stack` as the CLI would build it (`secure:` leaves still in place). */
export function committedConfig(stack: string): { project: string; config: Record<string, unknown> } {
    return readStackConfig(REPO_ROOT, stack);
}

/** `stack`'s config, parsed and cross-checked as the program does before declaring anything. */
export function loadedStack(stack: string): LoadedConfig {
    return loadConfig(stack, rawConfigOf(committedConfig(stack).config));
}

/** The validated topology (the same for every stack: it is project-level config). */
export function committedTopology(stack = "node1"): Topology {
    return loadedStack(stack).topology;
}

/** `daarion:topology` exactly as Pulumi.yaml writes it, before defaults and validation. */
export function rawTopology(): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { config: { "daarion:topology": { value: Record<string, unknown> } } };
    return doc.config["daarion:topology"].value;
}
