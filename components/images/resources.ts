/**
 * Containers as the check sees them, read from declared resources: the offline render's records
 * (`{type, name, inputs}`, secrets wrapped) or the policy pack's views (`{type, name, props}`).
 *
 * A container's image reference comes from the RemoteImage the DockerWorkload declares beside it
 * as `<container resource name>-image` (components/workload/docker.ts): the container's own
 * `image` input is that RemoteImage's output id, unknown at preview.
 */
import { isSecretEnvelope } from "../secrets/signature";
import { ContainerUnderCheck } from "./check";

export const CONTAINER_TYPE = "docker:index/container:Container";
export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

/** A declared resource with plain inputs; `unknown` marks values unknown at preview. */
export interface DeclaredResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** The value inside Pulumi secret wrappers, at any depth. */
export function revealSecrets(value: unknown): unknown {
    if (isSecretEnvelope(value)) return revealSecrets(value.value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
    return value;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function label(inputs: Record<string, unknown>, key: string): string | undefined {
    const labels = inputs["labels"];
    if (!Array.isArray(labels)) return undefined;
    const hit = labels.find((l) => l && typeof l === "object" && (l as Record<string, unknown>)["label"] === key);
    return hit ? str((hit as Record<string, unknown>)["value"]) : undefined;
}

/** Every container of `resources`, paired with its RemoteImage's reference. */
export function containersUnderCheck(resources: readonly DeclaredResource[]): ContainerUnderCheck[] {
    const images = new Map<string, string | undefined>();
    for (const r of resources) if (r.type === REMOTE_IMAGE_TYPE) images.set(r.name, str(revealSecrets(r.inputs["name"])));
    return resources
        .filter((r) => r.type === CONTAINER_TYPE)
        .map((r) => {
            const i = revealSecrets(r.inputs) as Record<string, unknown>;
            const hc = (i["healthcheck"] ?? {}) as Record<string, unknown>;
            const uploads = Array.isArray(i["uploads"]) ? (i["uploads"] as Record<string, unknown>[]) : [];
            const volumes = Array.isArray(i["volumes"]) ? (i["volumes"] as Record<string, unknown>[]) : [];
            const image = images.get(`${r.name}-image`) ?? (str(i["image"])?.startsWith("sha256:") ? undefined : str(i["image"]));
            return {
                node: label(i, "daarion.node") ?? "?",
                workload: label(i, "daarion.workload") ?? r.name,
                image,
                entrypoint: strings(i["entrypoints"]),
                command: strings(i["command"]),
                user: str(i["user"]),
                healthcheck: strings(hc["tests"]),
                uploads: uploads.map((u) => ({ file: String(u["file"]), mode: typeof u["permissions"] === "string" ? parseInt(u["permissions"] as string, 8) : 0o644 })),
                volumes: volumes.map((v) => ({ containerPath: String(v["containerPath"]), readOnly: v["readOnly"] === true, hostPath: typeof v["hostPath"] === "string" })),
            };
        });
}
