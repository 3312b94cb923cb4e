/**
 * Pure renderer for the Daedalus nginx (seed 004): serves the SvelteKit SPA, proxies `/api/*` and
 * `/metrics` to uvicorn, restricts `/metrics` to internal networks, logs JSON to stdout.
 *
 * The output is a complete nginx.conf (not a `conf.d` snippet) so the same text runs under
 * `nginx -t -c`, in the loopback tests, and mounted over `/etc/nginx/nginx.conf` in the official
 * nginx image. Everything that differs between those places (ports, paths) is an input.
 */

/** The internal networks of seed 004 allowed to read `/metrics`. */
export const DAEDALUS_METRICS_NETWORKS: readonly string[] = ["10.10.0.0/24", "172.16.0.0/12", "127.0.0.0/8"];

export interface DaedalusNginxSpec {
    /** Listen address; omit to listen on every interface (inside a container). */
    readonly listenAddress?: string;
    /** Seed 004 publishes 22181 -> 80; inside the container nginx listens on 80. @default 80 */
    readonly listenPort?: number;
    /** Directory holding the SPA build (`index.html` at its root). @default "/usr/share/nginx/html" */
    readonly root?: string;
    /** uvicorn instances as `host:port`, e.g. `["daedalus-api:8000"]`. */
    readonly apiUpstreams: readonly string[];
    /** Source networks (CIDR or address) allowed to read `/metrics`. @default DAEDALUS_METRICS_NETWORKS */
    readonly metricsAllow?: readonly string[];
    /**
     * Proxies (HAProxy) whose `X-Forwarded-For` is believed. Without this, every request relayed by
     * HAProxy comes from an internal address and would pass the `/metrics` allow list.
     * @default [] (X-Forwarded-For ignored)
     */
    readonly trustedProxies?: readonly string[];
    /** @default "/var/run/nginx.pid" (the official image's path) */
    readonly pidFile?: string;
    /**
     * Directory for request/proxy temp files. Unset keeps the compiled-in paths (right for the
     * official image); set it when nginx runs unprivileged (tests).
     */
    readonly tempDir?: string;
    /** @default "/etc/nginx/mime.types" (present in the official image and Debian's package) */
    readonly mimeTypes?: string;
    /**
     * Seed 004: no log files, JSON on stdout. nginx has no `stdout` keyword for access logs, so this
     * reopens fd 1 by path: fine for Docker's log pipes, not for a socket on fd 1.
     * @default "/dev/stdout"
     */
    readonly accessLog?: string;
    /**
     * `stderr` is nginx's own keyword (writes to fd 2), which also works when fd 2 is a socket;
     * opening `/dev/stderr` then fails with ENXIO.
     * @default "stderr"
     */
    readonly errorLog?: string;
    /** @default "auto" */
    readonly workerProcesses?: number | "auto";
    /** Workspace file uploads go through the API. @default "100m" */
    readonly clientMaxBodySize?: string;
    /** Agent calls stream for minutes (LLM via MCP). @default "300s" */
    readonly apiReadTimeout?: string;
    /** Value of the `unit` field in every access-log line (Loki `{unit="daedalus"}`). @default "daedalus" */
    readonly logUnit?: string;
}

const UPSTREAM = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
const SIZE = /^\d+[kKmMgG]?$/;
const DURATION = /^\d+(ms|s|m|h|d)?$/;

function validCidr(v: string): boolean {
    const [addr, bits, ...rest] = v.split("/");
    if (rest.length > 0) return false;
    const v4 = addr.split(".");
    if (v4.length === 4 && v4.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
        return bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32);
    }
    if (/^[0-9A-Fa-f:]+$/.test(addr) && addr.includes(":")) {
        return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= 128);
    }
    return false;
}

