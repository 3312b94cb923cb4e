/**
 * How a secret value looks once serialized between a Pulumi program and the engine (and in what
 * the mock runtime, the policy analyzer and the engine's event stream hand back): an object
 * `{ [SIG_KEY]: SECRET_SIG, value }`.
 *
 * The two constants are @pulumi/pulumi's own, `specialSigKey` and `specialSecretSig`
 * (@pulumi/pulumi@3.248.0 runtime/rpc.js l. 276 and l. 297; pulumi/pulumi sdk/nodejs/runtime/rpc.ts),
 * written out here rather than imported because this file is loaded by the policy pack
 * (policy/offline.ts, and policy/rules/image-contract.ts through components/images/resources.ts)
 * and by the drift report, which must not pull the SDK's runtime (its settings and RPC state) in
 * for two strings. test/foundation/secret-signature.test.ts fails if they stop matching the
 * installed SDK.
 *
 * No Pulumi import: pure data and two pure functions.
 */

/** The key that marks a serialized special value (@pulumi/pulumi runtime/rpc.js `specialSigKey`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The value under SIG_KEY that marks a secret (@pulumi/pulumi runtime/rpc.js `specialSecretSig`). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A serialized secret: the plain value sits under `value`. */
export interface SecretEnvelope<T = unknown> {
    readonly [SIG_KEY]: typeof SECRET_SIG;
    readonly value: T;
}

/** True for a serialized secret (at this level only; callers recurse). */
export function isSecretEnvelope(value: unknown): value is SecretEnvelope {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** `value` serialized as a secret, as the engine sends it. */
export function secretEnvelope<T>(value: T): SecretEnvelope<T> {
    return { [SIG_KEY]: SECRET_SIG, value };
}
