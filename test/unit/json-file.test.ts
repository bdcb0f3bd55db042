// The streaming JSON writer: its text is JSON.stringify's, byte for byte, on the shapes results
// take (nested objects and arrays, empty ones, undefined fields, strings that need escaping).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJsonFileAtomic } from '../../src/util/json-file.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-json-file-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function written(value: unknown): string {
  const file = path.join(folder, 'out.json');
  writeJsonFileAtomic(file, value);
  return readFileSync(file, 'utf8');
}

describe('writeJsonFileAtomic', () => {
  it('writes exactly what JSON.stringify(value, null, 2) gives, plus a newline', () => {
    const value = {
      schemaVersion: 1,
      empty: {},
      none: [],
      skipped: undefined,
      cases: Array.from({ length: 3 }, (_, index) => ({
        name: `case "${index}"\n\u2028é`,
        metrics: index === 1 ? null : { ttftMs: 1.5, gaps: [], nested: { deep: [1, [2, { x: undefined }]] } },
        list: [undefined, () => 1, 'x'],
      })),
      models: [{ alias: 'a' }],
      date: new Date('2026-01-02T03:04:05.000Z'),
    };
    expect(written(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(written([])).toBe('[]\n');
    expect(written({ a: [{}], b: 'text' })).toBe(`${JSON.stringify({ a: [{}], b: 'text' }, null, 2)}\n`);
  });

  it('leaves no temporary file behind', () => {
    written({ a: 1 });
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
