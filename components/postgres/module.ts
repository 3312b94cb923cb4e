/**
 * Platform module `postgres`: the primary/replica pair of seed 000 as workloads (rendered files
 * from ./render.ts), and, in the stack that owns shared state, the databases and owner roles of
 * seed 004 (Daedalus) and of every service that uses PostgreSQL, through @pulumi/postgresql.
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import type { DeploymentContext, ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { postgresScrape } from "./scrape";
import { postgresDiagram, postgresDistribution } from "./docs";
import type { Topology } from "../../stacks/schema";
import { AGENT_SHARED_VOLUME } from "../agent/render";
import { DOCKER_BRIDGE_RANGE } from "../network/cidr";
import { postgresAlertOptions, postgresAlerts } from "./alerts";
import { validatePostgres } from "./validate";
import { postgresConnectionUrl, POSTGRES_RESERVED_PORTS, POSTGRES_SECRET_NAMES, POSTGRES_WORKLOAD, serviceDatabase } from "./contract";
import type { AddressResolver } from "../workload/addresses";
import type { ImageSource, WorkloadPort, WorkloadSpec } from "../workload/spec";
import { CONTAINER_POSTGRES_PATHS, PostgresNodeSpec, POSTGRES_FILES, renderPostgresNodeFiles } from "./render";
import { postgresRoleOf, PostgresTopology } from "./topology";
import { postgresDashboards } from "./dashboards";

export { POSTGRES_WORKLOAD } from "./contract";
export const POSTGRES_SECRETS = { superuser: POSTGRES_SECRET_NAMES.superuser, replication: POSTGRES_SECRET_NAMES.replication } as const;
export const DEFAULT_POSTGRES_IMAGE: ImageSource = { repository: "docker.io/library/postgres", tag: "15.10-bookworm" };
/** Host port of the primary on the local engine (127.0.0.1 only), where the Pulumi provider connects. */
export const LOCAL_ADMIN_PORT = 15432;

/** The primary's port as the postgresql provider of `pulumi up` dials it (WorkloadPort.admin). */
export function postgresAdminPort(port: number): WorkloadPort {
    return { name: "postgres", containerPort: port, admin: { localPort: LOCAL_ADMIN_PORT } };
}

/** Every database with an owner role of the same name: the configured ones plus one per service that uses PostgreSQL. */
export function postgresDatabases(t: Topology): string[] {
    const dbs = new Set(t.replication.postgresql.databases);
    for (const [name, svc] of Object.entries(t.services)) {
        if (svc.uses.includes("postgres")) dbs.add(serviceDatabase(name, svc));
    }
    if (t.daedalus) dbs.add(t.daedalus.database);
    return [...dbs].sort();
}

/** The replication block as the renderers' topology, addressed through the runtime's resolver. */
export function postgresTopologyFor(t: Topology, resolver: AddressResolver): PostgresTopology {
    const pg = t.replication.postgresql;
    const node = (name: string) => ({ name, privateIp: t.nodes[name]!.privateIp, host: resolver.host(name, POSTGRES_WORKLOAD) });
    return {
        primary: node(pg.primary),
        replicas: pg.replicas.map(node),
        port: pg.port,
        // The private network, and the node's own containers (their traffic to the published port
        // arrives from the Docker bridge, not from the private IP).
        clientCidrs: [t.network.ipRange, DOCKER_BRIDGE_RANGE],
    };
}

/** `postgresql+asyncpg://<role>:<password>@<primary>:<port>/<db>` (seed 004), secret. */
export function postgresUrl(t: Topology, resolver: AddressResolver, db: string, password: pulumi.Input<string>, scheme = "postgresql+asyncpg"): pulumi.Output<string> {
    const pg = t.replication.postgresql;
    const endpoint = resolver.endpoint(pg.primary, POSTGRES_WORKLOAD, pg.port);
    return pulumi.secret(pulumi.output(password).apply((pw) => postgresConnectionUrl({ scheme, role: db, password: pw, hostPort: endpoint, database: db })));
}

export interface PostgresWorkloadArgs {
    readonly spec: PostgresNodeSpec;
    readonly image: ImageSource;
    readonly superuserPassword: pulumi.Input<string>;
    readonly replicationPassword: pulumi.Input<string>;
    /** The postgresql provider of `pulumi up` dials this instance (the primary): its port is an admin port. */
    readonly adminTarget?: boolean;
    /** @default 2048 */
    readonly memoryMb?: number;
}

