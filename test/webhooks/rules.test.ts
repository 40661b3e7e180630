import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { isAllowedAddress, isLoopbackAddress } from "../../lib/webhooks/addresses.js";
import {
  MAX_DELIVERY_ATTEMPTS,
  RETRY_DELAYS_SECONDS,
  retryDelaySeconds,
  signedHeaders,
} from "../../lib/webhooks/deliver.js";
import { deliveryId } from "../../lib/webhooks/dispatch.js";
import { checkedAddress, postToReceiver, RefusedAddressError } from "../../lib/webhooks/receiverRequest.js";
import { aesSecretBox, kmsSecretBox } from "../../lib/webhooks/secretBox.js";
import {
  newWebhookSecret,
  parseReportList,
  parseReportName,
  validateWebhookUrl,
  WebhookInputError,
} from "../../lib/webhooks/subscriptions.js";
import { startReceiver } from "./receiver.js";

describe("addresses a delivery may reach (SSRF)", () => {
  it.each([
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.5",
    "198.18.0.1",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",
    "2002:a00:1::1",
    "2001:db8::1",
    "not an address",
  ])("refuses %s", (address) => {
    expect(isAllowedAddress(address)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "93.184.216.34",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
  ])("allows public %s", (address) => {
    expect(isAllowedAddress(address)).toBe(true);
  });

  it("allows loopback only when asked (locally), and nothing else private", () => {
    expect(isAllowedAddress("127.0.0.1", { allowLoopback: true })).toBe(true);
    expect(isAllowedAddress("::1", { allowLoopback: true })).toBe(true);
    expect(isAllowedAddress("10.0.0.1", { allowLoopback: true })).toBe(false);
    expect(isAllowedAddress("169.254.169.254", { allowLoopback: true })).toBe(false);
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("10.0.0.1")).toBe(false);
  });

  it("checks every address a host resolves to before connecting", async () => {
    await expect(checkedAddress("127.0.0.1", false)).rejects.toBeInstanceOf(RefusedAddressError);
    await expect(checkedAddress("localhost", false)).rejects.toBeInstanceOf(RefusedAddressError);
    await expect(checkedAddress("169.254.169.254", true)).rejects.toBeInstanceOf(RefusedAddressError);
    expect(await checkedAddress("127.0.0.1", true)).toEqual({ address: "127.0.0.1", family: 4 });
    expect(await checkedAddress("8.8.8.8", false)).toEqual({ address: "8.8.8.8", family: 4 });
  });
});

