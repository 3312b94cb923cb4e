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


/**
 * The 172.x part of Docker's default local address pools: 172.17.0.0/16, 172.18.0.0/15,
 * 172.20.0.0/14, 172.24.0.0/13, all inside 172.16.0.0/12 (moby/moby:libnetwork/ipamutils/utils.go,
 * localScopeDefaultNetworks). Containers on a node reach a port published on its private IP from
 * there (hairpin NAT), so servers that filter clients by address allow it. Docker's fifth pool,
 * 192.168.0.0/16, is not included (unchanged behaviour; a daemon configured with other
 * default-address-pools is not covered either). The one place this range is written.
 */
export const DOCKER_BRIDGE_RANGE = "172.16.0.0/12";
