/**
 * What the node agent's NATS user may do: exactly the subjects the daemon's client uses on its
 * KV bucket, nothing else (issue 12). Pure data; components/nats renders it into nats.conf
 * (`permissions { publish { allow } subscribe { allow } }`,
 * https://docs.nats.io/running-a-nats-service/configuration/securing_nats/authorization).
 *
 * The subjects, from the pinned client (@nats-io/kv@3.4.0, @nats-io/jetstream@3.4.0, package-lock.json),
 * as the daemon uses it (components/agent/daemon/agent.ts: `new Kvm(js).open(bucket)`, then
 * `put`/`create`/`update`/`get`):
 *  - `Kvm.open` binds without a server round trip: `Bucket.bind` sets `checkAPI` false, so no
 *    `$JS.API.INFO` (@nats-io/kv@3.4.0:lib/kv.js `static async bind`), and `direct` to
 *    `opts.allow_direct ?? false`, so reads use the regular get, not DIRECT.GET.
 *  - `put`/`create`/`update` publish to `$KV.<bucket>.<key>` with the expected-revision header and
 *    wait for the JetStream ack on a reply inbox (@nats-io/kv@3.4.0:lib/kv.js `_put` ->
 *    `js.publish(this.subjectForKey(ek, true), ...)`).
 *  - `get` requests `$JS.API.STREAM.MSG.GET.KV_<bucket>` (@nats-io/kv@3.4.0:lib/kv.js `get`, the
 *    non-direct branch; subject: https://docs.nats.io/reference/jetstream/api/stream/msg-get). That
 *    get is answered by the stream leader (https://docs.nats.io/learn/jetstream/get-direct), so a
 *    lease is never read from a lagging replica (direct gets may be: nats-io/nats-server#4162,
 *    fixed in 2.9.17, after Debian's 2.9.10).
 *  - Replies (acks, get responses) arrive on the connection's `_INBOX.>` request subscription
 *    (@nats-io/nats-core createInbox, prefix `_INBOX`); the authorization docs name `_INBOX.>` as
 *    the subscribe permission request/reply needs.
 * The bucket itself is created by the Pulumi program with the admin user (components/nats
 * failoverBucket), never by the agent: creating or deleting streams is not among these subjects.
 */

export interface AgentNatsPermissions {
    /** Subjects the agent may publish to. */
    readonly publish: readonly string[];
    /** Subjects the agent may subscribe to. */
    readonly subscribe: readonly string[];
}

/** KV stream name of a bucket (`KV_<bucket>`, @nats-io/kv@3.4.0:lib/kv.js `bucketName()`). */
export const kvStreamName = (bucket: string): string => `KV_${bucket}`;

export function agentNatsPermissions(bucket: string): AgentNatsPermissions {
    return {
        publish: [`$KV.${bucket}.>`, `$JS.API.STREAM.MSG.GET.${kvStreamName(bucket)}`],
        subscribe: ["_INBOX.>"],
    };
}
