import type { Schemas } from "./types.js";

/**
 * Receiving the service's signed webhooks (CONTRACT §12): `verifyWebhook` checks a request per the Standard
 * Webhooks specification and returns its typed payload. The check is the spec's, on the platform's WebCrypto (no
 * dependency, Node 20+ / browsers / edge runtimes): HMAC-SHA256 with the base64 key after `whsec_`, over
 * `{webhook-id}.{webhook-timestamp}.{body}`, compared in constant time with each `v1,` signature of the
 * `webhook-signature` header; a timestamp more than `toleranceSeconds` (default 5 minutes) from now is refused
 * (replays). test/webhooks.test.ts proves it against the `standardwebhooks` package.
 */

/** What a `report.entered` webhook carries (the OpenAPI document's `webhooks` section). */
export type ReportEnteredEvent = Schemas["ReportEnteredEvent"];

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The `v1` signature of `{id}.{timestamp}.{body}` with the secret (`whsec_…` or the bare base64 key). */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const keyBytes = base64ToBytes(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

export interface VerifyOptions {
  /** Largest accepted distance between the signed timestamp and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in ms (tests). */
  now?: number;
}

/**
 * Verifies a delivery and returns its payload; throws WebhookVerificationError when a header is missing, the
 * timestamp is too old or new, or no signature matches. Pass the raw body, as received (not re-serialized JSON).
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string,
  options: VerifyOptions = {},
): Promise<ReportEnteredEvent> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("missing webhook headers");
  const at = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(at)) throw new WebhookVerificationError("invalid timestamp");
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (at < now - tolerance) throw new WebhookVerificationError("message timestamp too old");
  if (at > now + tolerance) throw new WebhookVerificationError("message timestamp too new");
  const expected = (await signWebhook(secret, id, at, body)).slice(3);
  for (const candidate of signatures.split(" ")) {
    const [version, signature] = candidate.split(",", 2);
    if (version === "v1" && signature !== undefined && constantTimeEqual(signature, expected))
      return JSON.parse(body) as ReportEnteredEvent;
  }
  throw new WebhookVerificationError("no matching signature");
}
