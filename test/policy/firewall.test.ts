import * as assert from "node:assert/strict";
import { checkFirewallWorldOpenPorts, checkSshAdminOnly, DEFAULT_DATA_PORTS, DEFAULT_METRICS_PORTS } from "../../policy/rules/firewall";
import { cidrContains, isPrivateAddress, parseCidr, parsePortSpec } from "../../policy/lib/net";
import { UNKNOWN } from "../../policy/lib/resource";
import { ADMIN_CIDRS, firewall, HTTPS_RULE, SSH_RULE } from "./fixtures";

const data = { ports: DEFAULT_DATA_PORTS, kind: "data/broker" };
const metrics = { ports: DEFAULT_METRICS_PORTS, kind: "metrics" };

describe("policy/lib/net", () => {
    it("parses and contains IPv4 and IPv6 CIDRs", () => {
        assert.ok(cidrContains(parseCidr("10.0.0.0/8")!, parseCidr("10.1.2.0/24")!));
        assert.ok(!cidrContains(parseCidr("10.1.2.0/24")!, parseCidr("10.0.0.0/8")!));
        assert.ok(cidrContains(parseCidr("2001:db8::/32")!, parseCidr("2001:db8:1::/48")!));
        assert.ok(!cidrContains(parseCidr("2001:db8::/32")!, parseCidr("2001:db9::/48")!));
        assert.ok(!cidrContains(parseCidr("0.0.0.0/0")!, parseCidr("::1")!));
        assert.equal(parseCidr("10.0.0.0/33"), undefined);
        assert.equal(parseCidr("nonsense"), undefined);
    });
    it("knows private and all-interface addresses", () => {
        for (const ip of ["10.0.1.11", "127.0.0.1", "172.20.0.1", "192.168.1.1", "fd00::1", "::1"]) assert.ok(isPrivateAddress(ip), ip);
        for (const ip of ["0.0.0.0", "::", "95.217.1.1", "2a01:4f8::1", ""]) assert.ok(!isPrivateAddress(ip), ip);
    });
    it("parses hcloud port specs", () => {
        assert.deepEqual(parsePortSpec("22"), { from: 22, to: 22 });
        assert.deepEqual(parsePortSpec("6000-7000"), { from: 6000, to: 7000 });
        assert.deepEqual(parsePortSpec("any"), { from: 1, to: 65535 });
        assert.deepEqual(parsePortSpec(undefined), { from: 1, to: 65535 });
        assert.equal(parsePortSpec("80-70"), undefined);
    });
});

describe("policy: hcloud-firewall-no-public-data-ports", () => {
    const happy = () => firewall([HTTPS_RULE, SSH_RULE, { direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0"] }]);

    it("passes a firewall that opens only https and admin ssh", () => {
        assert.deepEqual(checkFirewallWorldOpenPorts(happy(), data), []);
    });
    for (const port of ["5432", "6379", "26379", "6334", "7687", "9001", "4222", "6222", "7222", "7422", "8222"]) {
        it(`fails when port ${port} is open to the world`, () => {
            const fw = firewall([HTTPS_RULE, { direction: "in", protocol: "tcp", port, sourceIps: ["0.0.0.0/0"] }]);
            const v = checkFirewallWorldOpenPorts(fw, data);
            assert.equal(v.length, 1);
            assert.match(v[0].message, new RegExp(`rules\\[1\\].*opens port ${port} to 0\\.0\\.0\\.0/0`));
        });
    }
    it("fails on ::/0 alone", () => {
        const v = checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "tcp", port: "5432", sourceIps: ["::/0"] }]), data);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /::\/0/);
    });
    it("fails on a range that covers a data port", () => {
        const v = checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "tcp", port: "6000-6500", sourceIps: ["0.0.0.0/0"] }]), data);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /6222, 6333-6335, 6379/);
    });
    it("fails on 'any' port and on a tcp rule without port", () => {
        assert.equal(checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "tcp", port: "any", sourceIps: ["0.0.0.0/0"] }]), data).length, 1);
        assert.equal(checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "udp", sourceIps: ["::/0"] }]), data).length, 1);
    });
    it("fails on an unparseable port (treated as every port)", () => {
        assert.equal(checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "tcp", port: "5432,6379", sourceIps: ["0.0.0.0/0"] }]), data).length, 1);
    });
    it("does not judge rules that are unknown at preview", () => {
        assert.deepEqual(checkFirewallWorldOpenPorts(firewall([{ direction: "in", protocol: "tcp", port: "5432", sourceIps: UNKNOWN }]), data), []);
    });
    it("allows a data port from a specific address and outbound rules", () => {
        const fw = firewall([
            { direction: "in", protocol: "tcp", port: "5432", sourceIps: ["203.0.113.7/32"] },
            { direction: "out", protocol: "tcp", port: "5432", destinationIps: ["0.0.0.0/0"] },
        ]);
        assert.deepEqual(checkFirewallWorldOpenPorts(fw, data), []);
    });
});

describe("policy: hcloud-firewall-metrics-internal", () => {
    it("passes the happy firewall", () => {
        assert.deepEqual(checkFirewallWorldOpenPorts(firewall([HTTPS_RULE, SSH_RULE]), metrics), []);
    });
    it("fails when node_exporter is open to the world", () => {
        const v = checkFirewallWorldOpenPorts(firewall([HTTPS_RULE, { direction: "in", protocol: "tcp", port: "9100", sourceIps: ["0.0.0.0/0"] }]), metrics);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /metrics port\(s\) 9100/);
    });
});

describe("policy: hcloud-firewall-ssh-admin-only", () => {
    const cfg = { adminCidrs: ADMIN_CIDRS };
    it("passes ssh from inside the admin CIDRs", () => {
        assert.deepEqual(checkSshAdminOnly(firewall([HTTPS_RULE, SSH_RULE]), cfg), []);
    });
    it("fails ssh from the world", () => {
        const v = checkSshAdminOnly(firewall([{ ...SSH_RULE, sourceIps: ["0.0.0.0/0"] }]), cfg);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /SSH \(port 22\) from 0\.0\.0\.0\/0, which is outside the admin CIDRs/);
    });
    it("fails a source wider than the admin CIDR", () => {
        assert.equal(checkSshAdminOnly(firewall([{ ...SSH_RULE, sourceIps: ["203.0.0.0/16"] }]), cfg).length, 1);
    });
    it("fails an all-ports rule that includes ssh", () => {
        assert.equal(checkSshAdminOnly(firewall([{ direction: "in", protocol: "tcp", port: "1-1024", sourceIps: ["198.51.100.0/24"] }]), cfg).length, 1);
    });
    it("fails any ssh rule when no admin CIDRs are configured", () => {
        const v = checkSshAdminOnly(firewall([SSH_RULE]), { adminCidrs: [] });
        assert.equal(v.length, 1);
        assert.match(v[0].message, /no adminCidrs are configured/);
    });
    it("rejects a /0 admin CIDR in the config itself", () => {
        const v = checkSshAdminOnly(firewall([SSH_RULE]), { adminCidrs: ["0.0.0.0/0", ...ADMIN_CIDRS] });
        assert.equal(v.length, 1);
        assert.match(v[0].message, /adminCidrs contains '0\.0\.0\.0\/0'/);
    });
    it("honours a custom ssh port", () => {
        assert.deepEqual(checkSshAdminOnly(firewall([{ ...SSH_RULE, sourceIps: ["0.0.0.0/0"] }]), { ...cfg, sshPort: 2222 }), []);
    });
});
