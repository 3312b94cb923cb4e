import * as assert from "node:assert/strict";
import { checkServerIgnoresReplacementTriggers, checkServerProtection, checkStatefulProtected, RETAINED_NOT_PROTECTED } from "../../policy/rules/stateful";
import { checkServersFirewalledAndPrivate, matchesLabelSelector } from "../../policy/rules/hcloud";
import { makeView, ResourceView, TYPES, UNKNOWN } from "../../policy/lib/resource";
import { container, labels, server } from "./fixtures";

function one(v: { message: string }[], re: RegExp): void {
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0].message, re);
}

const stateful: [string, ResourceView][] = [
    ["docker volume labelled stateful", makeView({ type: TYPES.dockerVolume, name: "node1-postgres-data", protect: true, props: { labels: labels({ "daarion.stateful": "true" }) } })],
    ["hcloud volume", makeView({ type: TYPES.hcloudVolume, name: "node2-data", protect: true, props: { size: 100, deleteProtection: true } })],
    ["postgresql database", makeView({ type: TYPES.pgDatabase, name: "daarion", protect: true, props: { name: "daarion" } })],
    ["minio bucket", makeView({ type: TYPES.minioBucket, name: "attachments", protect: true, props: { bucket: "attachments" } })],
];

describe("policy: stateful-resources-protected", () => {
    for (const [what, view] of stateful) {
        it(`passes a protected ${what}`, () => assert.deepEqual(checkStatefulProtected(view), []));
        if (RETAINED_NOT_PROTECTED.includes(view.type)) {
            it(`passes an unprotected ${what}: retained on delete, so a service can be retired (issue 11 finding 5)`, () => assert.deepEqual(checkStatefulProtected({ ...view, protect: false }), []));
        } else {
            it(`fails an unprotected ${what}`, () => one(checkStatefulProtected({ ...view, protect: false }), /holds data but is not protected/));
        }
    }
    it("covers the dynamic resources that hold data (JetStream streams, Qdrant collections)", () => {
        const stream = makeView({ type: "pulumi-nodejs:dynamic/nats:Stream", name: "nats-stream-MESSAGES", protect: true, props: { name: "MESSAGES" } });
        assert.deepEqual(checkStatefulProtected(stream), []);
        one(checkStatefulProtected({ ...stream, protect: false }), /holds data but is not protected/);
        assert.deepEqual(checkStatefulProtected({ ...stream, protect: false }, []), []);
    });
    it("ignores a docker volume not labelled stateful (cache)", () => {
        const cache = makeView({ type: TYPES.dockerVolume, name: "node3-redis-cache", props: { labels: labels({ "daarion.stateful": "false" }) } });
        assert.deepEqual(checkStatefulProtected(cache), []);
    });
    it("fails an hcloud volume without deleteProtection", () => {
        one(checkStatefulProtected({ ...stateful[1][1], props: { size: 100, deleteProtection: false } }), /no deleteProtection/);
    });
    it("fails a minio bucket with forceDestroy", () => {
        one(checkStatefulProtected({ ...stateful[3][1], props: { bucket: "attachments", forceDestroy: true } }), /forceDestroy/);
    });
});

describe("policy: hcloud-server-protection", () => {
    it("passes delete and rebuild protection", () => assert.deepEqual(checkServerProtection(server()), []));
    it("fails without deleteProtection", () => one(checkServerProtection(server("node2", {}, { deleteProtection: false })), /deleteProtection disabled/));
    it("fails without rebuildProtection", () => one(checkServerProtection(server("node2", {}, { rebuildProtection: undefined })), /rebuildProtection disabled/));
});

describe("policy: hcloud-server-ignore-replacement-triggers", () => {
    it("passes ignoreChanges userData+image", () => assert.deepEqual(checkServerIgnoresReplacementTriggers(server()), []));
    it("fails when userData is not ignored", () => one(checkServerIgnoresReplacementTriggers(server("node2", { ignoreChanges: ["image"] })), /on userData;/));
});

describe("policy: hcloud-server-firewall-and-private-network (stack)", () => {
    const fw = makeView({ type: TYPES.hcloudFirewall, name: "fw", urn: "urn:fw", props: { rules: [] } });
    const bare = () => server("node3", {}, { firewallIds: [], networks: [] });

    it("passes inline firewallIds and networks", () => assert.deepEqual(checkServersFirewalledAndPrivate([server(), fw, container()]), []));
    it("passes firewallIds unknown at preview", () => {
        assert.deepEqual(checkServersFirewalledAndPrivate([server("node2", {}, { firewallIds: UNKNOWN })]), []);
    });
    it("fails a server with neither", () => {
        const v = checkServersFirewalledAndPrivate([bare()]);
        assert.equal(v.length, 2);
        assert.match(v[0].message, /node3' has no firewall/);
        assert.match(v[1].message, /not attached to a private network/);
        assert.equal(v[0].urn, bare().urn);
    });
    it("passes a Firewall applyTo by label selector and a ServerNetwork depending on the server", () => {
        const s = bare();
        const byLabel = makeView({ type: TYPES.hcloudFirewall, name: "fw", props: { applyTos: [{ labelSelector: "daarion.node=node3" }] } });
        const net = makeView({ type: TYPES.hcloudServerNetwork, name: "n", props: { serverId: UNKNOWN, subnetId: "7-10.0.1.0/24" }, propertyDependencies: { serverId: [s.urn] } });
        assert.deepEqual(checkServersFirewalledAndPrivate([s, byLabel, net]), []);
    });
    it("passes a FirewallAttachment whose serverIds depend on the server", () => {
        const s = bare();
        const att = makeView({ type: TYPES.hcloudFirewallAttachment, name: "a", props: { firewallId: 1, serverIds: [UNKNOWN] }, propertyDependencies: { serverIds: [s.urn] } });
        const v = checkServersFirewalledAndPrivate([s, att]);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /private network/);
    });
    it("fails when the label selector does not match the server", () => {
        const byLabel = makeView({ type: TYPES.hcloudFirewall, name: "fw", props: { applyTos: [{ labelSelector: "daarion.node=node2" }] } });
        const v = checkServersFirewalledAndPrivate([bare(), byLabel]);
        assert.match(v[0].message, /has no firewall/);
    });
    it("evaluates hcloud label selectors", () => {
        const l = { "daarion.node": "node3", role: "edge" };
        assert.ok(matchesLabelSelector("daarion.node=node3,role", l));
        assert.ok(matchesLabelSelector("role!=primary", l));
        assert.ok(!matchesLabelSelector("role==primary", l));
        assert.ok(!matchesLabelSelector("!role", l));
    });
});
