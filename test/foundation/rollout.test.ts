/**
 * Issue 10 finding 9: one changed file or one rotated secret must not replace every stateful
 * container of a node at once.
 *
 * Under mocks (no engine), the program is evaluated twice: as deployed, and after one change (a
 * rotated shared secret, or a changed setting that ends up in one rendered file). Every container
 * input that differs between the two is a replacement in a real `pulumi up` (nearly every
 * docker_container input is ForceNew, see RolloutSequence in components/workload/docker.ts). The
 * expected set is derived independently: the containers whose inputs contained the old value.
 * A second group checks the rollout order the engine follows: each stateful container depends on
 * the one of its rollout group declared before it on its node, and on nothing else.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { addStackSecretPlaceholders, reveal } from "../../offline/render";
import { committedConfig, REPO_ROOT } from "../support/topology";

const CONTAINER = "docker:index/container:Container";

interface Recorded {
    readonly type: string;
    readonly name: string;
    /** Inputs with secrets revealed, as JSON: what the provider's Diff compares. */
    readonly inputs: string;
    /** Names of the resources in `dependsOn` (containers only). */
    readonly dependsOn: string[];
    readonly deleteBeforeReplace?: boolean;
    readonly stateful: boolean;
}

/** `secure:` leaves become fixed placeholders, as in the offline render. */
function plain(value: unknown, key: string, secret: { found: boolean }): unknown {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            secret.found = true;
            return `placeholder-${key}`;
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v, `${key}.${k}`, secret)]));
    }
    if (Array.isArray(value)) return value.map((v, i) => plain(v, `${key}[${i}]`, secret));
    return value;
}

/**
 * Evaluate index.ts for `stack` under mocks. Every generated password is `pw-<resource name>`;
 * the one named in `rotate` gets a new value, as `pulumi up --replace` on it would.
 */
async function evaluate(stack: string, options: { rotate?: string; edit?: (config: Record<string, unknown>) => void } = {}): Promise<Map<string, Recorded>> {
    const { project, config } = committedConfig(stack);
    // The stack secrets an operator sets (certificates, registry credentials), as the render has them.
    addStackSecretPlaceholders(stack, config);
    options.edit?.(config);
    const runtimeConfig: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        const secret = { found: false };
        const v = plain(value, key, secret);
        runtimeConfig[key] = typeof v === "string" ? v : JSON.stringify(v);
        if (secret.found) secretKeys.push(key);
    }
    const recorded = new Map<string, Recorded>();
    const statefulVolumes = new Set<string>();
    const options_ = new Map<string, { dependsOn: string[]; deleteBeforeReplace?: boolean }>();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const opts = options_.get(`${args.type}::${args.name}`) ?? { dependsOn: [] };
                const inputs = reveal(args.inputs) as Record<string, unknown>;
                const volumes = (inputs.volumes as { volumeName?: string }[] | undefined) ?? [];
                recorded.set(args.name, {
                    type: args.type,
                    name: args.name,
                    inputs: JSON.stringify(inputs),
                    ...opts,
                    stateful: volumes.some((v) => v.volumeName !== undefined && statefulVolumes.has(v.volumeName)),
                });
                let state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    state = { ...args.inputs, result: pulumi.secret(`pw-${args.name}${args.name === options.rotate ? "-rotated" : ""}`) };
                }
                if (args.type === "docker:index/volume:Volume") {
                    const labels = (args.inputs.labels as { label: string; value: string }[] | undefined) ?? [];
                    if (labels.some((l) => l.label === "daarion.stateful" && l.value === "true")) statefulVolumes.add(String(args.inputs.name));
                }
                if (args.type === "docker:index/remoteImage:RemoteImage") state = { ...args.inputs, imageId: `sha256:${String(args.inputs.name)}` };
                return { id: `${args.name}-id`, state };
            },
            call(args) {
                throw new Error(`no mock for the invoke ${args.token}`);
            },
        },
        project,
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(runtimeConfig, secretKeys);
    // Advisory findings are tested elsewhere; keep this output to the test names.
    const warn = pulumi.log.warn;
    (pulumi.log as { warn: (message: string) => Promise<void> }).warn = async () => undefined;
    const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await stackModule.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            const o = args.opts as pulumi.CustomResourceOptions;
            const deps = ([] as unknown[]).concat(o.dependsOn ?? []) as (pulumi.Resource & { __name?: string })[];
            options_.set(`${args.type}::${args.name}`, { dependsOn: deps.map((d) => d.__name ?? "?"), deleteBeforeReplace: o.deleteBeforeReplace });
            return undefined;
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(path.join(REPO_ROOT, "index.ts")) as () => Promise<Record<string, unknown>>;
        return program();
    });
    await settings.waitForRPCs();
    (pulumi.log as { warn: typeof warn }).warn = warn;
    return recorded;
}

