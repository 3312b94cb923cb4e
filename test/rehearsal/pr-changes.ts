/**
 * The PR-style changes of issue 11 scenario 2, as edits of the topology in Pulumi.yaml: previewed
 * by the mock-engine rehearsal (test/rehearsal/day2.test.ts) and by the real engine
 * (test/engine/deploy-flows.test.ts).
 */
export type Topology = { services: Record<string, unknown>; replication: { qdrant: Record<string, unknown>; nats: Record<string, unknown> } };
export const topologyOf = (config: Record<string, unknown>) => config["daarion:topology"] as Topology;

export const PR_CHANGES: Record<string, (t: Topology) => void> = {
    "add a service with uses: [nats, postgres, s3]": (t) => {
        t.services.notify = {
            image: { repository: "registry.daarion.city/microdao/notify", tag: "2025.12.1" },
            port: 9400,
            placement: { node1: "active" },
            memoryMb: 512,
            uses: ["nats", "postgres", "s3"],
            database: "notify",
        };
    },
    "remove a service (parser: a bucket, a MinIO user, NATS credentials)": (t) => {
        delete t.services.parser;
    },
    "change the admin endpoints to the README's SSH tunnels": (t) => {
        t.replication.qdrant.adminEndpoint = "127.0.0.1:16333";
        t.replication.nats.adminServers = ["nats://127.0.0.1:14222"];
    },
};