describe("a request to a receiver", () => {
  it("connects to the address it checked (a host name resolved once, pinned), and refuses one it may not reach", async () => {
    const receiver = await startReceiver(3117);
    try {
      // Unsigned: the receiver answers 401, which proves the request reached it through the pinned lookup.
      const status = await postToReceiver(receiver.url.replace("127.0.0.1", "localhost"), {}, "{}", {
        allowLoopback: true,
        timeoutMs: 5_000,
      });
      expect(status).toBe(401);
      expect(receiver.received).toHaveLength(1);
      await expect(
        postToReceiver("https://localhost:3117/hooks", {}, "{}", { allowLoopback: false, timeoutMs: 5_000 }),
      ).rejects.toBeInstanceOf(RefusedAddressError);
      await expect(postToReceiver(receiver.url, {}, "{}", { allowLoopback: false, timeoutMs: 5_000 })).rejects.toThrow(
        /over https/,
      );
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe("webhook URLs and report names", () => {
  it("takes https, and http only to a loopback host locally", () => {
    expect(validateWebhookUrl("https://hooks.example.com/in", { deployed: true })).toBe("https://hooks.example.com/in");
    expect(validateWebhookUrl("http://127.0.0.1:3111/x", { deployed: false })).toBe("http://127.0.0.1:3111/x");
    expect(validateWebhookUrl("http://localhost:3111/x", { deployed: false })).toBe("http://localhost:3111/x");
    expect(validateWebhookUrl("http://[::1]:3111/x", { deployed: false })).toBe("http://[::1]:3111/x");
    const refused: [string, boolean, RegExp][] = [
      ["http://hooks.example.com/in", false, /must be https/],
      ["http://127.0.0.1:3111/x", true, /must be https/],
      ["ftp://hooks.example.com/", false, /must be https/],
      ["https://10.0.0.5/in", true, /private/],
      ["https://169.254.169.254/latest", false, /private/],
      ["https://localhost/in", true, /private/],
      ["https://[fd00::1]/in", true, /private/],
      ["https://user:pw@hooks.example.com/", true, /user name or password/],
      ["not a url", true, /not a URL/],
    ];
    for (const [url, deployed, message] of refused) {
      expect(() => validateWebhookUrl(url, { deployed }), url).toThrow(message);
    }
  });

  it("names report × intervals as user_report.churn.7 and refuses unknown ones clearly", () => {
    expect(parseReportName("user_report.churn.7")).toEqual({ report: "user_report/churn", interval: "7" });
    expect(parseReportName("org_report.reengagement.Weekly")).toEqual({
      report: "org_report/reengagement",
      interval: "Weekly",
    });
    expect(parseReportList("user_report.churn.7, org_report.attrition.30,user_report.churn.7")).toEqual([
      "user_report.churn.7",
      "org_report.attrition.30",
    ]);
    expect(() => parseReportName("user_report.churn.8")).toThrow(/user_report.churn has intervals 7, 14, 30/);
    expect(() => parseReportName("user_report.churn")).toThrow(/takes an interval, one of 7, 14, 30/);
    expect(() => parseReportName("user_report.nope.7")).toThrow(/unknown report "user_report.nope.7"/);
    expect(() => parseReportList(" , ")).toThrow(WebhookInputError);
  });
});

describe("secrets and signatures", () => {
  it("makes Standard Webhooks secrets and signs so that the standardwebhooks package verifies", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const job = { delivery_id: "msg_abc", payload: JSON.stringify({ type: "report.entered", rows: [] }) };
    const headers = signedHeaders(secret, job, new Date());
    expect(new Webhook(secret).verify(job.payload, headers)).toEqual({ type: "report.entered", rows: [] });
    expect(() => new Webhook(newWebhookSecret()).verify(job.payload, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${job.payload} `, headers)).toThrow();
  });

  it("seals secrets bound to their webhook: another context or key does not open them", async () => {
    const box = aesSecretBox(Buffer.alloc(32, 7));
    const context = { environment_id: "env_1", webhook_id: "wh_1" };
    const sealed = await box.seal("whsec_secret", context);
    expect(sealed).not.toContain("whsec_secret");
    expect(await box.open(sealed, context)).toBe("whsec_secret");
    await expect(box.open(sealed, { ...context, webhook_id: "wh_2" })).rejects.toThrow();
    await expect(aesSecretBox(Buffer.alloc(32, 8)).open(sealed, context)).rejects.toThrow();
  });

  it("hands KMS the secret with its encryption context", async () => {
    const calls: Record<string, string>[] = [];
    const box = kmsSecretBox({
      encrypt: async (plain, context) => {
        calls.push(context);
        return Buffer.from(plain).reverse();
      },
      decrypt: async (sealed, context) => {
        calls.push(context);
        return Buffer.from(sealed).reverse();
      },
    });
    const context = { environment_id: "env_1", webhook_id: "wh_1" };
    const sealed = await box.seal("whsec_x", context);
    expect(sealed.startsWith("kms:")).toBe(true);
    expect(await box.open(sealed, context)).toBe("whsec_x");
    expect(calls).toEqual([context, context]);
    await expect(box.open("aes:x.y.z", context)).rejects.toThrow(/not a KMS-sealed/);
  });
});

describe("retries", () => {
  it("back off over more than 24 h before the last attempt, then dead-letter", () => {
    const span = RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0);
    expect(span).toBeGreaterThanOrEqual(24 * 3600);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(RETRY_DELAYS_SECONDS.length + 1);
    expect(retryDelaySeconds(1)).toBe(5);
    expect(retryDelaySeconds(MAX_DELIVERY_ATTEMPTS)).toBeUndefined();
    for (let n = 2; n < MAX_DELIVERY_ATTEMPTS; n++)
      expect(retryDelaySeconds(n) as number).toBeGreaterThanOrEqual(retryDelaySeconds(n - 1) as number);
    // SQS's largest visibility timeout is 12 h.
    expect(Math.max(...RETRY_DELAYS_SECONDS)).toBeLessThanOrEqual(12 * 3600);
  });

  it("gives a delivery an id that depends only on what it delivers", () => {
    expect(deliveryId("wh_1", "r1", "user_report/churn#7", 0)).toBe(deliveryId("wh_1", "r1", "user_report/churn#7", 0));
    const ids = new Set([
      deliveryId("wh_1", "r1", "user_report/churn#7", 0),
      deliveryId("wh_1", "r1", "user_report/churn#7", 1),
      deliveryId("wh_2", "r1", "user_report/churn#7", 0),
      deliveryId("wh_1", "r2", "user_report/churn#7", 0),
      deliveryId("wh_1", "r1", "user_report/churn#14", 0),
    ]);
    expect(ids.size).toBe(5);
  });
});
