/**
 * Docker healthcheck commands that work with what an image actually contains. Docker runs the
 * test INSIDE the container, so `curl` is useless in images that do not ship it: Python service
 * images get a python probe, busybox images (nginx:alpine) wget, slim Debian images bash.
 *
 * Every probe here is exercised against a real server in test/apps/healthcheck.test.ts.
 */

/** Which tool inside the image performs the probe. */
export type ProbeTool = "python" | "wget" | "bash";

function checkPath(path: string): void {
    if (!/^\/[A-Za-z0-9._~!$&()*+,;=:@%/-]*$/.test(path)) throw new Error(`health path '${path}' must be an absolute URL path without quotes or spaces`);
}

function checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`health port ${port} is not a TCP port`);
}

/** An HTTP GET on 127.0.0.1 inside the container; healthy on 2xx/3xx within 4 seconds. */
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

/** A RESP `PING` answered by `+PONG` (redis, herodb), with nothing but bash in the image. */
export function respPingProbe(port: number): string[] {
    checkPort(port);
    return ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'PING\\r\\n' >&3 && IFS= read -r -t 4 line <&3 && [[ $line == +PONG* ]]`];
}

/**
 * For workers that serve nothing: healthy while the process keeps touching `file` (from its main
 * loop), so a wedged worker turns unhealthy even though its process is alive.
 */
export function heartbeatProbe(file: string, maxAgeSeconds: number): string[] {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(file)) throw new Error(`heartbeat file '${file}' must be an absolute path of [A-Za-z0-9._/-]`);
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1) throw new Error(`heartbeat age ${maxAgeSeconds} must be a positive integer`);
    return ["CMD", "python3", "-c", `import os,sys,time; sys.exit(0 if time.time() - os.path.getmtime('${file}') < ${maxAgeSeconds} else 1)`];
}
