import { BlockList, isIP } from "node:net";

/**
 * Which network addresses a webhook delivery may connect to (SSRF, issue 19): the stack's delivery worker runs
 * inside AWS, where a URL naming a private, loopback, link-local (the instance metadata service at
 * 169.254.169.254), shared (CGNAT), multicast, documentation or reserved address would reach something that is
 * not the subscriber's receiver. Only public unicast addresses are allowed there; locally (`npm start`, tests)
 * loopback is allowed too, since the receiver runs on the same machine.
 */

const refused = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (instance metadata)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
] as const)
  refused.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b::", 96], // NAT64: reaches an IPv4 address through a translator
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4: embeds an IPv4 address
  ["fc00::", 7], // unique local (ULA)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const)
  refused.addSubnet(net, prefix, "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d` or `::ffff:xxxx:xxxx`) stands for. */
function unmapped(address: string): string {
  const match = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return address;
  if (match[1]) return match[1];
  const hi = Number.parseInt(match[2] as string, 16);
  const lo = Number.parseInt(match[3] as string, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

function family(address: string): "ipv4" | "ipv6" | undefined {
  const version = isIP(address);
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined;
}

/** Whether `address` (an IP literal) is a loopback address (IPv4-mapped ones included). */
export function isLoopbackAddress(address: string): boolean {
  const plain = unmapped(address);
  const kind = family(plain);
  return kind !== undefined && loopback.check(plain, kind);
}

/** Whether a delivery may connect to `address` (an IP literal): public unicast only, plus loopback if allowed. */
export function isAllowedAddress(address: string, options: { allowLoopback?: boolean } = {}): boolean {
  const plain = unmapped(address);
  const kind = family(plain);
  if (kind === undefined) return false;
  if (options.allowLoopback && loopback.check(plain, kind)) return true;
  return !refused.check(plain, kind);
}
