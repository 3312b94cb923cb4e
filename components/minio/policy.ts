/**
 * Bucket-scoped IAM policies for MinIO users (least privilege): a backend user gets exactly one
 * bucket, optionally one key prefix of it, and never admin or cross-bucket actions.
 */

export type BucketAccess = "readwrite" | "readonly";

export interface BucketPolicySpec {
    readonly bucket: string;
    readonly access: BucketAccess;
    /** Restrict objects to this key prefix (e.g. `workspaces/`); whole bucket when unset. */
    readonly prefix?: string;
}

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Action: string[];
    readonly Resource: string[];
    readonly Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

/** S3 bucket naming rules (MinIO enforces the same). Errors name `path`. */
export function validateBucketName(name: string, path = "bucket"): string[] {
    const errors: string[] = [];
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) errors.push(`${path}: '${name}' must be 3-63 characters of a-z, 0-9, '.', '-', starting and ending alphanumeric`);
    if (name.includes("..") || name.includes(".-") || name.includes("-.")) errors.push(`${path}: '${name}' must not contain '..', '.-' or '-.'`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) errors.push(`${path}: '${name}' must not look like an IP address`);
    return errors;
}

export function validateBucketPolicySpec(spec: BucketPolicySpec, path = "policy"): string[] {
    const errors = validateBucketName(spec.bucket, `${path}.bucket`);
    if (spec.prefix !== undefined && (spec.prefix.length === 0 || spec.prefix.startsWith("/") || !spec.prefix.endsWith("/") || /[*?]/.test(spec.prefix))) {
        errors.push(`${path}.prefix: '${spec.prefix}' must be a non-empty key prefix ending in '/' without wildcards`);
    }
    return errors;
}

export function bucketPolicyDocument(spec: BucketPolicySpec): PolicyDocument {
    const errors = validateBucketPolicySpec(spec);
    if (errors.length > 0) throw new Error(errors.join("; "));
    const bucketArn = `arn:aws:s3:::${spec.bucket}`;
    const objectArn = `${bucketArn}/${spec.prefix ?? ""}*`;
    const read = ["s3:GetObject"];
    const write = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListBucket",
                Effect: "Allow",
                Action: spec.access === "readwrite" ? ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"] : ["s3:GetBucketLocation", "s3:ListBucket"],
                Resource: [bucketArn],
                ...(spec.prefix ? { Condition: { StringLike: { "s3:prefix": [`${spec.prefix}*`] } } } : {}),
            },
            {
                Sid: spec.access === "readwrite" ? "ObjectReadWrite" : "ObjectRead",
                Effect: "Allow",
                Action: spec.access === "readwrite" ? [...read, ...write] : read,
                Resource: [objectArn],
            },
        ],
    };
}

/** The policy as the JSON string @pulumi/minio's IamPolicy takes. */
export function renderBucketPolicy(spec: BucketPolicySpec): string {
    return JSON.stringify(bucketPolicyDocument(spec), null, 2);
}
