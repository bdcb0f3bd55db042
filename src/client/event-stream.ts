// Reading a streamed chat completion from the Node stream under the response: each event parsed
// and timestamped in the same callback its bytes arrive in. The openai SDK's own stream reader
// passes every event through several web-stream and async-generator hops first, which cost
// about 0.2 ms of CPU a request (bench-notes/suite-overhead.md); the SDK still builds and sends
// the request and turns an error status into its APIError (stream-chat.ts).
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ConnectionLostError, ReplyTooLargeError } from './http-fetch.ts';
import { SseReader } from './sse.ts';

/** How long a server that sent `[DONE]` may take to end its response before the socket is cut. */
const AFTER_DONE_GRACE_MS = 1_000;

/** An `{"error": ...}` event in a 200 stream (Foundry Local under memory pressure, llama.cpp). */
export class StreamErrorEvent extends Error {
  constructor(readonly error: unknown) {
    super(describeErrorPayload(error));
    this.name = 'StreamErrorEvent';
  }
}

/** The server's words for an error payload: its `message`, else the payload as JSON (the SDK's rule). */
function describeErrorPayload(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && error.message) {
    return typeof error.message === 'string' ? error.message : JSON.stringify(error.message);
  }
  return JSON.stringify(error);
}

function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

export interface NodeBody {
  stream: Readable;
  message: http.IncomingMessage;
  /** The most bytes the body may have, decoded. */
  maxBytes: number;
}

/**
 * Calls `onEvent` with each parsed event and the time its last bytes arrived (performance.now()),
 * until `data: [DONE]` (docs/METRICS.md: the stream stops there, even when the server keeps the
 * response open) or the end of the body. Rejects on an event that is not JSON (SyntaxError), an
 * error event (StreamErrorEvent), a body past `maxBytes` (ReplyTooLargeError, the rest unread),
 * a broken connection (ConnectionLostError) or `signal` (AbortError); what came before was
 * already handed to `onEvent`.
 */
export function readEventStream(body: NodeBody, signal: AbortSignal, onEvent: (chunk: unknown, atMs: number) => void): Promise<void> {
  const { stream, message, maxBytes } = body;
  let received = 0;
  return new Promise<void>((resolve, reject) => {
    const reader = new SseReader();
    const decoder = new StringDecoder('utf8');
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const fail = (error: Error) => {
      settle(error);
      message.destroy();
    };
    const onAbort = () => fail(abortError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    stream.on('data', (bytes: Buffer) => {
      if (settled) return;
      const atMs = performance.now();
      received += bytes.byteLength;
      if (received > maxBytes) return fail(new ReplyTooLargeError(maxBytes));
      for (const data of reader.push(decoder.write(bytes))) {
        if (data.startsWith('[DONE]')) {
          settle();
          // The server normally ends the response right after; drain it so the keep-alive
          // socket is reused, and cut it only if it stays open.
          setTimeout(() => {
            if (!message.complete) message.destroy();
          }, AFTER_DONE_GRACE_MS).unref();
          return;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch (error) {
          return fail(error as SyntaxError);
        }
        if (typeof chunk === 'object' && chunk !== null && 'error' in chunk && chunk.error) return fail(new StreamErrorEvent(chunk.error));
        onEvent(chunk, atMs);
      }
    });
    stream.on('end', () => settle());
    stream.on('error', (error) => settle(signal.aborted ? abortError() : new ConnectionLostError(error)));
    // A response cut short does not always emit 'error'; it always closes incomplete.
    message.on('close', () => {
      if (!message.complete) settle(signal.aborted ? abortError() : new ConnectionLostError(new Error('the server closed the connection mid-response')));
    });
  });
}
