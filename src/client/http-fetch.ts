// The fetch the openai SDK uses to reach the model server: node:http with keep-alive instead of
// Node's built-in fetch (undici). Measured in bench-notes/harness-accuracy.md: built-in fetch
// spends about 1.2 ms of its own between the call and the request reaching the server, its
// first call loads undici (tens of ms, inside the measured interval), and its web-stream body
// adds more per event; node:http is within 0.1 ms of a bare client. Only what the SDK's chat
// requests need is supported: a string body, Headers, an abort signal, a streamed response,
// whose body the chat client can take as a Node stream (takeNodeBody). The Response makes its
// WHATWG parts only when they are read (lazy-response.ts).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { LazyResponse } from './lazy-response.ts';

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The connection broke after the response started: the stream ends with this error. */
export class ConnectionLostError extends Error {
  constructor(cause: unknown) {
    super(`connection lost: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ConnectionLostError';
  }
}

/** The response body grew past the caller's limit: the rest was not read. */
export class ReplyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the reply is larger than ${limitBytes} bytes`);
    this.name = 'ReplyTooLargeError';
  }
}

/** What fetch rejects with on abort; the SDK recognises it by its name. */
function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

function decoded(response: http.IncomingMessage): Readable {
  switch (response.headers['content-encoding']) {
    case 'gzip':
      return response.pipe(zlib.createGunzip());
    case 'deflate':
      return response.pipe(zlib.createInflate());
    case 'br':
      return response.pipe(zlib.createBrotliDecompress());
    default:
      return response;
  }
}

/**
 * The body of a response, readable either way but only one of them: as the web stream the
 * Response carries (what the SDK reads, e.g. an error's JSON), or as the Node stream underneath
 * (what the chat client reads an event stream from, without a web-stream hop per event).
 */
interface SharedBody {
  response: http.IncomingMessage;
  /** Decoded (gzip, deflate, br). */
  stream: Readable;
  /**
   * The most bytes the body may have, decoded: a server can send without end, and everything a
   * reply holds is kept in memory and checked afterwards. Whoever reads the body enforces it.
   */
  maxBytes: number;
  claimedBy: 'web' | 'node' | null;
}

const NODE_BODIES = new WeakMap<Response, SharedBody>();

/**
 * The Node stream of a Response that httpFetch made, decoded, for a reader that takes it from
 * here instead of `response.body`, with the response it belongs to (`complete`, `destroy`) and
 * the size limit the reader must hold it to; undefined when the web body was read already or
 * the Response is not httpFetch's.
 */
export function takeNodeBody(response: Response): { stream: Readable; message: http.IncomingMessage; maxBytes: number } | undefined {
  const body = NODE_BODIES.get(response);
  if (body === undefined || body.claimedBy === 'web') return undefined;
  body.claimedBy = 'node';
  return { stream: body.stream, message: body.response, maxBytes: body.maxBytes };
}

/**
 * A web stream over the Node stream, with backpressure, ending in ConnectionLostError on a
 * break and in ReplyTooLargeError once more than the body's `maxBytes` arrived. It attaches to the Node stream at the first read, so that a body taken as a Node
 * stream never pays for it.
 */
function webBody(body: SharedBody): ReadableStream<Uint8Array> {
  const { response, stream: source, maxBytes } = body;
  let received = 0;
  // Once the stream is closed, errored or cancelled, the Node stream may still emit 'data',
  // 'end' or 'close': the controller throws on any use after that, so every use goes through
  // these guards.
  let finished = false;
  let attached = false;
  const attach = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    attached = true;
    const fail = (error: Error) => {
      if (finished) return;
      finished = true;
      controller.error(error);
    };
    if (body.claimedBy === 'node') {
      fail(new TypeError('the body was already taken as a Node stream'));
      return;
    }
    body.claimedBy = 'web';
    source.on('data', (chunk: Buffer) => {
      if (finished) return;
      received += chunk.byteLength;
      if (received > maxBytes) {
        fail(new ReplyTooLargeError(maxBytes));
        response.destroy();
        return;
      }
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if ((controller.desiredSize ?? 1) < 0) source.pause();
    });
    source.on('end', () => {
      if (finished) return;
      finished = true;
      controller.close();
    });
    source.on('error', (error) => fail(error.name === 'AbortError' ? error : new ConnectionLostError(error)));
    // A response cut short does not always emit 'error'; it always closes incomplete.
    response.on('close', () => {
      if (!response.complete) fail(new ConnectionLostError(new Error('the server closed the connection mid-response')));
    });
  };
  // A high-water mark of 0: the stream pulls only when someone reads, never to fill a queue.
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!attached) attach(controller);
        source.resume();
      },
      cancel() {
        finished = true;
        response.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}

export interface HttpFetchInit extends RequestInit {
  /**
   * Called right before the request is written to the socket: the client's t0. The openai SDK
   * passes a request's `fetchOptions` through to fetch, so one SDK client serves every request.
   */
  onWrite?: () => void;
  /** The most bytes the response body may have (after decompression); more fail the body. */
  maxBodyBytes?: number;
}

export function httpFetch(input: string | URL | Request, init: HttpFetchInit = {}): Promise<Response> {
  if (input instanceof Request) return Promise.reject(new TypeError('httpFetch takes a URL and an init object, not a Request'));
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  }
  const body = init.body ?? null;
  if (body !== null && typeof body !== 'string') return Promise.reject(new TypeError('httpFetch sends string bodies only'));
  // The SDK hands over a Headers already: read as it is, not copied into another one first.
  const headers = Object.fromEntries(init.headers instanceof Headers ? init.headers : new Headers(init.headers));
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  const signal = init.signal ?? null;

  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError());
      return;
    }
    const secure = url.protocol === 'https:';
    const options = { method: init.method ?? 'GET', headers, agent: secure ? HTTPS_AGENT : HTTP_AGENT };
    const request = (secure ? https : http).request(url, options, (response) => {
      // Name and value pairs; the Response sorts them into its headers.
      const responseHeaders: Array<[string, string]> = [];
      for (const [name, value] of Object.entries(response.headers)) {
        if (Array.isArray(value)) for (const item of value) responseHeaders.push([name, item]);
        else if (value !== undefined) responseHeaders.push([name, value]);
      }
      const status = response.statusCode ?? 0;
      const bodyless = NULL_BODY_STATUSES.has(status);
      // Drain what a bodyless status still sends, or the keep-alive socket is never released.
      if (bodyless) response.resume();
      const body: SharedBody | null = bodyless ? null : { response, stream: decoded(response), maxBytes: init.maxBodyBytes ?? Infinity, claimedBy: null };
      const made = new LazyResponse({
        status,
        statusText: response.statusMessage ?? '',
        url: url.href,
        headers: responseHeaders,
        body: body === null ? null : () => webBody(body),
      });
      if (body !== null) NODE_BODIES.set(made, body);
      resolve(made);
    });
    // Before the response, errors reject like fetch's ("fetch failed", the cause attached), so
    // the SDK reports them as connection errors; after it, they end the body stream.
    request.on('error', (error) => reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })));
    const abort = () => request.destroy(abortError());
    signal?.addEventListener('abort', abort, { once: true });
    request.on('close', () => signal?.removeEventListener('abort', abort));
    init.onWrite?.();
    request.end(body ?? undefined);
  });
}
