/**
 * Every object the k8s render writes to manifests/ validates against the Kubernetes OpenAPI
 * schema, offline, with kubernetes-models v5 (tommy351/kubernetes-models-ts). The package is ESM
 * only; Node 20 loads it through a dynamic import() from this CommonJS test.
 *
 * Limit of the check: the generated validators enforce types, formats, enums and required
 * fields, but the upstream OpenAPI documents do not forbid unknown properties, so a misspelled
 * optional field is not caught here (the pure builders' unit tests pin the field names).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { listFiles, renderK8s } from "./support";

type Model = { validate(): void };
type ModelClass = new (data: unknown) => Model;

/** `kubernetes-models/<group>/<version>/<Kind>`; the core group is `v1`. */
async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
    const specifier = `kubernetes-models/${apiVersion}/${kind}`;
    const mod = (await import(specifier)) as Record<string, ModelClass>;
    const model = mod[kind];
    if (!model) throw new Error(`${specifier} exports no ${kind}`);
    return model;
}

function validationError(model: ModelClass, object: unknown): string | undefined {
    try {
        new model(object).validate();
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

describe("kubernetes: manifests validate against the OpenAPI schema (kubernetes-models v5)", function () {
    this.timeout(300000);

    it("validates every object in manifests/", async () => {
        const { dir, result } = await renderK8s();
        const files = listFiles(path.join(dir, "manifests"));
        assert.equal(files.length, result.resources.filter((r) => r.type.startsWith("kubernetes:")).length);
        const kinds = new Map<string, number>();
        const errors: string[] = [];
        for (const f of files) {
            const object = parse(fs.readFileSync(path.join(dir, "manifests", f), "utf8")) as { apiVersion: string; kind: string };
            kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
            const error = validationError(await modelFor(object.apiVersion, object.kind), object);
            if (error) errors.push(`${f}: ${error}`);
        }
        assert.deepEqual(errors, []);
        assert.deepEqual([...kinds.keys()].sort(), ["ConfigMap", "Deployment", "Namespace", "NetworkPolicy", "PersistentVolumeClaim", "PodDisruptionBudget", "Secret", "Service", "StatefulSet"]);
    });

    it("rejects a manifest broken in a way the API server would refuse", async () => {
        const { dir } = await renderK8s();
        const sts = parse(fs.readFileSync(path.join(dir, "manifests", "StatefulSet", "node1-postgres.yaml"), "utf8")) as Record<string, any>;
        const StatefulSet = await modelFor("apps/v1", "StatefulSet");
        assert.equal(validationError(StatefulSet, sts), undefined);
        const noName = structuredClone(sts);
        delete noName.spec.template.spec.containers[0].name;
        assert.match(validationError(StatefulSet, noName) ?? "", /containers\/0 must have required property name/);
        const badReplicas = structuredClone(sts);
        badReplicas.spec.replicas = "1";
        assert.match(validationError(StatefulSet, badReplicas) ?? "", /replicas must be integer/);
        const svc = parse(fs.readFileSync(path.join(dir, "manifests", "Service", "node1-postgres.yaml"), "utf8")) as Record<string, any>;
        const Service = await modelFor("v1", "Service");
        assert.equal(validationError(Service, svc), undefined);
        svc.spec.ports[0].port = "5432";
        assert.match(validationError(Service, svc) ?? "", /port must be integer/);
    });
});
