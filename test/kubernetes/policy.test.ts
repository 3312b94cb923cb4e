/**
 * The policy pack on Kubernetes objects: the k8s render passes every mandatory rule, and each
 * rule fails one mutation of a real rendered object (a passing resource plus one mutation per
 * `it`, as the container rules' tests do).
 */
import * as assert from "node:assert/strict";
import { checkRecordedStack } from "../../policy/offline";
import { makeView, ResourceView } from "../../policy/lib/resource";
import { DEFAULT_DATA_PORTS, DEFAULT_METRICS_PORTS } from "../../policy/rules/firewall";
import {
    checkDefaultDeny,
    checkHostPathReadOnly,
    checkKubernetesStatefulProtected,
    checkPodCredentialEnv,
    checkPodImagesPinned,
    checkPodLimits,
    checkPodNotPrivileged,
    checkPodProbes,
    checkServiceExposure,
} from "../../policy/rules/kubernetes";
import { reveal } from "../../offline/render";
import { checkPostgresReplicaPlacement, checkSentinelPlacement, checkTopologyLabels, instancesOf } from "../../policy/rules/topology";
import { checkContainers, checkDeclaredResources } from "../../components/images";
import { kubernetesContainersUnderCheck } from "../../components/workload/kubernetes-contracts";
import { renderK8s } from "./support";

