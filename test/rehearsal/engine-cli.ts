/**
 * Stand-ins for the CLI commands the local reset runs (scripts/local-reset.ts), applied to the
 * rehearsal engine's state and world. No Pulumi CLI and no Docker engine run here:
 * - `pulumi stack export`: the state as apitype.ResourceV3 (urn, type, protect, retainOnDelete, ...);
 * - `pulumi state unprotect --all`: clears protect on every resource of the stack;
 * - `pulumi destroy`: deletes in reverse order; PROTECT refuses, RETAIN_ON_DELETE keeps the object;
 * - `docker rm|volume rm|network rm`: removes the named objects from the world. A volume takes the
 *   server-side objects stored in it with it (DATA_IN_VOLUME).
 */
import type { ExportedResource } from "../../scripts/local-reset";
import { Platform, reveal } from "./engine";

/**
 * Where a server keeps an object: the volume (by name suffix) of the server that holds it.
 * postgres: PGDATA in `<node>-postgres-data`; MinIO buckets in `<node>-minio-data`; JetStream in
 * `<node>-nats-jetstream`; Qdrant collections in `<node>-qdrant-storage` (the workloads' volumes).
 */
export const DATA_IN_VOLUME: Readonly<Record<string, string>> = {
    "postgresql:index/database:Database": "-postgres-data",
    "postgresql:index/role:Role": "-postgres-data",
    "minio:index/s3Bucket:S3Bucket": "-minio-data",
    "pulumi-nodejs:dynamic/nats:Stream": "-nats-jetstream",
    "pulumi-nodejs:dynamic/nats:KeyValue": "-nats-jetstream",
    "pulumi-nodejs:dynamic/qdrant:Collection": "-qdrant-storage",
};

export function exportStack(p: Platform, stack: string): ExportedResource[] {
    return [...p.state(stack).resources.values()].map((s) => ({
        urn: `urn:pulumi:${stack}::daarion::${s.type}::${s.name}`,
        type: s.type,
        custom: true,
        protect: s.protect,
        retainOnDelete: s.retainOnDelete,
        inputs: reveal(s.inputs) as Record<string, unknown>,
        outputs: reveal(s.outputs) as Record<string, unknown>,
    }));
}

/** Run one command of a reset plan against the engine; throws as the CLI would fail. */
export function runCommand(p: Platform, argv: readonly string[]): void {
    const [tool, ...args] = argv;
    const stack = args.includes("--stack") ? args[args.indexOf("--stack") + 1]! : "";
    if (tool === "pulumi" && args[0] === "state" && args[1] === "unprotect") {
        for (const s of p.state(stack).resources.values()) s.protect = false;
        return;
    }
    if (tool === "pulumi" && args[0] === "destroy") {
        const st = p.state(stack);
        for (const [key, s] of [...st.resources].reverse()) {
            if (s.protect) throw new Error(`unable to delete resource ${s.name}: it is protected`);
            if (!s.retainOnDelete) p.removeObject(s);
            st.resources.delete(key);
        }
        st.outputs = undefined;
        return;
    }
    if (tool === "docker") {
        const kind = args[0] === "rm" ? "container" : args[0] === "volume" ? "volume" : args[0] === "network" ? "network" : undefined;
        if (!kind) throw new Error(`docker stand-in: unsupported ${argv.join(" ")}`);
        const names = new Set(args.filter((a) => !a.startsWith("-") && !["rm", "volume", "network"].includes(a)));
        const touched = new Set<string>();
        for (const [k, o] of [...p.world]) {
            if (o.type === `docker:index/${kind}:${kind[0]!.toUpperCase()}${kind.slice(1)}` && names.has(o.serverName)) {
                p.world.delete(k);
                touched.add(o.stack);
            }
        }
        if (kind === "volume") {
            const volumes = p.worldOf("docker:index/volume:Volume");
            for (const [k, o] of [...p.world]) {
                const suffix = DATA_IN_VOLUME[o.type];
                if (suffix && touched.has(o.stack) && !volumes.some((v) => v.stack === o.stack && v.serverName.endsWith(suffix))) p.world.delete(k);
            }
        }
        return;
    }
    throw new Error(`no stand-in for ${argv.join(" ")}`);
}
