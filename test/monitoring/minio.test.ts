/**
 * MinIO pure parts: bucket-scoped policy, seed 004 key layout, the server WorkloadSpec, image pinning,
 * and the liveness probe run by real bash against a real HTTP server on loopback.
 */
import { dockerHealthcheckTest } from "../../components/workload/probes";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { DEFAULT_MINIO_IMAGE, validateMinioImage } from "../../components/minio/image";
import { DAEDALUS_BUCKET, daedalusObjectKey, daedalusWorkspacePrefix, parseDaedalusObjectKey } from "../../components/minio/layout";
import { bucketPolicyDocument, renderBucketPolicy, validateBucketName, validateBucketPolicySpec } from "../../components/minio/policy";
import { daedalusS3Env, minioLivenessProbe, minioServerWorkload, workloadsLeakingS3Credentials } from "../../components/minio/workload";
import { scrapeTargetsFromWorkloads } from "../../components/monitoring/scrape";
import { requireBinary, run } from "../support/process";

describe("minio: bucket policy", () => {
    it("grants the daedalus backend exactly its bucket and objects (least privilege)", () => {
        assert.deepEqual(bucketPolicyDocument({ bucket: DAEDALUS_BUCKET, access: "readwrite" }), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "ListBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: ["arn:aws:s3:::daedalus"] },
                {
                    Sid: "ObjectReadWrite",
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    Resource: ["arn:aws:s3:::daedalus/*"],
                },
            ],
        });
    });

    it("never grants wildcards, admin actions or other buckets", () => {
        for (const access of ["readwrite", "readonly"] as const) {
            const doc = bucketPolicyDocument({ bucket: "daedalus", access });
            for (const s of doc.Statement) {
                assert.equal(s.Effect, "Allow");
                for (const a of s.Action) assert.match(a, /^s3:[A-Za-z]+$/, `no wildcard actions: ${a}`);
                for (const r of s.Resource) assert.match(r, /^arn:aws:s3:::daedalus(\/\*)?$/);
            }
        }
    });

    it("readonly drops every write action", () => {
        const doc = bucketPolicyDocument({ bucket: "daedalus", access: "readonly" });
        assert.deepEqual(doc.Statement.flatMap((s) => s.Action), ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"]);
    });

    it("a prefix narrows objects and listing to that prefix", () => {
        const doc = bucketPolicyDocument({ bucket: "daedalus", access: "readwrite", prefix: "workspaces/" });
        assert.deepEqual(doc.Statement[0].Condition, { StringLike: { "s3:prefix": ["workspaces/*"] } });
        assert.deepEqual(doc.Statement[1].Resource, ["arn:aws:s3:::daedalus/workspaces/*"]);
    });

    it("renders JSON that parses back to the document", () => {
        assert.deepEqual(JSON.parse(renderBucketPolicy({ bucket: "daedalus", access: "readwrite" })), bucketPolicyDocument({ bucket: "daedalus", access: "readwrite" }));
    });

    it("validation names the offending key", () => {
        assert.deepEqual(validateBucketName("Daedalus", "minio.buckets[0]"), ["minio.buckets[0]: 'Daedalus' must be 3-63 characters of a-z, 0-9, '.', '-', starting and ending alphanumeric"]);
        assert.deepEqual(validateBucketName("a..b"), ["bucket: 'a..b' must not contain '..', '.-' or '-.'"]);
        assert.deepEqual(validateBucketName("192.168.1.1"), ["bucket: '192.168.1.1' must not look like an IP address"]);
        assert.deepEqual(validateBucketPolicySpec({ bucket: "daedalus", access: "readwrite", prefix: "workspaces/*" }), [
            "policy.prefix: 'workspaces/*' must be a non-empty key prefix ending in '/' without wildcards",
        ]);
        assert.throws(() => bucketPolicyDocument({ bucket: "x", access: "readonly" }), /3-63 characters/);
    });
});

describe("minio: seed 004 key layout", () => {
    it("builds workspaces/{workspace_id}/files/{file_id}/{filename}", () => {
        assert.equal(daedalusObjectKey({ workspaceId: "ws-42", fileId: "7f3a", filename: "report final.pdf" }), "workspaces/ws-42/files/7f3a/report final.pdf");
        assert.equal(daedalusWorkspacePrefix("ws-42"), "workspaces/ws-42/");
        assert.deepEqual(parseDaedalusObjectKey("workspaces/ws-42/files/7f3a/a.txt"), { workspaceId: "ws-42", fileId: "7f3a", filename: "a.txt" });
        assert.equal(parseDaedalusObjectKey("workspaces/ws-42/a.txt"), undefined);
    });

    it("refuses segments that would escape their prefix", () => {
        assert.throws(() => daedalusObjectKey({ workspaceId: "ws", fileId: "f", filename: "../../other/x" }), /filename/);
        assert.throws(() => daedalusObjectKey({ workspaceId: "a/b", fileId: "f", filename: "x" }), /workspace_id/);
        assert.throws(() => daedalusObjectKey({ workspaceId: "ws", fileId: "..", filename: "x" }), /file_id/);
        assert.throws(() => daedalusObjectKey({ workspaceId: "ws", fileId: "f", filename: "" }), /filename/);
        assert.throws(() => daedalusObjectKey({ workspaceId: "ws", fileId: "f", filename: "x".repeat(1100) }), /1024 bytes/);
    });
});