async function view(type: string, name: string): Promise<ResourceView> {
    const { result } = await renderK8s();
    const r = result.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} is rendered`);
    return makeView({ type, name, props: structuredClone(reveal(r.inputs)) as Record<string, unknown>, protect: r.options.protect === true });
}
const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOY = "kubernetes:apps/v1:Deployment";
const container = (v: ResourceView) => (v.props.spec as any).template.spec.containers[0];
const pod = (v: ResourceView) => (v.props.spec as any).template.spec;

describe("policy: kubernetes rules on the k8s render", function () {
    this.timeout(300000);

    it("reports no mandatory violation for the whole stack (and only unpinned tags as advisory)", async () => {
        const { result } = await renderK8s();
        const violations = await checkRecordedStack("k8s", result.resources);
        assert.deepEqual(violations.filter((v) => v.level === "mandatory"), []);
        assert.deepEqual([...new Set(violations.map((v) => v.policy))], ["kubernetes-image-pinned-by-digest"]);
    });

    it("kubernetes-no-privileged: fails privileged, escalation, SYS_ADMIN, hostNetwork and hostPort", async () => {
        const v = await view(STS, "node1-postgres");
        assert.deepEqual(checkPodNotPrivileged(v), []);
        container(v).securityContext = { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ["SYS_ADMIN"] } };
        pod(v).hostNetwork = true;
        container(v).ports[0].hostPort = 5432;
        const messages = checkPodNotPrivileged(v).map((x) => x.message);
        assert.equal(messages.length, 5, messages.join("\n"));
        for (const re of [/sets hostNetwork/, /runs privileged/, /allows privilege escalation/, /adds capability SYS_ADMIN/, /binds hostPort 5432/]) assert.ok(messages.some((m) => re.test(m)), `${re} in ${messages.join("; ")}`);
        assert.ok(messages.some((m) => /binds hostPort 5432 on the node's every interface/.test(m)), messages.join("; "));
        container(v).ports[0].hostIP = "10.0.0.5";
        assert.ok(checkPodNotPrivileged(v).some((x) => /binds hostPort 5432 on the node's address 10\.0\.0\.5/.test(x.message)));
    });

    it("kubernetes-hostpath-read-only: node_exporter's read-only host mounts pass; writable or socket mounts fail", async () => {
        const v = await view(DEPLOY, "node1-node-exporter");
        assert.ok(pod(v).volumes.some((x: any) => x.hostPath), "node_exporter mounts the host");
        assert.deepEqual(checkHostPathReadOnly(v), []);
        delete container(v).volumeMounts.find((m: any) => m.name.startsWith("host-")).readOnly;
        assert.match(checkHostPathReadOnly(v)[0]!.message, /mounts host path \/var\/lib\/daarion\/fs-probe writable/);
        const s = await view(DEPLOY, "node1-node-exporter");
        pod(s).volumes.push({ name: "sock", hostPath: { path: "/run/containerd/containerd.sock" } });
        assert.match(checkHostPathReadOnly(s)[0]!.message, /exposes the container runtime/);
    });

    it("kubernetes-memory-limit: fails a container without limits.memory", async () => {
        const v = await view(DEPLOY, "node1-gateway");
        assert.deepEqual(checkPodLimits(v), []);
        delete container(v).resources.limits.memory;
        assert.match(checkPodLimits(v)[0]!.message, /container 'gateway' has no memory limit/);
    });

    it("kubernetes-image-pinned-by-digest: passes a digest, fails a tag", async () => {
        const v = await view(STS, "node1-postgres");
        assert.match(checkPodImagesPinned(v)[0]!.message, /'docker\.io\/library\/postgres:15\.10-bookworm' is not pinned by digest/);
        container(v).image = `docker.io/library/postgres@sha256:${"0".repeat(64)}`;
        assert.deepEqual(checkPodImagesPinned(v), []);
    });

    it("kubernetes-probes: fails a container without liveness or readiness probe", async () => {
        const v = await view(STS, "node1-nats");
        assert.deepEqual(checkPodProbes(v), []);
        delete container(v).readinessProbe;
        assert.match(checkPodProbes(v)[0]!.message, /has no readinessProbe/);
    });

    it("kubernetes-credential-env: fails a password written into the pod spec", async () => {
        const v = await view(STS, "node1-postgres");
        assert.deepEqual(checkPodCredentialEnv(v), []);
        container(v).env = [...(container(v).env ?? []), { name: "POSTGRES_PASSWORD", value: "hunter2" }];
        assert.match(checkPodCredentialEnv(v)[0]!.message, /env POSTGRES_PASSWORD holds a credential/);
    });

    it("kubernetes-no-exposed-data-ports: the HAProxy LoadBalancer passes; a data or metrics port on it fails; ClusterIP may carry them", async () => {
        const cfg = { dataPorts: DEFAULT_DATA_PORTS, metricsPorts: DEFAULT_METRICS_PORTS };
        const lb = await view("kubernetes:core/v1:Service", "node1-haproxy-public");
        assert.equal((lb.props.spec as any).type, "LoadBalancer");
        assert.deepEqual(checkServiceExposure(lb, cfg), []);
        (lb.props.spec as any).ports.push({ name: "pg", port: 5432, targetPort: 5432 });
        assert.match(checkServiceExposure(lb, cfg)[0]!.message, /exposes data\/broker port 5432 outside the cluster/);
        const pg = await view("kubernetes:core/v1:Service", "node1-postgres");
        assert.deepEqual(checkServiceExposure(pg, cfg), []);
        (pg.props.spec as any).type = "NodePort";
        assert.equal(checkServiceExposure(pg, cfg).length, (pg.props.spec as any).ports.length);
    });

    it("kubernetes-default-deny: the namespace's deny-all policy passes; without it the namespace fails", async () => {
        const { result } = await renderK8s();
        const views = result.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => makeView({ type: r.type, name: r.name, props: reveal(r.inputs) as Record<string, unknown> }));
        assert.deepEqual(checkDefaultDeny(views), []);
        const without = views.filter((v) => v.name !== "default-deny-ingress");
        assert.deepEqual(checkDefaultDeny(without).map((x) => x.message), ["namespace 'daarion' has workloads but no default-deny ingress NetworkPolicy; every pod accepts connections from anywhere in the cluster"]);
    });

    it("kubernetes-stateful-protected: fails an unprotected StatefulSet, a claim-deleting one, and an unprotected namespace", async () => {
        const v = await view(STS, "node1-postgres");
        assert.deepEqual(checkKubernetesStatefulProtected(v), []);
        assert.match(checkKubernetesStatefulProtected({ ...v, protect: false })[0]!.message, /holds data .* but is not protected/);
        (v.props.spec as any).persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete";
        assert.match(checkKubernetesStatefulProtected(v)[0]!.message, /deletes its claims deleted/);
        const ns = await view("kubernetes:core/v1:Namespace", "daarion");
        assert.deepEqual(checkKubernetesStatefulProtected(ns), []);
        assert.equal(checkKubernetesStatefulProtected({ ...ns, protect: false }).length, 1);
        const gw = await view(DEPLOY, "node1-gateway");
        assert.deepEqual(checkKubernetesStatefulProtected({ ...gw, protect: false }), []);
    });

    it("image contracts: every pod of the 60 workloads passes; a probe tool missing from the image fails", async () => {
        const { result } = await renderK8s();
        const pods = kubernetesContainersUnderCheck(result.resources);
        assert.equal(pods.length, 60);
        assert.deepEqual(checkDeclaredResources(result.resources).violations, []);
        const nats = structuredClone(pods.find((p) => p.node === "node1" && p.workload === "herodb")!);
        assert.ok(nats.healthcheck?.[0] === "CMD", "herodb probes with an exec check");
        const broken = { ...nats, healthcheck: ["CMD", "curl", "-f", "http://127.0.0.1:6379/"] };
        assert.deepEqual(checkContainers([broken]).map((v) => v.fact), ["healthcheck"]);
        const pg = structuredClone(pods.find((p) => p.node === "node1" && p.workload === "postgres")!);
        assert.deepEqual(checkContainers([{ ...pg, user: "70", uploads: [...pg.uploads, { file: "/etc/secret", mode: 0o600 }] }]).map((v) => v.fact).includes("read"), true);
    });
    it("topology rules see the StatefulSets and Deployments: a replica moved onto its primary's node, or a controller without its labels, fails", async () => {
        const { result } = await renderK8s();
        const views = result.resources.map((r) => makeView({ type: r.type, name: r.name, urn: r.urn, props: structuredClone(reveal(r.inputs)) as Record<string, unknown> }));
        const pg = instancesOf(views).filter((i) => i.service === "postgres");
        assert.deepEqual(pg.map((i) => `${i.node}/${i.role}`).sort(), ["node1/primary", "node2/replica"]);
        assert.deepEqual(checkPostgresReplicaPlacement(views), []);
        assert.deepEqual(checkSentinelPlacement(views), []);
        const replica = views.find((v) => v.type === STS && v.name === "node2-postgres")!;
        (replica.props.metadata as any).labels["daarion.io/node"] = "node1";
        assert.match(checkPostgresReplicaPlacement(views)[0]!.message, /PostgreSQL replica 'node2-postgres' runs on node node1, the primary's node/);
        const sentinel = views.find((v) => v.type === STS && v.name === "node3-redis-sentinel")!;
        assert.deepEqual(checkTopologyLabels(sentinel), []);
        delete (sentinel.props.metadata as any).labels["daarion.io/role"];
        assert.match(checkTopologyLabels(sentinel)[0]!.message, /StatefulSet 'node3-redis-sentinel' lacks label\(s\) daarion\.io\/role/);
    });
});
