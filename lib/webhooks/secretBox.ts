import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Webhook signing secrets at rest. Unlike API keys (stored as a SHA-256 only), a webhook secret must be usable
 * again: the delivery worker signs every request with it (HMAC-SHA256, Standard Webhooks). So it is stored
 * encrypted, bound to its environment and webhook id (the AES-GCM additional data / the KMS encryption context), so
 * a sealed secret copied onto another subscription does not open.
 *
 *  - In the stack, a KMS key of its own (infra/webhooks.ts, rotation on): the admin CLI, with the operator's
 *    credentials, encrypts (`kms:Encrypt`); only the delivery worker may decrypt (`kms:Decrypt` on that key, under
 *    an encryption-context condition); the secret never sits in a Lambda's environment or a parameter.
 *  - Locally (`npm start`, tests), AES-256-GCM with a key from `WEBHOOK_SECRETS_KEY` (32 bytes, base64), or one
 *    derived from a fixed phrase when unset: local data is not a secret worth more.
 * The sealed form names its kind (`kms:` / `aes:`), so the one that sealed it is the one asked to open it.
 */

export interface SecretBox {
  seal(plain: string, context: Record<string, string>): Promise<string>;
  open(sealed: string, context: Record<string, string>): Promise<string>;
}

/** The part of the KMS client the box uses (the stack's box wraps @aws-sdk/client-kms; see kmsSecretBox.ts). */
export interface KmsLike {
  encrypt(plain: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
  decrypt(sealed: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

const additionalData = (context: Record<string, string>) =>
  Buffer.from(
    JSON.stringify(
      Object.keys(context)
        .sort()
        .map((k) => [k, context[k]]),
    ),
  );

/** AES-256-GCM under `key` (32 bytes): `aes:{iv}.{tag}.{ciphertext}`, base64url each. */
export function aesSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("the webhook secrets key must be 32 bytes");
  return {
    async seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(additionalData(context));
      const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `aes:${[iv, cipher.getAuthTag(), sealed].map((b) => b.toString("base64url")).join(".")}`;
    },
    async open(sealed, context) {
      const [iv, tag, data] = (sealed.startsWith("aes:") ? sealed.slice(4) : "").split(".");
      if (!iv || !tag || data === undefined) throw new Error("not a locally sealed webhook secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(additionalData(context));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/** KMS envelope-free encryption (a secret is 32 bytes, far under KMS's 4 KB): `kms:{ciphertext blob base64}`. */
export function kmsSecretBox(kms: KmsLike): SecretBox {
  return {
    async seal(plain, context) {
      return `kms:${Buffer.from(await kms.encrypt(Buffer.from(plain, "utf8"), context)).toString("base64")}`;
    },
    async open(sealed, context) {
      if (!sealed.startsWith("kms:")) throw new Error("not a KMS-sealed webhook secret");
      return Buffer.from(await kms.decrypt(Buffer.from(sealed.slice(4), "base64"), context)).toString("utf8");
    },
  };
}

/** The local key: `WEBHOOK_SECRETS_KEY` (base64 of 32 bytes), else derived from a fixed phrase. */
export function localSecretsKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const configured = env.WEBHOOK_SECRETS_KEY;
  if (configured) return Buffer.from(configured, "base64");
  return createHash("sha256").update("engagement-insights local webhook secrets").digest();
}
