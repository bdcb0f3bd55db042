import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { toHistoryRun } from '../../src/results/files.ts';
import { barChart, distributionChart, escapeHtml, lineChart, niceScale } from '../../src/report/svg.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { buildResults, HOSTILE_TEXT, sampleResults, scaleLatencies } from '../support/results.ts';

const results = sampleResults();
const verdict = compareToBaseline(results, scaleLatencies(results, 0.5));
const history = [1, 1.2, 1.1].map((factor, day) => toHistoryRun(scaleLatencies(sampleResults(`2026-01-0${day + 1}T00:00:00.000Z`), factor)));
const html = renderHtml(results, { verdict, history });

describe('renderHtml', () => {
  it('is one self-contained page: no script, no external resource, a CSP that forbids loading any', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;`);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|@import|url\(/i);
    const references = [...html.matchAll(/\s(?:src|href|xlink:href|action)="([^"]*)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference).toMatch(/^#[\w-]+$/);
  });

  it('escapes everything that came from a model', () => {
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(2)&#62;');
    const hostileAlias = buildResults([{ model: 'm"><b>x', prompt: 'p\'><i>y', response: HOSTILE_TEXT }]);
    const page = renderHtml(hostileAlias);
    expect(page).not.toMatch(/<b>x|<i>y|<script>alert|<img src=x/);
    expect(page).toContain('data-model="m&#34;&#62;&#60;b&#62;x"');
  });

  it('keeps control characters out of the page, its SVG charts included', () => {
    const alias = 'm\u0007\u001b[31mx\u0000';
    const page = renderHtml(buildResults([{ model: alias, prompt: 'chat/p\u0008q', e2eMs: 120 }]));
    expect(page).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    const charts = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.join('')).toContain('>m[31mx</text>');
  });

  it('has the comparison table, the verdict and the failures with reasons', () => {
    expect(html).toContain('<tr data-model="fixture-small"><th scope="row">fixture-small</th><td class="num">1.20 s</td><td class="num">15.5 ms</td>');
    expect(html).toContain('<p class="verdict failed">Gate failed: 3 regressions against the baseline</p>');
    expect(html).toContain(
      '<tr data-outcome="regression"><td>fixture-small</td><td>TPOT</td><td class="num">2.2 ms</td><td class="num">4.4 ms</td><td class="num">+100% [+98%, +102%]</td><td>20% tolerance</td><td>p = 0.005; 3 tests, 6 and 6 requests. most changed: ',
    );
    expect(html).toContain('<h2>Failures (3)</h2>');
  });

  it('adds the score when the results have one, and the checks it did not judge', () => {
    const scored = { ...results, models: results.models.map((model) => ({ ...model, score: 0.75, checksSkipped: 4 })) };
    const page = renderHtml(scored, {});
    expect(page).toContain('<th>Checks</th><th>Score</th>');
    expect(page).toContain('<td class="num">0.75</td>');
    expect(page).toContain('<p class="note">Checks counts judged checks; not judged (content, on synthetic models): 4 of fixture-small');
    expect(html).not.toContain('<th>Score</th>');
  });

  it('draws the four per-model charts as inline SVG, one row per model', () => {
    const charts = html.slice(html.indexOf('<section id="charts">'), html.indexOf('<section id="matrix">'));
    expect(charts.match(/<svg /g)).toHaveLength(4);
    for (const label of ['TTFT per model', 'E2E latency per model', 'Tokens per second per model', 'Peak memory per model']) {
      expect(charts).toContain(`aria-label="${label}"`);
    }
    expect(charts.match(/data-series="fixture-small"/g)).toHaveLength(4);
    // Every request of the model is one dot in each distribution.
    const ttft = charts.slice(0, charts.indexOf('E2E latency per model'));
    const smallSeries = ttft.slice(ttft.indexOf('data-series="fixture-small"'), ttft.indexOf('fixture-tiny-with-a-rather-long-alias</title>'));
    expect(smallSeries.match(/<circle /g)).toHaveLength(6);
    expect(charts).toContain('<title>fixture-small: 512 MB</title>');
  });

  it('has the pass/fail matrix of model by prompt, linked to the responses', () => {
    expect(html).toMatch(/<td class="cell-pass" data-model="fixture-small" data-prompt="chat\/greeting" data-state="pass" title="2\/2 passed"><a href="#response-0-0">✓ 2\/2<\/a><\/td>/);
    expect(html).toMatch(/data-model="fixture-tiny-with-a-rather-long-alias" data-prompt="code\/sort-function" data-state="fail" title="contains: expected &#34;def&#34;/);
    expect(html).toMatch(/data-prompt="reasoning\/apples" data-state="partial"[^>]*><a href="#response-2-1">1\/2<\/a>/);
  });

  it('shows the responses side by side per prompt, with metrics and every check', () => {
    const card = html.slice(html.indexOf('<article class="response-card" id="response-1-1"'), html.indexOf('</article>', html.indexOf('id="response-1-1"')));
    expect(card).toContain('data-model="fixture-tiny-with-a-rather-long-alias" data-prompt="code/sort-function" data-status="fail"');
    expect(card).toContain('<p class="metrics">TTFT 7 ms · E2E 110 ms · TPOT 3 ms · 40 tokens (usage) · 363.6 tokens/s</p>');
    expect(card).toContain('<pre class="response">Sure! &#60;script&#62;');
    expect(card).toContain('second line</pre>');
    expect(card).toContain('<li class="fail">✗ <strong>contains</strong>: expected &#34;def&#34; in the response');
    expect(card).toContain('<li class="pass">✓ <strong>max-latency</strong>: E2E 110 ms &#60;= 2000 ms</li>');
    expect(html.match(/<details open data-prompt=/g)).toHaveLength(3);
  });

  it('closes the responses of a run with many prompts, each still there for the matrix to link to', () => {
    const many = buildResults(Array.from({ length: 13 }, (_, index) => ({ model: 'small', prompt: `chat/prompt-${index}` })));
    const page = renderHtml(many);
    expect(page).not.toMatch(/<details open/);
    expect(page.match(/<details data-prompt=/g)).toHaveLength(13);
    expect(page).toContain('<a href="#response-12-0">');
    expect(page).toContain('id="response-12-0"');
  });

  it('shows the trend charts only with two runs or more', () => {
    expect(html).toContain('<h2>Trend over the last 3 runs</h2>');
    const trend = html.slice(html.indexOf('<section id="trend">'));
    expect(trend.match(/<svg /g)).toHaveLength(4);
    expect(trend).toContain('<title>fixture-small, 01-03 00:00: 17.1 ms</title>');
    expect(renderHtml(results, { history: history.slice(0, 1) })).not.toContain('id="trend"');
  });

  it('leaves out of the trend the runs that measured other tests, and labels runs of the same minute apart', () => {
    const narrowed = { ...sampleResults('2026-01-04T00:00:00.000Z'), cases: results.cases.filter((testCase) => testCase.category === 'code') };
    const sameMinute = ['2026-01-05T10:00:01.000Z', '2026-01-05T10:00:02.000Z', '2026-01-05T10:00:02.500Z'].map((at) => sampleResults(at));
    const page = renderHtml(results, { history: [...history, ...[narrowed, ...sameMinute].map(toHistoryRun)] });
    expect(page).toContain('<h2>Trend over the last 6 runs (1 run with other tests left out)</h2>');
    expect(page).toContain('<title>fixture-small, 01-05 10:00:01: ');
    expect(page).toContain('<title>fixture-small, 01-05 10:00:02 #1: ');
    expect(page).toContain('<title>fixture-small, 01-05 10:00:02 #2: ');
    expect(page).toContain('<title>fixture-small, 01-03 00:00: ');
  });

  it('renders a run without models', () => {
    const empty = { ...results, models: [], cases: [], groups: [], recommendations: [] };
    expect(renderHtml(empty)).toContain('<p>No models were evaluated.</p>');
  });
});

describe('svg charts', () => {
  it('picks round axis steps', () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 0.25 });
    expect(niceScale(23)).toEqual({ max: 30, step: 10 });
    expect(niceScale(180)).toEqual({ max: 200, step: 50 });
    expect(niceScale(0.9)).toEqual({ max: 1, step: 0.5 });
  });

  it('says when a series has nothing to draw', () => {
    expect(distributionChart('x', [{ label: 'a', values: [] }], String)).toContain('no measurements');
    expect(barChart('x', [{ label: 'a', value: null }], String)).toContain('not measured');
  });

  it('leaves a gap in a line where a run has no value', () => {
    const chart = lineChart('x', ['r1', 'r2', 'r3'], [{ label: 'a', values: [1, null, 3] }], String);
    const path = /<path d="([^"]+)"/.exec(chart)?.[1] ?? '';
    expect(path.match(/M/g)).toHaveLength(2);
    expect(path).not.toContain('L');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
