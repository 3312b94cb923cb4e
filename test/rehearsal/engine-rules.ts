/**
 * What the providers of this program do, as data the rehearsal engine (engine.ts) applies:
 * which input changes replace a resource, what a resource is called on the server (for name
 * collisions), and what the dynamic providers' own diff says. Each rule names its source; a type
 * or key not listed here is modelled as an in-place update (stated, not verified).
 */
import { diffNatsKeyValue, diffNatsStream, NatsKeyValueProps, NatsStreamProps } from "../../components/nats/jetstream-provider";
import { diffCollection, QdrantCollectionOutputs, QdrantCollectionProps } from "../../components/qdrant/collection";

/** "*" = every input (the provider has no update for the resource). */
export const REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
    // hashicorp/terraform-provider-random internal/provider/resource_password.go: every attribute of
    // random_password carries a RequiresReplace plan modifier; rotation = replacement.
    "random:index/randomPassword:RandomPassword": ["*"],
    // kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container.go: the
    // schema marks image, name, envs, uploads, volumes, ports, command... ForceNew; its update func
    // changes only restart/resource limits. Modelled as "*" (conservative: containers are never
    // protected, so an over-reported replace cannot hide a blocked plan).
    "docker:index/container:Container": ["*"],
    // The Docker Engine API has no update for volumes or networks (docs.docker.com/reference/api/engine:
    // /volumes and /networks offer create/inspect/remove only).
    "docker:index/volume:Volume": ["*"],
    "docker:index/network:Network": ["*"],
    // resource_docker_image.go (RemoteImage): `name` is ForceNew.
    "docker:index/remoteImage:RemoteImage": ["name"],
    // hetznercloud/terraform-provider-hcloud internal/server/resource.go: location, image, user_data,
    // ssh_keys are ForceNew (ssh_keys: terraform-provider-hcloud#737); name, server_type, firewalls,
    // placement group and protections are updated in place (rename, resize, attach).
    "hcloud:index/server:Server": ["location", "image", "userData", "sshKeys"],
    // internal/volume/resource.go: location is ForceNew; size grows in place.
    "hcloud:index/volume:Volume": ["location"],
    "hcloud:index/volumeAttachment:VolumeAttachment": ["serverId", "volumeId"],
    "hcloud:index/serverNetwork:ServerNetwork": ["serverId", "networkId", "ip"],
    // cyrilgdn/terraform-provider-postgresql postgresql/resource_postgresql_database.go: template,
    // encoding, lc_collate, lc_ctype are ForceNew; name is renamed in place (ALTER DATABASE RENAME).
    "postgresql:index/database:Database": ["template", "encoding", "lcCollate", "lcCtype"],
    // aminueza/terraform-provider-minio minio/resource_minio_s3_bucket.go: `bucket` is ForceNew
    // (S3 has no bucket rename).
    "minio:index/s3Bucket:S3Bucket": ["bucket"],
};

/**
 * Name on the server, for collisions with objects left behind (retainOnDelete, a previous stack).
 * `adopts`: creating it again reuses the existing object instead of failing.
 */
export const SERVER_NAME: Readonly<Record<string, { key: string; adopts: boolean; source: string }>> = {
    // "If you specify a volume name already in use on the current driver, Docker assumes you want to
    // re-use the existing volume and does not return an error" (docs.docker.com/reference/cli/docker/volume/create/).
    // The old data stays: first-boot passwords (Neo4j, Grafana, PostgreSQL) are kept.
    "docker:index/volume:Volume": { key: "name", adopts: true, source: "docker volume create docs" },
    // Docker Engine API POST /containers/create: 409 Conflict when the name is in use (pulumi-docker#1356).
    "docker:index/container:Container": { key: "name", adopts: false, source: "Engine API 409, pulumi-docker#1356" },
    // PostgreSQL 15 docs, CREATE DATABASE: "ERROR: database ... already exists"; no IF NOT EXISTS.
    "postgresql:index/database:Database": { key: "name", adopts: false, source: "postgresql.org/docs/15/sql-createdatabase.html" },
    // PostgreSQL 15 docs, CREATE ROLE: "ERROR: role ... already exists"; no IF NOT EXISTS.
    "postgresql:index/role:Role": { key: "name", adopts: false, source: "postgresql.org/docs/15/sql-createrole.html" },
    // Hetzner Cloud API POST /servers: `name` "must be unique per Project" (uniqueness_error).
    "hcloud:index/server:Server": { key: "name", adopts: false, source: "docs.hetzner.cloud #servers-create-a-server" },
};

export interface DynamicDiff {
    readonly changes: boolean;
    readonly replaces: readonly string[];
    readonly deleteBeforeReplace: boolean;
}

/**
 * A diff whose `changes` is undefined is "diff unknown" to the dynamic-provider host, which the engine
 * plans as an update (@pulumi/pulumi@3.248.0 cmd/dynamic-provider/index.js maps `changes` to
 * DIFF_SOME / DIFF_NONE / DIFF_UNKNOWN; pulumi/pulumi pkg/resource/deploy/step_generator.go).
 */
function knownDiff(d: { changes?: boolean; replaces: readonly string[]; deleteBeforeReplace: boolean }): DynamicDiff {
    return { changes: d.changes ?? true, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
}

/** The dynamic providers' own diff (the functions their `diff` calls), by resource type. */
export const DYNAMIC_DIFF: Readonly<Record<string, (olds: Record<string, unknown>, news: Record<string, unknown>) => DynamicDiff>> = {
    "pulumi-nodejs:dynamic/nats:Stream": (o, n) => knownDiff(diffNatsStream(o as unknown as NatsStreamProps, n as unknown as NatsStreamProps)),
    "pulumi-nodejs:dynamic/nats:KeyValue": (o, n) => knownDiff(diffNatsKeyValue(o as unknown as NatsKeyValueProps, n as unknown as NatsKeyValueProps)),
    "pulumi-nodejs:dynamic/qdrant:Collection": (o, n) => {
        const d = diffCollection(o as unknown as QdrantCollectionOutputs, n as unknown as QdrantCollectionProps);
        // components/qdrant/collection.ts qdrantCollectionProvider.diff: always deleteBeforeReplace.
        return { changes: d.replaces.length + d.changes.length > 0, replaces: d.replaces, deleteBeforeReplace: true };
    },
};

/** Top-level keys whose values differ (JSON comparison; secrets compare by their plaintext). */
export function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>, ignore: readonly string[] = []): string[] {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !k.startsWith("__") && !ignore.includes(k)));
    return [...keys].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
}

export function replacingKeys(type: string, changed: readonly string[]): string[] {
    const rule = REPLACE_ON[type] ?? [];
    return rule.includes("*") ? [...changed] : changed.filter((k) => rule.includes(k));
}
