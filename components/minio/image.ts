/**
 * Which MinIO image to run.
 *
 * MinIO's community edition became source-only in October 2025 (minio/minio#21647): the security
 * release RELEASE.2025-10-15T17-29-55Z (fix for CVE-2025-62506, service-account policy bypass) was never
 * published as an image, and in September 2026 the `minio/minio` Docker Hub repository was removed;
 * quay.io/minio/minio still serves the older, archived tags (all of them before the CVE fix).
 *
 * Default: `ghcr.io/coollabsio/minio`, rebuilt from the upstream release tag by the Coolify maintainers
 * (https://github.com/coollabsio/minio: builds the upstream source at the tag on golang:1.24-alpine, ships
 * it on ubi9-micro like upstream, same `minio server` entrypoint and /data volume). It carries the CVE
 * fix, unlike any archived official image. A third-party build is a supply-chain trust decision: the
 * alternative that needs no trust is to build the same Dockerfile in your own CI and set `image` to your
 * registry, which this module accepts unchanged.
 *
 * The digest must be pinned at deploy time; it could not be resolved here (no registry access), so the
 * default carries the tag only and `validateMinioImage` refuses it unless `allowUnpinned` is set (the
 * `local` stack). Resolve it with:
 *   docker buildx imagetools inspect ghcr.io/coollabsio/minio:RELEASE.2025-10-15T17-29-55Z --format '{{json .Manifest.Digest}}'
 */

export interface MinioImage {
    readonly repository: string;
    readonly tag?: string;
    /** `sha256:<64 hex>`; the container runs exactly this image. */
    readonly digest?: string;
}

export const DEFAULT_MINIO_IMAGE: MinioImage = {
    repository: "ghcr.io/coollabsio/minio",
    tag: "RELEASE.2025-10-15T17-29-55Z",
};

/** Errors name the key path under `prefix` (e.g. `minio.image.digest`). */
export function validateMinioImage(image: MinioImage, options: { allowUnpinned?: boolean; prefix?: string } = {}): string[] {
    const at = options.prefix ?? "minio.image";
    const errors: string[] = [];
    if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/.test(image.repository)) errors.push(`${at}.repository: '${image.repository}' is not an image repository`);
    if (image.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(image.digest)) errors.push(`${at}.digest: '${image.digest}' must be sha256:<64 hex>`);
    if (image.tag !== undefined && (image.tag === "latest" || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image.tag))) {
        errors.push(`${at}.tag: '${image.tag}' must be a release tag, not latest`);
    }
    if (image.digest === undefined && !options.allowUnpinned) {
        errors.push(`${at}.digest: pin the image by digest (docker buildx imagetools inspect ${image.repository}:${image.tag ?? "<tag>"})`);
    }
    if (image.digest === undefined && image.tag === undefined) errors.push(`${at}: needs a tag or a digest`);
    return errors;
}
