/**
 * Awaiting Pulumi values in unit tests (CONVENTIONS.md: one helper to await an Output). Outside a
 * deployment, and under mocks, every Output is known, so its value and secretness can be read.
 */
import * as pulumi from "@pulumi/pulumi";

/** A plain value or an Output, resolved, with whether it is secret. */
export async function valueOf<T>(v: pulumi.Input<T> | undefined): Promise<{ value: T | undefined; secret: boolean }> {
    if (pulumi.Output.isInstance(v)) {
        // `promise()` and `isSecret` are OutputImpl's fields (@pulumi/pulumi@3.248.0 output.js l. 94-95), not in output.d.ts.
        const o = v as unknown as { promise(): Promise<T>; isSecret: Promise<boolean> };
        return { value: await o.promise(), secret: await o.isSecret };
    }
    return { value: v as T | undefined, secret: false };
}
