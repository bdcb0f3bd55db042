import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderMarkdown } from '../../src/report/markdown.ts';
import { toHistoryRun } from '../../src/results/files.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { buildResults, HOSTILE_TEXT, sampleResults, scaleLatencies } from '../support/results.ts';

describe('renderMarkdown', () => {
  const results = sampleResults();

  it('renders the comparison table with one row per model', () => {
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('| Model | Load | TTFT p50 | TTFT p95 | E2E p50 | tok/s | Peak memory | Checks passed |');
    expect(markdown).toContain('|:---|---:|---:|---:|---:|---:|---:|---:|');
    expect(markdown).toContain('| **fixture-small** | 1.20 s | 15.5 ms | 18.8 ms | 223 ms | 215.8 | 512 MB | ✅ 6/6 |');
    expect(markdown).toContain('| **fixture-tiny-with-a-rather-long-alias** | 400 ms | 7 ms | 8 ms | 110 ms | 363.6 | 256 MB | ❌ 9/12 |');
    expect(markdown).toContain('- **code**: fixture-small — the only model that passed every code check');
    expect(markdown).not.toContain('Gate');
  });

  it('adds the score when the results have one, and the checks it did not judge', () => {
    const scored = { ...results, models: results.models.map((model) => ({ ...model, score: 0.75, checksSkipped: 4 })) };
    const markdown = renderMarkdown(scored);
    expect(markdown).toContain('| Checks passed | Score |');
    expect(markdown).toContain('| ✅ 6/6 | 0.75 |');
    expect(markdown).toContain('Checks counts judged checks; not judged (content, on synthetic models): 4 of fixture-small, 4 of');
  });

  it('renders a failed gate with baseline, current, the change with its interval, the tolerance and the evidence of each regression', () => {
    const verdict = compareToBaseline(results, scaleLatencies(results, 0.5));
    const markdown = renderMarkdown(results, { verdict });
    expect(markdown).toContain('### ❌ Gate failed: 3 regressions against the baseline');
    expect(markdown).toContain('| Test | Metric | Baseline | Current | Change [interval] | Tolerance | Evidence |');
    expect(markdown).toContain(
      '| fixture-small | TPOT | 2.2 ms | 4.4 ms | +100% \\[+98%, +102%\\] | 20% tolerance | p = 0.005; 3 tests, 6 and 6 requests. most changed: chat/greeting +100% (1.8 ms → 3.6 ms);',
    );
    // The tiny model's TTFT doubled from 3.5 ms: under the 5 ms floor, so not a regression.
    expect(markdown).not.toContain('| fixture-tiny-with-a-rather-long-alias | TTFT |');
    expect(markdown).toContain('<sub>Machine: baseline load 0.5, others 5% of a core; this run load 0.5, others 5% of a core · Findings decided at 95% confidence');
  });

  it('renders a passed gate with its improvements and warnings', () => {
    const passing = buildResults(
      ['chat/greeting', 'code/sort', 'math/add'].flatMap((prompt) => [0, 1, 2].map((repeat) => ({ model: 'fixture-small', prompt, repeat, ttftMs: 40 + repeat, e2eMs: 400 + repeat }))),
      { settings: { repeats: 3 } },
    );
    const verdict = compareToBaseline(passing, { ...scaleLatencies(passing, 3), runtime: { name: 'ollama', version: '0.12.0' } });
    expect(verdict.ok).toBe(true);
    const markdown = renderMarkdown(passing, { verdict });
    expect(markdown).toContain('### ✅ Gate passed: no regressions against the baseline (2 improvements, 1 warning)');
    expect(markdown).toContain('**Improvements**');
    expect(markdown).toContain('| fixture-small | TPOT | 34.8 ms | 11.6 ms | -67% \\[-67%, -67%\\] | 20% tolerance | p &lt; 0.001; 3 tests, 9 and 9 requests.');
    expect(markdown).toContain('- ⚠️ runtime differs: baseline ollama 0.12.0, this run embedded 3.21.1');
  });

  it('lists failures with their reasons, escaped so that they cannot inject markup', () => {
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('### Failures (3)');
    const failure = markdown.split('\n').find((line) => line.startsWith('- **fixture-tiny-with-a-rather-long-alias &gt; code/sort-function (repeat 1)** (fail): contains: expected "def"'));
    expect(failure).toBeDefined();
    expect(failure).toContain('&lt;script&gt;alert(1)&lt;/script&gt; \\| \\[click\\](http://evil.example/x) !\\[pixel\\](http://evil.example/p.png)');
    expect(markdown).not.toContain('<script');
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toMatch(/(?<!\\)\[click/);
    expect(markdown).not.toMatch(/(?<!\\)!\[pixel/);
  });

  it('lists planted defects caught in a section of their own, and marks a model with only those', () => {
    const caught = { type: 'python', pass: false, score: 0, reason: 'sorted descending', planted: 'sorts-descending' };
    const results = buildResults([{ model: 'fixture-tiny', prompt: 'code/sort-function', status: 'fail', assertions: [caught] }], { models: { 'fixture-tiny': { knownAnswers: true } } });
    const markdown = renderMarkdown(results);
    expect(markdown).not.toContain('### Failures');
    expect(markdown).toContain('### Planted defects caught (1)');
    expect(markdown).toContain('- **fixture-tiny &gt; code/sort-function** (fail): planted defect sorts-descending, caught by python: sorted descending');
    expect(markdown).toContain('☑️ 0/1 (1 planted)');
  });

  it('caps the failure list and the reason length', () => {
    const many = buildResults(Array.from({ length: 5 }, (_, index) => ({ model: 'm', prompt: `p${index}`, status: 'fail' as const, error: 'x'.repeat(500) })));
    const markdown = renderMarkdown(many, { maxFailures: 3, maxReasonLength: 40 });
    expect(markdown).toContain('- … and 2 more (see the HTML report or results JSON)');
    expect(markdown).toContain(`(fail): ${'x'.repeat(39)}…;`);
  });

  it('shows the trend of each model over the history', () => {
    const history = [1, 1.5, 2].map((factor, day) => toHistoryRun(scaleLatencies(sampleResults(`2026-01-0${day + 1}T00:00:00.000Z`), factor)));
    const markdown = renderMarkdown(results, { history });
    expect(markdown).toContain('### Trend over the last 3 runs');
    expect(markdown).toContain('2026-01-01 00:00 UTC to 2026-01-03 00:00 UTC');
    expect(markdown).toContain('| **fixture-small** | `▁▅█` 15.5 ms → 31 ms | `▁▅█` 223 ms → 445 ms | `▄▄▄` 215.8 → 215.8 | `▄▄▄` 100% → 100% |');
    expect(renderMarkdown(results, { history: history.slice(0, 1) })).not.toContain('Trend');
    const narrowed = { ...sampleResults('2026-01-04T00:00:00.000Z'), cases: results.cases.slice(0, 1) };
    expect(renderMarkdown(results, { history: [...history, toHistoryRun(narrowed)] })).toContain('### Trend over the last 3 runs (1 run with other tests left out)');
  });
});

describe('escapeMarkdown', () => {
  it('neutralises emphasis, code, links, HTML, entities and table cells, and keeps one line', () => {
    expect(escapeMarkdown('a*b*_c_ `d` [e](f) <g> h|i ~j~ &k;\nnext')).toBe('a\\*b\\*\\_c\\_ \\`d\\` \\[e\\](f) &lt;g&gt; h\\|i \\~j\\~ &amp;k; next');
    expect(escapeMarkdown(HOSTILE_TEXT)).not.toMatch(/<|(?<!\\)\[/);
  });
});