function pathOk(p: string): boolean {
    return p.startsWith("/") && !/[\s;{}'"]/.test(p);
}

/** Errors name the offending key path; an empty list means valid. */
export function validateDaedalusNginxSpec(spec: DaedalusNginxSpec, at = "daedalusNginx"): string[] {
    const errors: string[] = [];
    const port = spec.listenPort ?? 80;
    if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`${at}.listenPort: ${port} is not a TCP port`);
    if (spec.listenAddress !== undefined && !validCidr(spec.listenAddress)) errors.push(`${at}.listenAddress: '${spec.listenAddress}' is not an IP address`);
    if (spec.apiUpstreams.length === 0) errors.push(`${at}.apiUpstreams: at least one uvicorn upstream is required`);
    spec.apiUpstreams.forEach((u, i) => {
        if (!UPSTREAM.test(u)) errors.push(`${at}.apiUpstreams[${i}]: '${u}' must be host:port`);
    });
    (spec.metricsAllow ?? DAEDALUS_METRICS_NETWORKS).forEach((c, i) => {
        if (!validCidr(c)) errors.push(`${at}.metricsAllow[${i}]: '${c}' is not an address or CIDR`);
    });
    if (spec.metricsAllow !== undefined && spec.metricsAllow.length === 0) {
        errors.push(`${at}.metricsAllow: empty list would hide /metrics from Prometheus too`);
    }
    (spec.trustedProxies ?? []).forEach((c, i) => {
        if (!validCidr(c)) errors.push(`${at}.trustedProxies[${i}]: '${c}' is not an address or CIDR`);
    });
    for (const key of ["root", "pidFile", "tempDir", "mimeTypes", "accessLog", "errorLog"] as const) {
        const v = spec[key];
        if (key === "errorLog" && v === "stderr") continue;
        if (v !== undefined && !pathOk(v)) errors.push(`${at}.${key}: '${v}' must be an absolute path without spaces, quotes, ';' or braces`);
    }
    if (spec.clientMaxBodySize !== undefined && !SIZE.test(spec.clientMaxBodySize)) errors.push(`${at}.clientMaxBodySize: '${spec.clientMaxBodySize}' is not an nginx size`);
    if (spec.apiReadTimeout !== undefined && !DURATION.test(spec.apiReadTimeout)) errors.push(`${at}.apiReadTimeout: '${spec.apiReadTimeout}' is not an nginx duration`);
    const wp = spec.workerProcesses;
    if (wp !== undefined && wp !== "auto" && !(Number.isInteger(wp) && wp >= 1)) errors.push(`${at}.workerProcesses: must be 'auto' or an integer >= 1`);
    if (spec.logUnit !== undefined && !/^[A-Za-z0-9_.-]+$/.test(spec.logUnit)) errors.push(`${at}.logUnit: must match [A-Za-z0-9_.-]+`);
    return errors;
}

