/**
 * (Over 400 lines on purpose: one check, fact by fact (argv, healthcheck, entrypoint, user,
 * read, write), each applying a Docker rule cited in this header.)
 *
 * The image-contract check: every container against the catalogued facts of the image it runs.
 * Pure (no Pulumi import): the offline render, the tests and the policy pack all call it.
 *
 * Docker's rules it applies, with their sources:
 * - argv = ENTRYPOINT + CMD; a container `command` replaces CMD; an `entrypoint` override ALSO drops
 *   the image's CMD ("Passing --entrypoint will clear out any default command set on the image",
 *   https://docs.docker.com/engine/containers/run/#default-entrypoint ; table in
 *   https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact).
 *   An empty `command` list is not sent by the provider, so the image's CMD stays.
 * - a relative argv[0] containing `/` resolves against WORKDIR; a bare name through PATH.
 * - `CMD-SHELL` healthchecks run with the image's `/bin/sh -c`; `CMD` ones are exec'd directly
 *   (https://docs.docker.com/reference/dockerfile/#healthcheck).
 * - uploads are written by the Docker provider as a tar whose headers carry no uid/gid, copied with
 *   CopyToContainerOptions{} (no CopyUIDGID), so every uploaded file is root:root with the given
 *   mode: kreuzwerker/terraform-provider-docker@v3.9.0:internal/provider/resource_docker_container_funcs.go#L532-550.
 * - a new named volume is populated from the image's content at the mount point, ownership included
 *   (https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container).
 */
import { EntrypointEffects, ImageContract, ImagePath, Owner, ROOT } from "./contract";
import { IMAGE_CATALOGUE } from "./catalogue";
import { BUILTINS, isDynamic, simpleCommands } from "./shell";

/** One container as the check sees it (what the Docker provider would be given). */
export interface ContainerUnderCheck {
    /** Node and workload (labels `daarion.node` / `daarion.workload`), for the messages. */
    readonly node: string;
    readonly workload: string;
    /** `repository:tag`, `repository@sha256:...` or `repository:tag@sha256:...`; undefined when unknown. */
    readonly image: string | undefined;
    readonly entrypoint?: readonly string[];
    readonly command?: readonly string[];
    /** Container `user` override (`uid`, `uid:gid`, `root`). */
    readonly user?: string;
    /** Docker healthcheck test (`["CMD", ...]`, `["CMD-SHELL", "..."]`, `["NONE"]`). */
    readonly healthcheck?: readonly string[];
    readonly uploads: readonly { readonly file: string; readonly mode: number }[];
    readonly volumes: readonly { readonly containerPath: string; readonly readOnly: boolean; readonly hostPath?: boolean }[];
}

export type ContractFact = "catalogue" | "argv" | "healthcheck" | "entrypoint" | "user" | "read" | "write";

export interface ContractViolation {
    readonly node: string;
    readonly workload: string;
    readonly fact: ContractFact;
    readonly message: string;
    /** Where the violated fact comes from. */
    readonly source: string;
}

/** One line naming node, workload, the fact violated and its source. */
export function formatViolation(v: ContractViolation): string {
    return `${v.node}/${v.workload}: [${v.fact}] ${v.message} (source: ${v.source})`;
}

// ---- catalogue lookup -------------------------------------------------------------------------

