/**
 * Shared secrets: generated once with @pulumi/random in the stack that owns shared state (the
 * primary's, or `local`), exported as one secret map, and read by every other stack through a
 * StackReference. Every stack computes the same catalogue from the topology, so a name outside it
 * fails the program instead of deploying a service without its credential.
 *
 * Each consumer depends on the one secret it uses, never on an aggregate of all of them
 * (issue 11 finding 1). An aggregate `pulumi.all(...)` is unknown during a preview as soon as ONE
 * password is not created yet, so a single new secret made every consumer's input unknown: every
 * dynamic resource's `connection`, and every container's `envs`, which pulumi-docker replaces on
 * any change:
 * - kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container.go (the
 *   provider @pulumi/docker bridges): `"env"`, `"image"`, `"volumes"`, `"ports"` are `ForceNew: true`;
 * - hashicorp/terraform-plugin-sdk v2 helper/schema/schema.go `finalizeDiff`: for a ForceNew field
 *   `d.RequiresNew = d.Old != d.New || d.NewComputed` ("This field is being computed, hence a
 *   potential change in value, mark as causing a new resource").
 * So a container replaces in a preview exactly when a secret it really uses is not known yet.
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

/** Where a non-owner stack reads the shared secrets. */
export interface OwnerSecretsSource {
    /**
     * The owner stack's `sharedSecrets` output, read with `StackReference.getOutput` (undefined
     * while the owner has not exported it). One map, read per key by `SharedSecrets.get`.
     * - A StackReference is a read of an existing resource (@pulumi/pulumi 3.248.0
     *   stackReference.js: registered with `id: stackReferenceName`), so its outputs are the owner's
     *   last successful update, known during a preview too.
     * - `getOutput` marks the value secret when the owner exported it as a secret
     *   (stackReference.js `getOutput` -> `isSecretOutputName` over `secretOutputNames`, "the names
     *   of any stack outputs which contain secrets",
     *   https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/classes/StackReference.html);
     *   `get` wraps every value in `pulumi.secret` regardless.
     * - `getOutput`, not `requireOutput`: a missing map must be an unknown during a preview, not a
     *   thrown "Required output ... does not exist".
     */
    readonly outputs: pulumi.Output<unknown>;
    /** The owner stack's name, for the "apply it first" message. */
    readonly stack: string;
}

export interface SharedSecretsArgs {
    readonly catalogue: readonly SecretRequest[];
    /** Read instead of generating. Every stack but the owner passes it. */
    readonly fromOwner?: OwnerSecretsSource;
    /**
     * True during `pulumi preview` (and the preview phase of `pulumi up`).
     * @default pulumi.runtime.isDryRun()
     */
    readonly preview?: boolean;
}

/** The message a deployment (not a preview) fails with when the owner lacks a secret. */
export function missingSharedSecretMessage(name: string, ownerStack: string): string {
    return `shared secret '${name}' is missing from the outputs of stack '${ownerStack}': run \`pulumi up --stack ${ownerStack}\` first (it generates the shared secrets), then this stack`;
}

/**
 * A shared secret read from the owner's exported map. Absent from the map during a preview: an
 * unknown value, exactly what the engine shows for a password the owner's next `up` will create
 * (a PR that adds a service previews every stack before node1 is deployed with it). Absent during
 * an update: an error naming the stack to apply first.
 */
export function readOwnerSecret(map: unknown, name: string, ownerStack: string, preview: boolean): string | pulumi.Output<string> {
    const value = map !== null && typeof map === "object" ? (map as Record<string, unknown>)[name] : undefined;
    if (typeof value === "string") return value;
    if (preview) return pulumi.output(pulumi.unknown) as pulumi.Output<string>;
    throw new Error(missingSharedSecretMessage(name, ownerStack));
}

export class SharedSecrets extends pulumi.ComponentResource {
    private readonly names: Set<string>;
    /** Owner stack: one RandomPassword result per name. */
    private readonly generated = new Map<string, pulumi.Output<string>>();
    private readonly fromOwner?: OwnerSecretsSource;
    private readonly preview: boolean;

    constructor(name: string, args: SharedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:secrets:SharedSecrets", name, {}, opts);
        this.names = new Set(args.catalogue.map((s) => s.name));
        this.fromOwner = args.fromOwner;
        this.preview = args.preview ?? pulumi.runtime.isDryRun();
        if (!args.fromOwner) {
            for (const s of args.catalogue) {
                this.generated.set(
                    s.name,
                    new random.RandomPassword(
                        `${name}-${s.name}`,
                        { length: s.length ?? 32, special: s.special ?? false },
                        // Not protected: a credential can be generated again (rotation = replace), and a
                        // protected one blocks retiring the service that uses it (issue 11 finding 5).
                        // Its inputs never change by themselves, so it is never regenerated by accident.
                        { parent: this },
                    ).result,
                );
            }
        }
        this.registerOutputs({});
    }

    /** True in the stack that generates the secrets. */
    get owner(): boolean {
        return this.fromOwner === undefined;
    }

    /** One secret by name, depending on that secret only; throws for a name not in the catalogue. */
    get(name: string): pulumi.Output<string> {
        if (!this.names.has(name)) throw new Error(`secret '${name}' is not in the shared-secret catalogue (stacks/secrets.ts)`);
        const source = this.fromOwner;
        if (!source) return pulumi.secret(this.generated.get(name)!);
        return pulumi.secret(source.outputs.apply((map) => readOwnerSecret(map, name, source.stack, this.preview)));
    }

    /**
     * The owner's export (`sharedSecrets`): every secret, as one secret map. Only a stack output,
     * never an input of a resource: other stacks read it per key through `get`.
     */
    exportMap(): pulumi.Output<Record<string, string>> {
        if (!this.owner) throw new Error("only the owner stack exports the shared secrets");
        return pulumi.secret(pulumi.all(Object.fromEntries(this.generated)));
    }
}