const containers = (r: Map<string, Recorded>) => [...r.values()].filter((x) => x.type === CONTAINER);

/** Containers whose inputs differ: each is a replacement in a real `pulumi up`. */
function changed(before: Map<string, Recorded>, after: Map<string, Recorded>): string[] {
    return containers(before)
        .filter((c) => after.get(c.name)?.inputs !== c.inputs)
        .map((c) => c.name)
        .sort();
}

describe("rollout: one change reaches only its containers, one stateful container of a group at a time (issue 10 finding 9)", function () {
    this.timeout(120_000);
    let baseline: Map<string, Recorded>;

    before(async function () {
        baseline = await evaluate("node1");
    });

    for (const secret of ["redis-sentinel-password", "postgres-replication", "neo4j-password"]) {
        it(`rotating the shared secret '${secret}' changes only the containers that hold it`, async function () {
            const resource = `shared-secrets-${secret}`;
            const holders = containers(baseline)
                .filter((c) => c.inputs.includes(`pw-${resource}`))
                .map((c) => c.name)
                .sort();
            assert.ok(holders.length > 0, `some container on node1 uses ${secret}`);
            if (process.env.ROLLOUT_VERBOSE) console.log(`      ${secret}: ${holders.join(", ")}`);
            const rotated = await evaluate("node1", { rotate: resource });
            assert.deepEqual(changed(baseline, rotated), holders);
            // The point of the finding: the other stateful containers are not touched.
            const statefulTouched = containers(baseline).filter((c) => c.stateful && holders.includes(c.name));
            const statefulAll = containers(baseline).filter((c) => c.stateful);
            assert.ok(statefulTouched.length < statefulAll.length, `${secret} touches ${statefulTouched.length} of ${statefulAll.length} stateful containers`);
        });
    }

    it("rotating the sentinels' password replaces the Redis sentinel and server of node1, and no other stateful container", async function () {
        const rotated = await evaluate("node1", { rotate: "shared-secrets-redis-sentinel-password" });
        const stateful = changed(baseline, rotated).filter((n) => baseline.get(n)!.stateful);
        assert.deepEqual(stateful, ["node1-redis", "node1-redis-sentinel"]);
    });

    it("a changed setting in one rendered file (Redis quorum 2 -> 3, sentinel.conf) changes only the sentinel container", async function () {
        const edited = await evaluate("node1", {
            edit: (config) => {
                const topology = config["daarion:topology"] as { replication: { redis: { quorum: number } } };
                topology.replication.redis.quorum = 3;
            },
        });
        assert.deepEqual(changed(baseline, edited), ["node1-redis-sentinel"]);
    });

    it("every container is deleted before its replacement is created (a volume is never shared by two containers)", function () {
        for (const c of containers(baseline)) assert.equal(c.deleteBeforeReplace, true, c.name);
    });

    it("the stateful containers of a rollout group form one chain; independent services wait for nothing of each other", function () {
        const stateful = containers(baseline).filter((c) => c.stateful);
        assert.ok(stateful.length >= 8, `node1 runs ${stateful.length} stateful containers`);
        const names = new Set(stateful.map((c) => c.name));
        const edges = stateful.flatMap((c) => c.dependsOn.filter((d) => names.has(d)).map((d) => `${d} -> ${c.name}`));
        // Redis' sentinel and server are one group (the sentinel first, so the server's launcher finds
        // an up-to-date sentinel); every other stateful service is its own group: no serial chain
        // between independent services (issue 14), which would also serialize a first deployment.
        assert.deepEqual(edges, ["node1-redis-sentinel -> node1-redis"]);
    });

    it("on the local stack each node has its own chains; no stateful container waits for another node's", async function () {
        const local = await evaluate("local");
        const stateful = containers(local).filter((c) => c.stateful);
        const byName = new Set(stateful.map((c) => c.name));
        const edges = stateful.flatMap((c) => c.dependsOn.filter((d) => byName.has(d)).map((d) => `${d} -> ${c.name}`));
        // node3's two NATS servers (the core member and the edge leaf) are one service.
        assert.deepEqual(edges.sort(), ["node1-redis-sentinel -> node1-redis", "node2-redis-sentinel -> node2-redis", "node3-nats-core -> node3-nats"]);
    });
});
