// The end-of-run report in the terminal: the comparison table, the recommendation, the
// failures and the gate verdict. Fits the given width (80 columns by default, columns of
// lesser importance are dropped before anything wraps) and uses colour only when asked.
import type { Results } from '../contract/results.ts';
import type { GateVerdict } from '../stats/gate.ts';
import { agreementRows, describeCriteria, describeJudge } from './criteria.ts';
import { terminalText } from '../util/control-characters.ts';
import {
  collectFailures,
  comparisonColumns,
  describeInterruption,
  describeMachine,
  describeMachineLoad,
  describeRun,
  describeSettings,
  modelVerdict,
  recommendationLines,
  skippedChecksNote,
  type ComparisonColumn,
} from './comparison.ts';
import { describeConfidence, describeFinding, describeMachineComparison, describeWarning, mostChanged, notableFindings, verdictTitle } from './gate.ts';
import { busyWarnings, memorySummary } from './machine.ts';

export interface TerminalOptions {
  /** Columns available; lines never exceed it. */
  width?: number;
  color?: boolean;
  verdict?: GateVerdict | null;
  /** Failures listed before "... and N more". */
  maxFailures?: number;
  /** Gate improvements listed before "... and N more". */
  maxImprovements?: number;
}

export const DEFAULT_TERMINAL_WIDTH = 80;
const MIN_WIDTH = 40;
const MIN_MODEL_COLUMN = 8;
const WANTED_MODEL_COLUMN = 16;
const COLUMN_GAP = 2;

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow';
const ANSI: Record<Style, [number, number]> = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] };

/** Colour when the stream is a terminal and NO_COLOR is unset; FORCE_COLOR forces it. */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** The stream's width when it is a terminal, else 80. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY === true && stream.columns !== undefined && stream.columns > 0 ? stream.columns : DEFAULT_TERMINAL_WIDTH;
}

function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** Word-wrap `text` to `width`, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => Math.max(1, width - (lines.length === 0 ? 0 : indent));
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    let rest = word;
    for (;;) {
      const candidate = line === '' ? rest : `${line} ${rest}`;
      if (candidate.length <= room()) {
        line = candidate;
        break;
      }
      if (line !== '') {
        lines.push(line);
        line = '';
        continue;
      }
      // A word longer than a line (a path, a URL) is cut, never left to overflow.
      const limit = room();
      lines.push(rest.slice(0, limit));
      rest = rest.slice(limit);
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines.map((content, index) => (index === 0 ? content : `${' '.repeat(indent)}${content}`));
}

interface Layout {
  columns: ComparisonColumn[];
  widths: number[];
}

/**
 * Drop the extra columns if the model names do not fit, then others by `dropOrder` until the
 * table fits with the narrowest model column, then widen it.
 */
function layoutTable(all: readonly ComparisonColumn[], cells: string[][], width: number): Layout {
  const naturalWidth = (column: ComparisonColumn) => {
    const index = all.indexOf(column);
    return Math.max(column.header.length, ...cells.map((row) => (row[index] ?? '').length));
  };
  const isModel = (column: ComparisonColumn) => column === all[0];
  const othersWidth = (set: ComparisonColumn[]) =>
    set.filter((column) => !isModel(column)).reduce((sum, column) => sum + naturalWidth(column), 0) + COLUMN_GAP * (set.length - 1);
  let columns = [...all];
  const modelName = naturalWidth(all[0] as ComparisonColumn);
  while (othersWidth(columns) + modelName > width && columns.some((column) => column.extra === true)) {
    columns = columns.filter((column) => column !== columns.find((candidate) => candidate.extra === true));
  }
  // Whole model names (up to a point) before more figures: a table of "fixture-ti…" rows says little.
  const wantedModelWidth = Math.min(modelName, WANTED_MODEL_COLUMN);
  while (othersWidth(columns) + wantedModelWidth > width) {
    const next = columns.filter((column) => column.dropOrder > 0).sort((a, b) => b.dropOrder - a.dropOrder)[0];
    if (next === undefined) break;
    columns = columns.filter((column) => column !== next);
  }
  const modelWidth = Math.max(MIN_MODEL_COLUMN, Math.min(modelName, width - othersWidth(columns)));
  return { columns, widths: columns.map((column) => (isModel(column) ? modelWidth : naturalWidth(column))) };
}

