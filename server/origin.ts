import type { Context } from 'hono';

export interface OriginOptions {
  /** The address users reach the server at (PUBLIC_URL): decides alone when set. */
  publicUrl?: string | undefined;
  /** Whether a reverse proxy in front sets X-Forwarded-Proto/-Host or Forwarded (TRUST_PROXY). */
  trustProxy?: boolean | undefined;
}

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** The first value of a header a chain of proxies may have appended to, comma-separated. */
const first = (value: string | undefined) => value?.split(',')[0]?.trim();

/**
 * proto and host of the first element of an RFC 7239 Forwarded header, e.g.
 * `Forwarded: for=192.0.2.60;proto=https;host=ozg.example.org`.
 */
function forwarded(header: string | undefined): { proto?: string; host?: string } {
  const element = first(header);
  if (!element) return {};
  const pairs = element.split(';').map((pair) => pair.split('=', 2).map((part) => part.trim()));
  const value = (name: string) => pairs.find(([key]) => key?.toLowerCase() === name)?.[1]?.replace(/^"(.*)"$/, '$1');
  return { proto: value('proto'), host: value('host') };
}

/**
 * The origin the caller reached the server at, as written into workbooks (the binding's server)
 * and links. Behind a TLS-terminating proxy the request arrives as http://; the configured public
 * address, or with TRUST_PROXY the proxy's headers, say what the client used. Forwarded headers are
 * only read when trusted: anyone can send them to a server that is reachable directly.
 */
export function requestOrigin(c: Context, { publicUrl, trustProxy }: OriginOptions): string {
  if (publicUrl) return publicUrl;
  const direct = new URL(c.req.url);
  if (!trustProxy) return direct.origin;
  const standard = forwarded(c.req.header('forwarded'));
  const proto = (standard.proto ?? first(c.req.header('x-forwarded-proto')))?.toLowerCase();
  const host = standard.host ?? first(c.req.header('x-forwarded-host')) ?? c.req.header('host');
  const scheme = proto === 'https' || proto === 'http' ? proto : direct.protocol.slice(0, -1);
  return host && HOST.test(host) ? new URL(`${scheme}://${host}`).origin : `${scheme}://${direct.host}`;
}
