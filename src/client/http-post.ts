// The HTTP under the streaming chat client: one POST of a JSON body over node:http or https with
// keep-alive, its response handed over as a Node stream. Not Node's built-in fetch (undici):
// it spends about 1.2 ms of its own between the call and the request reaching the server, its
// first call loads undici (tens of ms, inside the measured interval), and its web-stream body
// adds more per event (bench-notes/harness-accuracy.md). Not the openai SDK either: building its
// request and the Response it wants cost about 0.4 ms a request, a large share of what an eval
// test costs against a fast server (bench-notes/suite-overhead.md); an error status is worded
// as the SDK words it.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });

/** The request got no response: nothing listens there, the name does not resolve, ... */
export class ConnectionError extends Error {
  constructor(cause: unknown) {
    super(`connection error: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ConnectionError';
  }
}

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

/** A status outside 2xx, with the server's words: `404 model 'nope' not found`. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    words: string,
  ) {
    super(`${status} ${words}`);
    this.name = 'HttpStatusError';
  }
}

/** The server's words for an error payload: its `message`, else the payload as JSON (the openai SDK's rule). */
export function describeErrorPayload(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && error.message) {
    return typeof error.message === 'string' ? error.message : JSON.stringify(error.message);
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

export interface HttpResponse {
  status: number;
  contentType: string | null;
  message: http.IncomingMessage;
  /** The body, decoded (gzip, deflate, br). */
  stream: Readable;
  /**
   * The most bytes the body may have, decoded: a server can send without end, and everything a
   * reply holds is kept in memory and checked afterwards. Whoever reads the body enforces it.
   */
  maxBytes: number;
}

export interface PostOptions {
  headers: Readonly<Record<string, string>>;
  signal: AbortSignal;
  /** Called right before the request is written to the socket: the client's t0. */
  onWrite: () => void;
  maxBodyBytes: number;
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
 * Sends `body` and resolves with the response once its headers came. Rejects with an AbortError
 * when `signal` aborts first, and with ConnectionError when no response came.
 */
export function postJson(url: URL, body: string, { headers, signal, onWrite, maxBodyBytes }: PostOptions): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new ConnectionError(new Error(`unsupported protocol ${url.protocol}`)));
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const secure = url.protocol === 'https:';
    const options = {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      agent: secure ? HTTPS_AGENT : HTTP_AGENT,
    };
    const request = (secure ? https : http).request(url, options, (response) => {
      resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? null, message: response, stream: decoded(response), maxBytes: maxBodyBytes });
    });
    // After the response, errors end its body stream (event-stream.ts, statusError).
    request.on('error', (error) => reject(error.name === 'AbortError' ? error : new ConnectionError(error)));
    const abort = () => request.destroy(abortError());
    signal.addEventListener('abort', abort, { once: true });
    request.on('close', () => signal.removeEventListener('abort', abort));
    onWrite();
    request.end(body);
  });
}

/** The error of a response with a status outside 2xx: its body read (up to its limit) for the server's words. */
export function statusError(response: HttpResponse): Promise<HttpStatusError> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (text: string) => {
      if (done) return;
      done = true;
      resolve(new HttpStatusError(response.status, serverWords(text)));
    };
    response.stream.on('data', (part: Buffer) => {
      received += part.byteLength;
      if (received > response.maxBytes) {
        finish(new ReplyTooLargeError(response.maxBytes).message);
        response.message.destroy();
        return;
      }
      parts.push(part);
    });
    response.stream.on('end', () => finish(Buffer.concat(parts).toString('utf8')));
    response.stream.on('error', (error) => finish(error.message));
    // A response cut short does not always emit 'error'; it always closes incomplete.
    response.message.on('close', () => {
      if (!response.message.complete) finish(Buffer.concat(parts).toString('utf8'));
    });
  });
}

/** `{"error": {"message": ...}}` as most servers send it, else the body as it came. */
function serverWords(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json === 'object' && json !== null && 'error' in json && json.error) return describeErrorPayload(json.error);
  return text.trim() === '' ? 'status code (no body)' : text;
}
