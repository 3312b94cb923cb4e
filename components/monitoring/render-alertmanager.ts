/**
 * alertmanager.yml: routing by severity, inhibition, receivers from config.
 *
 * Secrets: Alertmanager 0.25 (the version CI validates with, Debian bookworm) reads the SMTP password
 * from `auth_password_file` but has no `url_file` for webhooks nor `bot_token_file` for Telegram
 * (both arrived in 0.26+), so those two values are passed in and the rendered file must be stored as
 * a secret (the component marks it `secret: true`).
 */
import { stringify } from "yaml";

export interface WebhookReceiver {
    /** May embed a token; treated as a secret. */
    readonly url: string;
    /** @default true */
    readonly sendResolved?: boolean;
}

export interface EmailReceiver {
    readonly to: string;
    readonly from: string;
    /** `host:port` of the SMTP relay. */
    readonly smarthost: string;
    readonly authUsername?: string;
    /** Path of a file (inside the Alertmanager container) holding the SMTP password. */
    readonly authPasswordFile?: string;
    /** @default true */
    readonly requireTls?: boolean;
}

export interface TelegramReceiver {
    /** Bot token; secret. */
    readonly botToken: string;
    readonly chatId: number;
}

export interface ReceiverSpec {
    readonly name: string;
    readonly webhooks?: readonly WebhookReceiver[];
    readonly emails?: readonly EmailReceiver[];
    readonly telegrams?: readonly TelegramReceiver[];
}

export interface AlertmanagerSpec {
    readonly receivers: readonly ReceiverSpec[];
    /** Receivers (by name) per severity; an alert goes to each listed receiver. */
    readonly routes: {
        readonly critical: readonly string[];
        readonly warning: readonly string[];
        /** @default [] (info alerts are dropped) */
        readonly info?: readonly string[];
        /** Dead man's switch receiver for the always-firing Watchdog; dropped when unset. */
        readonly heartbeat?: string;
    };
    /** @default ["alertname", "node", "service"] */
    readonly groupBy?: readonly string[];
    /** @default "30s" */
    readonly groupWait?: string;
    /** @default "5m" */
    readonly groupInterval?: string;
    /** @default "4h" */
    readonly repeatInterval?: string;
    /** @default "5m" */
    readonly resolveTimeout?: string;
}

/** Receiver that drops what it gets; Alertmanager requires a route to end at some receiver. */
export const NULL_RECEIVER = "null";

export function validateAlertmanagerSpec(spec: AlertmanagerSpec): string[] {
    const errors: string[] = [];
    const names = new Set<string>();
    spec.receivers.forEach((r, i) => {
        const at = `receivers[${i}]`;
        if (!/^[a-zA-Z0-9_-]+$/.test(r.name)) errors.push(`${at}.name: '${r.name}' must be [a-zA-Z0-9_-]+`);
        if (r.name === NULL_RECEIVER) errors.push(`${at}.name: '${NULL_RECEIVER}' is reserved`);
        if (names.has(r.name)) errors.push(`${at}.name: duplicate receiver '${r.name}'`);
        names.add(r.name);
        const n = (r.webhooks?.length ?? 0) + (r.emails?.length ?? 0) + (r.telegrams?.length ?? 0);
        if (n === 0) errors.push(`${at}: a receiver needs at least one webhook, email or telegram config`);
        r.webhooks?.forEach((w, j) => {
            if (!/^https?:\/\/\S+$/.test(w.url)) errors.push(`${at}.webhooks[${j}].url: must be an http(s) URL`);
        });
        r.emails?.forEach((e, j) => {
            if (!/^\S+@\S+$/.test(e.to)) errors.push(`${at}.emails[${j}].to: '${e.to}' is not an address`);
            if (!/^\S+@\S+$/.test(e.from)) errors.push(`${at}.emails[${j}].from: '${e.from}' is not an address`);
            if (!/^[A-Za-z0-9.-]+:\d+$/.test(e.smarthost)) errors.push(`${at}.emails[${j}].smarthost: must be host:port`);
            if (e.authPasswordFile !== undefined && !e.authPasswordFile.startsWith("/")) errors.push(`${at}.emails[${j}].authPasswordFile: must be absolute`);
            if (e.authPasswordFile !== undefined && e.authUsername === undefined) errors.push(`${at}.emails[${j}].authUsername: required with authPasswordFile`);
        });
        r.telegrams?.forEach((t, j) => {
            if (!Number.isInteger(t.chatId)) errors.push(`${at}.telegrams[${j}].chatId: must be an integer`);
            if (t.botToken.length === 0) errors.push(`${at}.telegrams[${j}].botToken: empty`);
        });
    });
    const check = (path: string, name: string) => {
        if (!names.has(name)) errors.push(`${path}: unknown receiver '${name}'`);
    };
    spec.routes.critical.forEach((n, i) => check(`routes.critical[${i}]`, n));
    spec.routes.warning.forEach((n, i) => check(`routes.warning[${i}]`, n));
    (spec.routes.info ?? []).forEach((n, i) => check(`routes.info[${i}]`, n));
    if (spec.routes.heartbeat !== undefined) check("routes.heartbeat", spec.routes.heartbeat);
    // No receivers at all is allowed (alerts then live in the Alertmanager UI only); receivers that
    // exist but get no critical alert is a configuration mistake.
    if (spec.routes.critical.length === 0 && spec.receivers.length > 0) errors.push("routes.critical: critical alerts must reach at least one receiver");
    return errors;
}

