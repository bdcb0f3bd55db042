import { describe, expect, it } from 'vitest';
import { renderTerminalReport, shouldUseColor, terminalWidth, wrap } from '../../src/report/terminal.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { buildResults, sampleResults, scaleLatencies } from '../support/results.ts';

const ANSI = /\u001b\[[0-9;]*m/g;
const plain = (text: string) => text.replace(ANSI, '');
const lines = (text: string) => plain(text).trimEnd().split('\n');

describe('renderTerminalReport', () => {
  const results = sampleResults();
  const verdict = compareToBaseline(results, scaleLatencies(results, 0.5));

  it('fits 80 columns with long names, long reasons and a failed gate, in plain text', () => {
    const report = renderTerminalReport(results, { width: 80, color: false, verdict });
    expect(report).not.toMatch(ANSI);
    for (const line of lines(report)) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(report).toContain('Model                 Load  TTFT p50  TTFT p95  E2E p50  tok/s  Peak mem  Checks');
    expect(report).toMatch(/^fixture-small {7}1\.20 s {3}15\.5 ms {3}18\.8 ms {3}223 ms {2}215\.8 {4}512 MB {5}6\/6$/m);
    expect(report).toMatch(/^fixture-tiny-with… {2}400 ms/m);
    expect(report).toContain('Gate failed: 3 regressions against the baseline');
    expect(report).toContain('  ✗ fixture-small: TPOT +100% [+98%, +102%] (2.2 ms → 4.4 ms): slower beyond the\n    20% tolerance (p = 0.005; 3 tests, 6 and 6 requests)\n    most changed: chat/greeting +100%');
    expect(report).toContain('Failures (3)');
    expect(report).toContain('Recommendation\n  chat: fixture-tiny-with-a-rather-long-alias - fastest time to first token');
  });

  it('shows the score when the results have one (dropped first when narrow), and counts the checks it did not judge', () => {
    const scored = {
      ...results,
      models: results.models.map((model, index) => ({ ...model, score: index === 0 ? 1 : 0.625, checksSkipped: index === 0 ? 0 : 9 })),
    };
    const wide = lines(renderTerminalReport(scored, { width: 120, color: false }));
    expect(wide.find((line) => line.startsWith('Model'))).toMatch(/Checks {2}Score$/);
    expect(wide.find((line) => line.startsWith('fixture-small'))).toMatch(/6\/6 {3}1\.00$/);
    expect(wide.find((line) => line.startsWith('fixture-tiny'))).toMatch(/ 0\.63$/);
    expect(wide).toContain('Checks counts judged checks; not judged (content, on synthetic models): 9 of fixture-tiny-with-a-rather-long-alias.');
    const narrow = renderTerminalReport(scored, { width: 80, color: false });
    expect(narrow).toContain('(not shown at this width: Score)');
  });

  it('drops the least important columns on a narrow terminal, and says which', () => {
    const report = renderTerminalReport(results, { width: 52, color: false });
    for (const line of lines(report)) expect(line.length, line).toBeLessThanOrEqual(52);
    const header = lines(report).find((line) => line.startsWith('Model')) ?? '';
    expect(header).not.toContain('TTFT p95');
    expect(header).toContain('TTFT p50');
    expect(header).toContain('Checks');
    expect(report).toContain('(not shown at this width: ');
  });

  it('colours the checks and the verdict only when asked', () => {
    const coloured = renderTerminalReport(results, { width: 80, color: true, verdict });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31mGate failed');
    expect(coloured).toContain('\u001b[32m   6/6\u001b[39m');
    for (const line of lines(coloured)) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows terminal escapes from model output as text instead of sending them', () => {
    const hostile = buildResults([{ model: 'm', prompt: 'p', status: 'fail', assertions: [{ type: 'contains', pass: false, score: 0, reason: 'got \u001b[2J\u001b]0;pwned\u0007' }] }]);
    const report = renderTerminalReport(hostile, { color: false });
    expect(report).not.toContain('\u001b');
    expect(report).toContain('got \\x1b[2J\\x1b]0;pwned\\x07');
  });

  it('reports a model that could not start once, with its reason', () => {
    const failed = buildResults(
      [
        { model: 'broken', prompt: 'a', status: 'error', error: 'model failed to start' },
        { model: 'broken', prompt: 'b', status: 'error', error: 'model failed to start' },
      ],
      { models: { broken: { startError: 'out of memory while loading' } } },
    );
    const report = renderTerminalReport(failed, { color: false });
    expect(report).toContain('Failures (1)\n  ✗ broken: could not start: out of memory while loading');
    expect(report).toMatch(/^broken +failed/m);
  });

  it('lists planted defects caught apart from failures, naming the defect, and counts them in the Checks column', () => {
    const caught = { type: 'python', pass: false, score: 0.25, reason: '3 of 4 cases failed', planted: 'sorts-descending' };
    const missed = { type: 'custom', pass: true, score: 1, reason: 'answers in one sentence', planted: 'ignores-one-sentence' };
    const results = buildResults(
      [
        { model: 'fixture-tiny', prompt: 'code/sort-function', status: 'fail', assertions: [caught] },
        { model: 'fixture-tiny', prompt: 'chat/greeting' },
        { model: 'fixture-small', prompt: 'chat/one-sentence', status: 'fail', assertions: [missed] },
      ],
      { models: { 'fixture-tiny': { knownAnswers: true }, 'fixture-small': { knownAnswers: true } } },
    );
    const report = renderTerminalReport(results, { color: false, width: 160 });
    expect(report).toMatch(/^fixture-tiny .* 1\/2 \(1 planted\)$/m);
    expect(report).toContain('Planted defects caught (1)\n  ○ fixture-tiny > code/sort-function: planted defect sorts-descending, caught by python: 3 of 4 cases failed');
    // A planted defect the check missed is a failure like any other.
    expect(report).toContain('Failures (1)\n  ✗ fixture-small > chat/one-sentence: planted defect ignores-one-sentence missed: custom passed: answers in one sentence');
    expect(renderTerminalReport(results, { color: true, width: 160 })).toContain('\u001b[33m1/2 (1 planted)\u001b[39m');
  });

  it('lists the first failures and counts the rest', () => {
    const many = buildResults(Array.from({ length: 14 }, (_, index) => ({ model: 'm', prompt: `p${index}`, status: 'fail' as const })));
    const report = renderTerminalReport(many, { color: false, maxFailures: 10 });
    expect(report).toContain('Failures (14)');
    expect(report).toContain('... and 4 more (see the Markdown or HTML report)');
  });
});

describe('wrap', () => {
  it('wraps on words, indents continuations and cuts words longer than a line', () => {
    expect(wrap('one two three four', 9, 2)).toEqual(['one two', '  three', '  four']);
    expect(wrap('see /a/very/long/path/name here', 10, 2)).toEqual(['see', '  /a/very/', '  long/pat', '  h/name', '  here']);
    expect(wrap('', 10, 2)).toEqual(['']);
  });
});

describe('shouldUseColor and terminalWidth', () => {
  it('colours a TTY unless NO_COLOR is set; FORCE_COLOR forces it', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldUseColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
  });

  it('uses the terminal width only for a terminal', () => {
    expect(terminalWidth({ isTTY: true, columns: 120 })).toBe(120);
    expect(terminalWidth({ isTTY: false, columns: 120 })).toBe(80);
    expect(terminalWidth({})).toBe(80);
  });
});
