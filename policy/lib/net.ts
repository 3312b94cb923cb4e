/**
 * Address and port arithmetic for firewall and port-binding rules. Uses node:net only, so the
 * policy pack stays free of extra dependencies.
 */
import * as net from "node:net";

export interface Cidr {
    readonly family: 4 | 6;
    /** Address as a big integer (32 or 128 bits). */
    readonly address: bigint;
    readonly prefix: number;
}

function ipv4ToBigInt(ip: string): bigint {
    return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
    let text = ip;
    // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hextets.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
        const n = ipv4ToBigInt(v4[1]);
        text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const headParts = head ? head.split(":") : [];
    const tailParts = tail ? tail.split(":") : [];
    const missing = 8 - headParts.length - tailParts.length;
    const parts = tail === undefined ? headParts : [...headParts, ...Array(missing).fill("0"), ...tailParts];
    return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part || "0", 16)), 0n);
}

/** Parses `10.0.0.0/16`, `::/0`, or a bare address (a /32 or /128). Returns undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
    const [addr, prefixText, extra] = text.trim().split("/");
    if (extra !== undefined) return undefined;
    const family = net.isIP(addr);
    if (family !== 4 && family !== 6) return undefined;
    const bits = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
    const address = family === 4 ? ipv4ToBigInt(addr) : ipv6ToBigInt(addr);
    return { family, address, prefix };
}

function network(c: Cidr): bigint {
    const bits = BigInt(c.family === 4 ? 32 : 128);
    const hostBits = bits - BigInt(c.prefix);
    return (c.address >> hostBits) << hostBits;
}

/** True when every address of `inner` is inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
    return network(outer) === network({ ...inner, prefix: outer.prefix });
}

/** `0.0.0.0/0` or `::/0`: the whole internet. */
export function isWorldCidr(text: string): boolean {
    const c = parseCidr(text);
    return c !== undefined && c.prefix === 0;
}

const PRIVATE_RANGES = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    // Shared address space; some overlay networks (Tailscale, WireGuard meshes) use it.
    "100.64.0.0/10",
    "::1/128",
    "fc00::/7",
].map((c) => parseCidr(c)!);

/**
 * True when a host address can only be reached from a private network or the host itself.
 * `0.0.0.0` and `::` mean "all interfaces", which includes the public one.
 */
export function isPrivateAddress(text: string): boolean {
    const c = parseCidr(text);
    if (!c) return false;
    return PRIVATE_RANGES.some((range) => cidrContains(range, c));
}

export interface PortRange {
    readonly from: number;
    readonly to: number;
}

/**
 * hcloud firewall `port`: `"22"`, `"80-85"`, `"any"`; undefined on tcp/udp also means every port.
 * Returns undefined for an unparseable value, so the caller can treat it conservatively.
 */
export function parsePortSpec(port: string | undefined): PortRange | undefined {
    if (port === undefined || port === "" || port.toLowerCase() === "any") return { from: 1, to: 65535 };
    const m = /^(\d+)(?:-(\d+))?$/.exec(port.trim());
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    return from <= to ? { from, to } : undefined;
}

/** Port lists in config are numbers or `"6333-6335"` strings. */
export function parsePortList(list: readonly (number | string)[]): PortRange[] {
    const out: PortRange[] = [];
    for (const item of list) {
        const r = typeof item === "number" ? { from: item, to: item } : parsePortSpec(item);
        if (r) out.push(r);
    }
    return out;
}

export function rangesOverlap(a: PortRange, b: PortRange): boolean {
    return a.from <= b.to && b.from <= a.to;
}

export function portInRanges(port: number, ranges: readonly PortRange[]): boolean {
    return ranges.some((r) => port >= r.from && port <= r.to);
}

export function formatRange(r: PortRange): string {
    return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
