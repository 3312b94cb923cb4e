/**
 * The node keys of the schema: node1's pinned host key, its uplink and data mount, and the local
 * engine endpoint. Each bad value fails with one error naming the file and the key.
 */
import * as assert from "node:assert/strict";
import { ConfigError, loadConfig, rawConfigOf } from "../../stacks/config";
import { committedConfig } from "../support/topology";

const T = "Pulumi.yaml: daarion:topology.nodes.node1.provisioner";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function errorsFor(stack: string, mutate: (topology: Json, settings: Record<string, unknown>) => void): ConfigError {
    const raw = rawConfigOf(committedConfig(stack).config);
    const topology = raw.topology as Json;
    const settings = { ...raw.settings };
    mutate(topology, settings);
    try {
        loadConfig(stack, { ...raw, topology, settings });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err;
    }
    assert.fail("the config was accepted");
}

describe("node keys of the schema", () => {
    const cases: Array<{ name: string; mutate: (t: Json, s: Record<string, unknown>) => void; location: string; message: RegExp; stack?: string }> = [
        { name: "host key missing", mutate: (t) => delete t.nodes.node1.provisioner.hostKey, location: `${T}.hostKey`, message: /./ },
        { name: "host key is a fingerprint, not a key", mutate: (t) => (t.nodes.node1.provisioner.hostKey = "SHA256:Rwee14FIJ190TE86Ip0hUDLomZ0ZiWn4TQQ630MbpEI"), location: `${T}.hostKey`, message: /SSH public host key like 'ssh-ed25519 AAAA/ },
        { name: "uplink missing", mutate: (t) => delete t.nodes.node1.provisioner.uplink, location: `${T}.uplink`, message: /./ },
        { name: "uplink longer than IFNAMSIZ", mutate: (t) => (t.nodes.node1.provisioner.uplink = "enp0s31f6-and-more"), location: `${T}.uplink`, message: /Linux interface name/ },
        { name: "data mount not absolute", mutate: (t) => (t.nodes.node1.provisioner.dataMount = "mnt/data"), location: `${T}.dataMount`, message: /absolute path/ },
        { name: "local engine endpoint without a scheme", mutate: (_t, s) => (s.localDockerHost = "/var/run/docker.sock"), location: "Pulumi.local.yaml: daarion:localDockerHost", message: /Docker endpoint like unix:/, stack: "local" },
    ];
    for (const c of cases) {
        it(`refuses: ${c.name}`, () => {
            const err = errorsFor(c.stack ?? "node1", c.mutate);
            assert.deepEqual(err.errors.map((e) => e.location), [c.location], err.message);
            assert.match(err.errors[0]!.message, c.message);
        });
    }

    it("accepts the committed node1 and a data mount", () => {
        const raw = rawConfigOf(committedConfig("node1").config);
        (raw.topology as Json).nodes.node1.provisioner.dataMount = "/srv/data";
        const loaded = loadConfig("node1", raw);
        const p = loaded.topology.nodes.node1!.provisioner;
        assert.ok(p.kind === "dedicated");
        assert.deepEqual([p.uplink, p.dataMount, p.hostKey.split(" ")[0]], ["enp0s31f6", "/srv/data", "ssh-ed25519"]);
    });
});
