import * as assert from "node:assert/strict";
import {
    buildWorkloadObjects,
    defaultDenyPolicy,
    disruptionBudget,
    fileKey,
    K8sObject,
    KubernetesPlacement,
    KubernetesSpecError,
    objectName,
    CHUNK_BYTES,
    probes,
    splitUtf8,
    resources,
} from "../../components/workload/kubernetes-manifests";
import { kubernetesResolver } from "../../components/workload/kubernetes-runtime";
import type { WorkloadSpec } from "../../components/workload/spec";

const placement: KubernetesPlacement = {
    namespace: "daarion",
    storageClass: "fast",
    nodeSelectors: { node1: { "daarion.io/node": "node1" }, node2: { "kubernetes.io/hostname": "worker-2" } },
    volumeGi: { "postgres/data": 200 },
    defaultVolumeGi: 20,
};

const postgres: WorkloadSpec = {
    name: "postgres",
    service: "postgres",
    role: "primary",
    image: { repository: "docker.io/library/postgres", tag: "15.10-bookworm" },
    entrypoint: ["/bin/bash", "/etc/daarion/postgres/entrypoint.sh"],
    command: ["postgres"],
    env: { POSTGRES_PASSWORD: "s3cret", PGDATA: "/var/lib/postgresql/data/pgdata" },
    files: [
        { path: "/etc/daarion/postgres/entrypoint.sh", content: "#!/bin/bash\n", mode: 0o755 },
        { path: "/etc/daarion/postgres/pgpass", content: "*:*:*:replicator:pw\n", secret: true, mode: 0o600 },
    ],
    volumes: [
        { key: "data", containerPath: "/var/lib/postgresql/data", stateful: true },
        { key: "agent-state", containerPath: "/run/daarion", stateful: false },
    ],
    ports: [
        { name: "pg", containerPort: 5432, admin: { localPort: 15432 } },
        { name: "metrics", containerPort: 9187, exposure: "internal" },
    ],
    probe: { check: { exec: ["pg_isready", "-q"] }, interval: "10s", timeout: "5s", retries: 5, startPeriod: "60s" },
    memoryMb: 2048,
    cpus: 1.5,
};

const gateway: WorkloadSpec = {
    name: "gateway",
    service: "gateway",
    role: "edge",
    image: { repository: "registry.daarion.city/gateway", digest: "sha256:" + "a".repeat(64) },
    env: { NATS_URL: "nats://n:4222", LOG_LEVEL: "info" },
    ports: [{ name: "http", containerPort: 9300, hostPort: 19300 }],
    probe: { check: { http: { port: 9300, path: "/health", tool: "python" } } },
    memoryMb: 256,
    gpu: true,
};

const isCredential = (key: string) => /PASSWORD|SECRET|TOKEN/.test(key);
const build = (spec: WorkloadSpec, node = "node1") => buildWorkloadObjects<string>({ node, spec, image: "img:1", placement, isCredential });
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: Record<string, any> } }).template.spec;

