// The project's program on the real engine (issue 15 item 3): index.ts's export as an inline program
// with the committed Pulumi.yaml / Pulumi.<stack>.yaml, on a file backend (test/engine/harness.ts).
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { EngineProject, failureText, missingSecrets, projectProgram, selfSignedPem, stackFile } from "./harness";

/** Stacks that terminate ingress and so need certificates (README "Deploying for real"). */
const INGRESS_STACKS = ["node1", "node2", "local"];

describe("real engine: a missing certificate fails with the program's own message", function () {
    this.timeout(600_000);
    let project: EngineProject;

    before(async () => {
        project = await EngineProject.create("missing-cert");
    });
    after(() => project?.dispose());

    for (const name of INGRESS_STACKS) {
        it(`${name}: preview names the one certificate left unset, deploys nothing`, async () => {
            const started = Date.now();
            const stack = await project.stack(name, projectProgram(), { stackFile: stackFile(name) });
            // With no secret set, the program lists every one it needs.
            const first = failureText(await stack.preview().then(() => assert.fail(`${name}: preview passed with no secrets set`), (e) => e));
            const needed = missingSecrets(first, name);
            assert.ok(needed.includes("tls-gateway-daarion-city"), `${name}: the program did not ask for the gateway certificate:\n${first}`);
            assert.match(first, new RegExp(`invalid config for stack '${name}' \\(\\d+ errors?; nothing was deployed\\)`));

            // Every secret but the gateway certificate: the program names exactly that one.
            const pem = await selfSignedPem(project.tmp, `${name}.daarion.city`);
            for (const key of needed.filter((k) => k !== "tls-gateway-daarion-city")) {
                await stack.setConfig(`daarion:secrets.${key}`, { value: key.startsWith("tls-") ? pem : `${key}-value-${name}`, secret: true }, true);
            }
            const second = failureText(await stack.preview().then(() => assert.fail(`${name}: preview passed without the gateway certificate`), (e) => e));
            assert.deepEqual(missingSecrets(second, name), ["tls-gateway-daarion-city"]);
            assert.match(second, new RegExp(`invalid config for stack '${name}' \\(1 error; nothing was deployed\\)`));
            // The program's message, not a CLI decryption failure of a committed placeholder (issue 11 finding 8).
            assert.doesNotMatch(second, /failed to decrypt|could not decrypt|invalid ciphertext/i);

            const state = await project.exportState(name);
            assert.deepEqual(state.deployment.resources ?? [], [], `${name}: a failed preview left resources in the state`);
            console.log(`      ${name}: ${Date.now() - started} ms`);
        });
    }
});

// What the mock rehearsal assumes about a failed update, measured on the real engine: since
// pulumi/pulumi#15754 ("Don't delete stack outputs on failed deployments", merged 2024-03, in
// v3.248.0) the engine defers the stack's RegisterResourceOutputs to the end of the deployment and,
// when it failed, writes the outputs the program did register. So a failed FIRST `up` of node1 still
// exports the outputs that resolved, and node2/node3 can read them (issue 11 finding 2 cited
// pulumi/pulumi#16289 for "no outputs").
describe("real engine: stack outputs after a failed first up", function () {
    this.timeout(300_000);
    let project: EngineProject;
    before(async () => {
        project = await EngineProject.create("failed-up", { projectName: "failed-up" });
    });
    after(() => project?.dispose());

    it("keeps the outputs that resolved, secret ones as ciphertext", async () => {
        class Failing extends pulumi.dynamic.Resource {
            constructor(name: string) {
                super({ async create(): Promise<never> { throw new Error("seeded create failure"); } }, name, {}, {}, "test", "Failing");
            }
        }
        const stack = await project.stack("owner", async () => {
            new Failing("stream");
            return { plain: "exported", shared: pulumi.secret("generated-secret-value") };
        });
        const err = failureText(await stack.up().then(() => assert.fail("the seeded failure did not fail the up"), (e) => e));
        assert.match(err, /seeded create failure/);
        const outputs = await stack.outputs();
        assert.deepEqual(outputs.plain, { value: "exported", secret: false });
        assert.deepEqual(outputs.shared, { value: "generated-secret-value", secret: true });
        assert.ok(!project.stateFile("owner").includes("generated-secret-value"), "the secret output is in the state file in clear");
        const types = (await project.exportState("owner")).deployment.resources?.map((r) => r.type) ?? [];
        assert.ok(!types.includes("pulumi-nodejs:dynamic/test:Failing"), "the failed resource is in the state");
    });
});
