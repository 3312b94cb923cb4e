import * as assert from "node:assert/strict";
import {
    checkContainerMetricsInternal,
    checkContainerPortsPrivate,
    checkHealthcheck,
    checkImagePinned,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoHostNetwork,
    checkNoPrivileged,
} from "../../policy/rules/container";
import { DEFAULT_METRICS_PORTS } from "../../policy/rules/firewall";
import { checkTopologyLabels } from "../../policy/rules/topology";
import { makeView, UNKNOWN } from "../../policy/lib/resource";
import { container, DIGEST, ingressContainer, labels, withProps } from "./fixtures";

function one(v: { message: string }[], re: RegExp): void {
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0].message, re);
}

describe("policy: docker-ports-private-unless-ingress", () => {
    const cfg = { ingressPorts: [] as number[] };
    it("passes a port bound to the node's private IP or loopback", () => {
        assert.deepEqual(checkContainerPortsPrivate(container(), cfg), []);
        assert.deepEqual(checkContainerPortsPrivate(withProps(container(), { ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }] }), cfg), []);
    });
    it("fails a port without ip (Docker binds 0.0.0.0)", () => {
        one(checkContainerPortsPrivate(withProps(container(), { ports: [{ internal: 5432, external: 5432 }] }), cfg), /0\.0\.0\.0:5432->5432 is published on 0\.0\.0\.0 \(every interface/);
    });
    it("fails a port bound to a public address", () => {
        one(checkContainerPortsPrivate(withProps(container(), { ports: [{ internal: 5432, external: 5432, ip: "95.217.10.10" }] }), cfg), /95\.217\.10\.10/);
    });
    it("fails a port without external (random host port on every interface)", () => {
        one(checkContainerPortsPrivate(withProps(container(), { ports: [{ internal: 5432 }] }), cfg), /<random>->5432/);
    });
    it("passes public ports on a container labelled daarion.ingress=true", () => {
        assert.deepEqual(checkContainerPortsPrivate(ingressContainer(), cfg), []);
    });
    it("fails the same ports once the ingress label is removed", () => {
        const c = ingressContainer();
        const v = checkContainerPortsPrivate(withProps(c, { labels: labels({ "daarion.node": "node3", "daarion.service": "gateway", "daarion.role": "edge" }) }), cfg);
        assert.equal(v.length, 2);
    });
    it("passes a configured ingress port on any container", () => {
        const c = withProps(container(), { ports: [{ internal: 8443, external: 443, ip: "0.0.0.0" }] });
        assert.deepEqual(checkContainerPortsPrivate(c, { ingressPorts: [443] }), []);
        one(checkContainerPortsPrivate(c, cfg), /443/);
    });
    it("does not judge unknown addresses", () => {
        assert.deepEqual(checkContainerPortsPrivate(withProps(container(), { ports: [{ internal: 5432, external: 5432, ip: UNKNOWN }] }), cfg), []);
    });
});

describe("policy: docker-metrics-ports-internal", () => {
    const cfg = { metricsPorts: DEFAULT_METRICS_PORTS };
    it("passes an ingress whose exporter port is private", () => {
        assert.deepEqual(checkContainerMetricsInternal(ingressContainer(), cfg), []);
    });
    it("fails an ingress that publishes its exporter publicly", () => {
        const c = ingressContainer();
        const ports = [...(c.props.ports as object[]).slice(0, 2), { internal: 9113, external: 9113, ip: "0.0.0.0" }];
        one(checkContainerMetricsInternal(withProps(c, { ports }), cfg), /metrics port 9113/);
    });
});