describe("kubernetes manifests: controllers and storage", () => {
    it("a workload with a stateful volume is a StatefulSet with a claim template of the configured class and size, kept on delete", () => {
        const { controller } = build(postgres);
        assert.equal(controller.kind, "StatefulSet");
        const spec = controller.spec as Record<string, any>;
        assert.equal(spec.serviceName, "node1-postgres-peers");
        assert.equal(spec.replicas, 1);
        assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(spec.volumeClaimTemplates.length, 1);
        assert.equal(spec.volumeClaimTemplates[0].metadata.name, "vol-data");
        assert.deepEqual(spec.volumeClaimTemplates[0].spec, { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "200Gi" } } });
    });
    it("a non-stateful volume is a standalone claim another workload of the node can mount (`from`)", () => {
        const { claims } = build(postgres);
        assert.deepEqual(claims.map((c) => c.metadata.name), ["node1-postgres-agent-state"]);
        assert.equal((claims[0]!.spec as any).resources.requests.storage, "20Gi");
        const agent = build({ ...gateway, name: "agent", gpu: false, volumes: [{ key: "agent-state", containerPath: "/run/daarion", stateful: false, from: "postgres" }] });
        assert.equal(agent.controller.kind, "Deployment");
        assert.deepEqual(podSpec(agent.controller).volumes, [{ name: "vol-agent-state", persistentVolumeClaim: { claimName: "node1-postgres-agent-state" } }]);
        assert.equal((agent.controller.spec as any).strategy.type, "Recreate");
        assert.deepEqual(agent.claims, []);
    });
    it("a workload without state is a Deployment that rolls", () => {
        const { controller } = build(gateway);
        assert.equal(controller.kind, "Deployment");
        assert.equal((controller.spec as any).strategy.type, "RollingUpdate");
    });
    it("pins pods to the topology node through its node selector", () => {
        assert.deepEqual(podSpec(build(postgres).controller).nodeSelector, { "daarion.io/node": "node1" });
        assert.deepEqual(podSpec(build(gateway, "node2").controller).nodeSelector, { "kubernetes.io/hostname": "worker-2" });
        assert.throws(() => build(gateway, "node9"), /no node selector for topology node 'node9'/);
    });
    it("maps entrypoint to command and command to args", () => {
        const c = podSpec(build(postgres).controller).containers[0];
        assert.deepEqual(c.command, ["/bin/bash", "/etc/daarion/postgres/entrypoint.sh"]);
        assert.deepEqual(c.args, ["postgres"]);
        assert.equal(podSpec(build(gateway).controller).containers[0].command, undefined);
    });
});

describe("kubernetes manifests: files and credentials", () => {
    it("puts plain files in a ConfigMap and secret files in the Secret, each mounted with subPath at its path and mode", () => {
        const o = build(postgres);
        assert.deepEqual(o.configMap!.data, { "etc_daarion_postgres_entrypoint.sh": "#!/bin/bash\n" });
        const stringData = o.secret!.stringData as Record<string, string>;
        assert.equal(stringData["etc_daarion_postgres_pgpass"], "*:*:*:replicator:pw\n");
        const pod = podSpec(o.controller);
        const mounts = pod.containers[0].volumeMounts as Array<Record<string, unknown>>;
        assert.deepEqual(mounts.find((m) => m.mountPath === "/etc/daarion/postgres/entrypoint.sh"), { name: "files", mountPath: "/etc/daarion/postgres/entrypoint.sh", subPath: "etc_daarion_postgres_entrypoint.sh", readOnly: true });
        assert.deepEqual(mounts.find((m) => m.mountPath === "/etc/daarion/postgres/pgpass"), { name: "secret-files", mountPath: "/etc/daarion/postgres/pgpass", subPath: "etc_daarion_postgres_pgpass", readOnly: true });
        const volumes = pod.volumes as Array<Record<string, any>>;
        assert.equal(volumes.find((v) => v.name === "files")!.configMap.items[0].mode, 0o755);
        assert.equal(volumes.find((v) => v.name === "secret-files")!.secret.items[0].mode, 0o600);
    });
    it("takes credential env values from the Secret and leaves the others inline", () => {
        const o = build(postgres);
        const env = podSpec(o.controller).containers[0].env as Array<Record<string, unknown>>;
        assert.deepEqual(env.find((e) => e.name === "POSTGRES_PASSWORD"), { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "node1-postgres-secret", key: "env.POSTGRES_PASSWORD" } } });
        assert.deepEqual(env.find((e) => e.name === "PGDATA"), { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" });
        assert.equal((o.secret!.stringData as Record<string, string>)["env.POSTGRES_PASSWORD"], "s3cret");
    });
    it("sends computed values (Outputs) to the Secret whatever their key", () => {
        const computed = { toString: () => "computed" };
        const o = buildWorkloadObjects<unknown>({ node: "node1", spec: { ...gateway, env: { LOG_LEVEL: computed as never } }, image: "i", placement, isCredential });
        const env = podSpec(o.controller).containers[0].env as Array<Record<string, any>>;
        assert.equal(env[0]!.valueFrom.secretKeyRef.key, "env.LOG_LEVEL");
    });
    it("refuses two files that map to one key", () => {
        assert.throws(() => build({ ...gateway, files: [{ path: "/a/b", content: "1" }, { path: "/a_b", content: "2" }] }), /map to the same key 'a_b'/);
        assert.equal(fileKey("/etc/nats/nats.conf"), "etc_nats_nats.conf");
        // IsConfigMapKey (apimachinery validation.go): not '.', '..' or '..*', at most 253 characters.
        assert.throws(() => fileKey("/..data"), /no usable data key/);
        assert.throws(() => fileKey("/."), /no usable data key/);
        assert.throws(() => fileKey(`/${"a".repeat(254)}`), /no usable data key/);
        assert.equal(fileKey(`/${"a".repeat(253)}`), "a".repeat(253));
        assert.equal(fileKey("/.hidden"), ".hidden");
    });
});

