/**
 * The policy pack over every committed stack, through the offline render: the resources and
 * inputs exactly as the program declares them (offline/render.ts), checked by the same policy
 * functions the engine runs, with the policy config CI passes (policy/config/<stack>.json).
 *
 * Each stack alone (one node: resource policies, co-location) and the node stacks together (the
 * full topology: sentinel/JetStream counts, replica placement across nodes) must violate no
 * mandatory policy. Mutations of the rendered resources then prove the rules read the shapes the
 * components really produce.
 */
import * as assert from "node:assert/strict";
import { readStackConfig, RecordedResource } from "../../offline/render";
import { committedStacks } from "../../scripts/drift";
import { checkRecordedStack, envSecretness, OfflineViolation, packConfigFor, runPolicies, viewsFromRecords } from "../../policy/offline";
import { TYPES } from "../../policy/lib/resource";
import { credentialPart } from "../../policy/rules/secrets";
import { renderedStack } from "../support/render";
import { REPO_ROOT } from "../support/topology";

const STACKS = committedStacks(REPO_ROOT);

const mandatory = (v: OfflineViolation[]) => v.filter((x) => x.level === "mandatory");
const show = (v: OfflineViolation[]) => v.map((x) => `[${x.policy}] ${x.message}`).join("\n");
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("policy pack over every committed stack (offline render)", function () {
    this.timeout(300_000);
    const renders = new Map<string, RecordedResource[]>();

    before(async () => {
        assert.ok(STACKS.length >= 4, `expected node1 node2 node3 local, found ${STACKS.join(", ")}`);
        for (const stack of STACKS) renders.set(stack, (await renderedStack(stack)).resources);
    });

    for (const stack of STACKS) {
        it(`${stack}: no mandatory violation`, async () => {
            const violations = await checkRecordedStack(stack, renders.get(stack)!, { config: packConfigFor(stack) });
            assert.equal(mandatory(violations).length, 0, show(mandatory(violations)));
        });
    }

    it("node stacks together (the full topology): no mandatory stack-policy violation", async () => {
        // The stacks that deploy one node each; `local` and `k8s` hold every node already, and are
        // checked as full views on their own above.
        const nodeStacks = STACKS.filter((s) => readStackConfig(REPO_ROOT, s).config["daarion:node"] !== "all");
        assert.deepEqual(nodeStacks, ["node1", "node2", "node3"]);
        const views = nodeStacks.flatMap((s) => viewsFromRecords(s, renders.get(s)!));
        const violations = await runPolicies(views, { resourcePolicies: false, config: packConfigFor("node1") });
        assert.equal(mandatory(violations).length, 0, show(mandatory(violations)));
    });

    describe("the rules see the rendered shapes (one mutation each)", () => {
        const all = () => STACKS.flatMap((s) => renders.get(s)!.map((r) => ({ stack: s, r })));
        function pick(type: string, where: (r: RecordedResource) => boolean = () => true): { stack: string; records: RecordedResource[]; index: number } {
            const found = all().find(({ r }) => r.type === type && where(r));
            assert.ok(found, `no ${type} in any rendered stack`);
            const records = clone(renders.get(found.stack)!);
            return { stack: found.stack, records, index: renders.get(found.stack)!.indexOf(found.r) };
        }
        async function policiesHit(stack: string, records: RecordedResource[]): Promise<string[]> {
            const before = new Set(mandatory(await checkRecordedStack(stack, renders.get(stack)!, { config: packConfigFor(stack) })).map((v) => v.message));
            const after = mandatory(await checkRecordedStack(stack, records, { config: packConfigFor(stack) }));
            return [...new Set(after.filter((v) => !before.has(v.message)).map((v) => v.policy))].sort();
        }
        const unwrap = (v: unknown): unknown => (v && typeof v === "object" && "value" in (v as object) && Object.keys(v as object).length === 2 ? (v as { value: unknown }).value : v);

        it("a rendered container mounting /var/run/docker.sock (seed 001) is rejected", async () => {
            const { stack, records, index } = pick(TYPES.container);
            const inputs = records[index].inputs as Record<string, unknown>;
            inputs.volumes = [...((unwrap(inputs.volumes) as unknown[]) ?? []), { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }];
            assert.deepEqual(await policiesHit(stack, records), ["docker-no-docker-socket"]);
        });

        it("a rendered container without memory limit and healthcheck is rejected", async () => {
            const { stack, records, index } = pick(TYPES.container);
            delete (records[index].inputs as Record<string, unknown>).memory;
            delete (records[index].inputs as Record<string, unknown>).healthcheck;
            assert.deepEqual(await policiesHit(stack, records), ["docker-healthcheck", "docker-memory-limit"]);
        });

        it("a rendered non-ingress port published on 0.0.0.0 is rejected", async () => {
            const isIngress = (r: RecordedResource) => JSON.stringify(r.inputs.labels ?? "").includes('"daarion.ingress"');
            const { stack, records, index } = pick(TYPES.container, (r) => !isIngress(r) && Array.isArray(unwrap(r.inputs.ports)) && (unwrap(r.inputs.ports) as unknown[]).length > 0);
            const ports = unwrap(records[index].inputs.ports) as Record<string, unknown>[];
            ports[0].ip = "0.0.0.0";
            (records[index].inputs as Record<string, unknown>).ports = ports;
            const hit = await policiesHit(stack, records);
            assert.ok(hit.includes("docker-ports-private-unless-ingress"), hit.join(", "));
        });

        it("the render's secret markers reach the credential policy: a plaintext credential is rejected", async () => {
            const envLines = (r: RecordedResource) => ((unwrap(r.inputs.envs) as unknown[] | undefined) ?? []).map(unwrap) as string[];
            const isCredential = (e: string) => credentialPart(e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)) !== undefined;
            const withSecretEnv = (r: RecordedResource) => {
                const secret = envSecretness(r.inputs);
                return r.type === TYPES.container && envLines(r).some((e, i) => secret[i] && isCredential(e));
            };
            const { stack, records, index } = pick(TYPES.container, withSecretEnv);
            const inputs = records[index].inputs as Record<string, unknown>;
            inputs.envs = envLines(records[index]);
            assert.deepEqual(await policiesHit(stack, records), ["docker-credential-env"]);
        });

        it("a rendered hcloud firewall opening PostgreSQL to the internet is rejected", async () => {
            const { stack, records, index } = pick(TYPES.hcloudFirewall);
            const inputs = records[index].inputs as Record<string, unknown>;
            inputs.rules = [...(unwrap(inputs.rules) as unknown[]), { direction: "in", protocol: "tcp", port: "5432", sourceIps: ["0.0.0.0/0", "::/0"] }];
            assert.deepEqual(await policiesHit(stack, records), ["hcloud-firewall-no-public-data-ports"]);
        });

        it("a rendered hcloud firewall opening SSH beyond the admin CIDRs is rejected", async () => {
            const { stack, records, index } = pick(TYPES.hcloudFirewall);
            const inputs = records[index].inputs as Record<string, unknown>;
            inputs.rules = [...(unwrap(inputs.rules) as unknown[]), { direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }];
            assert.deepEqual(await policiesHit(stack, records), ["hcloud-firewall-ssh-admin-only"]);
        });

        it("a rendered hcloud server without its ServerNetwork, or unprotected, is rejected", async () => {
            const { stack, records, index } = pick(TYPES.hcloudServer);
            const detached = records.filter((r) => r.type !== TYPES.hcloudServerNetwork);
            assert.deepEqual(await policiesHit(stack, detached), ["hcloud-server-firewall-and-private-network"]);
            (records[index].inputs as Record<string, unknown>).deleteProtection = false;
            assert.deepEqual(await policiesHit(stack, records), ["hcloud-server-protection"]);
        });

        it("a rendered stateful volume without protect is rejected", async () => {
            const { stack, records, index } = pick(TYPES.hcloudVolume);
            records[index] = { ...records[index], options: { ...records[index].options, protect: false } };
            assert.deepEqual(await policiesHit(stack, records), ["stateful-resources-protected"]);
        });
    });
});
