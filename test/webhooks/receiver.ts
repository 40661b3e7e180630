import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * A real local webhook receiver for the tests: verifies each request's signature with the `standardwebhooks`
 * package (as a subscriber would) and records it; `fail` answers the first N attempts of each webhook-id with 500,
 * `hang` accepts the request and never answers.
 */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified payload, or undefined when the signature did not verify. */
  payload: unknown;
  status: number | "no answer";
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests that are open (hang). */
  open: number;
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startReceiver(
  port: number,
  behaviour: { fail?: number; hang?: boolean } = {},
): Promise<Receiver> {
  let secret = "";
  const attempts = new Map<string, number>();
  const state: Receiver = {
    url: "",
    received: [],
    open: 0,
    setSecret: (s) => {
      secret = s;
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      let payload: unknown;
      try {
        payload = new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch {
        payload = undefined;
      }
      const id = String(req.headers["webhook-id"]);
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (behaviour.hang) {
        state.open++;
        state.received.push({ headers: req.headers, body, payload, status: "no answer" });
        req.socket.on("close", () => {
          state.open--;
        });
        return;
      }
      const status = payload === undefined ? 401 : n <= (behaviour.fail ?? 0) ? 500 : 204;
      state.received.push({ headers: req.headers, body, payload, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
