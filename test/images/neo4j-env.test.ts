/**
 * Finding 8: Neo4j's settings reach the image through NEO4J_* variables, which its entrypoint
 * appends to the shipped neo4j.conf (keeping server-logs.xml and user-logs.xml), instead of a
 * /conf upload that makes it delete the shipped conf/.
 *
 * The variable names are read back with the entrypoint's own conversion, run by the real sh + sed:
 * `echo "$i" | sed 's|^NEO4J_||' | sed 's|_|.|g' | sed 's|\.\.|_|g'`
 * (neo4j/docker-neo4j-publish@849a03d:5.24.2/bullseye/community/local-package/docker-entrypoint.sh#L603).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Neo4jBlock, neo4jConfEnv, renderNeo4jConf } from "../../components/neo4j/render";

const ENTRYPOINT_CONVERSION = `for i in "$@"; do echo "\${i}" | sed 's|^NEO4J_||' | sed 's|_|.|g' | sed 's|\\.\\.|_|g'; done`;

function entrypointSettingNames(envNames: string[]): string[] {
    return execFileSync("sh", ["-c", ENTRYPOINT_CONVERSION, "sh", ...envNames], { encoding: "utf8" }).trim().split("\n");
}

function confPairs(conf: string): [string, string][] {
    return conf
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

const N = (name: string, ip: string) => ({ name, privateIp: ip });
const BLOCKS: Record<string, Neo4jBlock> = {
    standalone: { primaries: [N("node1", "10.10.1.11")], secondaries: [], edition: "community", acceptLicenseAgreement: false, heapGb: 2, pageCacheGb: 1.5 },
    cluster: { primaries: [N("node1", "10.10.1.11"), N("node2", "10.10.1.12")], secondaries: [N("node3", "10.10.1.13")], edition: "enterprise", acceptLicenseAgreement: true, heapGb: 2, pageCacheGb: 1.5 },
};

describe("neo4j.conf through the image's NEO4J_* environment (finding 8)", () => {
    for (const [label, block] of Object.entries(BLOCKS)) {
        it(`${label}: the entrypoint's own conversion reads every variable back as the rendered setting`, () => {
            const conf = renderNeo4jConf({ block, node: "node1" });
            const env = neo4jConfEnv(conf);
            const pairs = confPairs(conf);
            assert.ok(pairs.length >= 10, conf);
            const names = Object.keys(env);
            assert.deepEqual(entrypointSettingNames(names), pairs.map(([k]) => k));
            assert.deepEqual(Object.values(env), pairs.map(([, v]) => v));
        });
    }

    it("refuses a setting the conversion cannot carry", () => {
        assert.throws(() => neo4jConfEnv("1bad.key=x\n"), /cannot be passed through the image's environment/);
        assert.throws(() => neo4jConfEnv("server.listen\n"), /is not key=value/);
    });
});