/** The WorkloadSpec of one PostgreSQL node (pure apart from combining the secret inputs). */
export function buildPostgresWorkload(args: PostgresWorkloadArgs): WorkloadSpec {
    const { spec } = args;
    const role = postgresRoleOf(spec.topology, spec.node)!;
    const p = spec.paths;
    const files = pulumi.all([args.superuserPassword, args.replicationPassword]).apply(([superuserPassword, replicationPassword]) =>
        renderPostgresNodeFiles(spec, { superuserPassword, replicationPassword }),
    );
    const file = (name: string) => files.apply((f) => f[name]!);
    const port = spec.topology.port ?? 5432;
    return {
        name: POSTGRES_WORKLOAD,
        service: "postgres",
        role,
        image: args.image,
        // The entrypoint starts as root (to hand the secrets to the server user) and drops to it with gosu.
        entrypoint: ["bash", `${p.configDir}/${POSTGRES_FILES.entrypoint}`],
        command: [],
        files: [
            { path: `${p.configDir}/${POSTGRES_FILES.conf}`, content: file(POSTGRES_FILES.conf) },
            { path: `${p.configDir}/${POSTGRES_FILES.hba}`, content: file(POSTGRES_FILES.hba) },
            { path: `${p.configDir}/${POSTGRES_FILES.entrypoint}`, content: file(POSTGRES_FILES.entrypoint), mode: 0o755 },
            { path: `${p.secretsDir}/${POSTGRES_FILES.pgpass}`, content: file(POSTGRES_FILES.pgpass), secret: true, mode: 0o600 },
            { path: `${p.secretsDir}/${POSTGRES_FILES.bootstrapSql}`, content: file(POSTGRES_FILES.bootstrapSql), secret: true, mode: 0o600 },
        ],
        // The data dir is a subdirectory of the volume: the entrypoint renames it when it fences/re-clones.
        volumes: [
            { key: "data", containerPath: p.dataDir.slice(0, p.dataDir.lastIndexOf("/")), stateful: true },
            // The node agent's fencing hand-off (components/agent/config.ts AGENT_STATE_FILES); the
            // agent mounts this volume too. Not stateful: losing it is safe, because a node without
            // `writable-until` never starts writable.
            { key: AGENT_SHARED_VOLUME.key, containerPath: AGENT_SHARED_VOLUME.containerPath, stateful: false },
        ],
        ports: [
            args.adminTarget ? postgresAdminPort(port) : { name: "postgres", containerPort: port },
        ],
        // The socket dir only has a socket once the real server runs (not during bootstrap/maintenance).
        probe: { check: { exec: ["pg_isready", "-h", p.socketDir, "-p", String(port)] }, startPeriod: "300s" },
        // Databases and roles are created through the primary right after it: wait for it to answer.
        // Not on replicas, whose first pg_basebackup may take longer than any sensible timeout.
        waitHealthy: role === "primary",
        memoryMb: args.memoryMb ?? 2048,
    };
}

export interface PostgresDatabasesArgs {
    /** Address the Pulumi engine reaches the primary at. */
    readonly host: string;
    readonly port: number;
    readonly superuserPassword: pulumi.Input<string>;
    /** Database names; each gets an owner role of the same name. */
    readonly databases: readonly string[];
    /** Owner role password per database. */
    readonly passwords: Readonly<Record<string, pulumi.Input<string>>>;
    /** The primary's container. */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * Databases and owner roles on the primary. No Grant resources: the owner holds every privilege on
 * its database, and in PostgreSQL 15 the `public` schema belongs to pg_database_owner. Grants are
 * where pulumi-postgresql#233 bites (a perpetual diff whose create-then-delete replacement revokes
 * the grant it just re-applied).
 */
export class PostgresDatabases extends pulumi.ComponentResource {
    public readonly databases: Record<string, postgresql.Database>;

    constructor(name: string, args: PostgresDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("daarion:postgres:Databases", name, {}, opts);
        const provider = new postgresql.Provider(
            `${name}-primary`,
            {
                host: args.host,
                port: args.port,
                username: "postgres",
                password: pulumi.secret(args.superuserPassword),
                database: "postgres",
                superuser: true,
                // TLS is not configured on the private network (docs/replication.md).
                sslmode: "disable",
                connectTimeout: 180,
            },
            { parent: this },
        );
        const child = { parent: this, provider, dependsOn: args.dependsOn };
        this.databases = {};
        for (const db of args.databases) {
            // Retained with its database: PostgreSQL refuses DROP ROLE while the role owns a database
            // ("role ... cannot be dropped because some objects depend on it", postgresql.org/docs/15/sql-droprole.html),
            // so deleting it would fail the `up` that retires a service (issue 11 finding 5).
            const role = new postgresql.Role(`${name}-${db}`, { name: db, login: true, password: pulumi.secret(args.passwords[db]!) }, { ...child, retainOnDelete: true });
            this.databases[db] = new postgresql.Database(
                `${name}-${db}`,
                { name: db, owner: role.name, encoding: "UTF8", template: "template0" },
                // Application data: never dropped (retainOnDelete: no DROP DATABASE on delete or
                // replacement). Not protected, so retiring a service removes it from the stack and
                // keeps it on the server (issue 11 finding 5; the data volume stays protected).
                { ...child, retainOnDelete: true },
            );
        }
        this.registerOutputs({});
    }
}

