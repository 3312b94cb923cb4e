/**
 * The Kubernetes view of a render: every object a `kubernetes:` resource declares, as the YAML
 * `kubectl apply` would read (`manifests/<Kind>/<name>.yaml`), and the files each workload's pod
 * mounts from its ConfigMap / Secret (the same `files/<node>/<workload>/<path>` view as Docker's
 * `uploads`). Secrets appear as the render's placeholders, as in `files/`.
 */
import * as path from "node:path";
import { stringify } from "yaml";
import { ASSEMBLED_ANNOTATION } from "../components/workload/kubernetes-manifests";
import { RecordedResource, RenderResult, reveal } from "./render";

const NODE_LABEL = "daarion.io/node";
const WORKLOAD_LABEL = "daarion.io/workload";

export type ManifestObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown };

/** Resources of the kubernetes provider (not the provider itself). */
export function kubernetesResources(result: Pick<RenderResult, "resources">): RecordedResource[] {
    return result.resources.filter((r) => r.type.startsWith("kubernetes:"));
}

/** The object a resource declares, secrets revealed (placeholders in a render). */
export function manifestOf(r: RecordedResource): ManifestObject {
    return reveal(r.inputs) as ManifestObject;
}

export function kubernetesObjects(result: Pick<RenderResult, "resources">): ManifestObject[] {
    return kubernetesResources(result).map(manifestOf);
}

/** Every Kubernetes object as `manifests/<Kind>/<name>.yaml` (relative path -> YAML), for writeRender. */
export function manifestFiles(result: Pick<RenderResult, "resources">): Map<string, string> {
    const files = new Map<string, string>();
    for (const o of kubernetesObjects(result)) {
        const rel = path.join("manifests", o.kind, `${o.metadata.name}.yaml`);
        if (files.has(rel)) throw new Error(`two ${o.kind} objects are named ${o.metadata.name}`);
        files.set(rel, stringify(o, { lineWidth: 0 }));
    }
    return files;
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: {
        containers?: Array<{ volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }> }>;
        volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
    };
}

/** Every file a Deployment's or StatefulSet's pod mounts from a ConfigMap or Secret key. */
export function kubernetesPlacedFiles(result: Pick<RenderResult, "resources">): Array<{ node: string; workload: string; path: string; content: string }> {
    const objects = kubernetesObjects(result);
    const data = new Map<string, Record<string, string>>();
    for (const o of objects) {
        if (o.kind === "ConfigMap") data.set(`ConfigMap/${o.metadata.name}`, (o.data ?? {}) as Record<string, string>);
        if (o.kind === "Secret") data.set(`Secret/${o.metadata.name}`, (o.stringData ?? {}) as Record<string, string>);
    }
    const files: Array<{ node: string; workload: string; path: string; content: string }> = [];
    for (const o of objects) {
        if (o.kind !== "Deployment" && o.kind !== "StatefulSet") continue;
        const template = (o.spec as { template?: PodTemplate } | undefined)?.template ?? {};
        const labels = template.metadata?.labels ?? {};
        // Files too large for one ConfigMap: chunks joined by the init container (kubernetes-manifests.ts CHUNK_BYTES).
        const assembled = JSON.parse(template.metadata?.annotations?.[ASSEMBLED_ANNOTATION] ?? "[]") as Array<{ path: string; parts: string[] }>;
        for (const a of assembled) {
            const content = a.parts.map((part) => {
                const text = data.get(`ConfigMap/${part}`)?.["part"];
                if (text === undefined) throw new Error(`${o.kind} ${o.metadata.name} assembles ${a.path} from ConfigMap ${part}, which is not declared`);
                return text;
            });
            files.push({ node: labels[NODE_LABEL] ?? "unknown", workload: labels[WORKLOAD_LABEL] ?? o.metadata.name, path: a.path, content: content.join("") });
        }
        const volumes = new Map((template.spec?.volumes ?? []).map((v) => [v.name, v]));
        for (const c of template.spec?.containers ?? []) {
            for (const m of c.volumeMounts ?? []) {
                const v = volumes.get(m.name);
                const source = v?.configMap ? `ConfigMap/${v.configMap.name}` : v?.secret ? `Secret/${v.secret.secretName}` : undefined;
                if (!source || m.subPath === undefined) continue;
                const content = data.get(source)?.[m.subPath];
                if (content === undefined) throw new Error(`${o.kind} ${o.metadata.name} mounts ${source} key ${m.subPath}, which it does not hold`);
                files.push({ node: labels[NODE_LABEL] ?? "unknown", workload: labels[WORKLOAD_LABEL] ?? o.metadata.name, path: m.mountPath, content });
            }
        }
    }
    return files;
}

/** node -> workloads, from the controllers' pod labels (the render summary's "containers per node"). */
export function kubernetesWorkloadsByNode(result: Pick<RenderResult, "resources">): Record<string, string[]> {
    const byNode: Record<string, string[]> = {};
    for (const o of kubernetesObjects(result)) {
        if (o.kind !== "Deployment" && o.kind !== "StatefulSet") continue;
        const labels = (o.spec as { template?: PodTemplate }).template?.metadata?.labels ?? {};
        (byNode[labels[NODE_LABEL] ?? "unknown"] ??= []).push(labels[WORKLOAD_LABEL] ?? o.metadata.name);
    }
    for (const list of Object.values(byNode)) list.sort();
    return byNode;
}
