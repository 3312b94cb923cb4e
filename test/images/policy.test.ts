/**
 * The `docker-image-contract` policy: the same check, through the pack's own code path (the views
 * `pulumi preview --policy-pack policy` gives it), over the rendered node1 stack.
 */
import * as assert from "node:assert/strict";
import { RecordedResource } from "../../offline/render";
import { checkRecordedStack, OfflineViolation, packConfigFor, runPolicies, viewsFromRecords } from "../../policy/offline";
import { daarionPolicies } from "../../policy/policies";
import { UNKNOWN } from "../../policy/lib/resource";
import { renderedStack } from "../support/render";
import { resource, TYPE } from "../support/resources";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const contractHits = (v: OfflineViolation[]) => v.filter((x) => x.policy === "docker-image-contract");

describe("policy docker-image-contract", function () {
    this.timeout(120_000);
    let node1: RecordedResource[] = [];
    before(async () => {
        node1 = (await renderedStack("node1")).resources;
    });

    it("is mandatory and passes the rendered node1 stack", async () => {
        assert.equal(daarionPolicies().find((p) => p.name === "docker-image-contract")!.enforcementLevel, "mandatory");
        assert.deepEqual(contractHits(await checkRecordedStack("node1", node1, { config: packConfigFor("node1") })), []);
    });

    it("rejects Qdrant's old command, naming node, workload, fact and source", async () => {
        const records = clone(node1);
        const qdrant = resource(records, TYPE.container, "node1-qdrant");
        (qdrant.inputs as Record<string, unknown>).command = (qdrant.inputs.command as string[]).slice(1);
        const hits = contractHits(await checkRecordedStack("node1", records, { config: packConfigFor("node1") }));
        assert.equal(hits.length, 1);
        assert.equal(hits[0]!.level, "mandatory");
        assert.equal(hits[0]!.urn, "urn:pulumi:node1::daarion::docker:index/container:Container::node1-qdrant");
        assert.match(hits[0]!.message, /^node1\/qdrant: \[argv\] argv\[0\] '--config-path' is not an executable .*\(source: qdrant\/qdrant@v1\.12\.4:Dockerfile/);
    });

    it("rejects an uncatalogued image version", async () => {
        const records = clone(node1);
        const image = resource(records, TYPE.remoteImage, "node1-grafana-image");
        (image.inputs as Record<string, unknown>).name = "docker.io/grafana/grafana-oss:12.0.0";
        const hits = contractHits(await checkRecordedStack("node1", records, { config: packConfigFor("node1") }));
        assert.deepEqual(hits.map((h) => h.message.slice(0, 60)), ["node1/grafana: [catalogue] image docker.io/grafana/grafana-o"]);
    });

    it("does not guess at preview: a container whose image or inputs are unknown is not judged", async () => {
        const views = viewsFromRecords("node1", clone(node1)).map((v) => {
            if (v.name === "node1-qdrant-image") return { ...v, props: { ...v.props, name: UNKNOWN } };
            if (v.name === "node1-neo4j") return { ...v, props: { ...v.props, healthcheck: UNKNOWN } };
            if (v.name === "node1-redis") return { ...v, props: { ...v.props, command: ["--config-path"] } };
            return v;
        });
        const hits = contractHits(await runPolicies(views, { resourcePolicies: false, config: packConfigFor("node1") }));
        assert.deepEqual(hits.map((h) => h.urn!.split("::").pop()), ["node1-redis"]);
    });
});
