import { apiError, NetworkError } from "./errors.js";
import { parseRetryAfter } from "./retryAfter.js";

/** One HTTP exchange with the service: JSON in and out, a timeout, and typed errors for anything but 2xx. */

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  apiUrl: string;
  fetch: FetchLike;
  timeout: number;
}

export interface RequestOptions {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: string;
  /** Aborts the request (e.g. on shutdown); the timeout aborts it too. */
  signal?: AbortSignal;
}

export function urlOf(apiUrl: string, path: string, query: RequestOptions["query"] = {}): string {
  const url = new URL(path.replace(/^\//, ""), apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url.toString();
}

/**
 * Runs `send` under the transport's timeout and the caller's `signal`, a failure as a NetworkError. The timeout covers
 * what `send` awaits; with `keepListening` the caller's signal still aborts afterwards (a body being streamed).
 */
async function withTimeout<T>(
  transport: Transport,
  signal: AbortSignal | undefined,
  send: (signal: AbortSignal) => Promise<T>,
  keepListening = false,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, transport.timeout);
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort);
  let sent = false;
  try {
    const value = await send(controller.signal);
    sent = true;
    return value;
  } catch (error) {
    const message = timedOut
      ? `no answer within ${transport.timeout} ms`
      : `request failed: ${(error as Error).message}`;
    throw new NetworkError(message, timedOut, { cause: error });
  } finally {
    clearTimeout(timer);
    if (!(keepListening && sent)) signal?.removeEventListener("abort", onAbort);
  }
}

/** A body as JSON, or as its text when it isn't JSON (e.g. a proxy's error page); undefined when empty. */
function parsedBody(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

/** The typed error of a non-2xx answer, with its request id and `Retry-After`. */
function answerError(response: Response, text: string) {
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  return apiError(response.status, parsedBody(text), response.headers.get("x-request-id") ?? undefined, retryAfter);
}

export async function request<T>(transport: Transport, path: string, options: RequestOptions = {}): Promise<T> {
  const { response, text } = await withTimeout(transport, options.signal, async (signal) => {
    const response = await transport.fetch(urlOf(transport.apiUrl, path, options.query), {
      method: options.method ?? "GET",
      headers: {
        accept: "application/json",
        ...(options.body ? { "content-type": "application/json" } : {}),
        ...options.headers,
      },
      body: options.body,
      signal,
    });
    return { response, text: await response.text() };
  });
  if (!response.ok) throw answerError(response, text);
  return parsedBody(text) as T;
}

/**
 * A request whose answer is read as a stream (a CSV download): the timeout covers the wait for the status and headers
 * only, since a long body keeps coming for as long as it takes. A non-2xx answer is read whole and thrown typed.
 */
export async function requestStream(
  transport: Transport,
  path: string,
  options: RequestOptions & { accept: string },
): Promise<Response> {
  const response = await withTimeout(
    transport,
    options.signal,
    (signal) =>
      transport.fetch(urlOf(transport.apiUrl, path, options.query), {
        method: "GET",
        headers: { accept: options.accept, ...options.headers },
        signal,
      }),
    true,
  );
  if (!response.ok) throw answerError(response, await response.text());
  return response;
}

/** How long to wait before retry `attempt` (0-based): full jitter under an exponential cap. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * The wait before retry `attempt` after `error`: at least the server's `Retry-After` when it sent one (clients that
 * all retry the moment it ends would collide again, so the jittered backoff is added on top), else the backoff alone.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, retryAfterSeconds?: number): number {
  const backoff = backoffDelay(attempt, baseMs, maxMs);
  return retryAfterSeconds === undefined ? backoff : retryAfterSeconds * 1000 + backoff;
}