/** Renders a complete nginx.conf. Throws when `validateDaedalusNginxSpec` reports errors. */
export function renderDaedalusNginxConfig(spec: DaedalusNginxSpec): string {
    const errors = validateDaedalusNginxSpec(spec);
    if (errors.length > 0) throw new Error(`invalid Daedalus nginx spec:\n  ${errors.join("\n  ")}`);

    const port = spec.listenPort ?? 80;
    const listen = spec.listenAddress
        ? spec.listenAddress.includes(":")
            ? `[${spec.listenAddress}]:${port}`
            : `${spec.listenAddress}:${port}`
        : `${port}`;
    const unit = spec.logUnit ?? "daedalus";
    const l: string[] = [];
    const out = (...x: string[]) => l.push(...x);

    out(
        "# Rendered by daarion components/ingress/nginx.ts; do not edit by hand.",
        `worker_processes ${spec.workerProcesses ?? "auto"};`,
        `pid ${spec.pidFile ?? "/var/run/nginx.pid"};`,
        `error_log ${spec.errorLog ?? "stderr"} warn;`,
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        `    include ${spec.mimeTypes ?? "/etc/nginx/mime.types"};`,
        "    default_type application/octet-stream;",
        "    server_tokens off;",
        "    sendfile on;",
        "    tcp_nopush on;",
        "    keepalive_timeout 65s;",
        // Redirects (e.g. directory -> directory/) must stay relative: TLS ends at HAProxy, so an
        // absolute http://host:80/ redirect would point clients at a port that is not public.
        "    absolute_redirect off;",
        `    client_max_body_size ${spec.clientMaxBodySize ?? "100m"};`,
        "    gzip on;",
        "    gzip_types text/css application/javascript application/json image/svg+xml text/plain;",
    );
    if (spec.tempDir) {
        for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) out(`    ${t}_temp_path ${spec.tempDir}/${t};`);
    }
    out(
        "",
        // Seed 004: structured JSON on stdout, shipped by the Docker log driver to Alloy/Loki.
        `    log_format daedalus_json escape=json '{"time":"$time_iso8601","unit":"${unit}","component":"nginx",'`,
        `        '"remote_addr":"$remote_addr","forwarded_for":"$http_x_forwarded_for","request_id":"$request_id",'`,
        `        '"method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,'`,
        `        '"request_time":$request_time,"upstream_time":"$upstream_response_time",'`,
        `        '"referer":"$http_referer","user_agent":"$http_user_agent"}';`,
        `    access_log ${spec.accessLog ?? "/dev/stdout"} daedalus_json;`,
        "",
        // Keeps upstream keepalive for plain requests and still lets WebSocket upgrades through.
        "    map $http_upgrade $connection_upgrade {",
        "        default upgrade;",
        "        ''      '';",
        "    }",
        "    map $http_x_forwarded_proto $forwarded_proto {",
        "        default $http_x_forwarded_proto;",
        "        ''      $scheme;",
        "    }",
        "",
        "    upstream daedalus_api {",
        ...spec.apiUpstreams.map((u) => `        server ${u};`),
        "        keepalive 16;",
        "    }",
        "",
        "    server {",
        `        listen ${listen} default_server;`,
        "        server_name _;",
        `        root ${spec.root ?? "/usr/share/nginx/html"};`,
        "        index index.html;",
    );
    const trusted = spec.trustedProxies ?? [];
    if (trusted.length > 0) {
        out(
            // Recursive: take the right-most address not in a trusted network, so a client cannot
            // smuggle an internal address in by sending its own X-Forwarded-For.
            ...trusted.map((c) => `        set_real_ip_from ${c};`),
            "        real_ip_header X-Forwarded-For;",
            "        real_ip_recursive on;",
        );
    }
    out(
        "",
        "        proxy_http_version 1.1;",
        "        proxy_set_header Host $host;",
        "        proxy_set_header Connection $connection_upgrade;",
        "        proxy_set_header Upgrade $http_upgrade;",
        "        proxy_set_header X-Real-IP $remote_addr;",
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "        proxy_set_header X-Forwarded-Proto $forwarded_proto;",
        "        proxy_set_header X-Request-ID $request_id;",
        "",
        // nginx's own liveness for the container healthcheck; /api/health is the app's.
        "        location = /nginx-health {",
        "            access_log off;",
        "            default_type text/plain;",
        "            return 200 'ok\\n';",
        "        }",
        "",
        "        location = /metrics {",
        ...(spec.metricsAllow ?? DAEDALUS_METRICS_NETWORKS).map((c) => `            allow ${c};`),
        "            deny all;",
        "            proxy_pass http://daedalus_api;",
        "        }",
        "",
        "        location /api/ {",
        // Streaming agent answers (SSE / MCP streamable HTTP) must not sit in nginx's buffer.
        "            proxy_buffering off;",
        `            proxy_read_timeout ${spec.apiReadTimeout ?? "300s"};`,
        `            proxy_send_timeout ${spec.apiReadTimeout ?? "300s"};`,
        "            proxy_pass http://daedalus_api;",
        "        }",
        "",
        // SvelteKit fingerprints everything under _app/immutable: cache forever, never fall back.
        "        location /_app/immutable/ {",
        "            add_header Cache-Control 'public, max-age=31536000, immutable';",
        "            try_files $uri =404;",
        "        }",
        "",
        "        location / {",
        "            add_header Cache-Control 'no-cache';",
        "            try_files $uri $uri/ /index.html;",
        "        }",
        "    }",
        "}",
        "",
    );
    return l.join("\n");
}