describe("kubernetes manifests: probes, resources, restart", () => {
    it("maps exec, shell, http and tcp checks", () => {
        assert.deepEqual(probes({ check: { exec: ["a", "b"] } }).livenessProbe["exec"], { command: ["a", "b"] });
        assert.deepEqual(probes({ check: { shell: "x || y" } }).readinessProbe["exec"], { command: ["/bin/sh", "-c", "x || y"] });
        assert.deepEqual(probes({ check: { http: { port: 80, path: "/h", tool: "wget" } } }).livenessProbe.httpGet, { port: 80, path: "/h" });
        assert.deepEqual(probes({ check: { tcp: { port: 6379 } } }).livenessProbe.tcpSocket, { port: 6379 });
    });
    it("keeps Docker's timing: interval, timeout, retries, and a startup budget covering the start period", () => {
        const p = probes({ check: { tcp: { port: 1 } }, interval: "10s", timeout: "3s", retries: 4, startPeriod: "2m" });
        assert.deepEqual([p.livenessProbe.periodSeconds, p.livenessProbe.timeoutSeconds, p.livenessProbe.failureThreshold], [10, 3, 4]);
        assert.equal(p.startupProbe.failureThreshold, 12 + 4);
        const d = probes({ check: { tcp: { port: 1 } } });
        assert.deepEqual([d.livenessProbe.periodSeconds, d.livenessProbe.timeoutSeconds, d.livenessProbe.failureThreshold, d.startupProbe.failureThreshold], [10, 5, 5, 8]);
        assert.throws(() => probes({ check: { tcp: { port: 1 } }, interval: "ten" }), /probe interval 'ten'/);
    });
    it("sets memory and CPU requests equal to limits, and the GPU as nvidia.com/gpu", () => {
        assert.deepEqual(resources(postgres), { limits: { memory: "2048Mi", cpu: "1500m" }, requests: { memory: "2048Mi", cpu: "1500m" } });
        assert.deepEqual(resources(gateway), { limits: { memory: "256Mi", "nvidia.com/gpu": 1 }, requests: { memory: "256Mi" } });
    });
    it("refuses restart on-failure and never (pods of Deployments and StatefulSets restart Always)", () => {
        assert.throws(() => build({ ...gateway, restart: "never" }), (e: Error) => e instanceof KubernetesSpecError && /workload 'gateway' on node1: restart 'never'/.test(e.message));
        assert.throws(() => build({ ...gateway, restart: "on-failure" }), /restart 'on-failure'/);
        assert.equal(podSpec(build({ ...gateway, restart: "always" }).controller).restartPolicy, "Always");
    });
    it("runs as a numeric user and refuses a user name", () => {
        assert.deepEqual(podSpec(build({ ...gateway, user: "999:998" }).controller).securityContext, { runAsUser: 999, runAsGroup: 998 });
        assert.throws(() => build({ ...gateway, user: "postgres" }), /user 'postgres' must be numeric/);
    });
    it("mounts host paths read-only with type Directory and refuses the runtime socket", () => {
        const o = build({ ...gateway, hostMounts: [{ hostPath: "/var/lib/daarion/fs-probe", containerPath: "/host" }] });
        const pod = podSpec(o.controller);
        assert.deepEqual(pod.volumes, [{ name: "host-0", hostPath: { path: "/var/lib/daarion/fs-probe", type: "Directory" } }]);
        assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "host-0", mountPath: "/host", readOnly: true }]);
        assert.throws(() => build({ ...gateway, hostMounts: [{ hostPath: "/run/containerd/containerd.sock", containerPath: "/s" }] }), /container runtime socket/);
    });
});

