/**
 * `npm run local:reset`: bring the developer stack `local` back to empty, so the next `up` starts
 * fresh (issue 11 finding 6). Plain `pulumi destroy` cannot do it:
 * - stateful resources are protected, so destroy refuses (`pulumi state unprotect --all` first);
 * - volumes, databases, buckets and collections are retainOnDelete: destroy drops them from the state
 *   but leaves them in Docker, and the next `up` collides with them (CREATE DATABASE does not adopt,
 *   a re-created volume keeps Neo4j's and Grafana's first-boot passwords).
 * So the reset exports the state first, then unprotects, destroys, and removes with the docker CLI
 * exactly the containers, volumes and networks the export lists (the databases, buckets, streams and
 * collections live inside those volumes). Nothing that is not in the stack's state is touched.
 *
 * Usage: npm run local:reset -- [--yes] [--dry-run] [--stack local]
 */
import { spawnSync } from "node:child_process";
import { Command } from "commander";

/** A resource of `pulumi stack export` (apitype.ResourceV3: urn, type, protect, retainOnDelete, outputs). */
/** One resource of `pulumi stack export` (the engine's apitype.ResourceV3), the fields read here and by test/engine. */
export interface ExportedResource {
    readonly urn: string;
    readonly type: string;
    readonly id?: string;
    readonly custom?: boolean;
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

export interface ResetPlan {
    /** Commands in order; each an argv. */
    readonly commands: string[][];
    readonly protectedCount: number;
    readonly containers: string[];
    readonly volumes: string[];
    readonly networks: string[];
}

export class ResetRefused extends Error {}

const nameOf = (r: ExportedResource): string | undefined => {
    const n = r.outputs?.name ?? r.inputs?.name;
    return typeof n === "string" && n.length > 0 ? n : undefined;
};
const namesOf = (resources: readonly ExportedResource[], type: string) => [...new Set(resources.filter((r) => r.type === type).map(nameOf).filter((n): n is string => !!n))].sort();

/** Decide the reset from the stack's exported resources. Refuses anything but a local developer stack. */
export function planLocalReset(stack: string, resources: readonly ExportedResource[]): ResetPlan {
    if (stack !== "local") throw new ResetRefused(`refusing to reset stack '${stack}': only the developer stack 'local' is reset (node stacks hold production data)`);
    const remote = resources.filter((r) => r.type === "pulumi:providers:docker" && /^(ssh|tcp|https?):/.test(String(r.inputs?.host ?? r.outputs?.host ?? "")));
    if (remote.length > 0) throw new ResetRefused(`refusing to reset: a Docker provider of stack '${stack}' points at a remote engine (${String(remote[0]!.inputs?.host ?? remote[0]!.outputs?.host)})`);
    const cloud = resources.filter((r) => r.type.startsWith("hcloud:"));
    if (cloud.length > 0) throw new ResetRefused(`refusing to reset: stack '${stack}' holds Hetzner Cloud resources (${cloud[0]!.type})`);
    const containers = namesOf(resources, "docker:index/container:Container");
    const volumes = namesOf(resources, "docker:index/volume:Volume");
    const networks = namesOf(resources, "docker:index/network:Network");
    const protectedCount = resources.filter((r) => r.protect).length;
    const commands: string[][] = [];
    if (protectedCount > 0) commands.push(["pulumi", "state", "unprotect", "--all", "--yes", "--stack", stack]);
    commands.push(["pulumi", "destroy", "--yes", "--skip-preview", "--stack", stack]);
    // Retained objects are still in Docker; remove them in dependency order: containers, volumes, networks.
    if (containers.length > 0) commands.push(["docker", "rm", "--force", ...containers]);
    if (volumes.length > 0) commands.push(["docker", "volume", "rm", "--force", ...volumes]);
    if (networks.length > 0) commands.push(["docker", "network", "rm", ...networks]);
    return { commands, protectedCount, containers, volumes, networks };
}

/** Largest `pulumi stack export` the reset reads. */
const EXPORT_MAX_BYTES = 512 * 1024 * 1024;

function run(argv: string[], capture = false): string {
    // spawnSync buffers at most 1 MiB by default (Node child_process `maxBuffer`); the export of the
    // `local` stack is larger (every rendered config is in the containers' uploads), and the reset
    // failed with `spawnSync pulumi ENOBUFS` on the real engine (test/engine/deploy-flows.test.ts).
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8", maxBuffer: EXPORT_MAX_BYTES });
    if (r.error) throw new Error(`${argv[0]}: ${r.error.message} (is it installed and on PATH?)`);
    // `docker rm/volume rm/network rm` exit 1 when an object is already gone; that is the goal state.
    if (r.status !== 0 && argv[0] !== "docker") throw new Error(`\`${argv.join(" ")}\` exited ${r.status}`);
    return r.stdout ?? "";
}

async function main(): Promise<void> {
    const program = new Command()
        .name("local:reset")
        .description("Reset the developer stack `local`: unprotect, destroy, remove retained Docker objects")
        .option("--stack <name>", "stack to reset (only `local` is accepted)", "local")
        .option("--dry-run", "print the commands, run nothing")
        .option("--yes", "do not ask")
        .parse();
    const opts = program.opts<{ stack: string; dryRun?: boolean; yes?: boolean }>();
    planLocalReset(opts.stack, []); // refuse a non-local stack before touching anything
    const exported = JSON.parse(run(["pulumi", "stack", "export", "--stack", opts.stack], true)) as { deployment?: { resources?: ExportedResource[] } };
    const plan = planLocalReset(opts.stack, exported.deployment?.resources ?? []);
    console.log(`stack ${opts.stack}: ${plan.protectedCount} protected resources; removes ${plan.containers.length} containers, ${plan.volumes.length} volumes (every database, bucket, stream and collection in them), ${plan.networks.length} networks`);
    for (const c of plan.commands) console.log(`  ${c.join(" ")}`);
    if (opts.dryRun) return;
    if (!opts.yes) throw new ResetRefused("this deletes every local volume of the stack; run again with --yes");
    for (const c of plan.commands) run(c);
    console.log("reset done; `pulumi up --stack local` starts from empty (new generated passwords)");
}

if (require.main === module) {
    main().catch((err: Error) => {
        console.error(`error: ${err.message}`);
        process.exit(err instanceof ResetRefused ? 2 : 1);
    });
}
