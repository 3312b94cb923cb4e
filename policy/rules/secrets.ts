/**
 * Credentials in container environments.
 *
 * What a policy can see: the policy SDK (@pulumi/policy 1.x) deserializes resource properties for
 * `validateResource`/`validateStack` with secrets UNWRAPPED to plain values, so a validation cannot
 * tell `pulumi.secret("x")` from `"x"`. Only `remediateResource` receives secret markers (through
 * its secrets-preserving proxy). Hence the split:
 *  - validation (every engine): flags credential values that are known defaults, too short,
 *    unexpanded placeholders, or that disable authentication;
 *  - remediation (enforcementLevel "remediate"): marks the whole `envs` list secret when it carries a
 *    credential, so it is encrypted in state whatever the program did;
 *  - where secretness IS known (the offline render, which sees `pulumi.secret` wrappers), plaintext
 *    credentials are violations too (`envIsSecret: false`).
 * The component contract stays the first line of defence: the workload runtime wraps
 * credential-looking env values in `pulumi.secret` (components/workload/spec.ts).
 */
import { envEntries, isUnknown, ResourceView, Violation } from "../lib/resource";

const CREDENTIAL_KEY = /(PASSWORD|PASSWD|PASSPHRASE|(^|_)PASS$|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|(^|_)KEY$|(^|_)AUTH$)/i;
/** Keys that point at a credential instead of holding one, or describe an auth mechanism. */
const NOT_A_CREDENTIAL = /(_(FILE|PATH|DIR|METHOD|TYPE|MODE|ENABLED|URL_PATH)$|PUBLIC)/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^/@\s]+)@/i;

/** S3/MinIO access keys (`S3_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`) name an identity, like a user name. */
const ACCESS_KEY_ID = /ACCESS_?KEY(_?ID)?$/i;

export function isCredentialKey(key: string): boolean {
    if (ACCESS_KEY_ID.test(key) && !/SECRET/i.test(key)) return false;
    return CREDENTIAL_KEY.test(key) && !NOT_A_CREDENTIAL.test(key);
}

/** The secret part of a credential-looking env entry, or undefined when it holds no credential. */
export function credentialPart(key: string, value: string): string | undefined {
    const url = URL_WITH_PASSWORD.exec(value);
    if (url) return decodeURIComponent(url[1]);
    if (!isCredentialKey(key)) return undefined;
    // NEO4J_AUTH=neo4j/<password>
    if (/(^|_)AUTH$/i.test(key) && value.includes("/")) return value.slice(value.indexOf("/") + 1);
    return value;
}

export const DEFAULT_WEAK_CREDENTIALS: readonly string[] = [
    "password",
    "postgres",
    "changeme",
    "change-me",
    "secret",
    "admin",
    "root",
    "minioadmin",
    "neo4j",
    "guest",
    "test",
    "example",
    "default",
    "<secure>",
    "123456",
    "12345678",
];

export interface CredentialEnvConfig {
    /** Shortest acceptable credential. @default 12 */
    readonly minLength?: number;
    /** Values always rejected (case-insensitive). @default DEFAULT_WEAK_CREDENTIALS */
    readonly weakValues?: readonly string[];
    /**
     * Whether the container's `envs` (boolean) or each of its entries (array, by index) is a Pulumi
     * secret, when the caller can know it (offline render, remediation). `undefined` in validations
     * run by the engine, where secretness is invisible.
     */
    readonly envIsSecret?: boolean | readonly boolean[];
}

export function checkCredentialEnvs(container: ResourceView, config: CredentialEnvConfig = {}): Violation[] {
    const minLength = config.minLength ?? 12;
    const weak = new Set((config.weakValues ?? DEFAULT_WEAK_CREDENTIALS).map((w) => w.toLowerCase()));
    const violations: Violation[] = [];
    const secretAt = (i: number): boolean | undefined =>
        Array.isArray(config.envIsSecret) ? config.envIsSecret[i] : (config.envIsSecret as boolean | undefined);
    for (const { key, value, index } of envEntries(container.props)) {
        if (isUnknown(value)) continue;
        if (/_AUTH_METHOD$/i.test(key) && value.toLowerCase() === "trust") {
            violations.push({ message: `container '${container.name}' env ${key}=trust disables password authentication` });
            continue;
        }
        if (/(^|_)AUTH$/i.test(key) && value.toLowerCase() === "none") {
            violations.push({ message: `container '${container.name}' env ${key}=none disables authentication` });
            continue;
        }
        const secret = credentialPart(key, value);
        if (secret === undefined) continue;
        // The value itself is never echoed: policy output ends up in CI logs and PR comments.
        if (weak.has(secret.toLowerCase())) {
            violations.push({ message: `container '${container.name}' env ${key} holds a well-known default credential; generate it with @pulumi/random` });
        } else if (/\$\{[^}]*\}|^\$[A-Z_]+$/.test(secret)) {
            violations.push({ message: `container '${container.name}' env ${key} holds an unexpanded placeholder instead of a credential` });
        } else if (secret.length < minLength) {
            violations.push({ message: `container '${container.name}' env ${key} holds a credential shorter than ${minLength} characters` });
        } else if (secretAt(index) === false) {
            violations.push({ message: `container '${container.name}' env ${key} is a credential but envs is not a Pulumi secret (it would be stored in plaintext in the state)` });
        }
    }
    return violations;
}

/** True when the container's env carries at least one credential (drives the remediation). */
export function hasCredentialEnv(container: ResourceView): boolean {
    return envEntries(container.props).some(({ key, value }) => !isUnknown(value) && credentialPart(key, value) !== undefined);
}