export interface ImageRef {
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Docker's reference normalisation: `redis` is `docker.io/library/redis`, `grafana/grafana` is on docker.io. */
export function parseImageRef(ref: string): ImageRef {
    let rest = ref;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const parts = rest.split("/");
    if (parts.length === 1) rest = `docker.io/library/${rest}`;
    else if (!/[.:]/.test(parts[0]!) && parts[0] !== "localhost") rest = `docker.io/${rest}`;
    return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function findContract(ref: string, catalogue: readonly ImageContract[] = IMAGE_CATALOGUE): ImageContract | undefined {
    const r = parseImageRef(ref);
    return catalogue.find((c) => {
        if (parseImageRef(c.repository).repository !== r.repository) return false;
        if (r.digest && c.digest) return c.digest === r.digest;
        // A digest the catalogue does not know is not the catalogued tag, whatever tag is written beside it.
        if (r.digest && !r.tag) return false;
        return r.tag === c.tag;
    });
}

// ---- executables ------------------------------------------------------------------------------

const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const SHELLS = new Set(["sh", "bash", "ash", "dash"]);

function joinPath(dir: string, rel: string): string {
    const parts = [...dir.split("/"), ...rel.split("/")].filter((p) => p !== "" && p !== ".");
    const out: string[] = [];
    for (const p of parts) p === ".." ? out.pop() : out.push(p);
    return "/" + out.join("/");
}

interface Resolved {
    readonly path: string;
    readonly source: string;
}

/** Where `word` (argv[0] or a script's command) is in the image, or undefined. */
function resolveExecutable(word: string, contract: ImageContract, uploads: ContainerUnderCheck["uploads"]): Resolved | undefined {
    if (word.includes("/")) {
        const abs = word.startsWith("/") ? joinPath("/", word) : joinPath(contract.workdir.value, word);
        for (const group of contract.executables) {
            if (Object.values(group.value).includes(abs) || group.value[word] !== undefined) return { path: abs, source: group.source };
        }
        const up = uploads.find((u) => u.file === abs);
        if (up && (up.mode & 0o111) !== 0) return { path: abs, source: "uploaded by this container" };
        return undefined;
    }
    for (const group of contract.executables) {
        const path = group.value[word];
        if (path !== undefined) return { path, source: group.source };
    }
    return undefined;
}

function executablesSource(contract: ImageContract): string {
    return contract.executables.map((g) => g.source).join("; ");
}

/** The effective argv under Docker's rules; null when the image's CMD is team-declared as opaque. */
export function effectiveArgv(contract: ImageContract, c: Pick<ContainerUnderCheck, "entrypoint" | "command">): { argv: string[] | null; rule: string } {
    const command = c.command && c.command.length > 0 ? [...c.command] : undefined;
    if (c.entrypoint && c.entrypoint.length > 0) {
        return { argv: [...c.entrypoint, ...(command ?? [])], rule: "an entrypoint override drops the image's CMD" };
    }
    if (command) return { argv: [...contract.entrypoint.value, ...command], rule: "a command replaces the image's CMD" };
    if (contract.cmd.value === null) return { argv: contract.entrypoint.value.length > 0 ? [...contract.entrypoint.value] : null, rule: "the image's own ENTRYPOINT and CMD" };
    return { argv: [...contract.entrypoint.value, ...contract.cmd.value], rule: "the image's own ENTRYPOINT and CMD" };
}

/** The shell script a `sh -c SCRIPT` / `bash -c SCRIPT` argv runs, if it is one. */
function shellScript(argv: readonly string[]): string | undefined {
    if (argv.length >= 3 && SHELLS.has(basename(argv[0]!))) {
        const i = argv.indexOf("-c");
        if (i >= 1 && i + 1 < argv.length) return argv[i + 1];
    }
    return undefined;
}

/** Every program a script runs, nested `sh -c`/`bash -c` scripts included. */
function programsOf(script: string, depth = 0): string[][] {
    const out: string[][] = [];
    for (const cmd of simpleCommands(script)) {
        out.push([...cmd]);
        const inner = shellScript(cmd);
        if (inner !== undefined && depth < 4) out.push(...programsOf(inner, depth + 1));
    }
    return out;
}

/** Programs of a script that the image lacks (builtins and run-time expansions excepted). */
function missingPrograms(script: string, contract: ImageContract, uploads: ContainerUnderCheck["uploads"]): string[] {
    const missing: string[] = [];
    for (const cmd of programsOf(script)) {
        const head = cmd[0]!;
        if (BUILTINS.has(head) || isDynamic(head) || head === "[[") continue;
        if (!resolveExecutable(head, contract, uploads)) missing.push(head);
    }
    return [...new Set(missing)];
}

// ---- argv -------------------------------------------------------------------------------------

function checkArgv(c: ContainerUnderCheck, contract: ImageContract, argv: string[], rule: string, add: (fact: ContractFact, message: string, source: string) => void): void {
    const ref = `${contract.repository}:${contract.tag}`;
    const argvSource = `${contract.entrypoint.source}; ${contract.cmd.source}; Docker: ${rule}`;
    let rest = argv;
    for (let hop = 0; hop < 6 && rest.length > 0; hop++) {
        const head = rest[0]!;
        const resolved = resolveExecutable(head, contract, c.uploads);
        if (!resolved) {
            const where = hop === 0 ? "argv[0]" : "the program the launcher execs";
            add("argv", `${where} '${head}' is not an executable in ${ref} (effective argv ${JSON.stringify(argv)}: ${rule})`, hop === 0 ? argvSource : executablesSource(contract));
            return;
        }
        const script = shellScript(rest);
        if (script !== undefined) {
            const missing = missingPrograms(script, contract, c.uploads);
            if (missing.length > 0) add("argv", `the launcher script runs ${missing.map((m) => `'${m}'`).join(", ")}, not in ${ref}`, executablesSource(contract));
            return;
        }
        const name = basename(head);
        if (SHELLS.has(name)) {
            // `bash /path/script.sh`: the script must be there (uploaded or in the image).
            const file = rest[1];
            if (file && !file.startsWith("-") && !c.uploads.some((u) => u.file === file) && !resolveExecutable(file, contract, c.uploads)) {
                add("argv", `'${head}' runs '${file}', which is neither uploaded nor in ${ref}`, executablesSource(contract));
            }
            return;
        }
        if (name === "tini") {
            const dd = rest.indexOf("--");
            rest = dd >= 0 ? rest.slice(dd + 1) : rest.slice(1).filter((a) => !a.startsWith("-"));
            continue;
        }
        if (name === "gosu" || name === "su-exec") {
            rest = rest.slice(2);
            continue;
        }
        const fx = contract.entrypointEffects?.value;
        if (fx && basename(fx.script) === name) {
            if (!fx.execsArgs) return;
            const next = rest.slice(1);
            if (next.length === 0) return;
            if (fx.prepends && ((fx.prepends.when === "flag" && next[0]!.startsWith("-")) || (fx.prepends.when === "not-command" && next[0] !== fx.prepends.command))) {
                rest = [fx.prepends.command, ...next];
            } else rest = next;
            continue;
        }
        return;
    }
}

// ---- healthcheck ------------------------------------------------------------------------------

const LOOPBACK_URL = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** A command that really asks the service something (and fails when it does not answer). */
function isProbe(cmd: readonly string[]): boolean {
    const name = basename(cmd[0] ?? "");
    const args = cmd.slice(1);
    switch (name) {
        case "wget":
        case "curl":
            return args.some((a) => LOOPBACK_URL.test(a));
        case "pg_isready":
            return true;
        case "redis-cli":
            return args.some((a) => /^ping$/i.test(a));
        case "postgrest":
            return args.includes("--ready");
        case "nc":
            return args.includes("-z");
        case "python":
        case "python3": {
            const i = args.indexOf("-c");
            const code = i >= 0 ? (args[i + 1] ?? "") : "";
            return /urlopen\(|create_connection\(|getmtime\(/.test(code);
        }
        case "bash": {
            const script = shellScript(cmd) ?? "";
            return /\/dev\/tcp\/(127\.\d+\.\d+\.\d+|localhost)\/\d+/.test(script);
        }
        default:
            return false;
    }
}

/** `|| true`, `|| exit 0`, `; exit 0` at the end, or a lone `true`: the check can never fail. */
const CANNOT_FAIL = [/\|\|\s*(true|:|exit(\s+0)?)\s*($|[;&|)\n])/, /(^|[;&\n])\s*(true|:|exit\s+0)\s*;?\s*$/];

function checkHealthcheck(c: ContainerUnderCheck, contract: ImageContract, add: (fact: ContractFact, message: string, source: string) => void): void {
    const test = c.healthcheck ?? [];
    const ref = `${contract.repository}:${contract.tag}`;
    const docs = "https://docs.docker.com/reference/dockerfile/#healthcheck";
    // A missing healthcheck is the `docker-healthcheck` policy's finding (policy/rules/container.ts);
    // this check judges the healthcheck that is given, so one defect is not reported twice.
    if (test.length === 0) return;
    if (test[0] === "NONE") {
        add("healthcheck", "healthcheck disabled (NONE): nothing tells Docker or `wait` that the service is down", docs);
        return;
    }
    let commands: string[][];
    const scripts: string[] = [];
    if (test[0] === "CMD-SHELL") {
        if (contract.shell.value === null) {
            add("healthcheck", `CMD-SHELL runs /bin/sh -c, but ${ref} has no shell`, contract.shell.source);
            return;
        }
        const script = test.slice(1).join(" ");
        scripts.push(script);
        commands = programsOf(script);
    } else if (test[0] === "CMD") {
        const argv = test.slice(1);
        if (argv.length === 0) {
            add("healthcheck", "CMD healthcheck without a command", docs);
            return;
        }
        commands = [argv];
        const inner = shellScript(argv);
        if (inner !== undefined) {
            scripts.push(inner);
            commands.push(...programsOf(inner));
        }
    } else {
        add("healthcheck", `healthcheck test must start with CMD or CMD-SHELL, not '${test[0]}'`, docs);
        return;
    }
    const missing = new Set<string>();
    for (const cmd of commands) {
        const head = cmd[0]!;
        if (BUILTINS.has(head) || isDynamic(head) || head === "[[") continue;
        if (!resolveExecutable(head, contract, c.uploads)) missing.add(head);
    }
    if (missing.size > 0) {
        add("healthcheck", `uses ${[...missing].map((m) => `'${m}'`).join(", ")}, not in ${ref}`, executablesSource(contract));
        return;
    }
    const noOp = scripts.find((s) => CANNOT_FAIL.some((re) => re.test(s)));
    const allTrivial = commands.every((cmd) => ["true", ":", "exit", "ls", "echo", "cat", "test", "["].includes(cmd[0]!));
    if (noOp !== undefined || allTrivial) {
        add("healthcheck", `cannot fail (${JSON.stringify(test)}): a check that always succeeds hides a dead service`, docs);
        return;
    }
    if (!commands.some(isProbe)) {
        add(
            "healthcheck",
            `does not probe the service (${JSON.stringify(test)}): use an HTTP GET, a TCP/RESP/pg_isready probe on 127.0.0.1, or a heartbeat file (components/apps/healthcheck.ts)`,
            docs,
        );
    }
}

// ---- users and permissions --------------------------------------------------------------------

function parseUser(user: string | undefined, fallback: Owner): Owner | string {
    if (user === undefined || user === "") return fallback;
    if (user === "root" || user === "root:root") return ROOT;
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    // A uid without a group runs with gid 0 when /etc/passwd has no entry (Docker's behaviour).
    if (m) return { uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : 0 };
    return `user '${user}' is a name; give uid:gid so it can be checked against the image`;
}

const canRead = (who: Owner, owner: Owner, mode: number) =>
    who.uid === 0 || (who.uid === owner.uid && (mode & 0o400) !== 0) || (who.gid === owner.gid && (mode & 0o040) !== 0) || (mode & 0o004) !== 0;
const canWrite = (who: Owner, owner: Owner, mode: number) =>
    who.uid === 0 || (who.uid === owner.uid && (mode & 0o200) !== 0) || (who.gid === owner.gid && (mode & 0o020) !== 0) || (mode & 0o002) !== 0;
const under = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : dir + "/");
const fmtOwner = (o: Owner) => `${o.uid}:${o.gid}`;

/**
 * Whether the image's entrypoint drops from root to its server user on the way to `argv`'s
 * server: returns its effects when it does. Found in argv itself (through tini) or in the
 * commands of a `sh -c` launcher that execs the entrypoint (the redis launchers).
 */
function privilegeDrop(argv: readonly string[], fx: EntrypointEffects | undefined): EntrypointEffects | undefined {
    if (!fx?.dropsTo) return undefined;
    const candidates: (readonly string[])[] = [];
    const dd = argv.indexOf("--");
    candidates.push(argv, dd >= 0 ? argv.slice(dd + 1) : []);
    const script = shellScript(argv);
    if (script !== undefined) candidates.push(...programsOf(script));
    for (const cmd of candidates) {
        if (cmd.length === 0 || basename(cmd[0]!) !== basename(fx.script)) continue;
        const first = cmd[1];
        const server = first === undefined ? undefined : fx.prepends && fx.prepends.when === "flag" && first.startsWith("-") ? fx.prepends.command : first;
        if (server !== undefined && fx.serverCommands.includes(server)) return fx;
        // With no argument the image's CMD follows (tini -- entrypoint + CMD).
        if (first === undefined) return fx;
    }
    return undefined;
}

function checkPermissions(c: ContainerUnderCheck, contract: ImageContract, argv: string[] | null, add: (fact: ContractFact, message: string, source: string) => void): void {
    const start = parseUser(c.user, contract.user.value);
    if (typeof start === "string") {
        add("user", start, "container input `user`");
        return;
    }
    const userSource = c.user ? "container input `user`" : contract.user.source;
    const providerSource = "kreuzwerker/terraform-provider-docker@v3.9.0:internal/provider/resource_docker_container_funcs.go#L532-550 (uploads are root:root)";
    for (const u of c.uploads) {
        if (!canRead(start, ROOT, u.mode)) {
            add("read", `runs as ${fmtOwner(start)} and cannot read ${u.file} (root:root, mode ${u.mode.toString(8).padStart(4, "0")})`, `${userSource}; ${providerSource}`);
        }
    }
    const fxSourced = contract.entrypointEffects;
    const drop = start.uid === 0 && argv ? privilegeDrop(argv, fxSourced?.value) : undefined;
    const server = drop?.dropsTo ?? start;
    const chowned = drop?.chowns ?? [];
    // Through the image's own entrypoint (no launcher of ours in between), the server itself reads the files.
    const direct = argv !== null && shellScript(argv) === undefined && !(argv[0] !== undefined && SHELLS.has(basename(argv[0])));
    if (drop && direct) {
        for (const u of c.uploads) {
            if (chowned.some((d) => under(u.file, d))) continue;
            if (!canRead(server, ROOT, u.mode)) {
                add("read", `the entrypoint drops to ${fmtOwner(server)}, which cannot read ${u.file} (root:root, mode ${u.mode.toString(8).padStart(4, "0")})`, `${fxSourced!.source}; ${providerSource}`);
            }
        }
    }
    for (const v of c.volumes) {
        if (v.readOnly || v.hostPath) continue;
        if (server.uid === 0) continue;
        if (chowned.some((d) => under(v.containerPath, d))) continue;
        const known: ImagePath | undefined = contract.paths.value.find((p) => p.path === v.containerPath);
        if (!known) {
            add(
                "write",
                `runs as ${fmtOwner(server)} and writes the volume at ${v.containerPath}, a path the catalogue does not know in ${contract.repository}:${contract.tag}: a fresh volume there is owned by whatever the image has (declare it)`,
                `${contract.paths.source}; https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container`,
            );
        } else if (!canWrite(server, known.owner, known.mode)) {
            add(
                "write",
                `runs as ${fmtOwner(server)} and cannot write the volume at ${v.containerPath} (${fmtOwner(known.owner)}, mode ${known.mode.toString(8)} in the image)`,
                `${contract.paths.source}; https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container`,
            );
        }
    }
}

// ---- what the entrypoint does to mounted files -----------------------------------------------

/** An upload into a directory the entrypoint copies over a shipped one must carry every shipped file. */
function checkReplacedDirectories(c: ContainerUnderCheck, contract: ImageContract, add: (fact: ContractFact, message: string, source: string) => void): void {
    const fx = contract.entrypointEffects;
    for (const r of fx?.value.replaces ?? []) {
        const into = c.uploads.filter((u) => under(u.file, r.from)).map((u) => basename(u.file));
        if (into.length === 0) continue;
        const lost = r.shipped.filter((f) => !into.includes(f));
        if (lost.length > 0) {
            add(
                "entrypoint",
                `uploads ${into.map((f) => `${r.from}/${f}`).join(", ")}: the entrypoint then deletes ${r.dir}/* and copies back only ${r.from}'s files, so the image's ${lost.join(", ")} are gone`,
                `${fx!.source}; ${r.shippedSource}`,
            );
        }
    }
}

// ---- entry point ------------------------------------------------------------------------------

export function checkContainer(c: ContainerUnderCheck, catalogue: readonly ImageContract[] = IMAGE_CATALOGUE): ContractViolation[] {
    const out: ContractViolation[] = [];
    const add = (fact: ContractFact, message: string, source: string) => out.push({ node: c.node, workload: c.workload, fact, message, source });
    if (c.image === undefined) {
        add("catalogue", "its image reference is not known (built image or unknown at preview); the contract cannot be checked", "components/images/catalogue.ts");
        return out;
    }
    const contract = findContract(c.image, catalogue);
    if (!contract) {
        add("catalogue", `image ${c.image} is not in the image catalogue: read its Dockerfile at that version and add an entry`, "components/images/catalogue.ts");
        return out;
    }
    const { argv, rule } = effectiveArgv(contract, c);
    if (argv !== null) checkArgv(c, contract, argv, rule, add);
    checkReplacedDirectories(c, contract, add);
    checkHealthcheck(c, contract, add);
    checkPermissions(c, contract, argv, add);
    return out;
}

export function checkContainers(containers: readonly ContainerUnderCheck[], catalogue: readonly ImageContract[] = IMAGE_CATALOGUE): ContractViolation[] {
    return containers.flatMap((c) => checkContainer(c, catalogue));
}

/** Containers whose image contract is team-declared rather than read upstream (for one warning line). */
export function declaredContracts(containers: readonly ContainerUnderCheck[], catalogue: readonly ImageContract[] = IMAGE_CATALOGUE): string[] {
    return containers.filter((c) => c.image !== undefined && findContract(c.image, catalogue)?.provenance === "team-declared").map((c) => `${c.node}/${c.workload}`);
}
