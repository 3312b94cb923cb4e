import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackConfig, reveal } from "../../offline/render";
import { leakedSecrets } from "../../offline/write";
import { ConfigError, loadConfig, rawConfigOf } from "../../stacks/config";
import { parsePortList, portInRanges } from "../../policy/lib/net";
import { DEFAULT_DATA_PORTS } from "../../policy/rules/firewall";
import { GOLDEN_DIR } from "../support/fingerprint";
import { listFiles, renderK8s } from "./support";
import { bundleAgent } from "../../components/agent/bundle";
import { CHUNK_BYTES } from "../../components/workload/kubernetes-manifests";

const NODES = ["node1", "node2", "node3"] as const;
const golden = (node: string) => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${node}.json`), "utf8")) as { resources: Record<string, string>; files: Record<string, string> };
const sha16 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** The pod CIDR of Pulumi.k8s.yaml. */
const K8S_POD_CIDR = "10.244.0.0/16";

describe("kubernetes: the k8s stack render", function () {
    this.timeout(300000);

    it("runs every workload of the three Docker node stacks, on its topology node (seed 000's distribution)", async () => {
        const { result } = await renderK8s();
        const expected = NODES.flatMap((n) => Object.keys(golden(n).resources).filter((k) => k.startsWith("docker:index/container:Container::")).map((k) => k.split("::")[1]!)).sort();
        const controllers = result.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet");
        assert.deepEqual(controllers.map((r) => r.name).sort(), expected);
        assert.equal(expected.length, 60);
        for (const c of controllers) {
            const node = c.name.split("-")[0]!;
            const spec = c.inputs.spec as { template: { spec: { nodeSelector: Record<string, string> }; metadata: { labels: Record<string, string> } } };
            assert.deepEqual(spec.template.spec.nodeSelector, { "daarion.io/node": node }, c.name);
            assert.equal(spec.template.metadata.labels["daarion.io/node"], node);
        }
    });

    it("runs the data stores as protected StatefulSets with claim templates and headless peer Services", async () => {
        const { result } = await renderK8s();
        const sets = result.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
        for (const name of ["node1-postgres", "node2-postgres", "node1-nats", "node2-nats", "node3-nats-core", "node1-redis", "node2-redis", "node1-redis-sentinel", "node1-qdrant", "node2-qdrant", "node1-neo4j", "node1-minio"]) {
            const set = sets.find((s) => s.name === name);
            assert.ok(set, `${name} is a StatefulSet`);
            assert.deepEqual(set.options, { protect: true, retainOnDelete: true }, name);
            const spec = set.inputs.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName: string } }>; serviceName: string };
            assert.ok(spec.volumeClaimTemplates.length > 0);
            assert.ok(spec.volumeClaimTemplates.every((t) => t.spec.storageClassName === "hcloud-volumes"));
            const headless = result.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === spec.serviceName);
            assert.equal((headless?.inputs.spec as { clusterIP?: string }).clusterIP, "None", `${name}'s ${spec.serviceName}`);
        }
        for (const d of result.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) assert.deepEqual(d.options, {}, d.name);
        const ns = result.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        assert.deepEqual(ns.map((r) => [r.name, r.options]), [["daarion", { protect: true, retainOnDelete: true }]]);
        for (const pvc of result.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")) assert.deepEqual(pvc.options, { protect: true, retainOnDelete: true }, pvc.name);
    });

    it("keeps every ConfigMap and Secret within the API server's 1 MiB (the agent bundle goes in chunks)", async () => {
        const { result } = await renderK8s();
        const stores = result.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" || r.type === "kubernetes:core/v1:Secret");
        for (const r of stores) {
            const data = reveal(r.inputs.data ?? r.inputs.stringData ?? {}) as Record<string, string>;
            const bytes = Object.values(data).reduce((n, v) => n + Buffer.byteLength(v), 0);
            assert.ok(bytes <= 1024 * 1024, `${r.type} ${r.name}: ${bytes} bytes`);
        }
        // One ConfigMap per CHUNK_BYTES of the agent bundle, on each of the three nodes.
        const chunksPerNode = Math.ceil(Buffer.byteLength(bundleAgent().code) / CHUNK_BYTES);
        assert.ok(chunksPerNode >= 2, "the agent bundle is larger than one chunk");
        assert.equal(stores.filter((r) => /^node\d-agent-f[0-9a-f]{8}-\d$/.test(r.name)).length, 3 * chunksPerNode);
    });

    it("sizes claims from daarion:kubernetes volumeGi", async () => {
        const { result } = await renderK8s();
        const pg = result.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "node1-postgres")!;
        const templates = (pg.inputs.spec as { volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }> }).volumeClaimTemplates;
        assert.deepEqual(templates.map((t) => [t.metadata.name, t.spec.resources.requests.storage]), [["vol-data", "200Gi"]]);
    });

    it("mirrors the firewall: data and broker ports reachable from inside the namespace only, only HAProxy outside the cluster", async () => {
        const { result } = await renderK8s();
        const data = parsePortList(DEFAULT_DATA_PORTS);
        const policies = result.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        let dataRules = 0;
        for (const p of policies) {
            const spec = p.inputs.spec as { ingress?: Array<{ from?: Array<Record<string, unknown>>; ports: Array<{ port: number }> }> };
            for (const rule of spec.ingress ?? []) {
                if (!rule.ports.some((x) => portInRanges(x.port, data))) continue;
                dataRules += 1;
                assert.ok(rule.from && rule.from.length > 0 && rule.from.every((f) => "podSelector" in f && !("namespaceSelector" in f) && !("ipBlock" in f)), `${p.name}: ${JSON.stringify(rule)}`);
            }
        }
        assert.ok(dataRules >= 10, `${dataRules} rules cover data ports`);
        const deny = policies.find((p) => p.name === "default-deny-ingress")!;
        assert.deepEqual(deny.inputs.spec, { podSelector: {}, policyTypes: ["Ingress"] });
        const external = result.resources.filter((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs.spec as { type?: string }).type !== "ClusterIP" && (r.inputs.spec as { clusterIP?: string }).clusterIP !== "None");
        assert.deepEqual(external.map((r) => [r.name, (r.inputs.spec as { type: string }).type]).sort(), [["node1-haproxy-public", "LoadBalancer"], ["node2-haproxy-public", "LoadBalancer"]]);
    });

    it("keeps every credential out of plain inputs", async () => {
        const { result } = await renderK8s();
        assert.deepEqual(leakedSecrets(result), []);
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Secret")) {
            assert.ok(!JSON.stringify(r.inputs).includes("RENDERSECRET"), `${r.type} ${r.name} carries a secret placeholder`);
        }
    });

    it("admits PostgreSQL peers from the pod network, not from the topology's private IPs", async () => {
        const { dir } = await renderK8s();
        const hba = fs.readFileSync(path.join(dir, "files", "node1", "postgres", "etc", "daarion", "postgres", "pg_hba.conf"), "utf8");
        assert.match(hba, new RegExp(`^host\\s+replication\\s+\\S+\\s+${K8S_POD_CIDR.replace(/\./g, "\\.")}\\s+scram-sha-256`, "m"));
        assert.doesNotMatch(hba, /10\.10\.\d+\.\d+\/32/);
    });

    it("writes one manifest per object, and the files view: the same files as the Docker stacks, identical where no address is in them", async () => {
        const { result, dir } = await renderK8s();
        const manifests = listFiles(path.join(dir, "manifests"));
        assert.equal(manifests.length, result.resources.filter((r) => r.type.startsWith("kubernetes:")).length);
        const sts = parse(fs.readFileSync(path.join(dir, "manifests", "StatefulSet", "node1-postgres.yaml"), "utf8")) as { kind: string; metadata: { namespace: string } };
        assert.deepEqual([sts.kind, sts.metadata.namespace], ["StatefulSet", "daarion"]);

        const expected: Record<string, string> = Object.assign({}, ...NODES.map((n) => golden(n).files));
        const workloadFiles = Object.keys(expected).filter((f) => f.split("/")[1] !== "host").sort();
        const files = listFiles(path.join(dir, "files"));
        assert.deepEqual(files, workloadFiles);
        let identical = 0;
        for (const f of files) {
            const text = fs.readFileSync(path.join(dir, "files", f), "utf8");
            // Cluster names, or the pod network that pg_hba admits peers from (its peerNetworks).
            if (text.includes(".svc.cluster.local") || text.includes(K8S_POD_CIDR)) continue;
            assert.equal(sha16(text), expected[f], `${f} differs from the Docker render but names no cluster address`);
            identical += 1;
        }
        assert.ok(identical >= 40, `only ${identical} address-free files`);
    });
});

