/**
 * Seed 004's object layout: metadata lives in PostgreSQL, bytes in the `daedalus` bucket under
 * `workspaces/{workspace_id}/files/{file_id}/{filename}`.
 */

export const DAEDALUS_BUCKET = "daedalus";

export interface DaedalusObjectRef {
    readonly workspaceId: string;
    readonly fileId: string;
    readonly filename: string;
}

function checkSegment(what: string, value: string): void {
    // A "/" would shift the layout (a filename could land in another file's or workspace's prefix).
    if (value.length === 0 || value.includes("/") || value === "." || value === ".." || /[\u0000-\u001f\u007f]/.test(value)) {
        throw new Error(`${what} '${value}' is not a valid key segment (empty, '/', '.', '..' or control characters)`);
    }
}

export function daedalusObjectKey(ref: DaedalusObjectRef): string {
    checkSegment("workspace_id", ref.workspaceId);
    checkSegment("file_id", ref.fileId);
    checkSegment("filename", ref.filename);
    const key = `workspaces/${ref.workspaceId}/files/${ref.fileId}/${ref.filename}`;
    // S3 keys are at most 1024 bytes of UTF-8.
    if (Buffer.byteLength(key, "utf8") > 1024) throw new Error(`object key is longer than 1024 bytes: ${key.slice(0, 80)}...`);
    return key;
}

/** Prefix holding every file of one workspace (for listing or deleting a workspace). */
export function daedalusWorkspacePrefix(workspaceId: string): string {
    checkSegment("workspace_id", workspaceId);
    return `workspaces/${workspaceId}/`;
}

export function parseDaedalusObjectKey(key: string): DaedalusObjectRef | undefined {
    const m = /^workspaces\/([^/]+)\/files\/([^/]+)\/([^/]+)$/.exec(key);
    return m ? { workspaceId: m[1], fileId: m[2], filename: m[3] } : undefined;
}
