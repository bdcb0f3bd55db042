// The reports of a run over a dataset of thousands of rows: the matrix has one line a dataset,
// its responses show the rows that failed (capped) or a sample, the failures and the gate are
// counted and capped, and nothing lists every row.
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderTerminalReport } from '../../src/report/terminal.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { buildResults, type CaseSpec } from '../support/results.ts';

const ROWS = 2_000;

/** Models `a` and `b` over 2,000 rows of `capitals/ask` and one prompt without data; `failing` rows fail for `b`. */
function run(failing: (row: number) => boolean) {
  const specs: CaseSpec[] = ['a', 'b'].flatMap((model) => [
    ...Array.from({ length: ROWS }, (_, row): CaseSpec => ({
      model,
      prompt: `capitals/ask/row-${row + 1}`,
      status: model === 'b' && failing(row) ? 'fail' : 'pass',
      response: `answer of ${model} to row ${row + 1}`,
      vars: { country: `c${row + 1}` },
    })),
    { model, prompt: 'chat/greeting' },
  ]);
  return buildResults(specs);
}

const baseline = run(() => false);
const current = run((row) => row % 10 === 4);
const verdict = compareToBaseline(current, baseline);
const html = renderHtml(current, { verdict });

describe('reports of a dataset', () => {
  it('gate: newly failing rows are one regression for the dataset, their first ten named', () => {
    expect(verdict.outcome).toBe('regression');
    expect(verdict.findings.filter((finding) => finding.outcome === 'regression').map((finding) => `${finding.kind} ${finding.model} ${'test' in finding ? finding.test : ''}`)).toEqual([
      'pass-rate b capitals/ask',
    ]);
    expect(verdict.findings.length).toBeLessThan(20);
  });

  it('html: one matrix line for the dataset, its rows counted, the failing rows named in its tooltip, capped', () => {
    const matrix = html.slice(html.indexOf('<section id="matrix">'), html.indexOf('<section id="responses">'));
    expect(matrix.match(/<tr>/g)).toHaveLength(3);
    expect(matrix).toContain('ask <span class="note">capitals, 2000 rows</span>');
    expect(matrix).toMatch(/data-model="a" data-prompt="capitals\/ask" data-state="pass" title="2000\/2000 passed over 2000 rows"><a href="#response-0-0">✓ 2000\/2000<\/a>/);
    expect(matrix).toMatch(/data-model="b" data-prompt="capitals\/ask" data-state="partial" title="1800\/2000 passed over 2000 rows; failed: row-5, row-15, .*, row-95 and 190 more"><a href="#response-0-1">1800\/2000<\/a>/);
  });

  it('html: the responses of the rows that failed for some model, the first 50, with where the rest are', () => {
    const responses = html.slice(html.indexOf('<section id="responses">'));
    expect(responses).toContain('2000 rows, 200 failed for some model; the first 50 shown; every row&#39;s answer is in latest.json');
    expect(responses.match(/<article class="response-card"/g)).toHaveLength(50 * 2 + 2);
    expect(responses).toContain('<h4>row-5</h4>');
    expect(responses).toContain('id="response-0-1" data-model="b" data-prompt="capitals/ask/row-5" data-status="fail"');
    expect(responses).toContain('id="response-0-1-1" data-model="b" data-prompt="capitals/ask/row-15"');
    expect(responses).toContain('<h4>row-495</h4>');
    expect(responses).not.toContain('row-505<');
    // The matrix's links all land on a card.
    for (const [, target] of html.matchAll(/href="#(response-[\d-]+)"/g)) expect(html).toContain(`id="${target}"`);
  });

  it('html: a dataset where nothing failed shows a sample of its rows', () => {
    const page = renderHtml(baseline);
    expect(page).toContain('2000 rows, none failed; the first 3 shown');
    expect(page.match(/<article class="response-card"/g)).toHaveLength(3 * 2 + 2);
  });

  it('html: lists 200 failures and counts the rest; no section grows with the rows', () => {
    expect(html).toContain('<h2>Failures (200)</h2>');
    const everyFailing = run(() => true);
    const page = renderHtml(everyFailing, { verdict: compareToBaseline(everyFailing, baseline) });
    expect(page).toContain('<h2>Failures (2000)</h2>');
    expect(page).toContain('... and 1800 more: every case is in latest.json');
    // What lists cases is capped; the charts draw every request (a dot each), as for any run of this size.
    const section = (id: string) => page.slice(page.indexOf(`<section id="${id}">`), page.indexOf('</section>', page.indexOf(`<section id="${id}">`)));
    for (const id of ['gate', 'failures', 'matrix', 'responses']) expect(section(id).length, id).toBeLessThan(100_000);
  });

  it('markdown and terminal: the gate names the dataset once, with its flipped rows counted and capped', () => {
    const markdown = renderMarkdown(current, { verdict });
    expect(markdown).toMatch(/200 of 2000 rows newly failing \(row-5, row-15, row-25, row-35, row-45, row-55, row-65, row-75, row-85, row-95 and 190 more\)/);
    expect(markdown.match(/capitals\/ask/g)?.length).toBeLessThan(60);
    const terminal = renderTerminalReport(current, { verdict, width: 200 });
    expect(terminal.replace(/\s+/g, ' ')).toMatch(/✗ b > capitals\/ask: pass rate 1800\/2000 .*200 of 2000 rows newly failing \(row-5, .* and 190 more\)/);
    expect(terminal.split('\n').length).toBeLessThan(60);
  });
});