describe("kubernetes: daarion:runtime and daarion:kubernetes settings", () => {
    const projectDir = path.resolve(__dirname, "..", "..");
    const errorsOf = (edit: (config: Record<string, unknown>) => void): string[] => {
        const { config } = readStackConfig(projectDir, "k8s");
        edit(config);
        try {
            loadConfig("k8s", rawConfigOf(config));
            return [];
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.message.split("\n").slice(1).map((l) => l.trim());
        }
    };
    const kube = (config: Record<string, unknown>) => config["daarion:kubernetes"] as Record<string, unknown>;

    it("accepts the committed Pulumi.k8s.yaml", () => {
        assert.deepEqual(errorsOf(() => {}), []);
    });
    it("accepts the object as the Pulumi CLI hands it over: JSON text", () => {
        assert.deepEqual(errorsOf((c) => (c["daarion:kubernetes"] = JSON.stringify(c["daarion:kubernetes"]))), []);
    });
    it("names each bad key on one line", () => {
        const errors = errorsOf((c) => {
            delete kube(c).storageClass;
            kube(c).podCidrs = ["10.244.0.0/33"];
            kube(c).namespace = "Daarion";
        });
        assert.deepEqual(errors.sort(), [
            '- Pulumi.k8s.yaml: daarion:kubernetes.namespace: must be a lowercase RFC 1035 label like daarion (a-z, 0-9, -) (found "Daarion")',
            '- Pulumi.k8s.yaml: daarion:kubernetes.podCidrs[0]: must be an IPv4 CIDR like 10.10.0.0/16 (found "10.244.0.0/33")',
            "- Pulumi.k8s.yaml: daarion:kubernetes.storageClass: missing (expected a string)",
        ]);
    });
    it("refuses an unknown key with a suggestion, and a runtime that does not exist", () => {
        const errors = errorsOf((c) => {
            kube(c).storageClas = "x";
            c["daarion:runtime"] = "kubernets";
        });
        assert.equal(errors.length, 2, errors.join("\n"));
        assert.match(errors.find((e) => e.includes("storageClas"))!, /daarion:kubernetes\.storageClas: unknown key/);
        assert.match(errors.find((e) => e.includes("daarion:runtime"))!, /daarion:runtime: .*docker.*kubernetes/);
    });
    it("cross-checks the settings against the topology", () => {
        const errors = errorsOf((c) => {
            c["daarion:node"] = "node1";
            kube(c).nodeSelectors = { node7: { "kubernetes.io/hostname": "w7" } };
        });
        assert.deepEqual(errors.sort(), [
            "- Pulumi.k8s.yaml: daarion:kubernetes.nodeSelectors.node7: unknown node 'node7' (nodes are: node1, node2, node3)",
            "- Pulumi.k8s.yaml: daarion:node: must be 'all' with runtime kubernetes: one stack deploys every topology node into the cluster (found 'node1')",
        ]);
        assert.deepEqual(errorsOf((c) => delete c["daarion:kubernetes"]), [
            '- Pulumi.k8s.yaml: daarion:kubernetes: missing: runtime kubernetes needs the cluster\'s storageClass, podCidrs and dnsServer (README "Kubernetes")',
        ]);
    });
    it("refuses a node selector label key whose prefix is longer than a DNS subdomain (253)", () => {
        const errors = errorsOf((c) => (kube(c).nodeSelectors = { node1: { [`${"a".repeat(254)}/node`]: "node1" } }));
        assert.equal(errors.length, 1, errors.join("\n"));
        assert.match(errors[0]!, /daarion:kubernetes\.nodeSelectors\.node1\.a{254}\/node: key "a{254}\/node" is not valid: the prefix before '\/' must be at most 253 characters$/);
        assert.deepEqual(errorsOf((c) => (kube(c).nodeSelectors = { node1: { [`${"a".repeat(253)}/node`]: "node1" } })), []);
    });
    it("refuses node selectors under which two topology nodes share cluster nodes, and warns where they only may", () => {
        // node2 selecting node1's label: every cluster node of node1 is one of node2's too.
        assert.deepEqual(errorsOf((c) => (kube(c).nodeSelectors = { node2: { "daarion.io/node": "node1" } })), [
            "- Pulumi.k8s.yaml: daarion:kubernetes.nodeSelectors.node2: node2 (daarion.io/node=node1) and node1 (daarion.io/node=node1) select the same cluster nodes, so the pods of both topology nodes may share one; give them one label key with different values (the default is daarion.io/node=<node>)",
        ]);
        // A subset is contained too: a node in pool db and zone b matches both.
        assert.equal(errorsOf((c) => (kube(c).nodeSelectors = { node1: { pool: "db" }, node2: { pool: "db", zone: "b" } })).length, 1);
        // Different keys (the commented example of Pulumi.k8s.yaml): valid, with a warning per pair.
        const { config } = readStackConfig(projectDir, "k8s");
        kube(config).nodeSelectors = { node1: { "kubernetes.io/hostname": "gex44-1" } };
        const loaded = loadConfig("k8s", rawConfigOf(config));
        const warnings = loaded.warnings.filter((w) => w.path.includes("daarion:kubernetes.nodeSelectors"));
        assert.deepEqual(
            warnings.map((w) => `${w.path}: ${w.message}`),
            ["node2", "node3"].map((n) => `Pulumi.k8s.yaml: daarion:kubernetes.nodeSelectors.node1: node1 (kubernetes.io/hostname=gex44-1) and ${n} (daarion.io/node=${n}) share no label key with different values: a cluster node labelled for both would run the pods of both topology nodes`),
        );
        // The defaults (one key, the node's name as the value) are disjoint: no finding.
        assert.deepEqual(loadConfig("k8s", rawConfigOf(readStackConfig(projectDir, "k8s").config)).warnings.filter((w) => w.path.includes("daarion:kubernetes")), []);
    });
});
