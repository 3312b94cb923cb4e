/** The files shared with the postgres launcher (AGENT_STATE_FILES), written atomically. */
import * as fs from "node:fs";
import * as path from "node:path";
import { AGENT_STATE_FILES } from "../config";

function writeAtomic(file: string, text: string): void {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, file); // rename(2) is atomic: the launcher reads the old or the new value
}

export class StateFiles {
    constructor(private readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true });
    }
    /** Epoch ms (host clock) until which the local server may be writable; 0 = fenced. */
    writableUntil(epochMs: number): void {
        writeAtomic(path.join(this.dir, AGENT_STATE_FILES.writableUntil), `${Math.floor(epochMs)}\n`);
    }
    primary(host: string, port: number): void {
        writeAtomic(path.join(this.dir, AGENT_STATE_FILES.primary), `${host} ${port}\n`);
    }
}
