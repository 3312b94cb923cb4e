/**
 * TLS on public ingress: an ingress container serves TLS publicly, and its only public plaintext
 * ports are redirect ports (80) that send clients to https.
 */
import { asArray, asRecord, asString, ResourceView, Violation } from "../lib/resource";
import { isPrivateAddress, parsePortList, portInRanges } from "../lib/net";
import { isIngressContainer, publishedPorts } from "./container";

export interface IngressTlsConfig {
    /** Public ports that carry TLS. @default [443] */
    readonly tlsPorts: readonly (number | string)[];
    /** Public plaintext ports allowed only to redirect to https (and serve ACME http-01). @default [80] */
    readonly redirectPorts: readonly (number | string)[];
}

/** Text of every file the container uploads (nginx.conf, haproxy.cfg, ...). */
function uploadedConfigs(container: ResourceView): { file: string; content: string }[] {
    return asArray(container.props["uploads"])
        .map((raw) => asRecord(raw))
        .map((u) => ({ file: asString(u["file"]) ?? "?", content: asString(u["content"]) ?? "" }))
        .filter((u) => u.content.length > 0);
}

/** Bodies of top-level-or-nested `server { ... }` blocks of an nginx config. */
export function nginxServerBlocks(conf: string): string[] {
    const text = conf.replace(/#[^\n]*/g, "");
    const blocks: string[] = [];
    const re = /\bserver\s*\{/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
        let depth = 1;
        let i = m.index + m[0].length;
        const start = i;
        while (i < text.length && depth > 0) {
            if (text[i] === "{") depth++;
            else if (text[i] === "}") depth--;
            i++;
        }
        blocks.push(text.slice(start, i - 1));
    }
    return blocks;
}

function nginxListensPlain(block: string, port: number): boolean {
    const listens = [...block.matchAll(/^\s*listen\s+([^;]+);/gm)].map((l) => l[1].trim().split(/\s+/));
    return listens.some(([addr, ...flags]) => {
        const p = /(?:^|:)(\d+)$/.exec(addr);
        return p !== null && Number(p[1]) === port && !flags.includes("ssl") && !flags.includes("quic");
    });
}

const NGINX_HTTPS_REDIRECT = /\breturn\s+30[1278]\s+https:\/\//;

/** haproxy `frontend` sections as text, each up to the next section keyword. */
export function haproxyFrontends(cfg: string): string[] {
    const sections = cfg.replace(/#[^\n]*/g, "").split(/^(?=\s*(?:frontend|backend|listen|defaults|global|resolvers|peers|userlist)\b)/m);
    return sections.filter((s) => /^\s*(frontend|listen)\b/.test(s));
}

function haproxyBindsPlain(section: string, port: number): boolean {
    return [...section.matchAll(/^\s*bind\s+(\S+)([^\n]*)$/gm)].some(([, addr, rest]) => {
        const p = /:(\d+)$/.exec(addr);
        return p !== null && Number(p[1]) === port && !/\bssl\b/.test(rest);
    });
}

const HAPROXY_HTTPS_REDIRECT = /\bredirect\s+scheme\s+https\b/;

export function checkIngressTls(container: ResourceView, config: IngressTlsConfig): Violation[] {
    if (!isIngressContainer(container)) return [];
    const tls = parsePortList(config.tlsPorts);
    const redirect = parsePortList(config.redirectPorts);
    const publicPorts = publishedPorts(container).filter((p) => !p.unknown && !isPrivateAddress(p.ip));
    if (publicPorts.length === 0) return [];
    const violations: Violation[] = [];
    const hostPort = (p: (typeof publicPorts)[number]) => p.external ?? p.internal ?? 0;
    if (!publicPorts.some((p) => portInRanges(hostPort(p), tls))) {
        violations.push({ message: `ingress container '${container.name}' publishes ${publicPorts.map(hostPort).join(", ")} publicly but no TLS port (${config.tlsPorts.join(", ")})` });
    }
    const configs = uploadedConfigs(container);
    for (const p of publicPorts) {
        const port = hostPort(p);
        if (portInRanges(port, tls)) continue;
        if (!portInRanges(port, redirect)) {
            violations.push({ message: `ingress container '${container.name}' serves plaintext on public port ${port}; only ${config.redirectPorts.join(", ")} may be plaintext, and only to redirect to https` });
            continue;
        }
        // The proxy config listens on the container port.
        const inner = p.internal ?? port;
        for (const { file, content } of configs) {
            for (const block of nginxServerBlocks(content)) {
                if (nginxListensPlain(block, inner) && !NGINX_HTTPS_REDIRECT.test(block)) {
                    violations.push({ message: `ingress container '${container.name}' ${file}: the nginx server on plaintext port ${inner} does not redirect to https (return 301 https://...)` });
                }
            }
            for (const frontend of haproxyFrontends(content)) {
                if (haproxyBindsPlain(frontend, inner) && !HAPROXY_HTTPS_REDIRECT.test(frontend)) {
                    violations.push({ message: `ingress container '${container.name}' ${file}: the haproxy frontend bound to plaintext port ${inner} does not redirect to https (redirect scheme https)` });
                }
            }
        }
    }
    return violations;
}
