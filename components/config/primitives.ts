/**
 * The zod building blocks every topology fragment shares: names, addresses, ports, images.
 *
 * Why here and not in stacks/: each module folder owns the zod fragment of its topology keys
 * (components/<module>/schema.ts, issue 13 item 1) and stacks/schema.ts composes them into
 * `topologySchema`. The fragments import only this file, which sits below both, so the dependency
 * points one way (stacks -> components) and no fragment imports stacks/schema.ts (no import cycle).
 * Pure: zod only.
 *
 * Messages set here are part of the user-facing config errors (stacks/messages.ts); keep them
 * byte-identical (test/foundation/validation*.test.ts).
 */
import { z } from "zod";

/** A topology name: nodes, clusters, services, the network, failover groups. */
export const NAME = /^[a-z][a-z0-9-]{0,30}$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const nodeName = z.string().regex(NAME, "must be a lower-case name like node1");
export const ipv4 = z.string().regex(IPV4, "must be an IPv4 address like 10.10.1.12");
export const cidr = z.string().refine((value) => {
    const [ip, bits, ...rest] = value.split("/");
    return rest.length === 0 && IPV4.test(ip ?? "") && /^\d{1,2}$/.test(bits ?? "") && Number(bits) <= 32;
}, "must be an IPv4 CIDR like 10.10.0.0/16");
export const port = z.number().int().min(1).max(65535);
/** The trailing `:port` of an address, when there is one, is a TCP port (the format check reports the rest). */
export function portInRange(address: string): boolean {
    const m = /:(\d+)$/.exec(address);
    return !m || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
}
/** `host:port` with a TCP port 1-65535 (a regex alone would accept port 99999). */
export const hostPort = z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")
    .refine(portInRange, "port must be 1-65535");
export const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>");

/** An image pinned by digest (preferred) or tag, or a build context that the program builds and pushes. */
export const imageSchema = z.union([
    z.strictObject({
        repository: z.string().min(1),
        tag: z.string().min(1).optional(),
        digest: digest.optional(),
    }),
    z.strictObject({
        repository: z.string().min(1),
        build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().optional() }),
    }),
]);
export type ImageSpec = z.infer<typeof imageSchema>;
