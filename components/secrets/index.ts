/**
 * Shared secrets: generated once with @pulumi/random in the stack that owns shared state (the
 * primary's, or `local`), exported as one secret map, and read by every other stack through a
 * StackReference. Every stack computes the same catalogue from the topology, so a missing name
 * fails the program instead of deploying a service without its credential.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface SecretRequest {
    /** Stable key, e.g. `postgres-replication`, `nats-user-gateway`. */
    readonly name: string;
    /** @default 32 */
    readonly length?: number;
    /**
     * Allow punctuation. Off by default: these values end up in URLs, config files and shell
     * scripts, where punctuation needs escaping that each renderer would have to get right.
     */
    readonly special?: boolean;
}

export interface SharedSecretsArgs {
    readonly catalogue: readonly SecretRequest[];
    /**
     * The owner stack's `sharedSecrets` output (from a StackReference): read instead of
     * generating. Every stack but the owner passes it.
     */
    readonly fromOwner?: pulumi.Output<unknown>;
}

export class SharedSecrets extends pulumi.ComponentResource {
    /** The whole map, secret; the owner stack exports it as `sharedSecrets`. */
    public readonly all: pulumi.Output<Record<string, string>>;
    private readonly names: Set<string>;

    constructor(name: string, args: SharedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:secrets:SharedSecrets", name, {}, opts);
        this.names = new Set(args.catalogue.map((s) => s.name));
        if (args.fromOwner) {
            this.all = pulumi.secret(args.fromOwner as pulumi.Output<Record<string, string>>);
        } else {
            const values: Record<string, pulumi.Output<string>> = {};
            for (const s of args.catalogue) {
                values[s.name] = new random.RandomPassword(
                    `${name}-${s.name}`,
                    { length: s.length ?? 32, special: s.special ?? false },
                    // A regenerated password locks every client out: keep them unless replaced on purpose.
                    { parent: this, protect: true },
                ).result;
            }
            this.all = pulumi.secret(pulumi.all(values));
        }
        this.registerOutputs({ all: this.all });
    }

    /** One secret by name; throws for a name that is not in the catalogue. */
    get(name: string): pulumi.Output<string> {
        if (!this.names.has(name)) throw new Error(`secret '${name}' is not in the shared-secret catalogue (stacks/secrets.ts)`);
        return pulumi.secret(
            this.all.apply((all) => {
                const value = all[name];
                if (value === undefined) throw new Error(`shared secret '${name}' is missing from the owner stack's outputs: run \`pulumi up\` on it first`);
                return value;
            }),
        );
    }
}
