/**
 * The `local` stack on a developer machine: what README "Deploying for real" says about it is
 * recomputed from the offline render (memory sum, published ports), and Neo4j's memory is cut.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DeclaredContainer, footprint } from "../../components/node/footprint";
import { localHostPort } from "../../components/node/local-ports";
import { RenderResult, reveal } from "../../offline/render";
import { renderedStack } from "../support/render";
import { ofType, resource, TYPE } from "../support/resources";
import { REPO_ROOT } from "../support/topology";

describe("local stack footprint", function () {
    this.timeout(120_000);
    let local: RenderResult;
    let containers: DeclaredContainer[];
    before(async () => {
        local = await renderedStack("local");
        containers = ofType(local, TYPE.container).map((r) => ({ name: r.name, memoryMb: Number(r.inputs.memory), ports: (r.inputs.ports as Array<{ ip: string; external: number }> | undefined) ?? [] }));
    });

    it("README states the memory sum and the published ports computed from the specs", () => {
        const f = footprint(containers);
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const memory = readme.match(/local stack declares (\d+) containers whose memory limits add up to (\d+) MiB/);
        assert.ok(memory, "README names the local footprint");
        assert.deepEqual([Number(memory[1]), Number(memory[2])], [f.containers, f.memoryMb]);
        const ports = readme.match(/It publishes on the host: (.+)\.$/m);
        assert.ok(ports, "README lists the published ports");
        assert.deepEqual([...ports[1]!.matchAll(/`([\d.]+:\d+)`/g)].map((m) => m[1]), f.published);
        assert.ok(f.published.every((p) => p.startsWith("127.0.0.1:")), "nothing is published beyond loopback");
    });

    it("moves published ports below 1024 to 18000 + port, and nothing else", () => {
        assert.deepEqual(localHostPort({ name: "http", containerPort: 80, exposure: "ingress" }), { name: "http", containerPort: 80, exposure: "ingress", hostPort: 18080 });
        assert.deepEqual(localHostPort({ name: "pg", containerPort: 5432, hostPort: 15432, exposure: "ingress" }), { name: "pg", containerPort: 5432, hostPort: 15432, exposure: "ingress" });
        assert.deepEqual(localHostPort({ name: "dns", containerPort: 53, exposure: "internal" }), { name: "dns", containerPort: 53, exposure: "internal" });
        const haproxy = containers.find((c) => c.name === "node1-haproxy")!;
        assert.deepEqual(haproxy.ports.map((p) => p.external), [18080, 18443]);
    });

    it("Neo4j runs with 0.5 GB heap and 0.25 GB page cache locally (not 2 + 2 GB)", () => {
        const neo4j = containers.find((c) => c.name === "node1-neo4j")!;
        assert.equal(neo4j.memoryMb, Math.ceil(0.75 * 1024) + 1024);
        const container = resource(local, TYPE.container, "node1-neo4j");
        // Neo4j's settings reach the image as NEO4J_* env, which its entrypoint appends to the
        // shipped neo4j.conf (components/neo4j/render.ts neo4jConfEnv, image contract finding 8).
        const envs = reveal(container.inputs.envs) as string[];
        assert.ok(envs.includes("NEO4J_server_memory_heap_max__size=512m"), envs.join(" "));
        assert.ok(envs.includes("NEO4J_server_memory_pagecache_size=256m"), envs.join(" "));
    });
});
