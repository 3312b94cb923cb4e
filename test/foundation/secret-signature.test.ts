/**
 * components/secrets/signature.ts writes out Pulumi's secret sentinels instead of importing the
 * SDK's runtime (see the reason there). These tests tie them to the installed @pulumi/pulumi: the
 * constants, and both directions of a real serialization.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { isSecretEnvelope, SECRET_SIG, secretEnvelope, SIG_KEY } from "../../components/secrets/signature";
import { evaluateUnderMocks } from "../../offline/render";

describe("secret signature (components/secrets/signature.ts)", () => {
    it("is the installed SDK's specialSigKey / specialSecretSig", () => {
        assert.equal(SIG_KEY, rpc.specialSigKey);
        assert.equal(SECRET_SIG, rpc.specialSecretSig);
    });

    it("recognises what the SDK serializes for pulumi.secret, and the SDK recognises what it builds", async () => {
        let serialized: unknown;
        await evaluateUnderMocks({ project: "p", stack: "s" }, async () => {
            serialized = await rpc.serializeProperty("test", pulumi.secret({ password: "x" }));
        });
        assert.ok(isSecretEnvelope(serialized), JSON.stringify(serialized));
        assert.deepEqual(serialized.value, { password: "x" });
        assert.equal(rpc.isRpcSecret(secretEnvelope("x")), true);
        assert.equal(rpc.unwrapRpcSecret(secretEnvelope("x")), "x");
        assert.equal(isSecretEnvelope({ [SIG_KEY]: rpc.specialAssetSig, value: "x" }), false, "an asset is not a secret");
        assert.equal(isSecretEnvelope("x"), false);
    });
});
