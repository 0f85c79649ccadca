/**
 * Where webhooks may be sent: http(s) URLs only, and, unless
 * WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on, never to loopback, private,
 * link-local or other non-public addresses, so that an endpoint cannot make
 * the server call into the network it runs in (SSRF). Checked when an
 * endpoint is registered, and again at every attempt, on the very addresses
 * the connection then uses: a name that resolved to a public address at
 * registration may resolve to 127.0.0.1 later.
 */
import { lookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const MAX_URL_LENGTH = 2048;

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is one webhooks must not reach. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, 'ipv6');
}

/** Why `input` cannot be an endpoint's URL, or undefined when it can (before its name is resolved). */
export function urlProblem(input: string, allowPrivate: boolean): string | undefined {
  if (input.length > MAX_URL_LENGTH) return `The URL is longer than ${MAX_URL_LENGTH} characters.`;
  if (!URL.canParse(input)) return 'The URL is not a valid absolute URL.';
  const url = new URL(input);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must start with https:// or http://.';
  if (url.username !== '' || url.password !== '') return 'The URL must not carry a user name or password.';
  if (url.hash !== '') return 'The URL must not have a #fragment.';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host))))
    return 'The URL points to a loopback, private or link-local address.';
  return undefined;
}

/** Resolves `url`'s host; why it is refused, or undefined when every address it has is allowed. */
export async function resolvedProblem(url: string, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? 'The URL points to a private address.' : undefined;
  const addresses = await new Promise<string[] | Error>((resolve) =>
    lookup(host, { all: true }, (error, found) => resolve(error ?? found.map((entry) => entry.address))),
  );
  if (addresses instanceof Error) return `The URL's host "${host}" does not resolve.`;
  return addresses.some(isPrivateAddress) ? 'The URL points to a loopback, private or link-local address.' : undefined;
}

/**
 * The `lookup` a delivery's connection uses: node's, refusing the connection
 * when any address the name has is not allowed. The check and the connection
 * use the same answer, so DNS cannot change in between.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      const [first] = addresses;
      if (error) {
        callback(error, '', 0);
      } else if (!allowPrivate && addresses.some((entry) => isPrivateAddress(entry.address))) {
        const failure: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private address`);
        failure.code = 'EPRIVATEADDRESS';
        callback(failure, '', 0);
      } else if (options.all) {
        callback(null, addresses);
      } else if (first) {
        callback(null, first.address, first.family);
      } else {
        callback(new Error(`${hostname} has no address`), '', 0);
      }
    });
  };
}
