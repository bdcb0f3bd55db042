// Text checks on the replies a misbehaving model gives: megabytes just under the client's
// reply limit, checked in a process with a small heap (the grapheme count of a 5 MB reply
// once exhausted the test worker's heap), and a regex that backtracks without end.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { evaluateAssertions } from '../../src/assertions/index.ts';
import { REGEX_DEADLINE_MS } from '../../src/assertions/regex-deadline.ts';
import { DEFAULT_MAX_REPLY_BYTES } from '../../src/client/types.ts';

const ASSERTIONS = fileURLToPath(new URL('../../src/assertions/index.ts', import.meta.url));

const CHECK_LONG_REPLY = `
const { evaluateAssertions } = await import(${JSON.stringify(ASSERTIONS)});
const sentence = 'Edge AI runs models on local devices, café-side. ';
const reply = sentence.repeat(Math.floor(${DEFAULT_MAX_REPLY_BYTES} / sentence.length) - 1);
const checks = [
  { type: 'length', maxChars: 500 }, { type: 'length', minWords: 3 }, { type: 'contains', value: 'cloud' },
  { type: 'icontains', value: 'EDGE' }, { type: 'not-contains', value: 'devices, café' }, { type: 'starts-with', value: 'Edge' },
  { type: 'regex', pattern: 'local\\\\s+devices', flags: 'i' }, { type: 'json' },
];
const results = await evaluateAssertions(checks, { response: reply, metrics: null, synthetic: false, model: 'm' });
process.stdout.write(JSON.stringify({ length: reply.length, results: results.map(({ type, pass, reason }) => ({ type, pass, reason: reason.slice(0, 80) })) }));
`;

describe('text checks on hostile replies', () => {
  it('check a reply just under the reply limit in a 64 MB heap, in seconds', async () => {
    const started = performance.now();
    const child = await execa(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', CHECK_LONG_REPLY], { reject: false, timeout: 120_000 });
    expect(child.exitCode, child.stderr.slice(-2000)).toBe(0);
    const { length, results } = JSON.parse(child.stdout) as { length: number; results: { type: string; pass: boolean; reason: string }[] };
    expect(length).toBeGreaterThan(4_000_000);
    expect(results.map((result) => [result.type, result.pass])).toEqual([
      ['length', false], ['length', true], ['contains', false], ['icontains', true], ['not-contains', false], ['starts-with', true], ['regex', true], ['json', false],
    ]);
    expect(results[0]?.reason).toMatch(/^expected at most 500 characters, got 41\d{5}/);
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it('fail a regex that backtracks without end at its deadline, and go on', async () => {
    const started = performance.now();
    const [result] = await evaluateAssertions([{ type: 'regex', pattern: '^(a+)+$' }], { response: `${'a'.repeat(40)}!`, metrics: null, synthetic: false, model: 'm' });
    expect(result).toMatchObject({ type: 'regex', pass: false });
    expect(result?.reason).toMatch(/^\/\^\(a\+\)\+\$\/ did not finish within 5 s on this reply: the pattern backtracks without end on it/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(REGEX_DEADLINE_MS - 50);
    expect(performance.now() - started).toBeLessThan(REGEX_DEADLINE_MS + 5_000);
  }, 30_000);
});