describe("policy: docker-image-pinned-by-digest", () => {
    it("passes repository@sha256 and a bare image ID", () => {
        assert.deepEqual(checkImagePinned(container()), []);
        assert.deepEqual(checkImagePinned(withProps(container(), { image: DIGEST })), []);
    });
    it("fails a tag", () => {
        one(checkImagePinned(withProps(container(), { image: "postgres:16" })), /'postgres:16' is not pinned/);
    });
    it("checks the RemoteImage that feeds a container its image ID", () => {
        const remote = makeView({ type: "docker:index/remoteImage:RemoteImage", name: "node1-postgres-image", props: { name: `docker.io/library/postgres:15@${DIGEST}`, keepLocally: true } });
        assert.deepEqual(checkImagePinned(remote), []);
        one(checkImagePinned(withProps(remote, { name: "docker.io/library/postgres:15.10-bookworm" })), /pulls 'docker\.io\/library\/postgres:15\.10-bookworm', a tag/);
    });
    it("fails a tag combined with a truncated digest", () => {
        one(checkImagePinned(withProps(container(), { image: "postgres:16@sha256:abc" })), /not pinned/);
    });
});

describe("policy: docker-memory-limit", () => {
    it("passes memory > 0", () => assert.deepEqual(checkMemoryLimit(container()), []));
    it("fails without memory", () => one(checkMemoryLimit(withProps(container(), { memory: undefined })), /no memory limit/));
    it("fails memory 0 (unlimited)", () => one(checkMemoryLimit(withProps(container(), { memory: 0 })), /no memory limit/));
});

describe("policy: docker-healthcheck", () => {
    it("passes a healthcheck with tests", () => assert.deepEqual(checkHealthcheck(container()), []));
    it("fails without healthcheck", () => one(checkHealthcheck(withProps(container(), { healthcheck: undefined })), /no healthcheck/));
    it("fails a healthcheck disabled with NONE", () => one(checkHealthcheck(withProps(container(), { healthcheck: { tests: ["NONE"] } })), /no healthcheck/));
});

describe("policy: docker-no-privileged", () => {
    it("passes an unprivileged container", () => assert.deepEqual(checkNoPrivileged(container()), []));
    it("fails privileged: true", () => one(checkNoPrivileged(withProps(container(), { privileged: true })), /runs privileged/));
    it("fails capability SYS_ADMIN", () => one(checkNoPrivileged(withProps(container(), { capabilities: { adds: ["NET_BIND_SERVICE", "SYS_ADMIN"] } })), /SYS_ADMIN/));
});

describe("policy: docker-no-host-network", () => {
    it("passes a bridge network", () => assert.deepEqual(checkNoHostNetwork(withProps(container(), { networkMode: "bridge" })), []));
    it("fails networkMode=host", () => one(checkNoHostNetwork(withProps(container(), { networkMode: "host" })), /networkMode=host/));
});

describe("policy: docker-no-docker-socket", () => {
    it("passes named volumes and unrelated bind mounts", () => {
        const c = withProps(container(), { volumes: [{ volumeName: "x", containerPath: "/data" }, { hostPath: "/srv/daarion/config", containerPath: "/config" }] });
        assert.deepEqual(checkNoDockerSocket(c), []);
    });
    it("fails seed 001's quick fix: /var/run/docker.sock:ro into WHOOSH", () => {
        const whoosh = container({ name: "node1-whoosh", service: "whoosh", role: "primary" });
        const c = withProps(whoosh, { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }] });
        one(checkNoDockerSocket(c), /volumes\[0\] mounts \/var\/run\/docker\.sock/);
    });
    it("fails a bind mount of /run (which contains the socket)", () => {
        one(checkNoDockerSocket(withProps(container(), { mounts: [{ type: "bind", source: "/run/", target: "/host-run" }] })), /mounts\[0\] binds \/run\//);
    });
    it("fails a non-normalized path", () => {
        one(checkNoDockerSocket(withProps(container(), { volumes: [{ hostPath: "//var/run//docker.sock", containerPath: "/s" }] })), /docker/);
    });
});

describe("policy: docker-topology-labels", () => {
    it("passes a labelled container", () => assert.deepEqual(checkTopologyLabels(container()), []));
    it("fails without daarion.role", () => {
        one(checkTopologyLabels(withProps(container(), { labels: labels({ "daarion.node": "node1", "daarion.service": "postgres" }) })), /lacks label\(s\) daarion\.role/);
    });
});
