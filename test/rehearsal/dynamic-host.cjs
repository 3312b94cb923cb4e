/**
 * A fresh-process stand-in for the Pulumi dynamic-provider host, run with plain `node` (no tsx):
 * it loads a serialized provider and calls it exactly as @pulumi/pulumi 3.248.0
 * cmd/dynamic-provider/index.js does:
 * - the provider comes from the `__provider` property, through `require-from-string` and
 *   `.handler()` (`getProvider`); for check/diff the OLD provider is used when the new
 *   `__provider` is itself unknown (`news[providerKey] === rpc.unknownValue ? olds : news`);
 * - olds/news are protobuf Structs turned into plain JS (`req.getNews().toJavaScript()`): no
 *   deserialization, so an unknown value stays the string `rpc.unknownValue` whatever its type;
 * - check: inputs default to news, `__provider` is put back; diff: `changes` true -> DIFF_SOME,
 *   false -> DIFF_NONE, anything else -> DIFF_UNKNOWN; `replaces`, `deleteBeforeReplace` as given;
 * - create/update/read/delete: the provider of the given properties.
 * Usage: node dynamic-host.cjs <calls.json>; prints one JSON array of results.
 */
"use strict";
const fs = require("node:fs");
const { createRequire } = require("node:module");
// The host's own dependencies, resolved from where the SDK's host lives (not our package.json).
const hostRequire = createRequire(require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js"));
const requireFromString = hostRequire("require-from-string");
const { Struct } = hostRequire("google-protobuf/google/protobuf/struct_pb");
const { unknownValue } = hostRequire("../../runtime/rpc");

const providerKey = "__provider";
const providerCache = {};

function getProvider(props) {
    const text = props[providerKey];
    if (!providerCache[text]) providerCache[text] = requireFromString(text).handler();
    return providerCache[text];
}

/** What survives the gRPC Struct encoding (as the engine sends it and reads the answer back). */
function wire(value) {
    return Struct.fromJavaScript(value === undefined ? {} : value).toJavaScript();
}

function withoutProvider(props) {
    const { [providerKey]: _ignored, ...rest } = props;
    return rest;
}

async function handle(call) {
    switch (call.method) {
        case "check": {
            const olds = wire(call.olds);
            const news = wire(call.news);
            const provider = getProvider(news[providerKey] === unknownValue ? olds : news);
            let inputs = news;
            let failures = [];
            if (provider.check) {
                const result = await provider.check(olds, news);
                if (result.inputs) inputs = result.inputs;
                if (result.failures) failures = result.failures;
            }
            inputs[providerKey] = news[providerKey];
            return { inputs: withoutProvider(wire(inputs)), failures };
        }
        case "diff": {
            const olds = wire(call.olds);
            const news = wire(call.news);
            const provider = getProvider(news[providerKey] === unknownValue ? olds : news);
            if (!provider.diff) return { changes: "DIFF_UNKNOWN", replaces: [], deleteBeforeReplace: false };
            const result = await provider.diff(call.id, olds, news);
            const changes = result.changes === true ? "DIFF_SOME" : result.changes === false ? "DIFF_NONE" : "DIFF_UNKNOWN";
            return { changes, replaces: result.replaces && result.replaces.length !== 0 ? result.replaces : [], deleteBeforeReplace: Boolean(result.deleteBeforeReplace) };
        }
        case "create": {
            const props = wire(call.news);
            const result = await getProvider(props).create(props);
            return { id: result.id, outs: withoutProvider(wire({ ...result.outs })) };
        }
        case "update": {
            const olds = wire(call.olds);
            const news = wire(call.news);
            const provider = getProvider(news);
            const result = (provider.update && (await provider.update(call.id, olds, news))) || {};
            return { outs: withoutProvider(wire({ ...(result.outs || {}) })) };
        }
        case "read": {
            const props = wire(call.news);
            const result = await getProvider(props).read(call.id, props);
            return { id: result.id, props: result.props ? withoutProvider(wire({ ...result.props })) : undefined };
        }
        case "delete": {
            const props = wire(call.news);
            const provider = getProvider(props);
            if (provider.delete) await provider.delete(call.id, props);
            return {};
        }
        default:
            throw new Error(`unknown method ${call.method}`);
    }
}

(async () => {
    const calls = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const results = [];
    for (const call of calls) {
        try {
            results.push({ ok: await handle(call) });
        } catch (err) {
            results.push({ error: String((err && err.message) || err) });
        }
    }
    process.stdout.write(JSON.stringify(results));
})();
