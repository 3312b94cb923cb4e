/**
 * How not-yet-known values reach a dynamic provider, and the helpers `check`/`diff` use so that an
 * unknown value neither fails a check nor plans a replacement.
 *
 * Engine facts (@pulumi/pulumi 3.248.0, the version pinned in package-lock.json):
 * - The dynamic-provider host hands `check`/`diff` the raw gRPC structs
 *   (`cmd/dynamic-provider/index.js`: `req.getNews().toJavaScript()`), so a value the engine does
 *   not know yet arrives as the plain string `runtime/rpc.js` `unknownValue`
 *   (`04da6b54-80e4-46f7-96ec-b56ff0331ba9`) WHATEVER the declared type: a whole object
 *   (`connection`), an array (`servers`), a number (`replicas`) or one element of an array
 *   (pulumi/pulumi#6310).
 * - A diff with `changes` undefined is sent as DIFF_UNKNOWN (`cmd/dynamic-provider/index.js` diff);
 *   the engine then decides from its own diff of the inputs and plans an update, never a
 *   replacement (pulumi/pulumi `pkg/resource/deploy/step_generator.go` `diffResource`: "if the
 *   provider returns an 'unknown' diff result, pretend it returned 'diffs exist'"). Only keys in
 *   `replaces` make a replacement (`dynamic/index.d.ts` DiffResult: "If this update requires a
 *   replacement, the set of properties triggering it").
 *
 * Plain functions without a Pulumi import: they are serialized into the state with the providers.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for the unknown sentinel itself. */
export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

/** True if the value is, or anywhere contains, the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/** The value at a dotted path; an unknown parent makes the child unknown (e.g. `connection.servers`). */
export function valueAtPath(obj: unknown, path: string): unknown {
    let current: unknown = obj;
    for (const key of path.split(".")) {
        if (current === UNKNOWN) return UNKNOWN;
        current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
    }
    return current;
}

export interface KeyedDiff {
    /** Keys whose known new value differs from the old one and cannot change in place. */
    readonly replaces: string[];
    /** Keys whose known new value differs and is applied in place (or only kept in state). */
    readonly updates: string[];
    /** Keys whose new value is not known yet (preview): neither a replacement nor a known update. */
    readonly unknowns: string[];
}

/**
 * Compare `olds` and `news` key by key. An unknown new value is reported as unknown, never as a
 * replacement: whether it differs is decided when it is known (`pulumi up` checks and diffs again
 * with known values before it updates).
 */
export function diffKeys(olds: unknown, news: unknown, replaceKeys: readonly string[], updateKeys: readonly string[], same: (a: unknown, b: unknown) => boolean): KeyedDiff {
    const replaces: string[] = [];
    const updates: string[] = [];
    const unknowns: string[] = [];
    for (const [keys, bucket] of [
        [replaceKeys, replaces],
        [updateKeys, updates],
    ] as const) {
        for (const key of keys) {
            const n = valueAtPath(news, key);
            if (containsUnknown(n)) unknowns.push(key);
            else if (!same(valueAtPath(olds, key), n)) bucket.push(key);
        }
    }
    return { replaces, updates, unknowns };
}

/**
 * `changes` of a DiffResult: true for a known change, false when every key is known and equal,
 * undefined (DIFF_UNKNOWN) when the only differences may come from unknown values.
 */
export function changesOf(d: KeyedDiff): boolean | undefined {
    if (d.replaces.length + d.updates.length > 0) return true;
    return d.unknowns.length > 0 ? undefined : false;
}
