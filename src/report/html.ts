// The HTML report: one self-contained file (inline CSS and SVG, no script, no request at
// view time; its Content-Security-Policy forbids any) with the comparison table, the gate
// verdict, the charts, the pass/fail matrix and the responses side by side. Every string
// that came from a model, a prompt or the user is escaped.
import type { CaseResult, Results } from '../contract/results.ts';
import type { HistoryRun } from '../results/files.ts';
import type { Finding, GateVerdict } from '../stats/gate.ts';
import { visibleControls } from '../util/control-characters.ts';
import {
  collectFailures,
  comparableRuns,
  comparisonColumns,
  describeInterruption,
  describeMachine,
  describeMachineLoad,
  describeRun,
  describeSettings,
  describeTime,
  leftOutNote,
  modelVerdict,
  recommendationLines,
  skippedChecksNote,
  TREND_METRICS,
  trendLabels,
  trendModels,
  trendValues,
  type Failure,
} from './comparison.ts';
import { formatMB, formatMs, formatRate } from './format.ts';
import { describeConfidence, describeMachineComparison, describeWarning, findingCells, notableFindings, verdictTitle } from './gate.ts';
import { caseSections, statusBadge } from './html-cases.ts';
import { CRITERIA_STYLE, criteriaNotes, criteriaSection, hasCriteria } from './html-criteria.ts';
import { busyWarnings, memoryRows } from './machine.ts';
import { barChart, distributionChart, escapeHtml, lineChart } from './svg.ts';

