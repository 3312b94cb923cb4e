/**
 * Platform module `apps`: seed 000's application services on the nodes of the distribution table,
 * and seed 003's per-node runtime (herodb; PostgreSQL + PostgREST where a node enables it).
 */
import { NodeService } from "../workload/service";
import * as pulumi from "@pulumi/pulumi";
import type { ModuleOutputs, NodeContext, PlatformModule } from "../../stacks/context";
import { appsScrape } from "./scrape";
import { APPS_RESERVED_PORTS } from "./contract";
import { validateApps } from "./validate";
import type { Topology } from "../../stacks/schema";
import type { SecretRequest } from "../secrets";
import { ImageSource } from "../workload/spec";
import { buildHerodbWorkload, buildNodePostgresWorkload, buildPostgrestWorkload, postgrestRolesSql } from "./runtime";
import { AppServiceConfig, buildAppWorkload, NodeFacts, renderServiceTable, unwiredDependencies } from "./services";
import { APP_SECRET_NAMES, appNode, appWiringFor, serviceDatabase } from "./wiring";

/** Images used when `topology.images` has no entry of that key. */
export const DEFAULT_RUNTIME_IMAGES: Readonly<Record<string, ImageSource>> = {
    // --ready (the healthcheck) needs PostgREST v14+ (PostgREST#4269); pin the digest in Pulumi.yaml.
    postgrest: { repository: "docker.io/postgrest/postgrest", tag: "v14.0" },
};

export const POSTGREST_ANON_ROLE = "web_anon";
export const POSTGREST_SCHEMAS: readonly string[] = ["api"];

/** Per-node secrets of the runtime, keyed by node. */
export const RUNTIME_SECRET_NAMES = {
    nodePostgres: (node: string) => `apps-node-postgres-${node}`,
    postgrestAuthenticator: (node: string) => `apps-postgrest-authenticator-${node}`,
    postgrestJwt: (node: string) => `apps-postgrest-jwt-${node}`,
} as const;

function nodeFacts(t: Topology): Record<string, NodeFacts> {
    return Object.fromEntries(Object.entries(t.nodes).map(([n, s]) => [n, { role: s.role, gpu: s.gpu !== undefined }]));
}

/** The services of the topology, in the apps' own (structurally identical) type. */
function servicesOf(t: Topology): Record<string, AppServiceConfig> {
    return t.services as Record<string, AppServiceConfig>;
}

/** README table of seed 000's distribution, generated from the topology (plus Daedalus). */
export function serviceDistributionMarkdown(t: Topology): string {
    const nodes = Object.keys(t.nodes);
    const extra = t.daedalus ? [{ title: "Daedalus :22181 (api :8000 internal)", cells: { [t.daedalus.node]: "✓" } }] : [];
    const runtime = [
        {
            title: "herodb (node-local, not protected)",
            // Enabled but not deployable until images.herodb names an image (herodb publishes none).
            cells: Object.fromEntries(nodes.filter((n) => t.nodes[n]!.runtime.herodb).map((n) => [n, t.images.herodb ? "✓" : "✓ (needs images.herodb)"])),
        },
        { title: "PostgreSQL + PostgREST :3000 (node-local)", cells: Object.fromEntries(nodes.filter((n) => t.nodes[n]!.runtime.postgrest).map((n) => [n, "✓"])) },
        ...(t.ingress ? [{ title: "HAProxy :80/:443 (stats :8404 private)", cells: Object.fromEntries(t.ingress.nodes.map((n) => [n, "✓"])) }] : []),
    ];
    return renderServiceTable(servicesOf(t), nodes, [...extra, ...runtime]);
}

