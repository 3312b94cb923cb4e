/**
 * What a stack asks of one Docker engine, computed from its declared containers: the sum of memory
 * limits and every host port it publishes. README "Deploying for real" quotes these for the
 * `local` stack, and test/node/local-stack.test.ts recomputes them from the render so the README
 * cannot drift. Pure (no Pulumi import).
 */

export interface DeclaredContainer {
    readonly name: string;
    /** Docker memory limit in MiB. */
    readonly memoryMb: number;
    readonly ports: ReadonlyArray<{ readonly ip: string; readonly external: number }>;
}

export interface Footprint {
    /** Sum of memory limits (MiB): an upper bound, not a reservation, except where a server commits memory up front. */
    readonly memoryMb: number;
    readonly containers: number;
    /** `ip:port` published on the engine's host, sorted by port. */
    readonly published: string[];
}

export function footprint(containers: readonly DeclaredContainer[]): Footprint {
    const published = containers
        .flatMap((c) => c.ports.map((p) => ({ ip: p.ip, port: p.external })))
        .sort((a, b) => a.port - b.port)
        .map((p) => `${p.ip}:${p.port}`);
    return { memoryMb: containers.reduce((sum, c) => sum + c.memoryMb, 0), containers: containers.length, published };
}
