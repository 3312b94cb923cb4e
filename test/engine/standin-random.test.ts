// The stand-in random plugin's rules, without the engine: defaults and validation in check, the
// replacement rules in diff, and generation (sources in test/engine/standins/random.ts).
import { strict as assert } from "node:assert";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { createString, randomProvider } from "./standins/random";

const URN = "urn:pulumi:s::p::random:index/randomPassword:RandomPassword::pw";
const p = randomProvider;

async function checked(news: Record<string, unknown>) {
    return (await p.check!(URN, {}, news)).inputs as Record<string, unknown>;
}

describe("stand-in random provider: RandomPassword", () => {
    it("check applies the upstream defaults", async () => {
        assert.deepEqual(await checked({ length: 8 }), {
            length: 8, special: true, upper: true, lower: true, numeric: true, number: true,
            minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0,
        });
    });

    it("check rejects a length below the sum of the minimums", async () => {
        const res = await p.check!(URN, {}, { length: 3, minUpper: 2, minNumeric: 2 });
        assert.deepEqual(res.failures, [{ property: "length", reason: "length must be at least the sum of the minimums (4)" }]);
    });

    it("the same inputs plan no change", async () => {
        const ins = await checked({ length: 24, special: false });
        assert.deepEqual(await p.diff!("none", URN, { ...ins, result: "x" }, ins), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("a changed or unknown length replaces", async () => {
        const olds = await checked({ length: 24 });
        assert.deepEqual((await p.diff!("none", URN, olds, { ...olds, length: 32 })).replaces, ["length"]);
        assert.deepEqual((await p.diff!("none", URN, olds, { ...olds, length: unknownValue })).replaces, ["length"]);
    });

    it("overrideSpecial \"\" -> unset updates in place; any other change replaces", async () => {
        const olds = await checked({ length: 24, overrideSpecial: "" });
        const { overrideSpecial: _drop, ...news } = olds;
        assert.deepEqual(await p.diff!("none", URN, olds, news), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual((await p.diff!("none", URN, olds, { ...olds, overrideSpecial: "_%" })).replaces, ["overrideSpecial"]);
    });

    it("keepers replace unless every new value is null", async () => {
        const olds = await checked({ length: 24, keepers: { k: "1" } });
        assert.deepEqual((await p.diff!("none", URN, olds, { ...olds, keepers: { k: "2" } })).replaces, ["keepers"]);
        assert.deepEqual((await p.diff!("none", URN, olds, { ...olds, keepers: { k: null } })).replaces, []);
    });

    it("create generates from the enabled classes and honours the minimums", async () => {
        const ins = await checked({ length: 40, special: false, upper: false, minNumeric: 10 });
        const res = await p.create!(URN, ins);
        assert.equal(res.id, "none");
        const v = res.outs.result as string;
        assert.match(v, /^[a-z0-9]{40}$/);
        assert.ok((v.match(/[0-9]/g) ?? []).length >= 10);
        assert.notEqual(createString(ins as never), createString(ins as never));
    });

    it("update keeps the generated value", async () => {
        const olds = { ...(await checked({ length: 8, keepers: { k: "1" } })), result: "abcdefgh" };
        const res = await p.update!("none", URN, olds, { ...olds, keepers: { k: null }, result: undefined });
        assert.equal(res.outs.result, "abcdefgh");
    });
});
