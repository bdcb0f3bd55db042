import { describe, expect, it, vi } from 'vitest';
import { ApartError, callApart } from '../../src/util/apart.ts';

const here = import.meta.resolve('../support/apart-target.ts');

describe('callApart', () => {
  it('returns what the function returned in its worker thread', async () => {
    expect(await callApart(here, 'double', [21])).toBe(42);
    expect(await callApart(here, 'threadIsMain', [])).toBe(false);
  });

  it('passes on everything the worker wrote before it answered (a terminated worker drops the rest)', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await callApart(here, 'writeLines', [200])).toBe(200);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('').match(/^apart line \d+ x{20000}$/gm)).toHaveLength(200);
  });

  it('throws an error of the function with its name and message', async () => {
    const error = await callApart(here, 'fail', ['no good']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApartError);
    expect(error).toMatchObject({ originalName: 'RangeError', message: 'no good' });
    // The stack is the worker's, down to the function that threw.
    expect((error as Error).stack).toContain('apart-target.ts');
  });
});
