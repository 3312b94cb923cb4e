/**
 * Pure renderer for the edge HAProxy (haproxy.cfg): TLS termination, one ACL per public host,
 * HTTP health-checked backends with standby servers as `backup`, stats on the private side.
 *
 * No Pulumi import: the ingress component feeds resolved values in, and the real-server tests
 * run Debian's haproxy (2.6) on exactly this text.
 */

export interface HaproxyServer {
    /** Server name shown in stats and logs, e.g. the node name `node1`. */
    readonly name: string;
    /** IP or DNS name (DNS names need `resolvers` or must resolve when HAProxy starts). */
    readonly address: string;
    readonly port: number;
    /** Standby: receives traffic only while every non-backup server is down. @default false */
    readonly backup?: boolean;
    /**
     * Send the health check elsewhere than the traffic (`check addr <address> port <port>`): the
     * node agent's `/ready/<group>` decides whether this server takes a failover group's traffic
     * (issue 12). @default the server's own address and port
     */
    readonly checkAt?: { readonly address: string; readonly port: number };
}

export interface HaproxyBackend {
    /** Backend name, `[A-Za-z0-9_.-]+`, e.g. `gateway`, `daedalus`. */
    readonly name: string;
    /** Path probed with `option httpchk GET <healthPath>`; 2xx/3xx means up. */
    readonly healthPath: string;
    readonly servers: readonly HaproxyServer[];
    /**
     * Host header sent with the health check. Needed when the upstream routes by virtual host;
     * without it HAProxy sends an HTTP/1.0 request without Host.
     */
    readonly healthHost?: string;
}

export interface HaproxyRoute {
    /** Public host name matched against the Host header (case-insensitive, port ignored). */
    readonly host: string;
    /** Name of the backend in `backends`. */
    readonly backend: string;
    /**
     * PEM file (certificate chain + private key) for this host, as seen by HAProxy.
     * One PEM per host; HAProxy picks it by SNI. The first route's PEM is the default certificate.
     */
    readonly certificate: string;
    /**
     * Path prefixes refused (403) on the public frontend for this host. The Daedalus `/metrics`
     * belongs here: behind HAProxy every request reaches nginx from an internal address, so
     * nginx's allow list alone would not keep the public out.
     */
    readonly denyPaths?: readonly string[];
}

export interface HaproxyTimeouts {
    /** @default "5s" */
    readonly connect?: string;
    /** @default "60s" */
    readonly client?: string;
    /** LLM-backed endpoints answer slowly. @default "300s" */
    readonly server?: string;
    /** Slowloris protection: the whole request head must arrive within this. @default "10s" */
    readonly httpRequest?: string;
    /** @default "15s" */
    readonly httpKeepAlive?: string;
    /** @default "30s" */
    readonly queue?: string;
    /** WebSocket / upgraded connections. @default "1h" */
    readonly tunnel?: string;
    /** @default "5s" */
    readonly check?: string;
}

export interface HaproxyHealthCheck {
    /** @default "5s" */
    readonly interval?: string;
    /** Consecutive failures before a server is marked down. @default 3 */
    readonly fall?: number;
    /** Consecutive successes before a server is marked up again. @default 2 */
    readonly rise?: number;
}

export interface HaproxyStats {
    /**
     * Address the stats/metrics listener binds to. On a host this is the node's private IP; inside
     * a bridged container it is `0.0.0.0` and the runtime publishes the port on the private IP only.
     */
    readonly bindAddress: string;
    /** @default 8404 */
    readonly port?: number;
    /** @default "/stats" */
    readonly uri?: string;
    /** Basic auth for the stats page; the password makes the rendered file a secret. */
    readonly user?: string;
    readonly password?: string;
}

