/**
 * The `pulumi up` critical path of a rendered stack under a cost model: how long a first deployment
 * takes if the engine starts every resource as soon as the resources it waits for are done (the
 * engine walks the dependency graph and runs independent steps in parallel, bounded by
 * `--parallel`, which this model assumes is never the bottleneck).
 *
 * Pure: no Pulumi import. Input is the render's record of every resource (offline/render.ts).
 *
 * The COST MODEL below is an estimate, not a measurement: no image was pulled and no server was
 * booted to obtain it. It exists to compare orderings (which chain is longest, and whether an edge
 * lengthens it), not to predict wall-clock time. Change a constant and every figure moves together.
 */

export interface GraphResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    /** Everything the engine makes it wait for (explicit dependsOn + data). */
    readonly dependencies: readonly string[];
    /** The subset of `dependencies` whose Outputs flow into its inputs. */
    readonly dataDependencies: readonly string[];
    readonly provider: string | null;
}

/** Seconds. Estimates; see the file comment. */
export const COST = {
    /** docker RemoteImage: pull of a typical 100-300 MB service image from a public registry. */
    imagePull: 30,
    /** docker Image: build and push. */
    imageBuild: 120,
    /** docker Container: create + start, before any health wait. */
    containerCreate: 3,
    /**
     * Docker's HEALTHCHECK defaults when the container leaves them unset: interval 30s, start
     * period 0s (Docker reference, "HEALTHCHECK": https://docs.docker.com/reference/dockerfile/#healthcheck).
     */
    healthcheckIntervalDefault: 30,
    healthcheckStartPeriodDefault: 0,
    /** hcloud Server: create until the API reports `running` (boot, cloud-init not included). */
    serverBoot: 60,
    /** A provider's Configure (docker over SSH connects, postgresql/minio build a client). */
    providerConfigure: 2,
    /** Any other provider call that creates one API object (volume, network, role, bucket, stream). */
    providerCall: 1,
    /** Resources computed locally by the provider plugin (random passwords). */
    local: 0,
} as const;

/** Docker duration strings as the docker provider accepts them ("30s", "1m30s", "500ms"). */
export function durationSeconds(value: unknown, fallback: number): number {
    if (typeof value !== "string" || value === "") return fallback;
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
    let matched = "";
    for (const m of value.matchAll(re)) {
        const n = Number(m[1]);
        total += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : m[2] === "s" ? n : n / 1000;
        matched += m[0];
    }
    if (matched !== value) throw new Error(`unparsable duration '${value}'`);
    return total;
}

/** The model's cost of creating one resource, with the reason shown by the bench. */
export function costOf(r: GraphResource): number {
    if (!r.custom) return 0;
    const t = r.type;
    if (t.startsWith("pulumi:providers:")) return COST.providerConfigure;
    if (t === "docker:index/remoteImage:RemoteImage") return COST.imagePull;
    if (t === "docker:index/image:Image" || t.startsWith("docker-build:")) return COST.imageBuild;
    if (t === "docker:index/container:Container") {
        // The provider waits for `healthy` only with `wait: true` (@pulumi/docker@5.2.0
        // container.d.ts `wait`: "Defaults to false"); healthy is reported, at the earliest, at the
        // first check after the start period.
        const hc = (r.inputs.healthcheck ?? {}) as Record<string, unknown>;
        const healthy = r.inputs.wait === true
            ? durationSeconds(hc.startPeriod, COST.healthcheckStartPeriodDefault) + durationSeconds(hc.interval, COST.healthcheckIntervalDefault)
            : 0;
        return COST.containerCreate + healthy;
    }
    if (t === "hcloud:index/server:Server") return COST.serverBoot;
    if (t.startsWith("random:")) return COST.local;
    if (t === "pulumi:pulumi:StackReference") return COST.providerCall;
    return COST.providerCall;
}

export interface PathResult {
    /** Seconds until the last resource is done. */
    readonly seconds: number;
    /** The chain that takes that long, first resource first. */
    readonly chain: GraphResource[];
}

/**
 * Longest weighted path through the graph. `edgesOf` picks which edges count: every edge the
 * engine honours (critical path) or data edges only (physical minimum). A resource always waits for
 * its provider resource. Edges to resources outside `resources` are ignored. Linear in resources
 * + edges (memoised depth-first search); a cycle is an error (the engine would refuse it too).
 */
export function longestPath(resources: readonly GraphResource[], edgesOf: (r: GraphResource) => readonly string[]): PathResult {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const finish = new Map<string, { seconds: number; via: string | null }>();
    const visiting = new Set<string>();
    const visit = (r: GraphResource): number => {
        const done = finish.get(r.urn);
        if (done) return done.seconds;
        if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}`);
        visiting.add(r.urn);
        let start = 0;
        let via: string | null = null;
        for (const urn of new Set([...edgesOf(r), ...(r.provider ? [r.provider] : [])])) {
            const d = byUrn.get(urn);
            if (!d || d === r) continue;
            const t = visit(d);
            if (t > start || via === null) [start, via] = [t, urn];
        }
        visiting.delete(r.urn);
        const seconds = start + costOf(r);
        finish.set(r.urn, { seconds, via });
        return seconds;
    };
    let last: GraphResource | undefined;
    let seconds = 0;
    for (const r of resources) {
        const t = visit(r);
        if (last === undefined || t > seconds) [last, seconds] = [r, t];
    }
    const chain: GraphResource[] = [];
    for (let urn: string | null = last?.urn ?? null; urn !== null; urn = finish.get(urn)!.via) {
        const r = byUrn.get(urn)!;
        if (costOf(r) > 0 || chain.length === 0) chain.unshift(r);
    }
    return { seconds, chain };
}

export const allEdges = (r: GraphResource): readonly string[] => r.dependencies;
export const dataEdges = (r: GraphResource): readonly string[] => r.dataDependencies;

/** Edges the engine honours that carry no data: `dependsOn` alone. */
export function orderOnlyEdges(r: GraphResource): string[] {
    const data = new Set(r.dataDependencies);
    return r.dependencies.filter((u) => !data.has(u));
}

/** "Container node1-nats" for a chain printout. */
export function shortName(r: GraphResource): string {
    return `${r.type.split(":").pop()} ${r.name}`;
}
