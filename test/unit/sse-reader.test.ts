// The incremental event-stream reader the chat client parses streams with: every way servers
// end lines, events split anywhere across reads, comments and fields that are not data.
import { describe, expect, it } from 'vitest';
import { SseReader } from '../../src/client/sse.ts';

/** All events of `text` fed in the given pieces. */
function read(pieces: readonly string[]): string[] {
  const reader = new SseReader();
  return pieces.flatMap((piece) => reader.push(piece));
}

/** Every split of `text` into two pieces gives the same events as the whole. */
function everySplit(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => read([text.slice(0, at), text.slice(at)]));
}

describe('SseReader', () => {
  it('reads one event per blank line, the space after `data:` dropped', () => {
    expect(read(['data: {"a":1}\n\ndata:{"b":2}\n\n'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('gives an event only once its blank line has arrived, wherever the reads split it', () => {
    const text = 'data: one\n\ndata: two\n\n';
    for (const events of everySplit(text)) expect(events).toEqual(['one', 'two']);
    expect(read(['data: one\n'])).toEqual([]);
  });

  it('accepts \\r\\n and \\r line ends, also a \\r\\n split between two reads', () => {
    expect(read(['data: a\r\n\r\ndata: b\r\rdata: c\n\n'])).toEqual(['a', 'b', 'c']);
    for (const events of everySplit('data: a\r\n\r\ndata: b\r\n\r\n')) expect(events).toEqual(['a', 'b']);
  });

  it('joins several data lines with a newline', () => {
    expect(read(['data: first\ndata: second\n\n'])).toEqual(['first\nsecond']);
  });

  it('skips comments, other fields and events without data', () => {
    expect(read([': ping\n\nevent: message\nid: 7\nretry: 10\ndata: x\n\nevent: only\n\n'])).toEqual(['x']);
  });

  it('keeps [DONE] as an event: stopping there is the caller\'s rule', () => {
    expect(read(['data: [DONE]\n\n'])).toEqual(['[DONE]']);
  });
});
