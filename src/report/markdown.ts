// The Markdown report: what CI shows in the job summary ($GITHUB_STEP_SUMMARY) and what a
// pull request comment can quote. Everything that came from a model or a user is escaped,
// so a response cannot inject links, images or HTML into the summary.
import type { Results } from '../contract/results.ts';
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
  sparkline,
  TREND_METRICS,
  trendModels,
  trendValues,
  type Failure,
} from './comparison.ts';
import { AGREEMENT_NOTE, agreementRows, describeCriteria, describeJudge } from './criteria.ts';
import { describeConfidence, describeMachineComparison, describeWarning, findingCells, notableFindings, verdictTitle } from './gate.ts';
import { busyWarnings, memoryRows } from './machine.ts';

export interface MarkdownOptions {
  verdict?: GateVerdict | null;
  /** Earlier runs, oldest first, the current one included last when it was saved. */
  history?: readonly HistoryRun[];
  /** Failures listed before "... and N more"; keeps the summary under GitHub's 1 MiB. */
  maxFailures?: number;
  /** Longest reason text kept per failure. */
  maxReasonLength?: number;
}

// Enough to neutralise emphasis, code, links and images (no `[`), HTML (no `<`), entities and
// table cells; untrusted text never starts a line, so `#`, `-` and `>` quotes cannot apply.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|~&]/g;

