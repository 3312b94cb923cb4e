/**
 * Image contracts (issue 10, layer 1): every committed stack's containers against the catalogue,
 * then one broken contract per `it`, each made from a container the program really renders.
 */
import * as assert from "node:assert/strict";
import { RecordedResource } from "../../offline/render";
import { committedStacks } from "../../scripts/drift";
import {
    checkContainer,
    checkDeclaredResources,
    ContainerUnderCheck,
    containersUnderCheck,
    effectiveArgv,
    findContract,
    IMAGE_CATALOGUE,
    ImageContract,
    parseImageRef,
} from "../../components/images";
import { simpleCommands } from "../../components/images/shell";
import { renderedStack, renderedVariant } from "../support/render";
import { REPO_ROOT } from "../support/topology";

const STACKS = committedStacks(REPO_ROOT);

describe("image contracts", function () {
    this.timeout(300_000);
    const renders = new Map<string, RecordedResource[]>();
    let containers: ContainerUnderCheck[] = [];

    before(async () => {
        for (const stack of STACKS) renders.set(stack, (await renderedStack(stack)).resources);
        containers = STACKS.flatMap((s) => containersUnderCheck(renders.get(s)!));
    });

    /** A rendered container (deep copy), by workload name. */
    function rendered(workload: string): ContainerUnderCheck {
        const c = containers.find((x) => x.workload === workload);
        assert.ok(c, `no rendered container for workload ${workload}`);
        return JSON.parse(JSON.stringify(c)) as ContainerUnderCheck;
    }
    const facts = (c: ContainerUnderCheck) => checkContainer(c).map((v) => `${v.fact}: ${v.message}`);

    describe("every committed stack", () => {
        it("renders node1, node2, node3, local and k8s", () => assert.deepEqual([...STACKS].sort(), ["k8s", "local", "node1", "node2", "node3"]));

        // k8s: the pods of the Kubernetes runtime (components/workload/kubernetes-contracts.ts).
        for (const stack of ["node1", "node2", "node3", "local", "k8s"]) {
            it(`${stack}: every container passes its image contract`, () => {
                const report = checkDeclaredResources(renders.get(stack)!);
                assert.deepEqual(
                    report.violations.map((v) => `${v.node}/${v.workload}: ${v.message}`),
                    [],
                );
            });
        }

        it("node3 with a licensed Enterprise Neo4j cluster: every container passes (the -enterprise twin is catalogued)", async () => {
            const enterprise = await renderedVariant("node3-neo4j-enterprise");
            const neo = containersUnderCheck(enterprise.resources).find((c) => c.workload === "neo4j");
            assert.equal(neo?.image, "docker.io/library/neo4j:5.24.2-enterprise");
            assert.deepEqual(checkDeclaredResources(enterprise.resources).violations.map((v) => `${v.workload}: ${v.message}`), []);
        });

        it("every rendered container's image is catalogued (none checked blind)", () => {
            assert.ok(containers.length >= 60, `${containers.length} containers`);
            const missing = containers.filter((c) => c.image === undefined || findContract(c.image) === undefined).map((c) => `${c.node}/${c.workload} ${c.image}`);
            assert.deepEqual(missing, []);
        });

        it("every catalogued fact names its source, and upstream sources name repository@version:path", () => {
            for (const c of IMAGE_CATALOGUE) {
                const sourced = [c.entrypoint, c.cmd, c.user, c.workdir, c.shell, c.paths, ...c.executables, ...(c.entrypointEffects ? [c.entrypointEffects] : [])];
                for (const f of sourced) {
                    assert.ok(f.source.length > 10, `${c.repository}:${c.tag}: empty source`);
                    if (c.provenance === "team-declared") assert.match(f.source, /^team-declared/, `${c.repository}:${c.tag}`);
                }
                if (c.provenance === "upstream") assert.match(c.entrypoint.source, /^[\w.-]+\/[\w.-]+@[\w.-]+:\S+/, `${c.repository}:${c.tag}: ${c.entrypoint.source}`);
            }
        });

        it("the catalogue has one entry per repository:tag", () => {
            const keys = IMAGE_CATALOGUE.map((c) => `${c.repository}:${c.tag}`);
            assert.equal(new Set(keys).size, keys.length);
        });
    });

    describe("Docker's argv rules", () => {
        const qdrant = () => findContract("docker.io/qdrant/qdrant:v1.12.4")!;
        const nats = () => findContract("docker.io/library/nats:2.10.22-alpine")!;
        it("no override: ENTRYPOINT + CMD", () => {
            assert.deepEqual(effectiveArgv(nats(), {}).argv, ["docker-entrypoint.sh", "nats-server", "--config", "/etc/nats/nats-server.conf"]);
        });
        it("a command replaces CMD and keeps ENTRYPOINT", () => {
            assert.deepEqual(effectiveArgv(nats(), { command: ["-js"] }).argv, ["docker-entrypoint.sh", "-js"]);
            assert.deepEqual(effectiveArgv(qdrant(), { command: ["--uri", "x"] }).argv, ["--uri", "x"]);
        });
        it("an entrypoint override drops CMD", () => {
            assert.deepEqual(effectiveArgv(nats(), { entrypoint: ["nats-server"] }).argv, ["nats-server"]);
        });
        it("an empty command list is no command (the provider does not send it)", () => {
            assert.deepEqual(effectiveArgv(qdrant(), { command: [] }).argv, ["./entrypoint.sh"]);
        });
        it("image references normalise the way Docker's do", () => {
            assert.deepEqual(parseImageRef("redis:7"), { repository: "docker.io/library/redis", tag: "7" });
            assert.deepEqual(parseImageRef("grafana/grafana-oss:11.3.1"), { repository: "docker.io/grafana/grafana-oss", tag: "11.3.1" });
            assert.deepEqual(parseImageRef("quay.io/prometheus/prometheus:v2.55.1@sha256:ab"), { repository: "quay.io/prometheus/prometheus", tag: "v2.55.1", digest: "sha256:ab" });
            assert.ok(findContract("haproxy:2.6"));
            assert.equal(findContract("docker.io/library/postgres@sha256:" + "a".repeat(64)), undefined, "an uncatalogued digest is not the catalogued tag");
        });
    });

    describe("breaking a contract fails", () => {
        it("finding 1: Qdrant's old command (Docker would exec --config-path)", () => {
            const c = rendered("qdrant");
            assert.equal(c.command![0], "./entrypoint.sh");
            assert.deepEqual(facts(c), []);
            const broken = { ...c, command: c.command!.slice(1) };
            const v = facts(broken);
            assert.equal(v.length, 1, v.join("\n"));
            assert.match(v[0]!, /^argv: argv\[0\] '--config-path' is not an executable in docker\.io\/qdrant\/qdrant:v1\.12\.4 .*a command replaces the image's CMD/);
            const sources = checkContainer(broken).map((x) => x.source).join(" ");
            assert.match(sources, /qdrant\/qdrant@v1\.12\.4:Dockerfile#L175/);
        });

        it("an entrypoint override to a program the image lacks", () => {
            const v = facts({ ...rendered("nats"), entrypoint: ["gnatsd"] });
            assert.equal(v.length, 1, v.join("\n"));
            assert.match(v[0]!, /argv\[0\] 'gnatsd' is not an executable in docker\.io\/library\/nats:2\.10\.22-alpine .*entrypoint override drops the image's CMD/);
        });

        it("a launcher script that runs a tool the image lacks", () => {
            const c = rendered("redis-sentinel");
            const script = c.command![2]!;
            const v = facts({ ...c, command: ["sh", "-c", script.replace("sha256sum", "shasum")] });
            assert.deepEqual(v, ["argv: the launcher script runs 'shasum', not in docker.io/library/redis:7.2.6-bookworm"]);
        });

        it("a healthcheck tool missing from its image (curl in Qdrant, wget in the redis image)", () => {
            const q = facts({ ...rendered("qdrant"), healthcheck: ["CMD", "curl", "-fsS", "http://127.0.0.1:6333/readyz"] });
            assert.deepEqual(q, ["healthcheck: uses 'curl', not in docker.io/qdrant/qdrant:v1.12.4"]);
            const r = facts({ ...rendered("redis"), healthcheck: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:6379/ || exit 1"] });
            assert.deepEqual(r, ["healthcheck: uses 'wget', not in docker.io/library/redis:7.2.6-bookworm"]);
        });

        it("a CMD-SHELL healthcheck in an image without a shell (PostgREST)", () => {
            const v = facts({ ...rendered("postgrest"), healthcheck: ["CMD-SHELL", "postgrest --ready"] });
            assert.equal(v.length, 1);
            assert.match(v[0]!, /CMD-SHELL runs \/bin\/sh -c, but docker\.io\/postgrest\/postgrest:v14\.0 has no shell/);
        });

        for (const [label, test] of [
            ["`true`", ["CMD", "true"]],
            ["`exit 0`", ["CMD-SHELL", "exit 0"]],
            ["`|| true`", ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:9090/-/healthy || true"]],
            ["`|| exit 0`", ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:9090/-/healthy || exit 0"]],
            ["`ls /`", ["CMD", "ls", "/"]],
            ["a version flag", ["CMD", "/bin/prometheus", "--version"]],
            ["a probe of a non-loopback host", ["CMD", "wget", "-q", "-O", "/dev/null", "http://example.com/"]],
        ] as const) {
            it(`a healthcheck that cannot fail or probes nothing: ${label}`, () => {
                const v = facts({ ...rendered("prometheus"), healthcheck: [...test] });
                assert.equal(v.length, 1, v.join("\n"));
                assert.match(v[0]!, /^healthcheck: (cannot fail|does not probe the service)/);
            });
        }

        it("the nats-exporter's former `-version` healthcheck is refused; its wget probe passes", () => {
            const c = rendered("nats-exporter");
            assert.deepEqual(facts(c), []);
            assert.match(facts({ ...c, healthcheck: ["CMD", "/prometheus-nats-exporter", "-version"] })[0]!, /^healthcheck: does not probe the service/);
        });

        it("a file the container user cannot read (Prometheus runs as nobody; uploads are root:root)", () => {
            const c = rendered("prometheus");
            assert.ok(c.uploads.length > 0);
            const uploads = c.uploads.map((u, i) => (i === 0 ? { ...u, mode: 0o600 } : u));
            const v = checkContainer({ ...c, uploads });
            assert.equal(v.length, 1);
            assert.equal(v[0]!.fact, "read");
            assert.match(v[0]!.message, new RegExp(`runs as 65534:65534 and cannot read ${uploads[0]!.file.replace(/[.]/g, "\\.")} \\(root:root, mode 0600\\)`));
            assert.match(v[0]!.source, /prometheus\/prometheus@v2\.55\.1:Dockerfile.*terraform-provider-docker@v3\.9\.0/);
        });

        it("a file HAProxy cannot read (USER haproxy = 99:99; a 0600 root-owned haproxy.cfg)", () => {
            const c = rendered("haproxy");
            const v = facts({ ...c, uploads: c.uploads.map((u) => ({ ...u, mode: 0o600 })) });
            assert.ok(v.length >= 1 && v.every((x) => /^read: runs as 99:99 and cannot read/.test(x)), v.join("\n"));
        });

        it("a volume the user cannot write (Prometheus as 1000:1000 on /prometheus, nobody's 0755)", () => {
            const v = facts({ ...rendered("prometheus"), user: "1000:1000" });
            assert.deepEqual(v, ["write: runs as 1000:1000 and cannot write the volume at /prometheus (65534:65534, mode 755 in the image)"]);
        });

        it("a volume at a path the catalogue does not know, for a non-root user", () => {
            const v = facts({ ...rendered("redis-exporter"), volumes: [{ containerPath: "/var/lib/exporter", readOnly: false }] });
            assert.equal(v.length, 1);
            assert.match(v[0]!, /^write: runs as 59000:59000 and writes the volume at \/var\/lib\/exporter, a path the catalogue does not know/);
        });

        it("the redis launchers start as root, then the image's entrypoint chowns /data and drops to redis", () => {
            const c = rendered("redis");
            assert.deepEqual(facts(c), []);
            // Started as redis (999) instead, the launcher cannot read its 0600 root-owned templates.
            const v = facts({ ...c, user: "999:999" });
            assert.ok(v.length >= 1 && v.every((x) => /^read: runs as 999:999 and cannot read \/etc\/daarion\/redis\//.test(x)), v.join("\n"));
        });

        it("finding 8: a /conf upload for Neo4j (the entrypoint deletes the shipped conf/, logging XMLs included)", () => {
            const c = rendered("neo4j");
            assert.deepEqual(c.uploads, [], "neo4j.conf goes through NEO4J_* env, not /conf");
            assert.deepEqual(facts(c), []);
            const v = facts({ ...c, uploads: [{ file: "/conf/neo4j.conf", mode: 0o644 }] });
            assert.equal(v.length, 1, v.join("\n"));
            assert.match(v[0]!, /^entrypoint: uploads \/conf\/neo4j\.conf: the entrypoint then deletes \/var\/lib\/neo4j\/conf\/\* and copies back only \/conf's files, so the image's neo4j-admin\.conf, server-logs\.xml, user-logs\.xml are gone/);
        });

        it("an image version not in the catalogue is an error, not a guess", () => {
            const v = checkContainer({ ...rendered("postgres"), image: "docker.io/library/postgres:16.4-bookworm" });
            assert.equal(v.length, 1);
            assert.equal(v[0]!.fact, "catalogue");
            assert.match(v[0]!.message, /image docker\.io\/library\/postgres:16\.4-bookworm is not in the image catalogue/);
        });

        it("a user given by name cannot be checked and is refused", () => {
            assert.match(facts({ ...rendered("grafana"), user: "grafana" })[0]!, /^user: user 'grafana' is a name; give uid:gid/);
        });

        it("errors name node, workload, fact and source", () => {
            const report = checkDeclaredResources(renders.get("node1")!.map((r) => (r.name === "node1-qdrant-image" ? { ...r, inputs: { ...r.inputs, name: "docker.io/qdrant/qdrant:v1.13.0" } } : r)));
            assert.equal(report.violations.length, 1);
            const v = report.violations[0]!;
            assert.deepEqual([v.node, v.workload, v.fact, v.source], ["node1", "qdrant", "catalogue", "components/images/catalogue.ts"]);
        });
    });

    describe("the shell reader finds the programs a script runs", () => {
        it("redirections, assignments, exec, timeout, $(...), case patterns and [[ ]] are not programs", () => {
            const script = [
                "set -eu",
                "out=$(REDISCLI_AUTH=x timeout 3 redis-cli -h h -p 1 PING 2>/dev/null | tr '\\n' ' ') || out=\"\"",
                "exec 3<>/dev/tcp/127.0.0.1/9000 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3",
                'case "$status" in "HTTP/1.1 200"*) exit 0 ;; *) exit 1 ;; esac',
                "[[ $line =~ ^HTTP ]] && exec docker-entrypoint.sh redis-server \"$c\"",
                "for s in a b; do cp \"$s\" /tmp; done",
            ].join("\n");
            assert.deepEqual(
                simpleCommands(script).map((c) => c[0]),
                ["set", "redis-cli", "tr", "printf", "exit", "exit", "docker-entrypoint.sh", "cp"],
            );
        });
    });

    it("team-declared contracts are enforced like upstream ones", () => {
        const c = rendered("gateway");
        const contract = findContract(c.image!) as ImageContract;
        assert.equal(contract.provenance, "team-declared");
        assert.deepEqual(facts({ ...c, healthcheck: ["CMD", "curl", "-fsS", "http://127.0.0.1:9300/health"] }), [
            "healthcheck: uses 'curl', not in registry.daarion.city/microdao/gateway:2025.12.1",
        ]);
    });
});