function imageOf(t: Topology): ImageSource {
    return t.images.postgres ?? DEFAULT_POSTGRES_IMAGE;
}

export const postgresModule: PlatformModule = {
    name: "postgres",
    runbook: "components/postgres/runbook.md",
    // Rendered whatever the topology, as before the dashboards moved here (the Grafana files stay byte-identical).
    dashboards: () => postgresDashboards(),
    ports: POSTGRES_RESERVED_PORTS,
    validate: validatePostgres,
    alerts: (t) => [postgresAlerts(postgresAlertOptions(t))],
    scrape: postgresScrape,
    distribution: postgresDistribution,
    diagram: postgresDiagram,

    secrets(t) {
        return [
            { name: POSTGRES_SECRETS.superuser },
            { name: POSTGRES_SECRETS.replication },
            ...postgresDatabases(t).map((db) => ({ name: POSTGRES_SECRET_NAMES.user(db) })),
        ];
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const topology = postgresTopologyFor(t, ctx.resolver);
        const role = postgresRoleOf(topology, ctx.nodeName);
        if (!role) return;
        const spec: PostgresNodeSpec = {
            topology,
            node: ctx.nodeName,
            paths: CONTAINER_POSTGRES_PATHS,
            // Inside the container; the runtime publishes the port on the node's private IP only.
            listenAddresses: ["*"],
            // One Docker network: `samenet`; a cluster: its pod ranges; hosts: the topology's IPs.
            peerNetworks: ctx.runtime.singleHost ? ["samenet"] : ctx.runtime.peersUseNodeAddresses ? undefined : ctx.runtime.workloadRanges,
            tuning: { sharedBuffersMb: 512 },
            // With a postgres failover group the node agent's lease decides the role (launcher
            // failover mode, components/postgres/render.ts); the state dir is the shared volume.
            ...(t.failover?.groups.postgres ? { failover: { stateDir: AGENT_SHARED_VOLUME.containerPath } } : {}),
        };
        const endpoint = ctx.resolver.endpoint(ctx.nodeName, POSTGRES_WORKLOAD, topology.port ?? 5432);
        return new NodeService("daarion:postgres:Server", `${ctx.nodeName}-postgres`, ctx.deploy, (deploy) => {
            deploy(
                buildPostgresWorkload({
                    spec,
                    image: imageOf(t),
                    superuserPassword: ctx.secrets.get(POSTGRES_SECRETS.superuser),
                    replicationPassword: ctx.secrets.get(POSTGRES_SECRETS.replication),
                    adminTarget: role === "primary",
                }),
            );
            return { role, endpoint };
        }).exports;
    },

    deployShared(ctx: DeploymentContext): ModuleOutputs | void {
        const t = ctx.topology;
        const pg = t.replication.postgresql;
        const dbs = postgresDatabases(t);
        const primary = ctx.workloads.get(`${pg.primary}/${POSTGRES_WORKLOAD}`);
        // The topology's adminEndpoint is a tunnel into the nodes' private network; the local engine
        // always publishes the primary on loopback, whatever the shared topology says.
        const admin = (ctx.runtime.singleHost ? undefined : pg.adminEndpoint) ?? ctx.runtime.adminEndpoint(pg.primary, POSTGRES_WORKLOAD, postgresAdminPort(pg.port));
        const passwords = Object.fromEntries(dbs.map((db) => [db, ctx.secrets.get(POSTGRES_SECRET_NAMES.user(db))]));
        new PostgresDatabases("postgres", {
            // The Pulumi engine runs outside the nodes: on Hetzner it needs a route into the private
            // network (VPN/SSH tunnel); on the local engine the primary is published on loopback.
            host: admin.slice(0, admin.lastIndexOf(":")),
            port: Number(admin.slice(admin.lastIndexOf(":") + 1)),
            superuserPassword: ctx.secrets.get(POSTGRES_SECRETS.superuser),
            databases: dbs,
            passwords,
            dependsOn: primary ? [primary.resource] : [],
        });
        return {
            primary: ctx.resolver.endpoint(pg.primary, POSTGRES_WORKLOAD, pg.port),
            replicas: pg.replicas.map((n) => ctx.resolver.endpoint(n, POSTGRES_WORKLOAD, pg.port)),
            databaseUrls: pulumi.secret(pulumi.all(Object.fromEntries(dbs.map((db) => [db, postgresUrl(t, ctx.resolver, db, passwords[db]!)])))),
        };
    },
};
