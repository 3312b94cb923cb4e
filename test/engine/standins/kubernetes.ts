// Stand-in `kubernetes` provider (issue 15 item 2): the replacement rules of pulumi-kubernetes for
// the object kinds the Kubernetes runtime declares (components/workload/kubernetes-runtime.ts). No
// cluster is contacted.
//
// Rules: pulumi-kubernetes decides a replacement from a table of JSON paths per group/version/kind
// plus `.metadata.name` and `.metadata.namespace` for every kind (`forceNew`,
// `metadataForceNewProperties`). Read at the stored pulumi/pulumi-kubernetes@00302beb:
// provider/pkg/provider/diff.go; the pinned @pulumi/kubernetes 4.34.2's copy was not in the
// mirror, so a rule this program relies on may have changed since (say so where a test depends on it).
// A path is a replacement when the value at that path differs; every other change is an update.
import * as crypto from "node:crypto";
import { type Props, type ProviderTable, type ReplaceRule, type ResourceTable, sameValue, serve } from "./engine";

const DIFF = "pulumi/pulumi-kubernetes@00302beb:provider/pkg/provider/diff.go";

function at(value: unknown, path: readonly string[]): unknown {
    return path.reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Props)[key] : undefined), value);
}

/**
 * The rule of one top-level input (`metadata`, `spec`, `data`, ...): it replaces when the value at
 * any of `paths` (dotted, below that input) differs between the old and the new object.
 */
function pathsReplace(top: string, paths: readonly string[], line: string): ReplaceRule {
    return {
        source: `${DIFF}:${line}`,
        when: (olds, news) => paths.some((p) => !sameValue(at(olds[top], p === "" ? [] : p.split(".")), at(news[top], p === "" ? [] : p.split(".")))),
    };
}

const METADATA = pathsReplace("metadata", ["name", "namespace"], "metadataForceNewProperties");
const LABEL_SELECTOR = ["selector", "selector.matchLabels", "selector.matchExpressions"];

/** `<namespace>/<name>` for namespaced objects, the name otherwise: what the provider stores as the id. */
function objectId(namespaced: boolean) {
    return (inputs: Props, ctx: { readonly name: string }) => {
        const meta = (inputs.metadata ?? {}) as Props;
        // Without metadata.name the provider auto-names: the resource name plus a random suffix.
        const name = String(meta.name ?? `${ctx.name}-${crypto.randomBytes(4).toString("hex")}`);
        return namespaced ? `${String(meta.namespace ?? "default")}/${name}` : name;
    };
}

function kind(namespaced: boolean, replaceOn: Record<string, ReplaceRule> = {}): ResourceTable {
    return {
        source: DIFF,
        required: ["apiVersion", "kind"],
        replaceOn: { metadata: METADATA, ...replaceOn },
        id: objectId(namespaced),
    };
}

export const kubernetesTable: ProviderTable = {
    name: "kubernetes",
    version: "4.34.2",
    resources: {
        "kubernetes:core/v1:Namespace": kind(false),
        // ConfigMap data is treated as immutable: `"ConfigMap": properties{".binaryData", ".data"}`.
        "kubernetes:core/v1:ConfigMap": kind(true, { data: pathsReplace("data", [""], "core v1 ConfigMap"), binaryData: pathsReplace("binaryData", [""], "core v1 ConfigMap") }),
        "kubernetes:core/v1:Secret": kind(true, {
            type: pathsReplace("type", [""], "core v1 Secret"),
            stringData: pathsReplace("stringData", [""], "core v1 Secret"),
            data: pathsReplace("data", [""], "core v1 Secret"),
        }),
        "kubernetes:core/v1:Service": kind(true, { spec: pathsReplace("spec", ["clusterIP"], "core v1 Service") }),
        "kubernetes:core/v1:PersistentVolumeClaim": kind(true, { spec: pathsReplace("spec", [""], "core v1 PersistentVolumeClaim .spec") }),
        "kubernetes:apps/v1:Deployment": kind(true, { spec: pathsReplace("spec", LABEL_SELECTOR, "var deployment") }),
        "kubernetes:apps/v1:StatefulSet": kind(true, {
            spec: pathsReplace("spec", ["podManagementPolicy", "revisionHistoryLimit", "serviceName", "volumeClaimTemplates", ...LABEL_SELECTOR], "var statefulSet"),
        }),
        // Only policy/v1beta1's PodDisruptionBudget replaces on `.spec`; policy/v1 (declared here) updates.
        "kubernetes:policy/v1:PodDisruptionBudget": kind(true),
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": kind(true),
    },
};

if (require.main === module) serve(kubernetesTable);
