// What a failed connection means, as Node's two HTTP clients report it: nothing listening
// (refused) and a connection closed under the request (reset) are told apart from an answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isConnectionRefused, isConnectionReset } from '../../src/util/network.ts';

/** Closes every connection as soon as a request arrives on it: a service going away. */
const closing = http.createServer((incoming) => incoming.socket.destroy());
let closingURL = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
  closingURL = `http://127.0.0.1:${(closing.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => closing.close(() => resolve())));

/** The error a call ends with; fails the test when it succeeds instead. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

function nodeGet(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => response.resume().on('end', resolve)).on('error', reject);
  });
}

describe('connection failures', () => {
  it('nothing listening is refused, not reset, through fetch and node:http', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    for (const error of [await failureOf(() => fetch(url)), await failureOf(() => nodeGet(url))]) {
      expect(isConnectionRefused(error)).toBe(true);
      expect(isConnectionReset(error)).toBe(false);
    }
  });

  it('a connection closed before any answer is reset, not refused, through fetch and node:http', async () => {
    for (const error of [await failureOf(() => fetch(closingURL)), await failureOf(() => nodeGet(closingURL))]) {
      expect(isConnectionReset(error)).toBe(true);
      expect(isConnectionRefused(error)).toBe(false);
    }
  });

  it('other errors are neither', () => {
    expect(isConnectionRefused(new Error('timed out'))).toBe(false);
    expect(isConnectionReset(new TypeError('fetch failed', { cause: new Error('bad URL') }))).toBe(false);
  });
});