export interface HtmlOptions {
  verdict?: GateVerdict | null;
  /** Earlier runs, oldest first, for the trend charts (shown with two runs or more). */
  history?: readonly HistoryRun[];
}

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --pass: #1a7f37; --fail: #cf222e; --skip: #6e7781; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta, .note, figcaption { color: var(--muted); }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pass { color: var(--pass); } .fail, .error { color: var(--fail); } .skip { color: var(--skip); } .planted { color: #7d4e00; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; border: 1px solid currentColor; }
.verdict { padding: 8px 12px; border-radius: 6px; border: 1px solid; font-weight: 600; }
.verdict.ok { color: var(--pass); background: #dafbe1; } .verdict.failed { color: var(--fail); background: #ffebe9; }
.verdict.interrupted, .verdict.inconclusive { color: #7d4e00; background: #fff8c5; }
.matrix td { text-align: center; min-width: 64px; }
.matrix td.cell-pass { background: #dafbe1; } .matrix td.cell-fail { background: #ffebe9; } .matrix td.cell-partial { background: #fff8c5; }
.matrix td a { color: inherit; text-decoration: none; display: block; }
figure { margin: 12px 0 24px; max-width: 900px; } figcaption { margin-bottom: 4px; }
svg .grid { stroke: #eaeef2; } svg .tick, svg .note { fill: #57606a; font-size: 11px; } svg .label { fill: #1b1f24; font-size: 12px; }
svg .value { fill: #1b1f24; font-size: 12px; } svg .value.inside { fill: #ffffff; } svg text { font-family: system-ui, sans-serif; }
.side-by-side { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
.response-card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; min-width: 0; }
.response-card h4 { margin: 0 0 4px; font-size: 14px; display: flex; justify-content: space-between; gap: 8px; }
.metrics { color: var(--muted); font-size: 12px; margin: 0 0 6px; }
pre.response { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg-soft); padding: 8px; border-radius: 4px; max-height: 360px; overflow: auto; margin: 0 0 6px; font-size: 12.5px; }
ul.checks { margin: 0; padding-left: 18px; font-size: 12.5px; }
details > summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
.error-text { color: var(--fail); white-space: pre-wrap; overflow-wrap: anywhere; }
`;

const text = (value: string) => escapeHtml(visibleControls(value));

function comparisonTable(results: Results): string {
  if (results.models.length === 0) return '<p>No models were evaluated.</p>';
  const columns = comparisonColumns(results);
  const head = columns.map((column) => `<th>${text(column.header)}</th>`).join('');
  const failures = collectFailures(results);
  const rows = results.models.map((model) => {
    const cells = columns.map((column, index) => {
      const value = text(column.value(model));
      if (index === 0) return `<th scope="row">${value}</th>`;
      if (column.header === 'Checks') return `<td class="num ${modelVerdict(model, failures)}">${value}</td>`;
      return `<td class="num">${value}</td>`;
    });
    return `<tr data-model="${text(model.alias)}">${cells.join('')}</tr>`;
  });
  const note = skippedChecksNote(results);
  const table = `<table class="comparison"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return note === null ? table : `${table}<p class="note">${text(note)}</p>`;
}

function gateTable(findings: readonly Finding[]): string {
  const rows = findings.map((finding) => {
    const cells = findingCells(finding);
    return (
      `<tr data-outcome="${finding.outcome}"><td>${text(cells.scope)}</td><td>${text(cells.metric)}</td>` +
      `<td class="num">${text(cells.baseline)}</td><td class="num">${text(cells.current)}</td><td class="num">${text(cells.change)}</td>` +
      `<td>${text(cells.tolerance)}</td><td>${text(cells.evidence)}</td></tr>`
    );
  });
  return `<table><thead><tr><th>Test</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Change [interval]</th><th>Tolerance</th><th>Evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function gateSection(verdict: GateVerdict): string {
  const state = !verdict.ok ? 'failed' : verdict.outcome === 'inconclusive' ? 'inconclusive' : 'ok';
  const parts = [`<section id="gate"><h2>Gate</h2><p class="verdict ${state}">${text(verdictTitle(verdict))}</p>`];
  const findings = notableFindings(verdict);
  const sections: [string, Finding['outcome']][] = [['Regressions', 'regression'], ['Too noisy to tell', 'inconclusive'], ['Improvements', 'improvement']];
  for (const [heading, outcome] of sections) {
    const selected = findings.filter((finding) => finding.outcome === outcome);
    if (selected.length > 0) parts.push(`<h3>${heading}</h3>${gateTable(selected)}`);
  }
  if (verdict.warnings.length > 0) {
    parts.push(`<h3>Warnings</h3><ul>${verdict.warnings.map((warning) => `<li>${text(describeWarning(warning))}</li>`).join('')}</ul>`);
  }
  const machine = describeMachineComparison(verdict);
  parts.push(`<p class="note">${machine === null ? '' : `${text(machine)} · `}${text(describeConfidence(verdict))}</p>`);
  parts.push('</section>');
  return parts.join('');
}

/** Failures listed before "... and N more": a dataset's thousands of failing rows would be megabytes. */
const FAILURES_SHOWN = 200;

function failuresSection(results: Results): string {
  const failures = collectFailures(results);
  const list = (listed: Failure[], reasonClass: string) => {
    const items = listed
      .slice(0, FAILURES_SHOWN)
      .map(
        (failure) =>
          `<li><strong>${text(failure.name)}</strong> ${statusBadge(failure.status)}<ul>${failure.reasons.map((reason) => `<li class="${reasonClass}">${text(reason)}</li>`).join('')}</ul></li>`,
      );
    const more = listed.length - items.length;
    return items.join('') + (more > 0 ? `<li class="note">... and ${more} more: every case is in latest.json</li>` : '');
  };
  const unexpected = failures.filter((failure) => !failure.planted);
  const planted = failures.filter((failure) => failure.planted);
  if (failures.length === 0) return '';
  return (
    '<section id="failures">' +
    (unexpected.length === 0 ? '' : `<h2>Failures (${unexpected.length})</h2><ul>${list(unexpected, 'error-text')}</ul>`) +
    (planted.length === 0 ? '' : `<h2>Planted defects caught (${planted.length})</h2><p>Expected failures of models with known answers: each names the defect planted in the answer.</p><ul>${list(planted, 'planted')}</ul>`) +
    '</section>'
  );
}

/** Values of a metric for a model's measured cases (errors and missing metrics left out, as in the summaries). */
function caseValues(results: Results, alias: string, pick: (metrics: NonNullable<CaseResult['metrics']>) => number | null): number[] {
  return results.cases.flatMap((testCase) => {
    if (testCase.model !== alias || testCase.metrics === null || testCase.error !== null) return [];
    const value = pick(testCase.metrics);
    return value === null || !Number.isFinite(value) ? [] : [value];
  });
}

function chartsSection(results: Results): string {
  if (results.models.length === 0) return '';
  const aliases = results.models.map((model) => model.alias);
  const figure = (caption: string, chart: string) => `<figure><figcaption>${text(caption)}</figcaption>${chart}</figure>`;
  const ms = (value: number) => formatMs(value);
  return (
    '<section id="charts"><h2>Charts</h2>' +
    figure(
      'Time to first token per request (box: p25 to p75, thick line: median, whiskers: min to max, dots: every request)',
      distributionChart('TTFT per model', aliases.map((alias) => ({ label: alias, values: caseValues(results, alias, (metrics) => metrics.ttftMs) })), ms),
    ) +
    figure(
      'End-to-end latency per request (last output token)',
      distributionChart('E2E latency per model', aliases.map((alias) => ({ label: alias, values: caseValues(results, alias, (metrics) => metrics.e2eMs) })), ms),
    ) +
    figure(
      'Output tokens per second, median over requests',
      barChart('Tokens per second per model', results.models.map((model) => ({ label: model.alias, value: model.summary.tokensPerSec.p50 })), formatRate),
    ) +
    figure(
      "Peak resident memory of the model's processes",
      barChart('Peak memory per model', results.models.map((model) => ({ label: model.alias, value: model.peakRssMB })), formatMB),
    ) +
    '</section>'
  );
}

function memorySection(results: Results): string {
  const busy = busyWarnings(results).map((warning) => `<p class="verdict interrupted">${text(warning)}</p>`).join('');
  const rows = memoryRows(results);
  if (rows.length === 0) return busy;
  const body = rows.map((row) => `<tr data-fits="${String(row.fits)}"><th scope="row">${text(row.model)}</th>${[row.need, row.free, row.courseMinimum, row.verdict].map((cell) => `<td>${text(cell)}</td>`).join('')}</tr>`);
  return `${busy}<section id="memory"><h2>Memory: which models fit this machine</h2><table><thead><tr><th>Model</th><th>Needs</th><th>Free at load</th><th>Course minimum RAM</th><th>Fits</th></tr></thead><tbody>${body.join('')}</tbody></table></section>`;
}

function trendSection(trend: { runs: readonly HistoryRun[]; leftOut: number }): string {
  const history = trend.runs;
  if (history.length < 2) return '';
  const labels = trendLabels(history);
  const models = trendModels(history);
  const charts = TREND_METRICS.map((metric) => {
    const series = models.map((alias) => ({ label: alias, values: trendValues(history, alias, metric) }));
    const format = (value: number) => metric.format(value);
    return `<figure><figcaption>${text(`${metric.label} per run (${metric.better} is better)`)}</figcaption>${lineChart(`${metric.label} over the last ${history.length} runs`, labels, series, format)}</figure>`;
  });
  return `<section id="trend"><h2>${text(`Trend over the last ${history.length} runs${leftOutNote(trend.leftOut)}`)}</h2>${charts.join('')}</section>`;
}

export function renderHtml(results: Results, options: HtmlOptions = {}): string {
  const cases = caseSections(results);
  const verdict = options.verdict ?? null;
  const trend = comparableRuns(options.history ?? [], results);
  const recommendations = recommendationLines(results);
  const interruption = describeInterruption(results);
  const load = describeMachineLoad(results);
  const sections = [
    ['summary', 'Summary'],
    ...(verdict === null ? [] : [['gate', 'Gate']]),
    ...(collectFailures(results).length === 0 ? [] : [['failures', 'Failures']]),
    ...(hasCriteria(results) ? [['criteria', 'Criteria']] : []),
    ...(memoryRows(results).length === 0 ? [] : [['memory', 'Memory']]),
    ['charts', 'Charts'],
    ['matrix', 'Pass/fail'],
    ['responses', 'Responses'],
    ...(trend.runs.length < 2 ? [] : [['trend', 'Trend']]),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(`edge-evals results, ${describeTime(results.createdAt)}`)}</title>`,
    `<style>${STYLE}${CRITERIA_STYLE}</style></head><body>`,
    `<header><h1>edge-evals results</h1><p class="meta">${text(describeRun(results))} · ${text(describeSettings(results))}<br>${text(describeMachine(results.machine))} · ${text(describeTime(results.createdAt))}${load === null ? '' : `<br>${text(load)}`}</p>`,
    interruption === null ? '' : `<p class="verdict interrupted" id="interrupted">${text(interruption)}</p>`,
    `<nav>${sections.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav></header>`,
    `<section id="summary"><h2>Summary</h2>${comparisonTable(results)}${criteriaNotes(results)}`,
    recommendations.length === 0
      ? ''
      : `<h3>Recommendation</h3><ul>${recommendations.map((line) => `<li><strong>${text(line.category)}</strong>: ${text(line.model)} — ${text(line.reason)}</li>`).join('')}</ul>`,
    '</section>',
    verdict === null ? '' : gateSection(verdict),
    failuresSection(results),
    criteriaSection(results),
    memorySection(results),
    chartsSection(results),
    cases.matrix,
    cases.responses,
    trendSection(trend),
    `<footer class="note"><p>edge-evals ${text(results.edgeEvalsVersion)} · percentiles: ${text(results.settings.percentileMethod)} interpolation · generated from the results of ${text(results.createdAt)}</p></footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
