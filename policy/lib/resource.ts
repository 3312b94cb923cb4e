/**
 * The engine-independent view of a resource that every rule in `policy/rules/` works on.
 *
 * Rules never see the policy SDK's objects: the pack adapts them (policy/policies.ts), the
 * all-stacks test adapts the offline render's records. This keeps rules pure and testable, and
 * lets them run where there is no Pulumi engine at all.
 */

/**
 * Stands for a value the engine does not know yet (a preview of a resource whose inputs depend on
 * outputs that do not exist yet). Rules must treat it as "cannot decide", never as a pass or a fail.
 */
export const UNKNOWN: unique symbol = Symbol.for("daarion.policy.unknown");
export type Unknown = typeof UNKNOWN;

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

export interface ResourceView {
    /** Pulumi type token, e.g. `docker:index/container:Container`. */
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Resource inputs (resource policies) or outputs (stack policies) as plain data; unknowns are `UNKNOWN`. */
    readonly props: Record<string, unknown>;
    /** `protect` resource option. `retainOnDelete` is not passed to analyzers, so rules cannot see it. */
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    /** URNs this resource depends on (stack policies only; empty for resource policies). */
    readonly dependencies: readonly string[];
    /** Property name -> URNs that property depends on (stack policies only). */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
    readonly message: string;
    /** Resource the violation is about (stack policies); resource policies always report on their resource. */
    readonly urn?: string;
}

export const TYPES = {
    container: "docker:index/container:Container",
    dockerVolume: "docker:index/volume:Volume",
    hcloudServer: "hcloud:index/server:Server",
    hcloudFirewall: "hcloud:index/firewall:Firewall",
    hcloudFirewallAttachment: "hcloud:index/firewallAttachment:FirewallAttachment",
    hcloudServerNetwork: "hcloud:index/serverNetwork:ServerNetwork",
    hcloudVolume: "hcloud:index/volume:Volume",
    pgDatabase: "postgresql:index/database:Database",
    minioBucket: "minio:index/s3Bucket:S3Bucket",
} as const;

/** Labels the workload runtime puts on every container (components/workload). */
export const LABELS = {
    node: "daarion.node",
    service: "daarion.service",
    role: "daarion.role",
    /** `true` on containers that may publish ports on public addresses (gateways, reverse proxies). */
    ingress: "daarion.ingress",
    /** `true` on docker volumes that hold data that must survive. */
    stateful: "daarion.stateful",
    /** Replication factor a clustered service is configured with (Qdrant collections). */
    replicationFactor: "daarion.replication-factor",
} as const;

export function makeView(partial: Partial<ResourceView> & Pick<ResourceView, "type" | "props">): ResourceView {
    const name = partial.name ?? "resource";
    return {
        type: partial.type,
        name,
        urn: partial.urn ?? `urn:pulumi:test::daarion::${partial.type}::${name}`,
        props: partial.props,
        protect: partial.protect ?? false,
        ignoreChanges: partial.ignoreChanges ?? [],
        dependencies: partial.dependencies ?? [],
        propertyDependencies: partial.propertyDependencies ?? {},
    };
}

// ---- small readers that tolerate the shapes engines hand to analyzers -----------------------

export function asArray(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value)
        ? (value as Record<string, unknown>)
        : {};
}

export function asString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
    return undefined;
}

/**
 * Labels as a map. Docker resources carry `[{label, value}]`, hcloud resources a plain map;
 * unknown label values are dropped (a rule then sees the label as absent).
 */
export function labelsOf(props: Record<string, unknown>): Record<string, string> {
    const raw = props["labels"];
    const out: Record<string, string> = {};
    if (Array.isArray(raw)) {
        for (const entry of raw) {
            const e = asRecord(entry);
            const key = asString(e["label"]);
            const value = asString(e["value"]);
            if (key !== undefined && value !== undefined) out[key] = value;
        }
    } else {
        for (const [key, value] of Object.entries(asRecord(raw))) {
            if (typeof value === "string") out[key] = value;
        }
    }
    return out;
}

export function isTrueLabel(value: string | undefined): boolean {
    return value !== undefined && ["true", "1", "yes"].includes(value.toLowerCase());
}

/** `K=V` env entries of a docker container; entries that are unknown are reported as such. */
export function envEntries(props: Record<string, unknown>): { key: string; value: string | Unknown; index: number }[] {
    const out: { key: string; value: string | Unknown; index: number }[] = [];
    asArray(props["envs"]).forEach((entry, index) => {
        if (typeof entry !== "string") return;
        const eq = entry.indexOf("=");
        if (eq <= 0) return;
        out.push({ key: entry.slice(0, eq), value: entry.slice(eq + 1), index });
    });
    return out;
}