export function renderTerminalReport(results: Results, options: TerminalOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.width ?? DEFAULT_TERMINAL_WIDTH);
  const paint = (style: Style, text: string) => {
    if (options.color !== true || text === '') return text;
    const [open, close] = ANSI[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
  const out: string[] = [];
  const block = (text: string, indent = 0, style?: Style) => {
    for (const line of wrap(terminalText(text), width - indent, 2)) out.push(`${' '.repeat(indent)}${style === undefined ? line : paint(style, line)}`);
  };
  // Wrapped as plain text first, so that colour codes never count towards the width.
  const bullet = (symbol: string, style: Style, text: string) => {
    wrap(`${symbol} ${terminalText(text)}`, width - 2, 2).forEach((line, index) => {
      out.push(`  ${index === 0 ? `${paint(style, symbol)}${line.slice(symbol.length)}` : line}`);
    });
  };

  block(`edge-evals · ${describeRun(results)}`, 0, 'bold');
  block(`${describeSettings(results)} · ${describeMachine(results.machine)}`, 0, 'dim');
  const interruption = describeInterruption(results);
  if (interruption !== null) block(interruption, 0, 'yellow');
  const load = describeMachineLoad(results);
  if (load !== null) block(load, 0, 'dim');
  out.push('');

  if (results.models.length === 0) {
    out.push('No models were evaluated.');
  } else {
    const all = comparisonColumns(results);
    const cells = results.models.map((model) => all.map((column) => terminalText(column.value(model))));
    const { columns, widths } = layoutTable(all, cells, width);
    const failures = collectFailures(results);
    const verdictStyle = { pass: 'green', planted: 'yellow', fail: 'red' } as const;
    const pad = (text: string, column: ComparisonColumn, cellWidth: number) => {
      const fitted = truncate(text, cellWidth);
      return column.align === 'right' ? fitted.padStart(cellWidth) : fitted.padEnd(cellWidth);
    };
    const gap = ' '.repeat(COLUMN_GAP);
    out.push(paint('bold', columns.map((column, index) => pad(column.header, column, widths[index] ?? 0)).join(gap).trimEnd()));
    out.push(paint('dim', widths.map((cellWidth) => '─'.repeat(cellWidth)).join(gap)));
    results.models.forEach((model, row) => {
      const line = columns.map((column, index) => {
        const text = pad(cells[row]?.[all.indexOf(column)] ?? '', column, widths[index] ?? 0);
        return column.header === 'Checks' ? paint(verdictStyle[modelVerdict(model, failures)], text) : text;
      });
      out.push(line.join(gap).trimEnd());
    });
    const skipped = skippedChecksNote(results);
    if (skipped !== null) block(skipped, 0, 'dim');
    const dropped = all.filter((column) => !columns.includes(column)).map((column) => column.header);
    if (dropped.length > 0) block(`(not shown at this width: ${dropped.join(', ')})`, 0, 'dim');
    for (const note of [describeCriteria(results), describeJudge(results)]) if (note !== null) block(note, 0, 'dim');
    const agreement = agreementRows(results);
    if (agreement.length > 0) {
      out.push('', paint('bold', 'Agreement (weighted kappa, Spearman)'));
      for (const row of agreement) block(`${row.criterion}, ${row.between}: ${row.kappa}, ${row.spearman} over ${row.n} answers`, 2);
    }
  }

  const memory = memorySummary(results);
  if (memory !== null) block(memory, 0, results.models.some((model) => model.memory?.fits === false) ? 'yellow' : 'dim');
  for (const warning of busyWarnings(results)) bullet('!', 'yellow', warning);

  const recommendations = recommendationLines(results);
  if (recommendations.length > 0) {
    out.push('', paint('bold', 'Recommendation'));
    for (const line of recommendations) block(`${line.category}: ${line.model} - ${line.reason}`, 2);
  }

  const failures = collectFailures(results);
  const list = (title: string, listed: typeof failures, symbol: string, style: Style) => {
    if (listed.length === 0) return;
    const shown = listed.slice(0, options.maxFailures ?? 10);
    out.push('', paint('bold', `${title} (${listed.length})`));
    for (const failure of shown) bullet(symbol, style, `${failure.name}: ${failure.reasons.join('; ')}`);
    if (listed.length > shown.length) block(`... and ${listed.length - shown.length} more (see the Markdown or HTML report)`, 2, 'dim');
  };
  list('Failures', failures.filter((failure) => !failure.planted), '✗', 'red');
  // Expected: models with known answers failing the checks that catch their planted defects.
  list('Planted defects caught', failures.filter((failure) => failure.planted), '○', 'yellow');

  const verdict = options.verdict;
  if (verdict !== undefined && verdict !== null) {
    out.push('');
    const style: Style = !verdict.ok ? 'red' : verdict.outcome === 'inconclusive' ? 'yellow' : 'green';
    block(verdictTitle(verdict), 0, style);
    const findings = notableFindings(verdict);
    const improvements = findings.filter((finding) => finding.outcome === 'improvement');
    const shownImprovements = improvements.slice(0, options.maxImprovements ?? 5);
    for (const finding of findings) {
      if (finding.outcome === 'improvement' && !shownImprovements.includes(finding)) continue;
      const [symbol, colour]: [string, Style] = finding.outcome === 'regression' ? ['✗', 'red'] : finding.outcome === 'inconclusive' ? ['?', 'yellow'] : ['↑', 'green'];
      bullet(symbol, colour, describeFinding(finding));
      const changed = finding.kind === 'latency' && finding.outcome !== 'improvement' ? mostChanged(finding) : null;
      if (changed !== null) block(changed, 4, 'dim');
    }
    if (improvements.length > shownImprovements.length) block(`... and ${improvements.length - shownImprovements.length} more improvements`, 2, 'dim');
    for (const warning of verdict.warnings) bullet('!', 'yellow', describeWarning(warning));
    const machine = describeMachineComparison(verdict);
    if (machine !== null) block(machine, 2, 'dim');
    block(describeConfidence(verdict), 2, 'dim');
  }
  return `${out.join('\n')}\n`;
}