describe("minio: server workload", () => {
    const spec = minioServerWorkload({ rootUser: "root-user", rootPassword: "root-password" });

    it("publishes 9000/9001 on the private IP only, with a stateful data volume", () => {
        assert.deepEqual(spec.ports, [
            { name: "api", containerPort: 9000 },
            { name: "console", containerPort: 9001 },
        ]);
        assert.ok(spec.ports!.every((p) => (p.exposure ?? "private") === "private"));
        assert.deepEqual(spec.volumes, [{ key: "data", containerPath: "/data", stateful: true }]);
        assert.deepEqual(spec.command, ["server", "/data", "--address", ":9000", "--console-address", ":9001"]);
        assert.equal(spec.env!.MINIO_ROOT_USER, "root-user");
        assert.equal(spec.env!.MINIO_ROOT_PASSWORD, "root-password");
    });

    it("probes /minio/health/live and exposes v2 cluster metrics as a scrape target", () => {
        assert.match(dockerHealthcheckTest(spec.probe.check).join(" "), /GET \/minio\/health\/live/);
        const { targets, errors } = scrapeTargetsFromWorkloads([{ node: "node1", address: "10.0.0.2", workloads: [spec] }]);
        assert.deepEqual(errors, []);
        assert.deepEqual(targets, [
            { job: "minio", exporter: "minio", node: "node1", address: "10.0.0.2:9000", metricsPath: "/minio/v2/metrics/cluster", interval: "30s", labels: { service: "minio", service_role: "server" } },
        ]);
    });

    it("uses the configured image and refuses an unpinned one outside the local stack", () => {
        const digest = `sha256:${"a".repeat(64)}`;
        const pinned = minioServerWorkload({ rootUser: "u", rootPassword: "p", image: { ...DEFAULT_MINIO_IMAGE, digest } });
        assert.deepEqual(pinned.image, { repository: "ghcr.io/coollabsio/minio", tag: "RELEASE.2025-10-15T17-29-55Z", digest });
        assert.deepEqual(validateMinioImage({ ...DEFAULT_MINIO_IMAGE, digest }), []);
        assert.deepEqual(validateMinioImage(DEFAULT_MINIO_IMAGE, { allowUnpinned: true }), []);
        assert.deepEqual(validateMinioImage(DEFAULT_MINIO_IMAGE), [
            "minio.image.digest: pin the image by digest (docker buildx imagetools inspect ghcr.io/coollabsio/minio:RELEASE.2025-10-15T17-29-55Z)",
        ]);
        assert.deepEqual(validateMinioImage({ repository: "quay.io/minio/minio", tag: "latest", digest: "sha256:xyz" }, { prefix: "topology.minio.image" }), [
            "topology.minio.image.digest: 'sha256:xyz' must be sha256:<64 hex>",
            "topology.minio.image.tag: 'latest' must be a release tag, not latest",
        ]);
    });

    it("S3 credentials reach backends only", () => {
        const env = daedalusS3Env({ endpoint: "http://10.0.0.2:9000", accessKey: "ak", secretKey: "sk" });
        assert.deepEqual(Object.keys(env), ["DAEDALUS_S3_ENDPOINT", "DAEDALUS_S3_ACCESS_KEY", "DAEDALUS_S3_SECRET_KEY", "DAEDALUS_S3_BUCKET"]);
        const api = { ...spec, name: "daedalus-api", service: "daedalus", env };
        const nginx = { ...spec, name: "daedalus-nginx", service: "daedalus", env: { DAEDALUS_S3_SECRET_KEY: "sk" } };
        assert.deepEqual(workloadsLeakingS3Credentials([spec, api], ["daedalus-api"]), []);
        assert.deepEqual(workloadsLeakingS3Credentials([spec, api, nginx], ["daedalus-api"]), ["daedalus-nginx"]);
    });
});

describe("minio: liveness probe (real bash against a real HTTP server)", () => {
    let server: http.Server;
    let port: number;
    let status = 200;

    before(async () => {
        requireBinary("bash");
        server = http.createServer((req, res) => {
            res.statusCode = req.url === "/minio/health/live" ? status : 404;
            res.end();
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.1.11", resolve));
        port = (server.address() as AddressInfo).port;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    // spawnSync would block the event loop that serves the HTTP answers; run bash asynchronously.
    const probe = (p: number) =>
        new Promise<number>((resolve) => {
            const [cmd, ...args] = minioLivenessProbe(p, "127.0.1.11");
            const child = spawn(cmd, args, { stdio: "ignore" });
            child.on("exit", (code) => resolve(code ?? -1));
        });

    it("passes shellcheck", () => {
        const shellcheck = requireBinary("shellcheck");
        const script = minioLivenessProbe(9000)[2];
        assert.equal(run(shellcheck, ["-s", "bash", "-"], { input: `#!/bin/bash\n${script}\n` }), "");
    });

    it("is healthy on 200", async () => {
        status = 200;
        assert.equal(await probe(port), 0);
    });

    it("is unhealthy on 503 and on a closed port", async () => {
        status = 503;
        assert.equal(await probe(port), 1);
        assert.notEqual(await probe(1), 0);
    });
});
