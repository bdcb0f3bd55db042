// The fetch the openai SDK uses to reach the model server: node:http with keep-alive instead of
// Node's built-in fetch (undici). Measured in bench-notes/harness-accuracy.md: built-in fetch
// spends about 1.2 ms of its own between the call and the request reaching the server, its
// first call loads undici (tens of ms, inside the measured interval), and its web-stream body
// adds more per event; node:http is within 0.1 ms of a bare client. Only what the SDK's chat
// requests need is supported: a string body, Headers, an abort signal, a streamed response.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

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

/** How long a server that sent `[DONE]` may take to end its response before the socket is cut. */
const AFTER_DONE_GRACE_MS = 1_000;

/**
 * Spots the `data: [DONE]` line of an event stream, across chunk boundaries. The SDK reads on
 * after `[DONE]` until the body ends, so a server (or proxy) that keeps the response open after
 * it would hold the request until its timeout; docs/METRICS.md: the stream stops at `[DONE]`.
 */
class DoneLine {
  /** The end of what came before: the stream begins at a line start. */
  private tail = '\n';

  in(chunk: Buffer): boolean {
    const text = this.tail + chunk.toString('latin1');
    this.tail = text.slice(-32);
    return /[\r\n]data: ?\[DONE\][ \t]*[\r\n]/.test(text);
  }
}

/** A web stream over a Node stream, with backpressure, ending in ConnectionLostError on a break. */
function webBody(response: http.IncomingMessage): ReadableStream<Uint8Array> {
  const source = decoded(response);
  const done = /^text\/event-stream/i.test(response.headers['content-type'] ?? '') ? new DoneLine() : null;
  // Once the stream is closed, errored or cancelled (the SDK cancels the body when it reads an
  // error event), the Node stream may still emit 'data', 'end' or 'close': the controller
  // throws on any use after that, so every use goes through these guards.
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: Error) => {
        if (finished) return;
        finished = true;
        controller.error(error);
      };
      source.on('data', (chunk: Buffer) => {
        if (finished) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (done?.in(chunk) === true) {
          finished = true;
          controller.close();
          // The server normally ends the response right after; drain it so the keep-alive
          // socket is reused, and cut it only if it stays open.
          source.resume();
          setTimeout(() => {
            if (!response.complete) response.destroy();
          }, AFTER_DONE_GRACE_MS).unref();
          return;
        }
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
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
    },
    pull() {
      source.resume();
    },
    cancel() {
      finished = true;
      response.destroy();
    },
  });
}

export interface HttpFetchInit extends RequestInit {
  /**
   * Called right before the request is written to the socket: the client's t0. The openai SDK
   * passes a request's `fetchOptions` through to fetch, so one SDK client serves every request.
   */
  onWrite?: () => void;
}

export function httpFetch(input: string | URL | Request, init: HttpFetchInit = {}): Promise<Response> {
  if (input instanceof Request) return Promise.reject(new TypeError('httpFetch takes a URL and an init object, not a Request'));
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  }
  const body = init.body ?? null;
  if (body !== null && typeof body !== 'string') return Promise.reject(new TypeError('httpFetch sends string bodies only'));
  const headers = Object.fromEntries(new Headers(init.headers));
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
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
        else if (value !== undefined) responseHeaders.set(name, value);
      }
      const status = response.statusCode ?? 0;
      const bodyless = NULL_BODY_STATUSES.has(status);
      // Drain what a bodyless status still sends, or the keep-alive socket is never released.
      if (bodyless) response.resume();
      resolve(
        new Response(bodyless ? null : webBody(response), {
          status,
          statusText: response.statusMessage ?? '',
          headers: responseHeaders,
        }),
      );
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
