/** IPv4 arithmetic for private-network planning (no dependency: four small functions). */

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function parseCidr(cidr: string): { base: number; size: number } {
    const [ip, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return { base: Math.floor(ipToInt(ip!) / size) * size, size };
}

export function cidrContains(cidr: string, ip: string): boolean {
    const { base, size } = parseCidr(cidr);
    const value = ipToInt(ip);
    return value >= base && value < base + size;
}

export function cidrWithin(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    return a.base >= b.base && a.base + a.size <= b.base + b.size;
}

export function cidrsOverlap(x: string, y: string): boolean {
    const a = parseCidr(x);
    const b = parseCidr(y);
    return a.base < b.base + b.size && b.base < a.base + a.size;
}