export interface HaproxySpec {
    /** Address the public frontends bind to. @default "*" (every interface) */
    readonly bindAddress?: string;
    /** @default 80 */
    readonly httpPort?: number;
    /** @default 443 */
    readonly httpsPort?: number;
    readonly routes: readonly HaproxyRoute[];
    readonly backends: readonly HaproxyBackend[];
    readonly stats: HaproxyStats;
    readonly timeouts?: HaproxyTimeouts;
    readonly healthCheck?: HaproxyHealthCheck;
    /** @default 4096 */
    readonly maxconn?: number;
    /** `Strict-Transport-Security` max-age in seconds; 0 disables the header. @default 31536000 */
    readonly hstsMaxAge?: number;
    /**
     * DNS servers for server addresses that are names (e.g. Docker's embedded DNS `127.0.0.11:53`
     * on the local engine). With resolvers, HAProxy starts even when a backend container does not
     * exist yet and picks its address up later.
     */
    readonly resolvers?: readonly string[];
    /** Master CLI / runtime API socket path. Omitted when unset. */
    readonly adminSocket?: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const HOST = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const DURATION = /^\d+(us|ms|s|m|h|d)?$/;
// Anything HAProxy would split on or interpret; paths are rendered unquoted in `option httpchk`.
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

function validPort(p: unknown): boolean {
    return typeof p === "number" && Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** Errors name the offending key path (`routes[1].backend`); an empty list means valid. */
export function validateHaproxySpec(spec: HaproxySpec, at = "haproxy"): string[] {
    const errors: string[] = [];
    const backendNames = new Set<string>();
    spec.backends.forEach((b, i) => {
        const p = `${at}.backends[${i}]`;
        if (!NAME.test(b.name)) errors.push(`${p}.name: '${b.name}' must match ${NAME}`);
        if (backendNames.has(b.name)) errors.push(`${p}.name: duplicate backend '${b.name}'`);
        backendNames.add(b.name);
        if (!PATH.test(b.healthPath)) errors.push(`${p}.healthPath: '${b.healthPath}' must be an absolute path without spaces`);
        if (b.healthHost !== undefined && !HOST.test(b.healthHost)) errors.push(`${p}.healthHost: '${b.healthHost}' is not a host name`);
        if (b.servers.length === 0) errors.push(`${p}.servers: at least one server is required`);
        else if (b.servers.every((s) => s.backup)) errors.push(`${p}.servers: every server is a backup; at least one must be active`);
        const serverNames = new Set<string>();
        b.servers.forEach((s, j) => {
            const sp = `${p}.servers[${j}]`;
            if (!NAME.test(s.name)) errors.push(`${sp}.name: '${s.name}' must match ${NAME}`);
            if (serverNames.has(s.name)) errors.push(`${sp}.name: duplicate server '${s.name}' in backend '${b.name}'`);
            serverNames.add(s.name);
            if (!s.address || /\s/.test(s.address)) errors.push(`${sp}.address: '${s.address}' is empty or contains spaces`);
            if (!validPort(s.port)) errors.push(`${sp}.port: ${s.port} is not a TCP port`);
            if (s.checkAt && (!s.checkAt.address || /\s/.test(s.checkAt.address))) errors.push(`${sp}.checkAt.address: '${s.checkAt.address}' is empty or contains spaces`);
            if (s.checkAt && !validPort(s.checkAt.port)) errors.push(`${sp}.checkAt.port: ${s.checkAt.port} is not a TCP port`);
        });
    });
    const hosts = new Set<string>();
    spec.routes.forEach((r, i) => {
        const p = `${at}.routes[${i}]`;
        const host = r.host.toLowerCase();
        if (!HOST.test(r.host)) errors.push(`${p}.host: '${r.host}' is not a host name`);
        if (hosts.has(host)) errors.push(`${p}.host: duplicate host '${r.host}'`);
        hosts.add(host);
        if (!backendNames.has(r.backend)) errors.push(`${p}.backend: no backend named '${r.backend}'`);
        if (!r.certificate || /\s/.test(r.certificate)) errors.push(`${p}.certificate: a PEM path without spaces is required`);
        (r.denyPaths ?? []).forEach((d, j) => {
            if (!PATH.test(d)) errors.push(`${p}.denyPaths[${j}]: '${d}' must be an absolute path without spaces`);
        });
    });
    if (spec.routes.length === 0) errors.push(`${at}.routes: at least one route is required`);
    for (const key of ["httpPort", "httpsPort"] as const) {
        const v = spec[key];
        if (v !== undefined && !validPort(v)) errors.push(`${at}.${key}: ${v} is not a TCP port`);
    }
    if ((spec.httpPort ?? 80) === (spec.httpsPort ?? 443)) errors.push(`${at}.httpsPort: must differ from httpPort`);
    if (!spec.stats.bindAddress || spec.stats.bindAddress === "*") {
        errors.push(`${at}.stats.bindAddress: an explicit address is required (stats must not listen publicly)`);
    }
    if (spec.stats.port !== undefined && !validPort(spec.stats.port)) errors.push(`${at}.stats.port: ${spec.stats.port} is not a TCP port`);
    if ((spec.stats.user === undefined) !== (spec.stats.password === undefined)) {
        errors.push(`${at}.stats: user and password must be set together`);
    }
    if (spec.stats.user !== undefined && !/^[A-Za-z0-9_.-]+$/.test(spec.stats.user)) errors.push(`${at}.stats.user: must match [A-Za-z0-9_.-]+`);
    if (spec.stats.password !== undefined && !/^[\x21-\x7e]+$/.test(spec.stats.password)) {
        errors.push(`${at}.stats.password: must be printable ASCII without spaces`);
    }
    for (const [k, v] of Object.entries(spec.timeouts ?? {})) {
        if (v !== undefined && !DURATION.test(v)) errors.push(`${at}.timeouts.${k}: '${v}' is not an HAProxy duration`);
    }
    const hc = spec.healthCheck ?? {};
    if (hc.interval !== undefined && !DURATION.test(hc.interval)) errors.push(`${at}.healthCheck.interval: '${hc.interval}' is not an HAProxy duration`);
    for (const k of ["fall", "rise"] as const) {
        const v = hc[k];
        if (v !== undefined && !(Number.isInteger(v) && v >= 1)) errors.push(`${at}.healthCheck.${k}: must be an integer >= 1`);
    }
    (spec.resolvers ?? []).forEach((r, i) => {
        if (!/^[^\s:]+:\d+$/.test(r)) errors.push(`${at}.resolvers[${i}]: '${r}' must be host:port`);
    });
    return errors;
}

function bind(address: string, port: number): string {
    return address === "*" ? `*:${port}` : address.includes(":") && !address.startsWith("[") ? `[${address}]:${port}` : `${address}:${port}`;
}

function aclName(host: string): string {
    return `host_${host.toLowerCase().replace(/[^a-z0-9]/g, "_")}`;
}

/** Renders haproxy.cfg. Throws when `validateHaproxySpec` reports errors. */
export function renderHaproxyConfig(spec: HaproxySpec): string {
    const errors = validateHaproxySpec(spec);
    if (errors.length > 0) throw new Error(`invalid HAProxy spec:\n  ${errors.join("\n  ")}`);

    const t = spec.timeouts ?? {};
    const hc = spec.healthCheck ?? {};
    const bindAddress = spec.bindAddress ?? "*";
    const httpPort = spec.httpPort ?? 80;
    const httpsPort = spec.httpsPort ?? 443;
    const hsts = spec.hstsMaxAge ?? 31536000;
    const statsPort = spec.stats.port ?? 8404;
    const statsUri = spec.stats.uri ?? "/stats";
    const certificates = [...new Set(spec.routes.map((r) => r.certificate))];
    const lines: string[] = [];
    const out = (...l: string[]) => lines.push(...l);

    out(
        "# Rendered by daarion components/ingress/haproxy.ts; do not edit by hand.",
        "global",
        // stdout logging: no syslog daemon in the container; the Docker log driver ships it.
        "    log stdout format raw local0 info",
        `    maxconn ${spec.maxconn ?? 4096}`,
        // Mozilla "intermediate" profile: TLS 1.2+ and forward-secret AEAD ciphers only.
        "    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
        "    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        "    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
    );
    if (spec.adminSocket) out(`    stats socket ${spec.adminSocket} mode 600 level admin expose-fd listeners`);
    out(
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        // Appends the client address; nginx behind us trusts it only from configured proxies.
        "    option forwardfor",
        "    option redispatch",
        "    retries 3",
        `    timeout connect ${t.connect ?? "5s"}`,
        `    timeout client ${t.client ?? "60s"}`,
        `    timeout server ${t.server ?? "300s"}`,
        `    timeout http-request ${t.httpRequest ?? "10s"}`,
        `    timeout http-keep-alive ${t.httpKeepAlive ?? "15s"}`,
        `    timeout queue ${t.queue ?? "30s"}`,
        `    timeout tunnel ${t.tunnel ?? "1h"}`,
        `    timeout check ${t.check ?? "5s"}`,
        // init-addr: start even when a server name does not resolve yet (container not created).
        `    default-server inter ${hc.interval ?? "5s"} fall ${hc.fall ?? 3} rise ${hc.rise ?? 2}${spec.resolvers?.length ? " resolvers dns init-addr last,libc,none" : ""}`,
    );
    if (spec.resolvers?.length) {
        out("", "resolvers dns");
        spec.resolvers.forEach((r, i) => out(`    nameserver ns${i + 1} ${r}`));
        out("    accepted_payload_size 8192", "    hold valid 10s");
    }

    out(
        "",
        "frontend stats",
        `    bind ${bind(spec.stats.bindAddress, statsPort)}`,
        // Liveness for the container healthcheck, without auth and without touching backends.
        "    monitor-uri /healthz",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        `    stats uri ${statsUri}`,
        "    stats refresh 10s",
        "    stats show-legends",
    );
    if (spec.stats.user !== undefined) out(`    stats auth ${spec.stats.user}:${spec.stats.password}`);

    out(
        "",
        "frontend http",
        `    bind ${bind(bindAddress, httpPort)}`,
        "    http-request redirect scheme https code 301",
        "",
        "frontend https",
        `    bind ${bind(bindAddress, httpsPort)} ssl ${certificates.map((c) => `crt ${c}`).join(" ")} alpn h2,http/1.1`,
        // Clients must not be able to forge what the backends read as our own headers.
        "    http-request set-header X-Forwarded-Proto https",
        "    http-request set-header X-Forwarded-Host %[req.hdr(host)]",
        "    http-request set-header X-Forwarded-Port %[dst_port]",
        "    http-request del-header Forwarded",
    );
    if (hsts > 0) out(`    http-response set-header Strict-Transport-Security "max-age=${hsts}"`);
    for (const r of spec.routes) {
        // field(1,:) drops an explicit ":port" so `Host: example.org:443` still matches.
        out(`    acl ${aclName(r.host)} req.hdr(host),field(1,:) -i ${r.host.toLowerCase()}`);
    }
    for (const r of spec.routes) {
        if (!r.denyPaths?.length) continue;
        // nginx matches locations on the decoded, slash-merged, dot-resolved path, so the deny must
        // see the same path: `//metrics`, `/%6detrics` and `/x/../metrics` all reach nginx's
        // `location = /metrics`. Dot segments are refused outright rather than resolved here
        // (normalize-uri is still experimental in HAProxy 2.6). `[.]` rather than a backslash: the
        // config parser eats backslashes in unquoted words.
        out(`    http-request deny deny_status 400 if ${aclName(r.host)} { path,url_dec -m reg (^|/)[.][.]?(/|$) }`);
        for (const d of r.denyPaths) {
            out(`    http-request deny deny_status 403 if ${aclName(r.host)} { path,url_dec,regsub(/+,/,g) -m beg ${d} }`);
        }
    }
    for (const r of spec.routes) out(`    use_backend ${r.backend} if ${aclName(r.host)}`);
    out("    default_backend unknown_host");

    for (const b of spec.backends) {
        out("", `backend ${b.name}`, "    balance roundrobin", `    option httpchk GET ${b.healthPath}`);
        if (b.healthHost) out(`    http-check send hdr Host ${b.healthHost}`);
        out("    http-check expect status 200-399");
        for (const s of b.servers) {
            const at = s.checkAt ? ` addr ${s.checkAt.address} port ${s.checkAt.port}` : "";
            out(`    server ${s.name} ${bind(s.address, s.port)} check${at}${s.backup ? " backup" : ""}`);
        }
    }
    out(
        "",
        "backend unknown_host",
        '    http-request return status 404 content-type text/plain string "unknown host\\n"',
        "",
    );
    return lines.join("\n");
}