export const appsModule: PlatformModule = {
    name: "apps",
    ports: APPS_RESERVED_PORTS,
    validate: validateApps,
    scrape: appsScrape,

    secrets(t) {
        const names = new Set<string>();
        for (const [name, svc] of Object.entries(servicesOf(t))) {
            const uses = svc.uses ?? [];
            if (uses.includes("nats")) names.add(APP_SECRET_NAMES.natsUser(name));
            if (uses.includes("postgres")) names.add(APP_SECRET_NAMES.postgresUser(serviceDatabase(name, svc)));
            if (uses.includes("s3")) names.add(APP_SECRET_NAMES.minioUser(name));
        }
        for (const [node, spec] of Object.entries(t.nodes)) {
            if (!spec.runtime.postgrest) continue;
            names.add(RUNTIME_SECRET_NAMES.nodePostgres(node));
            names.add(RUNTIME_SECRET_NAMES.postgrestAuthenticator(node));
        }
        const requests: SecretRequest[] = [...names].sort().map((name) => ({ name }));
        // PostgREST verifies HS256 JWTs with this secret; it must be at least 32 characters.
        for (const node of Object.keys(t.nodes).filter((n) => t.nodes[n]!.runtime.postgrest)) requests.push({ name: RUNTIME_SECRET_NAMES.postgrestJwt(node), length: 48 });
        return requests;
    },

    deployNode(ctx: NodeContext): ModuleOutputs | void {
        const t = ctx.topology;
        const all = servicesOf(t);
        // validateAppServices runs before anything is declared (./validate.ts, a finding per key).
        const placed = Object.fromEntries(Object.entries(all).filter(([, s]) => s.placement[ctx.nodeName] !== undefined));
        const runtime = ctx.node.runtime;
        if (Object.keys(placed).length === 0 && !runtime.herodb && !runtime.postgrest) return;

        return new NodeService("daarion:apps:NodeApps", `${ctx.nodeName}-apps`, ctx.deploy, (deploy) => {
            const node = appNode(ctx, ctx.nodeName, ctx.node.gpu !== undefined);
            const { perService } = appWiringFor(ctx, ctx.nodeName, placed);
            const endpoints: Record<string, string> = {};
            for (const name of Object.keys(placed).sort()) {
                const svc = placed[name]!;
                const wiring = perService[name]!;
                // Dependencies whose credentials no module provides were reported by appWiringFor;
                // the service is deployed without them rather than with an invented credential.
                const missing = new Set(unwiredDependencies(svc, wiring));
                const uses = (svc.uses ?? []).filter((u) => !missing.has(u));
                const spec = buildAppWorkload(name, { ...svc, uses }, node, wiring)!;
                deploy(spec);
                if (svc.port > 0) endpoints[name] = ctx.resolver.endpoint(ctx.nodeName, name, svc.port);
            }

            if (runtime.herodb) {
                const image = t.images.herodb;
                if (image) deploy(buildHerodbWorkload({ image }));
                // herodb publishes no image: without images.herodb there is nothing to run.
                else ctx.warn(`nodes.${ctx.nodeName}.runtime.herodb: no image configured (images.herodb: a digest or a build context of the herodb repository); herodb is not deployed`);
            }
            if (runtime.postgrest) {
                const pgImage = t.images["node-postgres"] ?? t.images.postgres;
                if (!pgImage) throw new Error(`nodes.${ctx.nodeName}.runtime.postgrest: images.postgres (or images.node-postgres) is required for the node-local PostgreSQL`);
                const authPassword = ctx.secrets.get(RUNTIME_SECRET_NAMES.postgrestAuthenticator(ctx.nodeName));
                deploy(
                    buildNodePostgresWorkload({
                        image: pgImage,
                        password: ctx.secrets.get(RUNTIME_SECRET_NAMES.nodePostgres(ctx.nodeName)),
                        initSql: authPassword.apply((pw) => postgrestRolesSql({ authenticatorPassword: pw, anonRole: POSTGREST_ANON_ROLE, schemas: POSTGREST_SCHEMAS })),
                    }),
                );
                // The container name resolves on the node's Docker network, here and on the local engine.
                const dbHost = ctx.resolver.sameNode(ctx.nodeName, "node-postgres");
                deploy(
                    buildPostgrestWorkload({
                        image: t.images.postgrest ?? DEFAULT_RUNTIME_IMAGES.postgrest!,
                        dbUri: pulumi.secret(authPassword.apply((pw) => `postgres://authenticator:${encodeURIComponent(pw)}@${dbHost}:5432/app`)),
                        schemas: POSTGREST_SCHEMAS,
                        anonRole: POSTGREST_ANON_ROLE,
                        jwtSecret: ctx.secrets.get(RUNTIME_SECRET_NAMES.postgrestJwt(ctx.nodeName)),
                        dependsOn: ["node-postgres"],
                    }),
                );
                endpoints.postgrest = ctx.resolver.endpoint(ctx.nodeName, "postgrest", 3000);
            }
            return { services: Object.keys(placed).sort(), endpoints };
        }).exports;
    },
};
