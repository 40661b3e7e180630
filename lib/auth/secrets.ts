import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Secrets look like `{prefix}_{id}_{secret}`: the id (not secret) finds the stored item with one GetItem, the
 * SHA-256 of the whole string is what is stored and compared. 32 random bytes = 256 bits of secret.
 */
export function newSecret(prefix: string): { id: string; secret: string } {
  const id = randomBytes(9).toString("base64url");
  return { id, secret: `${prefix}_${id}_${randomBytes(32).toString("base64url")}` };
}

/** The id part of a presented secret, or undefined when it is not of our shape. */
export function secretId(prefix: string, presented: string): string | undefined {
  const match = new RegExp(`^${prefix}_([A-Za-z0-9_-]{12})_[A-Za-z0-9_-]{43}$`).exec(presented);
  return match?.[1];
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret with a stored SHA-256 (hex). */
export function secretMatches(presented: string, storedSha256: string): boolean {
  const a = Buffer.from(sha256(presented), "hex");
  const b = Buffer.from(storedSha256, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}
