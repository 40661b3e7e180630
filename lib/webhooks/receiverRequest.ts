import { lookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isAllowedAddress } from "./addresses.js";

/**
 * One POST to a webhook receiver, safe to make from inside the stack: the host is resolved once, every address it
 * resolves to must be one a delivery may reach (addresses.ts: no private, loopback, link-local, CGNAT, multicast,
 * ULA…), and the connection is pinned to the address checked (the request's `lookup` answers with it), so a DNS
 * answer that changes between the check and the connect (DNS rebinding) cannot redirect it. TLS still verifies the
 * certificate against the host name. Redirects are not followed (a 3xx is a failed delivery). The whole exchange
 * has one deadline: a receiver that never answers costs its own delivery `timeoutMs`, nothing more.
 */

export class RefusedAddressError extends Error {
  constructor(host: string, address: string) {
    super(`refused: ${host} resolves to ${address}, a private, loopback or reserved address`);
    this.name = "RefusedAddressError";
  }
}

export interface ReceiverRequestOptions {
  /** Locally (`npm start`, tests) a receiver on this machine is allowed: http, loopback. */
  allowLoopback: boolean;
  timeoutMs: number;
}

/**
 * The address to connect to: the host's first (IPv4 first: a Lambda outside a VPC has IPv4 egress only), once every
 * address it resolves to is allowed.
 */
export async function checkedAddress(
  host: string,
  allowLoopback: boolean,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host);
  const found =
    literal !== 0 ? [{ address: host, family: literal }] : await lookup(host, { all: true, verbatim: false });
  const bad = found.find((a) => !isAllowedAddress(a.address, { allowLoopback }));
  if (bad) throw new RefusedAddressError(host, bad.address);
  const first = found[0];
  if (!first) throw new Error(`${host} resolves to no address`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** POSTs `body`; resolves to the status (its body is read and dropped), rejects on refusal, network error, timeout. */
export async function postToReceiver(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  options: ReceiverRequestOptions,
): Promise<number> {
  const url = new URL(rawUrl);
  if (url.protocol !== "https:" && !(options.allowLoopback && url.protocol === "http:"))
    throw new Error(`refused: ${url.protocol} (a webhook is delivered over https)`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const pinned = await checkedAddress(host, options.allowLoopback);
  const pinnedLookup = ((_name: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
