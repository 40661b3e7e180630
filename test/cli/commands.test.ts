import { beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_PERMISSION, getEnvironment, verifyApiKey, verifyUserToken } from "../../lib/auth/credentials.js";
import { apiKeyCreate, apiKeyRevoke, environmentCreate, parseNow, userTokenCreate } from "../../lib/cli/commands.js";
import { CliError } from "../../lib/cli/errors.js";
import { parseApiKeyPermissions, parseUserTokenPermissions } from "../../lib/cli/permissions.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

describe("environment create", () => {
  it("creates the environment and an API key with read and ingest", async () => {
    const created = await environmentCreate(store, "acme");
    expect((await getEnvironment(store, created.environment_id))?.name).toBe("acme");
    const principal = await verifyApiKey(store, created.api_key);
    expect(principal?.environmentId).toBe(created.environment_id);
    expect([...(principal?.permissions ?? [])].sort()).toEqual(["ingest", "read"]);
  });

  it("refuses an empty name", async () => {
    await expect(environmentCreate(store, "  ")).rejects.toThrow(CliError);
  });
});

describe("api-key create / revoke", () => {
  it("creates a key with exactly the permissions asked", async () => {
    const { environment_id } = await environmentCreate(store, "keys");
    const created = await apiKeyCreate(store, environment_id, parseApiKeyPermissions("read"));
    expect(created.permissions).toEqual(["read"]);
    expect((await verifyApiKey(store, created.api_key))?.permissions).toEqual(["read"]);
  });

  it("validates permission names", () => {
    expect(parseApiKeyPermissions(" ingest , read,ingest")).toEqual(["ingest", "read"]);
    expect(() => parseApiKeyPermissions("read,write")).toThrow(/unknown permission "write"/);
    expect(() => parseApiKeyPermissions("")).toThrow(CliError);
  });

  it("refuses an unknown environment", async () => {
    await expect(apiKeyCreate(store, "env_nope")).rejects.toThrow(/unknown environment: env_nope/);
  });

  it("revokes a key of the environment and only of that environment", async () => {
    const a = await environmentCreate(store, "a");
    const b = await environmentCreate(store, "b");
    await expect(apiKeyRevoke(store, b.environment_id, a.api_key)).rejects.toThrow(CliError);
    expect(await verifyApiKey(store, a.api_key)).toBeDefined();
    expect(await apiKeyRevoke(store, a.environment_id, a.api_key)).toEqual({ revoked: true });
    expect(await verifyApiKey(store, a.api_key)).toBeUndefined();
    expect(await verifyApiKey(store, b.api_key)).toBeDefined();
  });
});

describe("user-token create", () => {
  it("creates a dashboard token by default", async () => {
    const { environment_id } = await environmentCreate(store, "tokens");
    const token = await userTokenCreate(store, environment_id, "alice");
    expect(token.user_id).toBe("alice");
    const principal = await verifyUserToken(store, "alice", token.auth_token);
    expect(principal).toEqual({ environmentId: environment_id, permissions: [DASHBOARD_PERMISSION] });
    expect(await verifyUserToken(store, "bob", token.auth_token)).toBeUndefined();
  });

  it("takes a permission list, possibly empty", async () => {
    const { environment_id } = await environmentCreate(store, "tokens2");
    const token = await userTokenCreate(store, environment_id, "carol", parseUserTokenPermissions(""));
    expect((await verifyUserToken(store, "carol", token.auth_token))?.permissions).toEqual([]);
    expect(() => parseUserTokenPermissions("ok,bad name")).toThrow(CliError);
    await expect(userTokenCreate(store, "env_nope", "x")).rejects.toThrow(/unknown environment/);
  });
});

describe("--now", () => {
  it("parses ISO instants and refuses anything else", () => {
    expect(parseNow("2026-03-12T16:07:38Z")).toBe(Date.UTC(2026, 2, 12, 16, 7, 38));
    expect(parseNow("2026-03-12T16:07:38.500+01:00")).toBe(Date.UTC(2026, 2, 12, 15, 7, 38, 500));
    expect(() => parseNow("yesterday")).toThrow(CliError);
    expect(() => parseNow("1773330458")).toThrow(CliError);
  });

  it("refuses an instant in the future (its snapshot would stay current over every refresh until then) or before 1970", () => {
    const now = Date.UTC(2026, 11, 6, 3, 0, 0);
    expect(parseNow("2026-12-06T03:00:00Z", now)).toBe(now);
    expect(() => parseNow("2026-12-06T03:00:01Z", now)).toThrow(/must not be in the future/);
    expect(() => parseNow("2027-01-01T00:00:00Z", now)).toThrow(CliError);
    expect(parseNow("1970-01-01T00:00:00Z", now)).toBe(0);
    expect(() => parseNow("1969-12-31T23:59:59Z", now)).toThrow(/before 1970/);
  });
});

describe("adminEndpoint", () => {
  it("uses DYNAMODB_ENDPOINT, else AWS when a deployment is named, else the local server's DynamoDB", async () => {
    const { adminEndpoint } = await import("../../lib/cli/endpoint.js");
    expect(adminEndpoint({ DYNAMODB_ENDPOINT: "http://127.0.0.1:9" })).toBe("http://127.0.0.1:9");
    expect(adminEndpoint({ TABLE_PREFIX: "engagement-insights-prod-" })).toBeUndefined();
    expect(adminEndpoint({ AWS_REGION: "eu-west-1" })).toBeUndefined();
    expect(adminEndpoint({})).toBe("http://127.0.0.1:8000");
    expect(adminEndpoint({ DYNAMODB_PORT: "8123" })).toBe("http://127.0.0.1:8123");
  });
});
