// Stand-in `tls` provider (issue 15 item 2): PrivateKey, the one tls resource this program uses
// (components/node/index.ts: the pinned SSH host key, algorithm ED25519). Keys are real: generated
// with node:crypto and encoded the way the upstream provider encodes them.
//
// Pin: pulumi/pulumi-tls has no v5.6.1 tag in the stored mirror (newest v5.5.1) and the Go module proxy
// refuses github.com/pulumi/pulumi-tls/provider/v5@v5.6.1. The mirror's newest commit,
// pulumi/pulumi-tls@f7db93b2 (2026-08-14):provider/go.mod, requires hashicorp/terraform-provider-tls
// v1.2.1-0.20260513075833-609226f53114; that commit is not in the stored terraform-provider-tls
// mirror, whose newest commit is d72d90e1 (2026-04-28, after tag v4.2.1). Rules cite
// hashicorp/terraform-provider-tls@d72d90e1:internal/provider/<file>:<line>, two weeks older than the pin.
import * as crypto from "node:crypto";
import { type ProviderTable, type Props, serve } from "./engine";

const TF = "hashicorp/terraform-provider-tls@d72d90e1:internal/provider";
const KEY = `${TF}/resource_private_key.go`;

/** SSH wire string: uint32 length + bytes (RFC 4251 section 5). */
function sshString(b: Buffer | string): Buffer {
    const body = typeof b === "string" ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
}

function uint32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
}

/** PEM with 64-column base64 lines, as Go's encoding/pem EncodeToMemory writes it. */
function pem(type: string, der: Buffer): string {
    const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

/**
 * An ED25519 key in every format upstream stores (resource_private_key.go:237-250,
 * common_key.go:172-186), built from golang.org/x/crypto/ssh's formats: MarshalAuthorizedKey
 * ("ssh-ed25519 <base64 blob>\n"), FingerprintLegacyMD5, FingerprintSHA256, and MarshalPrivateKey
 * (an unencrypted "openssh-key-v1" block, PROTOCOL.key in openssh-portable).
 */
export function ed25519Key(): Props {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const jwk = privateKey.export({ format: "jwk" });
    const pub = Buffer.from(jwk.x!, "base64url");
    const seed = Buffer.from(jwk.d!, "base64url");
    const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
    const check = crypto.randomBytes(4);
    let priv = Buffer.concat([check, check, sshString("ssh-ed25519"), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString("")]);
    const pad = Buffer.from(Array.from({ length: (8 - (priv.length % 8)) % 8 }, (_, i) => i + 1));
    priv = Buffer.concat([priv, pad]);
    const openssh = Buffer.concat([Buffer.from("openssh-key-v1\0"), sshString("none"), sshString("none"), sshString(""), uint32(1), sshString(blob), sshString(priv)]);
    const spki = publicKey.export({ format: "der", type: "spki" });
    const pkcs8 = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    return {
        // ED25519 PEM is a PKCS#8 "PRIVATE KEY" block (resource_private_key.go:220-222).
        privateKeyPem: pkcs8,
        privateKeyPemPkcs8: pkcs8,
        privateKeyOpenssh: pem("OPENSSH PRIVATE KEY", openssh),
        publicKeyPem: pem("PUBLIC KEY", spki),
        publicKeyOpenssh: `ssh-ed25519 ${blob.toString("base64")}\n`,
        publicKeyFingerprintMd5: (crypto.createHash("md5").update(blob).digest("hex").match(/../g) ?? []).join(":"),
        publicKeyFingerprintSha256: `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
    };
}

const KEYS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh", "publicKeyPem", "publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"];

export const tlsTable: ProviderTable = {
    name: "tls",
    version: "5.6.1",
    resources: {
        "tls:index/privateKey:PrivateKey": {
            source: KEY,
            required: ["algorithm"],
            replaceOn: {
                algorithm: `${KEY}:60 RequiresReplace`,
                rsaBits: `${KEY}:75 RequiresReplace`,
                ecdsaCurve: `${KEY}:84 RequiresReplace`,
            },
            defaults: { rsaBits: 2048 /* :73 */, ecdsaCurve: "P224" /* :82 */ },
            validate: (i) =>
                i.algorithm === undefined || i.algorithm === "ED25519" || typeof i.algorithm !== "string"
                    ? []
                    : // Not an upstream limit: RSA and ECDSA are valid upstream (:63 OneOf) but the
                      // stand-in generates only the algorithm this program uses.
                      [{ property: "algorithm", reason: `the stand-in tls provider generates ED25519 keys only, not ${i.algorithm}` }],
            generate: {
                keys: KEYS,
                make: () => ed25519Key(),
            },
            // hashForState(string(pubKeyBytes)): SHA1 hex of the TrimSpace'd DER public key
            // (common_key.go:186, common.go:21); only ASCII whitespace is trimmed here.
            id: (_i, { generated }) => {
                const der = crypto.createPublicKey(generated.publicKeyPem as string).export({ format: "der", type: "spki" });
                let s = 0;
                let e = der.length;
                while (s < e && /\s/.test(String.fromCharCode(der[s]!))) s++;
                while (e > s && /\s/.test(String.fromCharCode(der[e - 1]!))) e--;
                return crypto.createHash("sha1").update(der.subarray(s, e)).digest("hex");
            },
        },
    },
};

if (require.main === module) serve(tlsTable);
