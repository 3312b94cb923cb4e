// Stand-in for the `random` provider plugin (issue 15 item 2): the real Pulumi engine loads it from
// PATH as `pulumi-resource-random` (test/engine/bin/), because the real plugin cannot be downloaded.
// It serves RandomPassword only, the one random resource this program uses (components/secrets).
//
// Behaviour follows the Terraform provider that @pulumi/random bridges: pulumi/pulumi-random@v4.21.1
// provider/go.mod pins hashicorp/terraform-provider-random at f8d869dc98d9 (tag v3.9.0); the
// v4.21.2 tag of pulumi-random was not in the mirror, so the pin is taken from the release before.
//   - defaults and replacement rules: internal/provider/resource_password.go, passwordSchemaV3
//   - generation:                     internal/random/string.go, CreateString
import * as crypto from "node:crypto";
import * as provider from "@pulumi/pulumi/provider";
// The engine's sentinel for a value unknown during preview, and its marker for a secret value sent
// to a provider that accepts secrets; taken from the SDK rather than copied.
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY, unknownValue as UNKNOWN } from "@pulumi/pulumi/runtime/rpc";

const TYPE = "random:index/randomPassword:RandomPassword";

/** passwordSchemaV3: `Default: booldefault.StaticBool(true)` / `int64default.StaticInt64(0)`. */
const DEFAULTS = { special: true, upper: true, lower: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 } as const;
/** Every input of passwordSchemaV3 carries a RequiresReplace plan modifier (keepers and overrideSpecial conditionally, below). */
const REPLACING = ["length", "special", "upper", "lower", "numeric", "number", "minUpper", "minLower", "minNumeric", "minSpecial"] as const;

interface Inputs {
    length: number;
    special: boolean;
    upper: boolean;
    lower: boolean;
    numeric: boolean;
    number: boolean;
    minUpper: number;
    minLower: number;
    minNumeric: number;
    minSpecial: number;
    overrideSpecial?: string;
    keepers?: Record<string, string | null>;
}

function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** CreateString: the minimum of each class first (even for a disabled class, as upstream does), the rest from the union, then shuffled. */
export function createString(p: Inputs): string {
    const num = "0123456789";
    const lower = "abcdefghijklmnopqrstuvwxyz";
    const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const special = p.overrideSpecial ? p.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
    let chars = "";
    if (p.upper) chars += upper;
    if (p.lower) chars += lower;
    if (p.numeric) chars += num;
    if (p.special) chars += special;
    if (chars === "") throw new Error("the character set specified is empty");
    const pick = (set: string, n: number): string[] => {
        const runes = [...set];
        return Array.from({ length: Math.max(0, n) }, () => runes[crypto.randomInt(runes.length)]);
    };
    const out = [
        ...pick(num, p.minNumeric),
        ...pick(lower, p.minLower),
        ...pick(upper, p.minUpper),
        ...pick(special, p.minSpecial),
    ];
    out.push(...pick(chars, p.length - out.length));
    // Fisher–Yates with a CSPRNG; upstream sorts by random bytes to the same effect.
    for (let i = out.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out.join("");
}

function typeOf(urn: string): string {
    return urn.split("::")[2]?.split("$").pop() ?? "";
}

export const randomProvider: provider.Provider = {
    version: "4.21.2",

    async check(urn, _olds, news) {
        if (typeOf(urn) !== TYPE) throw new Error(`stand-in random provider: unsupported type in ${urn}`);
        const n = unwrapSecrets(news) as Record<string, unknown>;
        const failures: provider.CheckFailure[] = [];
        const inputs: Record<string, unknown> = { ...n };
        for (const [k, d] of Object.entries(DEFAULTS)) if (inputs[k] === undefined) inputs[k] = d;
        // `number` is the deprecated twin of `numeric`; upstream keeps them equal.
        if (inputs.number === undefined) inputs.number = inputs.numeric;
        if (inputs.length === undefined) failures.push({ property: "length", reason: "Missing required argument: length" });
        const known = (k: string) => typeof inputs[k] === "number";
        if (known("length")) {
            const len = inputs.length as number;
            // int64validator.AtLeast(1) and AtLeastSumOf(min_upper, min_lower, min_numeric, min_special).
            if (len < 1) failures.push({ property: "length", reason: "length must be at least 1" });
            const mins = ["minUpper", "minLower", "minNumeric", "minSpecial"];
            if (mins.every(known)) {
                const sum = mins.reduce((s, k) => s + (inputs[k] as number), 0);
                if (len < sum) failures.push({ property: "length", reason: `length must be at least the sum of the minimums (${sum})` });
            }
        }
        return { inputs, failures };
    },

    async diff(_id, _urn, olds, news) {
        const o = unwrapSecrets(olds) as Record<string, unknown>;
        const n = unwrapSecrets(news) as Record<string, unknown>;
        const replaces: string[] = [];
        let changes = false;
        for (const k of REPLACING) {
            if (containsUnknown(n[k]) || !sameValue(o[k], n[k])) replaces.push(k);
        }
        // RequiresReplaceUnlessEmptyStringToNull: "" -> null is an in-place update.
        if (!sameValue(o.overrideSpecial, n.overrideSpecial)) {
            if (o.overrideSpecial === "" && n.overrideSpecial === undefined) changes = true;
            else replaces.push("overrideSpecial");
        }
        // RequiresReplaceIfValuesNotNull: a keeper change replaces unless every new value is null.
        if (!sameValue(o.keepers, n.keepers)) {
            const vals = Object.values((n.keepers ?? {}) as Record<string, unknown>);
            if (vals.length > 0 && vals.every((v) => v === null)) changes = true;
            else replaces.push("keepers");
        }
        return { changes: changes || replaces.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(urn, inputs) {
        if (typeOf(urn) !== TYPE) throw new Error(`stand-in random provider: unsupported type in ${urn}`);
        const p = unwrapSecrets(inputs) as Inputs;
        const result = createString(p);
        // No bcryptHash: upstream hashes with golang.org/x/crypto/bcrypt and no bcrypt library is
        // installed here; this program never reads bcryptHash. The SDK marks `result` secret
        // (@pulumi/random randomPassword.js additionalSecretOutputs), so the engine encrypts it.
        return { id: "none", outs: { ...p, result } };
    },

    // Upstream Read is a no-op: the value exists only in state.
    async read(id, _urn, props) {
        return { id, props };
    },

    // Upstream Update copies the plan to state; only non-replacing changes reach it (diff above).
    async update(_id, _urn, olds, news) {
        const o = unwrapSecrets(olds) as Record<string, unknown>;
        return { outs: { ...(unwrapSecrets(news) as object), result: o.result } };
    },

    // Upstream Delete only drops the state.
    async delete() {},
};

// Serve only when run as the plugin, so tests can import createString and the handlers.
if (require.main === module) {
    provider.main(randomProvider, process.argv.slice(2)).catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