describe("kubernetes manifests: services and network policies", () => {
    it("gives a ClusterIP Service, a headless peer Service for StatefulSets, and the published port where it differs", () => {
        const pg = build(postgres).services;
        assert.deepEqual(pg.map((s) => [s.metadata.name, (s.spec as any).type ?? "headless", (s.spec as any).clusterIP]), [["node1-postgres", "ClusterIP", undefined], ["node1-postgres-peers", "headless", "None"]]);
        assert.equal((pg[1]!.spec as any).publishNotReadyAddresses, true);
        const gw = build(gateway).services;
        assert.deepEqual((gw[0]!.spec as any).ports, [{ name: "http", port: 9300, targetPort: 9300, protocol: "TCP" }, { name: "hp-19300", port: 19300, targetPort: 9300, protocol: "TCP" }]);
    });
    it("exposes ingress ports only through a LoadBalancer that keeps the client address", () => {
        const spec: WorkloadSpec = { ...gateway, name: "haproxy", ports: [{ name: "https", containerPort: 8443, hostPort: 443, exposure: "ingress" }, { name: "stats", containerPort: 8404 }] };
        const lb = build(spec).services.find((s) => s.metadata.name === "node1-haproxy-public")!;
        assert.deepEqual(lb.spec, { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: { "daarion.io/node": "node1", "daarion.io/workload": "haproxy" }, ports: [{ name: "https", port: 443, targetPort: 8443, protocol: "TCP" }] });
    });
    it("mirrors the firewall: internal ports from the node's pods, private from the namespace, ingress from anywhere", () => {
        const spec: WorkloadSpec = { ...gateway, ports: [{ name: "metrics", containerPort: 9100, exposure: "internal" }, { name: "pg", containerPort: 5432 }, { name: "https", containerPort: 443, exposure: "ingress" }] };
        const np = build(spec).networkPolicy!.spec as any;
        assert.deepEqual(np.podSelector, { matchLabels: { "daarion.io/node": "node1", "daarion.io/workload": "gateway" } });
        assert.deepEqual(np.ingress, [
            { from: [{ podSelector: { matchLabels: { "daarion.io/node": "node1" } } }], ports: [{ port: 9100, protocol: "TCP" }] },
            { from: [{ podSelector: {} }], ports: [{ port: 5432, protocol: "TCP" }] },
            { ports: [{ port: 443, protocol: "TCP" }] },
        ]);
        assert.deepEqual(defaultDenyPolicy("daarion").spec, { podSelector: {}, policyTypes: ["Ingress"] });
    });
    it("budgets one disruption per service, named from the service", () => {
        assert.deepEqual(disruptionBudget("memory_service", "daarion").metadata.name, "memory-service-pdb");
        assert.deepEqual(disruptionBudget("nats", "daarion").spec, { maxUnavailable: 1, selector: { matchLabels: { "daarion.io/service": "nats" } } });
    });
    it("names objects <node>-<workload> and refuses names Kubernetes cannot hold", () => {
        assert.equal(objectName("node1", "daedalus-api"), "node1-daedalus-api");
        assert.throws(() => objectName("node1", "Daedalus_API"), /RFC 1035 label/);
        assert.throws(() => build({ ...gateway, ports: [{ name: "a_very_long_port_name", containerPort: 1 }] }), /port name 'a_very_long_port_name'/);
        // IsValidPortName (apimachinery validation.go) refuses adjacent hyphens and names without a letter.
        assert.throws(() => build({ ...gateway, ports: [{ name: "http--alt", containerPort: 1 }] }), /port name 'http--alt'/);
        assert.throws(() => build({ ...gateway, ports: [{ name: "8080", containerPort: 1 }] }), /port name '8080'/);
        assert.doesNotThrow(() => build({ ...gateway, ports: [{ name: "http-alt", containerPort: 1 }] }));
    });
    it("keeps a Docker label whose value is no label value as an annotation, and refuses a key no object can hold", () => {
        const o = build({ ...gateway, labels: { "daarion.io/purpose": "edge", "daarion.io/note": "free text: yes" } });
        const template = (o.controller.spec as { template: { metadata: { labels: Record<string, string>; annotations?: Record<string, unknown> } } }).template;
        assert.equal(template.metadata.labels["daarion.io/purpose"], "edge");
        assert.equal(template.metadata.annotations?.["daarion.io/note"], "free text: yes");
        // Annotation keys follow the label key rules (kubernetes.io annotations, syntax): no fallback for the key.
        assert.throws(() => build({ ...gateway, labels: { "has space": "x" } }), /label key 'has space'/);
        assert.throws(() => build({ ...gateway, labels: { [`daarion.io/${"n".repeat(64)}`]: "x" } }), /label key/);
        assert.throws(() => build({ ...gateway, labels: { "a/b/c": "x" } }), /label key 'a\/b\/c'/);
    });
    it("resolves peers by their ClusterIP Service DNS name", () => {
        const r = kubernetesResolver("daarion");
        assert.equal(r.kind, "kubernetes");
        assert.equal(r.endpoint("node2", "postgres", 5432), "node2-postgres.daarion.svc.cluster.local:5432");
        assert.equal(r.announce("node1", "nats"), "node1-nats.daarion.svc.cluster.local");
    });
});

