/**
 * Probe checks that work with what an image actually contains, and their Docker form.
 *
 * Docker runs a HEALTHCHECK INSIDE the container, so `curl` is useless in images that do not ship
 * it: Python service images get a python probe, busybox images (nginx:alpine) wget, slim Debian
 * images bash. Kubernetes runs `http` and `tcp` checks from the kubelet and needs no tool; `exec`
 * and `shell` run inside the container on both runtimes.
 *
 * Every Docker form here is exercised against a real server in test/apps/healthcheck.test.ts.
 */
import type { ProbeCheck, ProbeTool } from "./spec";

function checkPath(path: string): void {
    if (!/^\/[A-Za-z0-9._~!$&()*+,;=:@%/-]*$/.test(path)) throw new Error(`health path '${path}' must be an absolute URL path without quotes or spaces`);
}

function checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`health port ${port} is not a TCP port`);
}

/** An HTTP GET on 127.0.0.1 inside the workload; healthy on 2xx/3xx within 4 seconds. */
export function httpCheck(tool: ProbeTool, port: number, path: string): ProbeCheck {
    checkPort(port);
    checkPath(path);
    return { http: { port, path, tool } };
}

/** A TCP connect to 127.0.0.1:`port` (Docker: bash's /dev/tcp, so the image needs bash). */
export function tcpCheck(port: number): ProbeCheck {
    checkPort(port);
    return { tcp: { port } };
}

/** A RESP `PING` answered by `+PONG` (redis, herodb), with nothing but bash in the image. */
export function respPingCheck(port: number): ProbeCheck {
    checkPort(port);
    return { exec: ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'PING\\r\\n' >&3 && IFS= read -r -t 4 line <&3 && [[ $line == +PONG* ]]`] };
}

/**
 * For workers that serve nothing: healthy while the process keeps touching `file` (from its main
 * loop), so a wedged worker turns unhealthy even though its process is alive.
 */
export function heartbeatCheck(file: string, maxAgeSeconds: number): ProbeCheck {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(file)) throw new Error(`heartbeat file '${file}' must be an absolute path of [A-Za-z0-9._/-]`);
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1) throw new Error(`heartbeat age ${maxAgeSeconds} must be a positive integer`);
    return { exec: ["python3", "-c", `import os,sys,time; sys.exit(0 if time.time() - os.path.getmtime('${file}') < ${maxAgeSeconds} else 1)`] };
}

/** The in-container argv of an HTTP GET with `tool` (Docker's form of an `http` check). */
export function httpProbe(tool: ProbeTool, port: number, path: string): string[] {
    checkPort(port);
    checkPath(path);
    const url = `http://127.0.0.1:${port}${path}`;
    switch (tool) {
        case "python":
            // urlopen raises on 4xx/5xx and on connection errors: any exception exits non-zero.
            return ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('${url}', timeout=4)`];
        case "wget":
            return ["CMD", "wget", "-q", "-O", "/dev/null", "-T", "4", url];
        case "bash":
            return [
                "CMD",
                "bash",
                "-c",
                `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 line <&3 && [[ $line =~ ^HTTP/1\\.[01]\\ [23] ]]`,
            ];
    }
}

/**
 * Docker's HEALTHCHECK test of a check: `CMD` argv run directly, `CMD-SHELL` through the image's
 * `/bin/sh -c` (Docker reference, HEALTHCHECK: https://docs.docker.com/reference/dockerfile/#healthcheck).
 */
export function dockerHealthcheckTest(check: ProbeCheck): string[] {
    if ("exec" in check) return ["CMD", ...check.exec];
    if ("shell" in check) return ["CMD-SHELL", check.shell];
    if ("http" in check) return httpProbe(check.http.tool, check.http.port, check.http.path);
    return ["CMD-SHELL", `bash -c ':> /dev/tcp/127.0.0.1/${check.tcp.port}' || exit 1`];
}
