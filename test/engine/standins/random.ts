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
import { type Props, type ProviderTable, serve, standinProvider } from "./engine";

const TYPE = "random:index/randomPassword:RandomPassword";

/** passwordSchemaV3: `Default: booldefault.StaticBool(true)` / `int64default.StaticInt64(0)`. */
const DEFAULTS = { special: true, upper: true, lower: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 } as const;
/** Every input of passwordSchemaV3 carries a RequiresReplace plan modifier (keepers and overrideSpecial conditionally, below). */
const REPLACING = ["length", "special", "upper", "lower", "numeric", "number", "minUpper", "minLower", "minNumeric", "minSpecial"] as const;
const PASSWORD = "hashicorp/terraform-provider-random@v3.9.0:internal/provider/resource_password.go passwordSchemaV3";

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

export const randomTable: ProviderTable = {
    name: "random",
    version: "4.21.2",
    resources: {
        [TYPE]: {
            source: PASSWORD,
            required: ["length"],
            replaceOn: {
                ...Object.fromEntries(REPLACING.map((k) => [k, `${PASSWORD} RequiresReplace`])),
                // RequiresReplaceUnlessEmptyStringToNull: "" -> null is an in-place update.
                overrideSpecial: {
                    source: `${PASSWORD} RequiresReplaceUnlessEmptyStringToNull`,
                    when: (o, n) => !(o.overrideSpecial === "" && n.overrideSpecial === undefined),
                },
                // RequiresReplaceIfValuesNotNull: a keeper change replaces unless every new value is null.
                keepers: {
                    source: `${PASSWORD} RequiresReplaceIfValuesNotNull`,
                    when: (_o, n) => {
                        const vals = Object.values((n.keepers ?? {}) as Props);
                        return !(vals.length > 0 && vals.every((v) => v === null));
                    },
                },
            },
            defaults: DEFAULTS,
            // `number` is the deprecated twin of `numeric`; upstream keeps them equal.
            derive: (i) => (i.number === undefined ? { number: i.numeric } : {}),
            validate: (inputs) => {
                const failures: { property: string; reason: string }[] = [];
                const known = (k: string) => typeof inputs[k] === "number";
                if (!known("length")) return failures;
                const len = inputs.length as number;
                // int64validator.AtLeast(1) and AtLeastSumOf(min_upper, min_lower, min_numeric, min_special).
                if (len < 1) failures.push({ property: "length", reason: "length must be at least 1" });
                const mins = ["minUpper", "minLower", "minNumeric", "minSpecial"];
                if (mins.every(known)) {
                    const sum = mins.reduce((s, k) => s + (inputs[k] as number), 0);
                    if (len < sum) failures.push({ property: "length", reason: `length must be at least the sum of the minimums (${sum})` });
                }
                return failures;
            },
            // No bcryptHash: upstream hashes with golang.org/x/crypto/bcrypt and no bcrypt library is
            // installed here; this program never reads bcryptHash. The SDK marks `result` secret
            // (@pulumi/random randomPassword.js additionalSecretOutputs), so the engine encrypts it.
            // Upstream Read is a no-op and Update copies the plan: the value exists only in state.
            generate: { keys: ["result"], make: (i) => ({ result: createString(i as unknown as Inputs) }) },
            id: () => "none",
        },
    },
};

export const randomProvider = standinProvider(randomTable);

// Serve only when run as the plugin, so tests can import createString and the table.
if (require.main === module) serve(randomTable);