describe("kubernetes manifests: files larger than a ConfigMap may hold", () => {
    const big = "x".repeat(CHUNK_BYTES) + "é".repeat(200000) + "\n";
    const spec: WorkloadSpec = { ...gateway, files: [{ path: "/opt/agent/agent.js", content: big, mode: 0o640 }, { path: "/etc/agent.json", content: "{}" }] };

    it("splits text into pieces of at most CHUNK_BYTES UTF-8 bytes without cutting a character", () => {
        const parts = splitUtf8(big);
        assert.equal(parts.join(""), big);
        assert.ok(parts.length >= 2);
        assert.ok(parts.every((p) => Buffer.byteLength(p) <= CHUNK_BYTES));
        assert.deepEqual(splitUtf8("a😀b", 4), ["a", "😀", "b"]);
    });
    it("ships a large file as chunk ConfigMaps joined by an init container into an emptyDir, with its mode", () => {
        const o = build(spec);
        assert.equal(o.chunks.length, splitUtf8(big).length);
        assert.equal(o.chunks.map((c) => (c.data as { part: string }).part).join(""), big);
        assert.deepEqual(o.configMap!.data, { "etc_agent.json": "{}" });
        const pod = podSpec(o.controller);
        const init = pod.initContainers[0];
        assert.equal(init.image, "img:1");
        assert.match(init.command[2], /^cat \/daarion-chunks\/[0-9a-f]{8}\/0\/part \/daarion-chunks\/[0-9a-f]{8}\/1\/part.* > \/daarion-assembled\/opt_agent_agent.js && chmod 640 \/daarion-assembled\/opt_agent_agent.js$/);
        assert.deepEqual(pod.containers[0].volumeMounts.find((m: any) => m.mountPath === "/opt/agent/agent.js"), { name: "assembled", mountPath: "/opt/agent/agent.js", subPath: "opt_agent_agent.js", readOnly: true });
        assert.ok(pod.volumes.some((v: any) => v.name === "assembled" && v.emptyDir));
        assert.equal(init.resources.limits.memory, "64Mi");
    });
    it("refuses small files that together exceed 1 MiB in one ConfigMap", () => {
        const many = Array.from({ length: 3 }, (_, i) => ({ path: `/etc/f${i}`, content: "y".repeat(CHUNK_BYTES - 10) }));
        assert.throws(() => build({ ...gateway, files: many }), /files add up to \d+ bytes, over the 1 MiB a ConfigMap may hold/);
    });
});
