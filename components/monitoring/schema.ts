/**
 * This module's fragment of the topology config (Pulumi.yaml `daarion:topology`): `monitoring`:
 * Prometheus, Alertmanager receivers and routes, Grafana's Loki datasource. Shapes only; cross-field
 * checks live in ./validate.ts. stacks/schema.ts composes the fragment into `topologySchema`, so
 * `Topology` stays one statically inferred type (issue 13 item 1).
 */
import { z } from "zod";
import { nodeName } from "../config/primitives";

export const monitoringSchema = z.strictObject({
    node: nodeName,
    /** Base URL of docs/runbooks.md, used in every alert's runbook_url. */
    runbookBaseUrl: z.string().url(),
    receivers: z
        .array(
            z.discriminatedUnion("kind", [
                z.strictObject({ kind: z.literal("webhook"), name: z.string(), url: z.string().url() }),
                z.strictObject({ kind: z.literal("email"), name: z.string(), to: z.string().email(), from: z.string().email(), smarthost: z.string() }),
                z.strictObject({ kind: z.literal("telegram"), name: z.string(), chatId: z.number().int() }),
            ]),
        )
        .default([]),
    /**
     * Receiver names per severity (default: every receiver gets critical and warning alerts), and
     * the dead man's switch receiver for the Watchdog.
     */
    routes: z
        .strictObject({
            critical: z.array(z.string()).optional(),
            warning: z.array(z.string()).optional(),
            heartbeat: z.string().optional(),
        })
        .default({}),
    /** Loki URL for the Grafana datasource (seed 004 ships Daedalus logs there). */
    lokiUrl: z.string().url().optional(),
    /** Prometheus TSDB retention. */
    retention: z.string().regex(/^\d+[dwy]$/).default("30d"),
});
