import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { seededRandom } from "../../lib/demo/random.js";

/**
 * A fault layer in front of DynamoDB Local, at the HTTP level, for what DynamoDB Local never does (it serializes
 * everything): throttles, transactions cancelled by conflicts, batches answered with unprocessed items, and replies
 * lost after the write applied. The SDK and the code under test see real DynamoDB error answers, so their retry
 * paths are the ones that run on AWS; the query logic stays DynamoDB Local's.
 *
 * | fault       | what the client gets                                                        | applied? |
 * |-------------|-----------------------------------------------------------------------------|----------|
 * | throttle    | 400 ThrottlingException                                                      | no       |
 * | conflict    | 400 TransactionCanceledException, every reason TransactionConflict (Transact*) | no     |
 * | unprocessed | 200 with every request item unprocessed (BatchWriteItem, BatchGetItem)        | no       |
 * | lostReply   | 500 InternalServerError after DynamoDB Local answered                         | yes      |
 */
export type Fault = "throttle" | "conflict" | "unprocessed" | "lostReply";

/** The operation (`X-Amz-Target` without its prefix) and the parsed request body of a call. */
export interface Call {
  operation: string;
  body: Record<string, unknown>;
}

/** Chooses a call's fault, or none. */
export type FaultPlan = (call: Call) => Fault | undefined;

export interface FaultProxy {
  endpoint: string;
  /** Calls seen, and faults injected, by kind. */
  counts: { calls: number } & Partial<Record<Fault, number>>;
  setPlan(plan: FaultPlan): void;
  close(): Promise<void>;
}

const JSON_TYPE = "application/x-amz-json-1.0";

function errorBody(type: string, message: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, Message: message, ...extra });
}

/** The fault as the answer DynamoDB would give, or undefined when the fault doesn't apply to the operation. */
function faultAnswer(fault: Fault, call: Call): { status: number; body: string } | undefined {
  switch (fault) {
    case "throttle":
      return {
        status: 400,
        body: errorBody("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
      };
    case "conflict": {
      if (!call.operation.startsWith("Transact")) return undefined;
      const items = (call.body.TransactItems as unknown[] | undefined) ?? [];
      const reasons = items.map(() => ({
        Code: "TransactionConflict",
        Message: "Transaction is ongoing for the item",
      }));
      const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`;
      return {
        status: 400,
        body: errorBody("TransactionCanceledException", message, { CancellationReasons: reasons }),
      };
    }
    case "unprocessed":
      if (call.operation === "BatchWriteItem") {
        return { status: 200, body: JSON.stringify({ UnprocessedItems: call.body.RequestItems ?? {} }) };
      }
      if (call.operation === "BatchGetItem") {
        const requestItems = (call.body.RequestItems ?? {}) as Record<string, unknown>;
        const responses = Object.fromEntries(Object.keys(requestItems).map((table) => [table, []]));
        return { status: 200, body: JSON.stringify({ Responses: responses, UnprocessedKeys: requestItems }) };
      }
      return undefined;
    case "lostReply":
      return undefined; // forwarded first: see below
  }
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": JSON_TYPE, "x-amzn-requestid": "fault-proxy" });
  res.end(body);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts a proxy on a free loopback port forwarding to `target` (DynamoDB Local's endpoint). */
export async function startFaultProxy(target: string, plan: FaultPlan = () => undefined): Promise<FaultProxy> {
  const upstream = new URL(target);
  let current = plan;
  const counts: FaultProxy["counts"] = { calls: 0 };

  const forward = (req: IncomingMessage, raw: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }>((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          readAll(res).then((body) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body }), reject);
        },
      );
      out.on("error", reject);
      out.end(raw);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readAll(req);
      const target = String(req.headers["x-amz-target"] ?? "");
      const call: Call = {
        operation: target.split(".").pop() ?? "",
        body: raw.length ? JSON.parse(raw.toString()) : {},
      };
      counts.calls++;
      const fault = current(call);
      const answer = fault ? faultAnswer(fault, call) : undefined;
      if (fault && answer) {
        counts[fault] = (counts[fault] ?? 0) + 1;
        return send(res, answer.status, answer.body);
      }
      const reply = await forward(req, raw);
      if (fault === "lostReply") {
        counts.lostReply = (counts.lostReply ?? 0) + 1;
        return send(res, 500, errorBody("InternalServerError", "Internal server error"));
      }
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    })().catch((error: Error) => {
      if (!res.headersSent) send(res, 500, errorBody("InternalServerError", error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setPlan: (next) => {
      current = next;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Whether `fault` can happen to an operation: conflicts to transactions, unprocessed items to batches. */
export function faultApplies(fault: Fault, operation: string): boolean {
  if (fault === "conflict") return operation.startsWith("Transact");
  if (fault === "unprocessed") return operation === "BatchWriteItem" || operation === "BatchGetItem";
  return true;
}

/**
 * A plan that faults exactly one call: the `nth` (1-based) of the calls `fault` applies to, and its resends (the same
 * operation and body: the SDK's retries, or the caller's retry of unprocessed items) until `times` faults were
 * injected in all. `times` = 1 is a transient fault the SDK or the caller retries past; `times` = the SDK's attempts
 * makes the call fail for good (for `lostReply`, after it applied, and every resend forwarded too).
 */
export function failNth(nth: number, fault: Fault, times = 1): FaultPlan {
  let seen = 0;
  let faulted = 0;
  let target: string | undefined;
  return (call) => {
    if (!faultApplies(fault, call.operation)) return undefined;
    const key = `${call.operation} ${JSON.stringify(call.body)}`;
    if (target === undefined && ++seen === nth) target = key;
    if (key !== target || faulted >= times) return undefined;
    faulted++;
    return fault;
  };
}

/**
 * A plan that faults a share of calls, reproducibly: a seeded generator decides each call; `kinds` are tried in
 * order and the first that applies to the operation is used.
 */
export function randomFaults(rate: number, kinds: Fault[], seed = 1): FaultPlan {
  const { next } = seededRandom(seed);
  return (call) => {
    if (next() >= rate) return undefined;
    const usable = kinds.filter((kind) => faultApplies(kind, call.operation));
    if (usable.length === 0) return undefined;
    return usable[Math.floor(next() * usable.length)];
  };
}