function receiverDoc(r: ReceiverSpec): Record<string, unknown> {
    return {
        name: r.name,
        ...(r.webhooks?.length ? { webhook_configs: r.webhooks.map((w) => ({ url: w.url, send_resolved: w.sendResolved ?? true })) } : {}),
        ...(r.emails?.length
            ? {
                  email_configs: r.emails.map((e) => ({
                      to: e.to,
                      from: e.from,
                      smarthost: e.smarthost,
                      ...(e.authUsername !== undefined ? { auth_username: e.authUsername } : {}),
                      ...(e.authPasswordFile !== undefined ? { auth_password_file: e.authPasswordFile } : {}),
                      require_tls: e.requireTls ?? true,
                      send_resolved: true,
                  })),
              }
            : {}),
        ...(r.telegrams?.length
            ? { telegram_configs: r.telegrams.map((t) => ({ bot_token: t.botToken, chat_id: t.chatId, parse_mode: "HTML", send_resolved: true })) }
            : {}),
    };
}

/** Routes for one matcher fanning out to several receivers: `continue` on all but the last. */
function fanOut(matchers: string[], receivers: readonly string[]): Record<string, unknown>[] {
    return receivers.map((receiver, i) => ({ matchers, receiver, ...(i < receivers.length - 1 ? { continue: true } : {}) }));
}

export function renderAlertmanagerConfig(spec: AlertmanagerSpec): string {
    const errors = validateAlertmanagerSpec(spec);
    if (errors.length > 0) throw new Error(`invalid Alertmanager config:\n  ${errors.join("\n  ")}`);
    const routes: Record<string, unknown>[] = [
        // The Watchdog fires forever by design; it must reach only the heartbeat receiver, often.
        {
            matchers: ['alertname="Watchdog"'],
            receiver: spec.routes.heartbeat ?? NULL_RECEIVER,
            group_wait: "0s",
            group_interval: "1m",
            repeat_interval: "1m",
        },
        ...fanOut(['severity="critical"'], spec.routes.critical.length > 0 ? spec.routes.critical : [NULL_RECEIVER]),
        ...fanOut(['severity="warning"'], spec.routes.warning.length > 0 ? spec.routes.warning : [NULL_RECEIVER]),
        ...fanOut(['severity=~"info|none"'], spec.routes.info?.length ? spec.routes.info : [NULL_RECEIVER]),
    ];
    const doc = {
        global: { resolve_timeout: spec.resolveTimeout ?? "5m" },
        route: {
            // Anything without a known severity still reaches the critical receivers: better noisy than silent.
            receiver: spec.routes.critical[0] ?? NULL_RECEIVER,
            group_by: [...(spec.groupBy ?? ["alertname", "node", "service"])],
            group_wait: spec.groupWait ?? "30s",
            group_interval: spec.groupInterval ?? "5m",
            repeat_interval: spec.repeatInterval ?? "4h",
            routes,
        },
        inhibit_rules: [
            // The same alert at critical silences its warning twin for the same target.
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "instance"] },
            // A service-specific critical "down" alert makes the generic TargetDown redundant.
            { source_matchers: ['severity="critical"'], target_matchers: ['alertname="TargetDown"'], equal: ["instance"] },
            // An unreachable host explains every warning about what runs on it.
            { source_matchers: ['alertname="HostDown"'], target_matchers: ['severity=~"warning|info"'], equal: ["node"] },
        ],
        receivers: [{ name: NULL_RECEIVER }, ...spec.receivers.map(receiverDoc)],
    };
    return `# Generated by components/monitoring/render-alertmanager.ts\n${stringify(doc, { lineWidth: 0 })}`;
}
