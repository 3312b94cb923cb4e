/**
 * Which registries a topology pulls from, and which need credentials. Pure (no Pulumi import).
 * Every Docker provider gets `registryAuth` for the declared private registry (pulumi-docker provider
 * config `registryAuth`: address, username, password; docs/_index.md), so the engine on each node
 * can pull the private app images.
 */
import type { ImageSpec, Topology } from "../../stacks/schema";

/** Registries that serve public images without credentials. */
export const PUBLIC_REGISTRIES: ReadonlySet<string> = new Set(["docker.io", "ghcr.io", "quay.io", "registry.k8s.io", "gcr.io", "mcr.microsoft.com", "public.ecr.aws"]);

/** Stack secrets that hold the private registry's credentials. */
export const REGISTRY_SECRET_KEYS = ["registryUsername", "registryPassword"] as const;

/** Registry host of a repository, by Docker's rule: a first component with a dot, a colon or `localhost`; else docker.io. */
export function registryHost(repository: string): string {
    const first = repository.split("/")[0]!;
    return repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/** Every image the topology declares, with the config path it sits at. */
export function topologyImages(t: Topology): Array<{ path: string; image: ImageSpec }> {
    return [
        ...Object.entries(t.services).map(([name, s]) => ({ path: `services.${name}.image`, image: s.image })),
        ...Object.entries(t.images).map(([name, image]) => ({ path: `images.${name}`, image })),
        ...(t.daedalus ? [{ path: "daedalus.apiImage", image: t.daedalus.apiImage }, { path: "daedalus.nginxImage", image: t.daedalus.nginxImage }] : []),
        ...(t.minio ? [{ path: "minio.image", image: t.minio.image }] : []),
    ];
}

export interface RegistryFinding {
    readonly path: string;
    readonly message: string;
}

/**
 * Images from a registry that is neither public nor the declared `registry.server` would be pulled
 * with no credentials: each is a finding naming its key.
 */
export function undeclaredRegistries(t: Topology): RegistryFinding[] {
    const findings: RegistryFinding[] = [];
    for (const { path, image } of topologyImages(t)) {
        const host = registryHost(image.repository);
        if (PUBLIC_REGISTRIES.has(host) || host === t.registry?.server) continue;
        findings.push({ path, message: `${image.repository} comes from ${host}, which is not a known public registry; declare it as registry.server (credentials: stack secrets ${REGISTRY_SECRET_KEYS.join(", ")})` });
    }
    return findings;
}

/** The declared private registry, when some image is pulled from it. */
export function privateRegistryInUse(t: Topology): string | undefined {
    const server = t.registry?.server;
    if (!server) return undefined;
    return topologyImages(t).some(({ image }) => registryHost(image.repository) === server) ? server : undefined;
}