/** Inline text that renders as itself: no emphasis, links, images, HTML or table breaks. */
export function escapeMarkdown(text: string): string {
  return visibleControls(text.replace(/\r?\n|\r/g, ' '))
    .replace(MARKDOWN_SPECIAL, (character) => (character === '&' ? '&amp;' : character === '<' ? '&lt;' : character === '>' ? '&gt;' : `\\${character}`));
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function table(headers: string[], aligns: ('left' | 'right')[], rows: string[][]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${aligns.map((align) => (align === 'right' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function comparisonSection(results: Results): string[] {
  if (results.models.length === 0) return ['No models were evaluated.'];
  const columns = comparisonColumns(results);
  const failures = collectFailures(results);
  const mark = { pass: '✅', planted: '☑️', fail: '❌' } as const;
  const rows = results.models.map((model) =>
    columns.map((column, index) => {
      const text = escapeMarkdown(column.value(model));
      if (index === 0) return `**${text}**`;
      return column.header === 'Checks' ? `${mark[modelVerdict(model, failures)]} ${text}` : text;
    }),
  );
  const note = skippedChecksNote(results);
  return [
    ...table(
      columns.map((column) => (column.header === 'Peak mem' ? 'Peak memory' : column.header === 'Checks' ? 'Checks passed' : column.header)),
      columns.map((column) => column.align),
      rows,
    ),
    ...(note === null ? [] : ['', escapeMarkdown(note)]),
  ];
}

function agreementSection(results: Results): string[] {
  const rows = agreementRows(results);
  if (rows.length === 0) return [];
  const headers = ['Criterion', 'Between', 'Answers', 'Weighted kappa', 'Spearman', 'Mean difference'];
  const cells = rows.map((row) => [escapeMarkdown(row.criterion), escapeMarkdown(row.between), String(row.n), row.kappa, row.spearman, escapeMarkdown(row.meanDifference)]);
  return ['', '### Agreement', '', ...table(headers, ['left', 'left', 'right', 'right', 'right', 'right'], cells), '', escapeMarkdown(AGREEMENT_NOTE)];
}

function gateRows(findings: readonly Finding[]): string[][] {
  return findings.map((finding) => {
    const cells = findingCells(finding);
    return [cells.scope, cells.metric, cells.baseline, cells.current, cells.change, cells.tolerance, cells.evidence].map(escapeMarkdown);
  });
}

function gateSection(verdict: GateVerdict): string[] {
  const headers = ['Test', 'Metric', 'Baseline', 'Current', 'Change [interval]', 'Tolerance', 'Evidence'];
  const aligns: ('left' | 'right')[] = ['left', 'left', 'right', 'right', 'right', 'left', 'left'];
  const icon = !verdict.ok ? '❌' : verdict.outcome === 'inconclusive' ? '⚠️' : '✅';
  const lines = ['', `### ${icon} ${escapeMarkdown(verdictTitle(verdict))}`];
  const findings = notableFindings(verdict);
  const sections: [string, Finding['outcome']][] = [['Regressions', 'regression'], ['Too noisy to tell', 'inconclusive'], ['Improvements', 'improvement']];
  for (const [heading, outcome] of sections) {
    const selected = findings.filter((finding) => finding.outcome === outcome);
    if (selected.length > 0) lines.push('', `**${heading}**`, '', ...table(headers, aligns, gateRows(selected)));
  }
  if (verdict.warnings.length > 0) lines.push('', '**Warnings**', '', ...verdict.warnings.map((warning) => `- ⚠️ ${escapeMarkdown(describeWarning(warning))}`));
  if (findings.length === 0) lines.push('', `${verdict.findings.length} figures compared; every change beyond its tolerance ruled out.`);
  const machine = describeMachineComparison(verdict);
  lines.push('', `<sub>${machine === null ? '' : `${escapeMarkdown(machine)} · `}${escapeMarkdown(describeConfidence(verdict))}</sub>`);
  return lines;
}

function failureSection(results: Results, options: MarkdownOptions): string[] {
  const failures = collectFailures(results);
  const limit = options.maxFailures ?? 50;
  const reasonLength = options.maxReasonLength ?? 300;
  const list = (title: string, shown: Failure[], note?: string) => {
    if (shown.length === 0) return [];
    const lines = ['', `### ${title} (${shown.length})`, '', ...(note === undefined ? [] : [note, ''])];
    for (const failure of shown.slice(0, limit)) {
      const reasons = failure.reasons.map((reason) => escapeMarkdown(clip(reason, reasonLength))).join('; ');
      lines.push(`- **${escapeMarkdown(failure.name)}** (${failure.status}): ${reasons}`);
    }
    if (shown.length > limit) lines.push(`- … and ${shown.length - limit} more (see the HTML report or results JSON)`);
    return lines;
  };
  return [
    ...list('Failures', failures.filter((failure) => !failure.planted)),
    ...list(
      'Planted defects caught',
      failures.filter((failure) => failure.planted),
      'Expected failures of models with known answers: each names the defect planted in the answer.',
    ),
  ];
}

function memorySection(results: Results): string[] {
  const busy = busyWarnings(results).flatMap((warning) => ['', `> ⚠️ ${escapeMarkdown(warning)}`]);
  const rows = memoryRows(results);
  if (rows.length === 0) return busy;
  const headers = ['Model', 'Needs', 'Free at load', 'Course minimum RAM', 'Fits'];
  const cells = rows.map((row) => [`**${escapeMarkdown(row.model)}**`, ...[row.need, row.free, row.courseMinimum, row.verdict].map(escapeMarkdown)]);
  return [...busy, '', '### Memory: which models fit this machine', '', ...table(headers, headers.map(() => 'left'), cells)];
}

function trendSection(trend: { runs: readonly HistoryRun[]; leftOut: number }): string[] {
  const history = trend.runs;
  if (history.length < 2) return [];
  const models = trendModels(history);
  const headers = ['Model', ...TREND_METRICS.map((metric) => `${metric.label} (first → last)`)];
  const rows = models.map((alias) => [
    `**${escapeMarkdown(alias)}**`,
    ...TREND_METRICS.map((metric) => {
      const values = trendValues(history, alias, metric);
      const present = values.filter((value): value is number => value !== null);
      const first = present[0] ?? null;
      const last = present.at(-1) ?? null;
      return `\`${sparkline(values)}\` ${escapeMarkdown(metric.format(first))} → ${escapeMarkdown(metric.format(last))}`;
    }),
  ]);
  const span = `${describeTime(history[0]?.createdAt ?? '')} to ${describeTime(history.at(-1)?.createdAt ?? '')}`;
  return ['', `### Trend over the last ${history.length} runs${escapeMarkdown(leftOutNote(trend.leftOut))}`, '', `${escapeMarkdown(span)}`, '', ...table(headers, headers.map(() => 'left'), rows)];
}

export function renderMarkdown(results: Results, options: MarkdownOptions = {}): string {
  const lines = [
    '## edge-evals results',
    '',
    `${escapeMarkdown(describeRun(results))} · ${escapeMarkdown(describeSettings(results))}  `,
    `${escapeMarkdown(describeMachine(results.machine))} · ${escapeMarkdown(describeTime(results.createdAt))}`,
    '',
  ];
  const load = describeMachineLoad(results);
  if (load !== null) lines.push(`<sub>${escapeMarkdown(load)}</sub>`, '');
  const interruption = describeInterruption(results);
  if (interruption !== null) lines.push(`> ⚠️ **${escapeMarkdown(interruption)}**`, '');
  lines.push(...comparisonSection(results));
  for (const note of [describeCriteria(results), describeJudge(results)]) if (note !== null) lines.push('', escapeMarkdown(note));
  lines.push(...agreementSection(results));
  const recommendations = recommendationLines(results);
  if (recommendations.length > 0) {
    lines.push('', '### Recommendation', '');
    for (const line of recommendations) {
      lines.push(`- **${escapeMarkdown(line.category)}**: ${escapeMarkdown(line.model)} — ${escapeMarkdown(line.reason)}`);
    }
  }
  if (options.verdict !== undefined && options.verdict !== null) lines.push(...gateSection(options.verdict));
  lines.push(...failureSection(results, options));
  lines.push(...memorySection(results));
  if (options.history !== undefined) lines.push(...trendSection(comparableRuns(options.history, results)));
  lines.push('', `<sub>edge-evals ${escapeMarkdown(results.edgeEvalsVersion)} · percentiles: ${results.settings.percentileMethod} interpolation</sub>`, '');
  return lines.join('\n');
}
