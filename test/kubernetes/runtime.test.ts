import * as assert from "node:assert/strict";
import { evaluateUnderMocks } from "../../offline/render";
import { KubernetesRuntime } from "../../components/workload/kubernetes-runtime";
import type { WorkloadSpec } from "../../components/workload/spec";

const spec = (name: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
    name,
    service: name,
    role: "primary",
    image: { repository: "docker.io/library/redis", tag: "7.2.6-bookworm" },
    ports: [{ name: "redis", containerPort: 6379, admin: { localPort: 16379 } }],
    probe: { check: { tcp: { port: 6379 } } },
    memoryMb: 128,
    ...extra,
});

function runtime(): KubernetesRuntime {
    return new KubernetesRuntime({
        placement: { namespace: "daarion", storageClass: "fast", nodeSelectors: { node1: { "daarion.io/node": "node1" }, node2: { "daarion.io/node": "node2" } }, volumeGi: {}, defaultVolumeGi: 5 },
        podCidrs: ["10.244.0.0/16"],
        dnsServer: "10.96.0.10",
        adminEndpoints: { "node2/redis/redis": "10.0.0.5:6379" },
    });
}

describe("kubernetes runtime (under Pulumi mocks)", function () {
    this.timeout(60000);

    it("answers the WorkloadRuntime questions from its config", async () => {
        await evaluateUnderMocks({ project: "daarion", stack: "t" }, () => {
            const r = runtime();
            assert.equal(r.kind, "kubernetes");
            assert.equal(r.singleHost, false);
            assert.deepEqual(r.workloadRanges, ["10.244.0.0/16"]);
            assert.deepEqual(r.nameServers, ["10.96.0.10:53"]);
            const port = spec("redis").ports![0]!;
            assert.equal(r.adminEndpoint("node1", "redis", port), "127.0.0.1:16379");
            assert.equal(r.adminEndpoint("node2", "redis", port), "10.0.0.5:6379");
            assert.throws(() => r.adminEndpoint("node1", "redis", { name: "x", containerPort: 1 }), /not an admin port/);
            assert.throws(() => r.forNode("node9"), /topology node 'node9' has no node selector/);
        });
    });

    it("declares a protected namespace, the default deny, one budget per service, and the workload's objects", async () => {
        const { resources } = await evaluateUnderMocks({ project: "daarion", stack: "t" }, () => {
            const r = runtime();
            r.forNode("node1").deploy(spec("redis", { volumes: [{ key: "data", containerPath: "/data", stateful: true }] }));
            r.forNode("node2").deploy(spec("redis", { volumes: [{ key: "data", containerPath: "/data", stateful: true }] }));
            r.forNode("node1").deploy(spec("exporter", { service: "redis", dependsOn: ["redis"] }));
        });
        const names = resources.filter((x) => x.type.startsWith("kubernetes:")).map((x) => `${x.type.split(":").pop()}/${x.name}`).sort();
        assert.deepEqual(names, [
            "Deployment/node1-exporter",
            "Namespace/daarion",
            "NetworkPolicy/default-deny-ingress",
            "NetworkPolicy/node1-exporter-netpol",
            "NetworkPolicy/node1-redis-netpol",
            "NetworkPolicy/node2-redis-netpol",
            "PodDisruptionBudget/redis-pdb",
            "Service/node1-exporter",
            "Service/node1-redis",
            "Service/node1-redis-peers",
            "Service/node2-redis",
            "Service/node2-redis-peers",
            "StatefulSet/node1-redis",
            "StatefulSet/node2-redis",
        ]);
        const byName = (kind: string, n: string) => resources.find((x) => x.name === n && x.type.endsWith(`:${kind}`))!;
        assert.deepEqual(byName("Namespace", "daarion").options, { protect: true, retainOnDelete: true });
        assert.deepEqual(byName("StatefulSet", "node1-redis").options, { protect: true, retainOnDelete: true });
        assert.deepEqual(byName("Deployment", "node1-exporter").options, {});
        assert.ok(byName("Deployment", "node1-exporter").dependencies.some((u) => u.endsWith("kubernetes:apps/v1:StatefulSet::node1-redis")), "exporter waits for redis");
    });

    it("refuses a workload declared twice, an unknown dependency and a build context", async () => {
        await assert.rejects(
            evaluateUnderMocks({ project: "daarion", stack: "t" }, () => {
                const r = runtime();
                r.forNode("node1").deploy(spec("redis"));
                r.forNode("node1").deploy(spec("redis"));
            }),
            /workload 'redis' is declared twice on node1/,
        );
        await assert.rejects(evaluateUnderMocks({ project: "daarion", stack: "t" }, () => runtime().forNode("node1").deploy(spec("a", { dependsOn: ["b"] }))), /depends on 'b', which is not deployed before it/);
        await assert.rejects(
            evaluateUnderMocks({ project: "daarion", stack: "t" }, () => runtime().forNode("node1").deploy(spec("a", { image: { repository: "r/a", build: { context: "." } } }))),
            /has a build context; the Kubernetes runtime builds nothing/,
        );
    });
});
