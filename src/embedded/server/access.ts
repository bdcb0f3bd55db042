// Who may use the server. Any local process, and any web page the user has open, can send
// requests to a port on 127.0.0.1. A page cannot read another origin's answers, but it can
// make the server load and generate; after DNS rebinding (a name of the attacker's that
// resolves to 127.0.0.1) the page is same-origin with whatever that name points at, and reads
// the answers too. So:
// - Host must name this server (its bind address, `localhost` for a loopback or wildcard bind,
//   the machine's addresses for a wildcard bind, or a name given with --allow-host): a
//   rebinding page sends its own name;
// - a browser request must come from the server's own origin (Origin, Sec-Fetch-Site);
// - a POST carries JSON or nothing: text/plain and form bodies are what a page can send
//   across origins without asking first (no CORS preflight);
// - with an API key, every route but the public ones needs `Authorization: Bearer <key>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { HttpError } from './responses.ts';

/** Routes anyone may read, as llama.cpp's server has them: liveness and the model list. */
const PUBLIC_ROUTES = new Set(['/health', '/v1/models']);

export interface AccessPolicy {
  /** Accepted `Host` values, lower-case `name:port` (IPv6 in brackets). */
  hosts: ReadonlySet<string>;
  /** Required as a bearer token when set. */
  apiKey?: string;
}

function hostPort(name: string, port: number): string {
  const bare = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return `${net.isIPv6(bare) ? `[${bare}]` : bare}:${port}`;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || address === '::ffff:127.0.0.1';
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The Host values that name a server bound to `address:port`, plus names the operator allows. */
export function acceptedHosts(address: string, port: number, extraNames: readonly string[] = []): Set<string> {
  const names = [address, ...extraNames];
  if (isLoopback(address) || isWildcard(address)) names.push('localhost', '127.0.0.1', '::1');
  if (isWildcard(address)) {
    for (const entries of Object.values(os.networkInterfaces())) for (const entry of entries ?? []) names.push(entry.address);
  }
  return new Set(names.map((name) => hostPort(name, port)));
}

/** `Host` as `name:port`; a Host without a port names port 80. */
function normalizedHost(header: string): string {
  const text = header.trim().toLowerCase();
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(text);
  if (match === null) return text;
  return `${match[1]}:${match[2] ?? '80'}`;
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

function hasBody(request: http.IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const forbidden = (message: string, code: string) => new HttpError(403, message, 'invalid_request_error', code);

/** Throws the HttpError that refuses `request`, or returns when it may go on. */
export function checkAccess(request: http.IncomingMessage, pathname: string, policy: AccessPolicy): void {
  const host = request.headers.host;
  if (host === undefined || !policy.hosts.has(normalizedHost(host))) {
    throw forbidden(
      `Host ${JSON.stringify(host ?? '')} does not name this server; it answers to ${[...policy.hosts].join(', ')}` +
        ' (start it with --allow-host <name> to be reached under another name)',
      'host_not_allowed',
    );
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw forbidden(`requests from other web sites are refused (Sec-Fetch-Site: ${site})`, 'cross_origin_request');
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, policy.hosts)) {
    throw forbidden(`requests from other origins are refused (Origin: ${origin})`, 'cross_origin_request');
  }
  if (request.method === 'POST') {
    const contentType = request.headers['content-type'];
    if ((contentType !== undefined && mediaType(contentType) !== 'application/json') || (contentType === undefined && hasBody(request))) {
      throw new HttpError(415, `a POST body must be JSON (Content-Type: application/json), got ${contentType ?? 'no Content-Type'}`, 'invalid_request_error', 'unsupported_media_type');
    }
  }
  if (policy.apiKey !== undefined && !PUBLIC_ROUTES.has(pathname)) {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || !sameSecret(token, policy.apiKey)) {
      throw new HttpError(401, 'missing or incorrect API key: send it as Authorization: Bearer <key>', 'invalid_request_error', 'invalid_api_key', null, {
        'WWW-Authenticate': 'Bearer',
      });
    }
  }
}

function isOwnOrigin(origin: string, hosts: ReadonlySet<string>): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hosts.has(normalizedHost(url.host));
  } catch {
    return false; // `null` (sandboxed frames, files) and anything else that is not a URL
  }
}
