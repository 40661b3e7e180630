import { afterEach, describe, expect, it } from "vitest";
import {
  allowedOriginsFromEnv,
  corsHeaders,
  isPreflight,
  parseAllowedOrigins,
  preflightHeaders,
  withCorsHeaders,
} from "../../lib/http/cors.js";

/** The CORS rules as pure functions: which origin gets which Access-Control-* headers (lib/http/cors.ts). */

const APP = "https://app.example.com";
const LOCAL = "http://localhost:5173";
const allowed = [APP, LOCAL];

describe("allowed origins", () => {
  const previous = process.env.ALLOWED_ORIGINS;
  afterEach(() => {
    if (previous === undefined) delete process.env.ALLOWED_ORIGINS;
    else process.env.ALLOWED_ORIGINS = previous;
  });

  it("are a comma-separated list of scheme://host[:port]; none by default", () => {
    expect(parseAllowedOrigins(undefined)).toEqual([]);
    expect(parseAllowedOrigins("")).toEqual([]);
    expect(parseAllowedOrigins(` ${APP} , ${LOCAL},`)).toEqual(allowed);
    for (const bad of [
      "*",
      "https://app.example.com/",
      "app.example.com",
      "ftp://x.example",
      "https://a.example/path",
    ]) {
      expect(() => parseAllowedOrigins(bad), bad).toThrow(/scheme:\/\/host/);
    }
  });

  it("are read from ALLOWED_ORIGINS, again when it changes", () => {
    process.env.ALLOWED_ORIGINS = APP;
    expect(allowedOriginsFromEnv()).toEqual([APP]);
    process.env.ALLOWED_ORIGINS = `${APP},${LOCAL}`;
    expect(allowedOriginsFromEnv()).toEqual(allowed);
    delete process.env.ALLOWED_ORIGINS;
    expect(allowedOriginsFromEnv()).toEqual([]);
  });
});

describe("headers", () => {
  it("name a listed origin (any case) and expose x-request-id and Retry-After; nothing for another origin", () => {
    expect(corsHeaders(LOCAL, allowed)).toEqual({
      "access-control-allow-origin": LOCAL,
      "access-control-expose-headers": "x-request-id, retry-after",
      vary: "Origin",
    });
    expect(corsHeaders("HTTPS://APP.EXAMPLE.COM", allowed)["access-control-allow-origin"]).toBe(
      "HTTPS://APP.EXAMPLE.COM",
    );
    expect(corsHeaders("https://evil.example", allowed)).toEqual({ vary: "Origin" });
    expect(corsHeaders(undefined, allowed)).toEqual({ vary: "Origin" });
    // No list: same-origin only, answers as before.
    expect(corsHeaders(APP, [])).toEqual({});
  });

  it("answer a listed origin's preflight with the credential headers and methods", () => {
    expect(preflightHeaders(APP, allowed)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers":
        "authorization, content-type, environment-id, x-user-id, x-auth-token, x-request-id",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(preflightHeaders("https://evil.example", allowed)).toEqual({ vary: "Origin" });
    expect(preflightHeaders(APP, [])).toEqual({});
  });

  it("join a Vary already set (compressed answers vary on Accept-Encoding)", () => {
    expect(withCorsHeaders({ Vary: "Accept-Encoding", "x-request-id": "r" }, APP, allowed)).toEqual({
      "x-request-id": "r",
      vary: "Accept-Encoding, Origin",
      "access-control-allow-origin": APP,
      "access-control-expose-headers": "x-request-id, retry-after",
    });
    expect(withCorsHeaders({ "x-request-id": "r" }, APP, [])).toEqual({ "x-request-id": "r" });
  });

  it("tell a preflight from an OPTIONS request", () => {
    expect(isPreflight("OPTIONS", { origin: APP, "access-control-request-method": "POST" })).toBe(true);
    expect(isPreflight("OPTIONS", { origin: APP })).toBe(false);
    expect(isPreflight("GET", { origin: APP, "access-control-request-method": "GET" })).toBe(false);
  });
});
