import { createEnvironment } from "../../lib/auth/credentials.js";
import { matchPath } from "../../lib/routes.js";
import type { Store } from "../../lib/storage/client.js";
import { type LocalServerOptions, type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { assertConformsToOpenApi } from "../../test/helpers/openapiConformance.js";
import { testStore } from "../../test/helpers/store.js";
import type { FetchLike } from "../src/index.js";

/**
 * The real service for the SDK tests: the local HTTP server (every route through its Lambda handler) on this test
 * file's own tables in the run's DynamoDB Local, and a fresh environment with an API key of both permissions.
 */
export interface LocalService {
  url: string;
  store: Store;
  environmentId: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startLocalService(
  serverOptions: (store: Store) => LocalServerOptions = () => ({}),
): Promise<LocalService> {
  const store = await testStore();
  const server: RunningServer = await startLocalServer(0, serverOptions(store));
  const { environment_id, api_key } = await createEnvironment(store, "sdk tests");
  return { url: server.url, store, environmentId: environment_id, apiKey: api_key, close: () => server.close() };
}

/** The global fetch, every answer of the server checked against the OpenAPI document (like the API tests'). */
export const conformingFetch: FetchLike = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(input);
  const match = matchPath(url.pathname);
  if (match) {
    const text = await response.clone().text();
    const contentType = response.headers.get("content-type") ?? undefined;
    assertConformsToOpenApi({
      method: init.method ?? "GET",
      resource: match.resource,
      status: response.status,
      contentType,
      body: contentType?.startsWith("application/json") ? JSON.parse(text) : text,
    });
  }
  return response;
};
