/**
 * Pods as the image-contract check (components/images/check.ts) sees containers: the same facts
 * (argv, user, probe tools, files and their modes, volumes) read from a Deployment's or
 * StatefulSet's pod template instead of a docker Container's inputs.
 *
 * Mapping: `command` replaces the image's ENTRYPOINT and `args` its CMD ("The container image's
 * ENTRYPOINT is used if this is not provided." / "The container image's CMD is used if this is not
 * provided.", Container.command / Container.args, @pulumi/kubernetes@4.34.2: types/input.d.ts;
 * https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/).
 * `exec` probes execute "a specified command inside the container", like a Docker `CMD`
 * healthcheck, so their tools must be in the image; `httpGet` / `tcpSocket` are requests the
 * kubelet makes against the Pod's IP address and need nothing in the image (no healthcheck to
 * judge) (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#probe-check-methods).
 *
 * Limit: the check's `write` fact assumes Docker's copy-up of the image directory into a fresh
 * named volume (https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container).
 * A fresh PersistentVolumeClaim is not populated from the image (no source found that says so in
 * words: Kubernetes documents no copy-up, and a claim's content comes from its provisioner or
 * `dataSource`, https://kubernetes.io/docs/concepts/storage/persistent-volumes/#volume-populators-and-data-sources);
 * its root directory's owner depends on the provisioner and on `fsGroup`
 * (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-security-context-for-a-pod).
 * That difference is NOT checked here.
 */
import type { ContainerUnderCheck } from "../images/check";
import { revealSecrets } from "../images/resources";
import { ASSEMBLED_ANNOTATION } from "./kubernetes-manifests";

const CONTROLLERS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

type Rec = Record<string, any>;
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);

/** Every container of every Deployment / StatefulSet in `resources` (render records: `{type, name, inputs}`). */
export function kubernetesContainersUnderCheck(resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[]): ContainerUnderCheck[] {
    const out: ContainerUnderCheck[] = [];
    for (const r of resources) {
        if (!CONTROLLERS.includes(r.type)) continue;
        const obj = revealSecrets(r.inputs) as Rec;
        const template = (obj.spec?.template ?? {}) as Rec;
        const pod = (template.spec ?? {}) as Rec;
        const labels = (template.metadata?.labels ?? {}) as Record<string, string>;
        const volumes = new Map<string, Rec>(((pod.volumes ?? []) as Rec[]).map((v) => [String(v.name), v]));
        const claimTemplates = new Set(((obj.spec?.volumeClaimTemplates ?? []) as Rec[]).map((t) => String(t.metadata?.name)));
        const sc = (pod.securityContext ?? {}) as Rec;
        const assembled = JSON.parse(String(template.metadata?.annotations?.[ASSEMBLED_ANNOTATION] ?? "[]")) as Array<{ path: string; mode: number }>;
        for (const c of (pod.containers ?? []) as Rec[]) {
            const csc = { ...sc, ...((c.securityContext ?? {}) as Rec) };
            const user = typeof csc.runAsUser === "number" ? `${csc.runAsUser}${typeof csc.runAsGroup === "number" ? `:${csc.runAsGroup}` : ""}` : undefined;
            const probe = (c.livenessProbe ?? c.readinessProbe) as Rec | undefined;
            const healthcheck = probe?.exec ? ["CMD", ...(strings(probe.exec.command) ?? [])] : undefined;
            const uploads: { file: string; mode: number }[] = [];
            const mounted: { containerPath: string; readOnly: boolean; hostPath?: boolean }[] = [];
            for (const m of (c.volumeMounts ?? []) as Rec[]) {
                const v = volumes.get(String(m.name));
                const items = ((v?.configMap ?? v?.secret)?.items ?? []) as Rec[];
                const joined = v?.emptyDir && m.subPath !== undefined ? assembled.find((a) => a.path === m.mountPath) : undefined;
                if (joined) uploads.push({ file: joined.path, mode: joined.mode });
                else if (m.subPath !== undefined && items.length) {
                    const item = items.find((i) => i.key === m.subPath);
                    uploads.push({ file: String(m.mountPath), mode: typeof item?.mode === "number" ? item.mode : 0o644 });
                } else if (v?.hostPath) mounted.push({ containerPath: String(m.mountPath), readOnly: m.readOnly === true, hostPath: true });
                else if (v?.persistentVolumeClaim || claimTemplates.has(String(m.name))) mounted.push({ containerPath: String(m.mountPath), readOnly: m.readOnly === true });
            }
            out.push({
                node: labels["daarion.io/node"] ?? "?",
                workload: labels["daarion.io/workload"] ?? r.name,
                image: typeof c.image === "string" ? c.image : undefined,
                entrypoint: strings(c.command),
                command: strings(c.args),
                user,
                healthcheck,
                uploads,
                volumes: mounted,
            });
        }
    }
    return out;
}
