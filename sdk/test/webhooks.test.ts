import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { type ReportEnteredEvent, signWebhook, verifyWebhook, WebhookVerificationError } from "../src/index.js";

/** The SDK's own (WebCrypto) check, proved against the `standardwebhooks` package in both directions. */

const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
const event: ReportEnteredEvent = {
  type: "report.entered",
  report: "user_report/churn",
  report_interval: "7",
  report_time: 1763892000,
  previous_report_time: 1763888400,
  rows: [],
};
const body = JSON.stringify(event);

function signed(at: Date, id = "msg_1", key = secret) {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(key).sign(id, at, body),
  };
}

describe("verifyWebhook", () => {
  it("accepts what standardwebhooks signs, from a plain record or Headers", async () => {
    const headers = signed(new Date());
    expect(await verifyWebhook(secret, headers, body)).toEqual(event);
    expect(await verifyWebhook(secret, new Headers(headers), body)).toEqual(event);
    // Several signatures (a rotated secret): any one matching is enough.
    const other = signed(new Date(), "msg_1", `whsec_${Buffer.alloc(32, 1).toString("base64")}`);
    const both = { ...headers, "webhook-signature": `${other["webhook-signature"]} ${headers["webhook-signature"]}` };
    expect(await verifyWebhook(secret, both, body)).toEqual(event);
  });

  it("signs exactly as standardwebhooks does", async () => {
    const at = new Date(1_763_892_000_000);
    expect(await signWebhook(secret, "msg_9", 1_763_892_000, body)).toBe(new Webhook(secret).sign("msg_9", at, body));
  });

  it("refuses a changed body, another secret, another id, a stale or future timestamp, missing headers", async () => {
    const now = new Date();
    const headers = signed(now);
    const refused = async (promise: Promise<unknown>, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect((error as Error).message).toMatch(message);
    };
    await refused(verifyWebhook(secret, headers, `${body} `), /no matching signature/);
    await refused(verifyWebhook(`whsec_${Buffer.alloc(32, 2).toString("base64")}`, headers, body), /no matching/);
    await refused(verifyWebhook(secret, { ...headers, "webhook-id": "msg_2" }, body), /no matching/);
    await refused(verifyWebhook(secret, signed(new Date(now.getTime() - 600_000)), body), /too old/);
    await refused(verifyWebhook(secret, signed(new Date(now.getTime() + 600_000)), body), /too new/);
    await refused(verifyWebhook(secret, { "webhook-id": "msg_1" }, body), /missing/);
  });
});
