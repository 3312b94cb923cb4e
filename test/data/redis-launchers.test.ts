/**
 * The Redis and Sentinel launchers as scripts: shellcheck-clean under POSIX sh, and what they carry
 * over from a sentinel's rewritten state, run with a stub `redis-cli` (no server needed). The
 * behaviour against real servers is in redis-sentinel.test.ts.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RedisTopology, renderRedisLauncher, renderSentinelConf, renderSentinelLauncher } from "../../components/redis/render";
import { makeTempDir, requireBinary, run } from "../support/process";

const T: RedisTopology = {
    master: { name: "node1", privateIp: "10.10.1.11" },
    replicas: [{ name: "node2", privateIp: "10.10.1.12" }],
    sentinels: [
        { name: "node1", privateIp: "10.10.1.11" },
        { name: "node2", privateIp: "10.10.1.12" },
        { name: "node3", privateIp: "10.10.1.13" },
    ],
};

describe("redis launchers (scripts)", function () {
    let dir: string;
    beforeEach(() => (dir = makeTempDir("redis-launchers")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("are shellcheck-clean under POSIX sh", function () {
        const shellcheck = requireBinary("shellcheck");
        const scripts = {
            "sentinel.sh": renderSentinelLauncher({ topology: T, node: "node3", template: "/etc/s.conf", target: "/data/sentinel.conf" })[2]!,
            "redis.sh": renderRedisLauncher({ topology: T, node: "node2", template: "/etc/r.conf", target: "/data/redis.conf" })[2]!,
        };
        for (const [name, script] of Object.entries(scripts)) {
            fs.writeFileSync(path.join(dir, name), script);
            run(shellcheck, ["--shell=sh", "--severity=style", path.join(dir, name)]);
        }
    });

    /** Run the sentinel launcher with `redis-sentinel` replaced by `cat` (prints the config it would start with). */
    const launchSentinel = (template: string, state: string | undefined, peerAnswer: string | undefined): { conf: string; log: string } => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        // A stub redis-cli: every peer answers `SENTINEL MASTER` with the given flat reply, or fails.
        fs.writeFileSync(path.join(bin, "redis-cli"), peerAnswer === undefined ? "#!/bin/sh\nexit 1\n" : `#!/bin/sh\nprintf '%s\\n' ${peerAnswer.split("\n").map((l) => `'${l}'`).join(" ")}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "s.conf"), template);
        const target = path.join(dir, "sentinel.conf");
        if (state !== undefined) fs.writeFileSync(target, state);
        const [sh, flag, script] = renderSentinelLauncher({ topology: T, node: "node3", template: path.join(dir, "s.conf"), target, exec: ["cat", "{config}"] });
        const r = spawnSync(sh!, [flag!, script!], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, REDISCLI_AUTH: "s" } });
        assert.equal(r.status, 0, r.stderr);
        return { conf: fs.readFileSync(target, "utf8"), log: r.stdout };
    };

    const template = renderSentinelConf({ topology: { ...T, quorum: 3 }, node: "node3", dir: "/data" }, { password: "p", sentinelPassword: "s" });
    const rewritten = [
        renderSentinelConf({ topology: T, node: "node3", dir: "/data" }, { password: "p", sentinelPassword: "old" }).replace("sentinel monitor daarion 10.10.1.11 6379 2", "sentinel monitor daarion 10.10.1.12 6379 2"),
        "sentinel myid 0123456789abcdef0123456789abcdef01234567",
        "sentinel config-epoch daarion 4",
        "sentinel leader-epoch daarion 4",
        "sentinel known-replica daarion 10.10.1.11 6379",
        "sentinel known-replica daarion 10.10.1.99 6379",
        "sentinel known-sentinel daarion 10.10.1.11 26379 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "sentinel known-sentinel daarion 10.10.1.98 26379 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "sentinel current-epoch 5",
        "",
    ].join("\n");

    it("applies a changed template with its own state's master, epochs and id, dropping peers no longer in the topology", function () {
        const { conf } = launchSentinel(template, rewritten, undefined);
        assert.match(conf, /^sentinel monitor daarion 10\.10\.1\.12 6379 3$/m, "current master, new quorum");
        assert.match(conf, /^requirepass "s"$/m, "new password");
        assert.match(conf, /^sentinel myid 0123456789abcdef0123456789abcdef01234567$/m);
        assert.match(conf, /^sentinel config-epoch daarion 4$/m);
        assert.match(conf, /^sentinel leader-epoch daarion 4$/m);
        assert.match(conf, /^sentinel current-epoch 5$/m);
        assert.match(conf, /^sentinel known-replica daarion 10\.10\.1\.11 6379$/m);
        assert.match(conf, /^sentinel known-sentinel daarion 10\.10\.1\.11 26379 a+$/m);
        assert.doesNotMatch(conf, /10\.10\.1\.9[89]/, "entries outside the topology are dropped");
        assert.equal(conf.match(/^sentinel monitor /gm)!.length, 1);
    });

    it("takes a peer's master when its configuration epoch is greater than its own", function () {
        const answer = ["name", "daarion", "ip", "10.10.1.11", "port", "6379", "flags", "master", "config-epoch", "7"].join("\n");
        const { conf, log } = launchSentinel(template, rewritten, answer);
        assert.match(log, /reports master 10\.10\.1\.11 6379, config-epoch 7/);
        assert.match(conf, /^sentinel monitor daarion 10\.10\.1\.11 6379 3$/m);
        assert.match(conf, /^sentinel config-epoch daarion 7$/m);
        assert.match(conf, /^sentinel current-epoch 7$/m, "current-epoch is never below the config epoch");
        assert.doesNotMatch(conf, /known-replica daarion 10\.10\.1\.11 /, "the master is not its own replica");
    });

    it("keeps its own master when a peer answers with an older epoch, and the template's only when nothing is known", function () {
        const stale = ["ip", "10.10.1.11", "port", "6379", "config-epoch", "0"].join("\n");
        assert.match(launchSentinel(template, rewritten, stale).conf, /^sentinel monitor daarion 10\.10\.1\.12 6379 3$/m);
        fs.rmSync(path.join(dir, "sentinel.conf"));
        fs.rmSync(path.join(dir, "sentinel.conf.rendered.sha256"));
        assert.match(launchSentinel(template, undefined, undefined).conf, /^sentinel monitor daarion 10\.10\.1\.11 6379 3$/m);
    });

    /**
     * Run the Redis launcher of node2 (10.10.1.12) with `redis-server` replaced by `cat`. The stub
     * redis-cli answers `SENTINEL MASTER` with `answers[i]` on its i-th call (the last one repeats);
     * "" means no answer.
     */
    const launchRedis = (answers: string[], previous: string | undefined): { conf: string; log: string } => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("answer.") || f === "calls")) fs.rmSync(path.join(dir, f));
        answers.forEach((a, i) => fs.writeFileSync(path.join(dir, `answer.${i}`), a));
        fs.writeFileSync(
            path.join(bin, "redis-cli"),
            `#!/bin/sh\nn=$(cat '${dir}/calls' 2>/dev/null || echo 0); echo $((n + 1)) > '${dir}/calls'\n` +
                `f='${dir}/answer.'$n; [ -f "$f" ] || f='${dir}/answer.${answers.length - 1}'\n[ -s "$f" ] || exit 1\ntr ' ' '\\n' < "$f"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "r.conf"), "port 6379\nreplicaof 10.10.1.11 6379\n");
        const target = path.join(dir, "redis.conf");
        if (previous !== undefined) fs.writeFileSync(target, previous);
        const [sh, flag, script] = renderRedisLauncher({ topology: T, node: "node2", template: path.join(dir, "r.conf"), target, exec: ["cat", "{config}"] });
        const r = spawnSync(sh!, [flag!, script!], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SENTINEL_AUTH: "s" } });
        assert.equal(r.status, 0, r.stderr);
        return { conf: fs.readFileSync(target, "utf8"), log: r.stdout };
    };

    it("a Redis the sentinels still see as a master that is down waits for their verdict instead of starting as a second master", function () {
        this.timeout(20_000);
        const downSelf = "ip 10.10.1.12 port 6379 flags master,s_down,o_down,failover_in_progress config-epoch 3";
        const promotedOther = "ip 10.10.1.11 port 6379 flags master config-epoch 4";
        // Three sentinels answer per round: the first round still names this node, the second the promoted one.
        const { conf, log } = launchRedis([downSelf, downSelf, downSelf, promotedOther], undefined);
        assert.match(log, /waiting for their verdict/);
        assert.match(log, /sentinels report master 10\.10\.1\.11 6379/);
        assert.match(conf, /^replicaof 10\.10\.1\.11 6379$/m);
        // A master that restarted before anyone noticed is still the master.
        const quick = launchRedis(["ip 10.10.1.12 port 6379 flags master config-epoch 4"], undefined);
        assert.doesNotMatch(quick.conf, /^replicaof/m);
        assert.doesNotMatch(quick.log, /waiting/);
    });

    it("with no sentinel answering, a Redis keeps the role Sentinel last wrote into its config; only a first boot takes the topology's", function () {
        const promoted = launchRedis([""], "port 6379\n# rewritten by CONFIG REWRITE: promoted, no replicaof\n");
        assert.doesNotMatch(promoted.conf, /^replicaof/m, "a promoted node2 stays master instead of following the template's node1");
        fs.rmSync(path.join(dir, "redis.conf"));
        assert.match(launchRedis([""], undefined).conf, /^replicaof 10\.10\.1\.11 6379$/m);
    });

    it("leaves the rewritten state untouched when the template did not change", function () {
        launchSentinel(template, rewritten, undefined);
        const afterFirst = fs.readFileSync(path.join(dir, "sentinel.conf"), "utf8");
        fs.appendFileSync(path.join(dir, "sentinel.conf"), "sentinel known-replica daarion 10.10.1.12 6379\n");
        const { conf } = launchSentinel(template, undefined, undefined);
        assert.equal(conf, `${afterFirst}sentinel known-replica daarion 10.10.1.12 6379\n`);
    });
});
