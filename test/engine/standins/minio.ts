// Stand-in `minio` provider (issue 15 item 2): the rules of the Terraform provider that
// @pulumi/minio 0.17.1 bridges. No MinIO server is contacted.
//
// Pin: pulumi/pulumi-minio@v0.17.1:provider/go.mod requires github.com/aminueza/terraform-provider-minio
// v1.20.1. Rules cite aminueza/terraform-provider-minio@v1.20.1:minio/<file>:<line>.
import * as crypto from "node:crypto";
import { type ProviderTable, serve } from "./engine";

const TF = "aminueza/terraform-provider-minio@v1.20.1:minio";
const BUCKET = `${TF}/resource_minio_s3_bucket.go`;
const USER = `${TF}/resource_minio_iam_user.go`;
const POLICY = `${TF}/resource_minio_iam_policy.go`;
const ATTACH = `${TF}/resource_minio_iam_user_policy_attachment.go`;

export const minioTable: ProviderTable = {
    name: "minio",
    version: "0.17.1",
    resources: {
        "minio:index/s3Bucket:S3Bucket": {
            source: BUCKET,
            replaceOn: { bucket: `${BUCKET}:41 ForceNew`, bucketPrefix: `${BUCKET}:48 ForceNew` },
            // acl (:61 ForceNew: false) and object_locking (:79 ForceNew: false) update in place.
            defaults: { forceDestroy: false /* :55 */, acl: "private" /* :60 */, objectLocking: false /* :78 */ },
            computed: {
                // Optional+Computed (:40): a generated name when neither bucket nor prefix is set.
                bucket: ({ id }) => id,
                arn: ({ inputs }) => `arn:aws:s3:::${inputs.bucket}`,
                bucketDomainName: ({ inputs }) => `${inputs.bucket}.s3.amazonaws.com`,
            },
            // The bucket name (:128 d.SetId(bucket)).
            id: (i) => String(i.bucket ?? `${i.bucketPrefix ?? "terraform-"}${crypto.randomBytes(8).toString("hex")}`),
        },
        "minio:index/iamUser:IamUser": {
            source: USER,
            required: ["name"],
            // A new secret is set in place (minioUpdateUser, :134 HasChange("secret")).
            replaceOn: { name: `${USER}:37 ForceNew` },
            defaults: { forceDestroy: false /* :42 */, disableUser: false /* :48 */, updateSecret: false /* :54 */ },
            computed: {
                status: ({ inputs }) => (inputs.disableUser ? "disabled" : "enabled"),
                // Optional+Computed, Sensitive (:63): generated when not given; the SDK marks it
                // secret (@pulumi/minio iamUser.js additionalSecretOutputs).
                secret: () => crypto.randomBytes(20).toString("base64url"),
            },
            recomputeOnUpdate: ["status"],
            // The access key, i.e. the user name (:91).
            id: (i) => String(i.name),
        },
        "minio:index/iamPolicy:IamPolicy": {
            source: POLICY,
            required: ["policy"],
            // A new policy document is re-put under the same name in place.
            replaceOn: { name: `${POLICY}:39 ForceNew`, namePrefix: `${POLICY}:46 ForceNew` },
            computed: { name: ({ id }) => id },
            // The policy name (:75).
            id: (i) => String(i.name ?? `${i.namePrefix ?? "terraform-"}${crypto.randomBytes(8).toString("hex")}`),
        },
        "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment": {
            source: ATTACH,
            required: ["policyName", "userName"],
            replaceOn: { policyName: `${ATTACH}:30 ForceNew`, userName: `${ATTACH}:36 ForceNew` },
            // id.PrefixedUniqueId("<user>-") (:65).
            id: (i) => `${i.userName}-${Date.now()}${crypto.randomBytes(4).toString("hex")}`,
        },
    },
};

if (require.main === module) serve(minioTable);
