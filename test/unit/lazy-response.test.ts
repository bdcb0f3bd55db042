// httpFetch's Response (src/client/lazy-response.ts) against undici's on the same status,
// headers and body: what the openai SDK and the chat client read of it must not differ.
import { describe, expect, it } from 'vitest';
import { LazyResponse } from '../../src/client/lazy-response.ts';

const PAIRS: Array<[string, string]> = [
  ['content-type', 'application/json'],
  ['X-Request-Id', 'req_123'],
  ['set-cookie', 'a=1'],
  ['set-cookie', 'b=2'],
  ['vary', 'accept'],
  ['vary', 'origin'],
];
const BODY = '{"error":{"message":"model \'nope\' not found"}}';

const stream = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

function both(status = 404): { lazy: LazyResponse; real: Response } {
  return {
    lazy: new LazyResponse({ status, statusText: 'Not Found', url: 'http://127.0.0.1:1/v1/chat/completions', headers: PAIRS, body: () => stream(BODY) }),
    real: new Response(stream(BODY), { status, statusText: 'Not Found', headers: PAIRS }),
  };
}

describe("httpFetch's Response", () => {
  it('has the status, headers and body that undici gives', async () => {
    const { lazy, real } = both();
    expect([lazy.status, lazy.ok, lazy.statusText, lazy.redirected]).toEqual([real.status, real.ok, real.statusText, real.redirected]);
    expect([...lazy.headers]).toEqual([...real.headers]);
    expect([...lazy.headers.entries()]).toEqual([...real.headers.entries()]);
    expect([...lazy.headers.keys()]).toEqual([...real.headers.keys()]);
    expect([...lazy.headers.values()]).toEqual([...real.headers.values()]);
    for (const name of ['x-request-id', 'X-REQUEST-ID', 'vary', 'set-cookie', 'missing']) {
      expect(lazy.headers.get(name), name).toBe(real.headers.get(name));
      expect(lazy.headers.has(name), name).toBe(real.headers.has(name));
    }
    expect(lazy.headers.getSetCookie()).toEqual(real.headers.getSetCookie());
    const seen: string[] = [];
    lazy.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
    expect(seen).toEqual([...real.headers].map(([name, value]) => `${name}: ${value}`));
    expect(() => lazy.headers.set('x', 'y')).toThrow(TypeError);
    expect(await lazy.json()).toEqual(await real.json());
    expect([lazy.bodyUsed, real.bodyUsed]).toEqual([true, true]);
  });

  it('reads its body once, as text, bytes or a stream, and clones like undici', async () => {
    const { lazy } = both(200);
    expect(lazy.ok).toBe(true);
    expect(lazy.bodyUsed).toBe(false);
    const copy = lazy.clone();
    expect(await lazy.text()).toBe(BODY);
    await expect(lazy.text()).rejects.toThrow(TypeError);
    expect(new TextDecoder().decode(await copy.arrayBuffer())).toBe(BODY);

    const streamed = both(200).lazy;
    expect(streamed.body).toBe(streamed.body);
    const reader = streamed.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe(BODY);
    expect(streamed.bodyUsed).toBe(true);
  });

  it('makes no body for a response without one', async () => {
    const empty = new LazyResponse({ status: 204, statusText: 'No Content', url: '', headers: [], body: null });
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe('');
  });
});
