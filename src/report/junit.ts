// JUnit XML of a run, rendered from its results like every other report, so that it is written
// at the end with them (atomically, never left empty), also for a run concluded after Ctrl-C
// or merged from shards. vitest's own JUnit reporter opens its file when the run starts: a
// crash, a Ctrl-C or a full disk left it empty.
import type { CaseResult, Results } from '../contract/results.ts';
import { describeScore } from '../criteria/describe.ts';
import { visibleControls } from '../util/control-characters.ts';
import { collectFailures, describeInterruption } from './comparison.ts';

export const JUNIT_REPORT = 'junit.xml';

/** Text as XML 1.0 accepts it: markup escaped, control characters shown as `\xNN` (XML forbids most). */
function xml(text: string): string {
  return visibleControls(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xml(String(value))}"`)
    .join('');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const caseMs = (testCase: CaseResult) => testCase.metrics?.streamCloseMs ?? 0;

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(cases: readonly CaseResult[]): Counts {
  return {
    tests: cases.length,
    failures: cases.filter((testCase) => testCase.status === 'fail').length,
    errors: cases.filter((testCase) => testCase.status === 'error').length,
    skipped: cases.filter((testCase) => testCase.status === 'skip').length,
  };
}

function testcase(testCase: CaseResult, reasons: readonly string[]): string[] {
  const open = `    <testcase${attributes({ classname: testCase.model, name: testCase.name, time: seconds(caseMs(testCase)) })}>`;
  const body: string[] = [];
  // The criteria scores, as the vitest UI's annotation shows them.
  const criteria = testCase.criteria ?? [];
  if (criteria.length > 0) body.push('      <properties>', `        <property${attributes({ name: 'criteria', value: criteria.map(describeScore).join('\n') })}/>`, '      </properties>');
  const detail = reasons.map((reason) => `- ${reason}`).join('\n');
  if (testCase.status === 'fail') body.push(`      <failure${attributes({ message: `${reasons.length} check${reasons.length === 1 ? '' : 's'} failed`, type: 'checks' })}>${xml(detail)}</failure>`);
  if (testCase.status === 'error') body.push(`      <error${attributes({ message: reasons[0] ?? 'error', type: 'error' })}>${xml(detail)}</error>`);
  if (testCase.status === 'skip') body.push(`      <skipped${attributes({ message: 'every check was skipped (content is not judged on synthetic models)' })}/>`);
  if (testCase.response !== '') body.push(`      <system-out>${xml(testCase.response)}</system-out>`);
  return [open, ...body, '    </testcase>'];
}

/**
 * The judge's work as a suite of its own, one test per answer it judged: its scores as a
 * property, a verdict it could not give as an error with what it replied. A broken judge is
 * never the candidate's failure, and never silent in CI either.
 */
function judgeSuite(results: Results): { lines: string[]; tests: number; errors: number } {
  const judge = results.criteria?.judge ?? null;
  if (judge === null) return { lines: [], tests: 0, errors: 0 };
  const classname = `judge:${judge.alias}`;
  const lines: string[] = [];
  let tests = 0;
  let errors = 0;
  for (const testCase of results.cases) {
    const scores = (testCase.criteria ?? []).filter((score) => score.source === 'judge');
    const failed = testCase.judgeErrors ?? [];
    if (scores.length === 0 && failed.length === 0) continue;
    tests++;
    const repeat = results.settings.repeats > 1 ? ` (repeat ${testCase.repeat + 1})` : '';
    lines.push(`    <testcase${attributes({ classname, name: `judge > ${testCase.name}${repeat}`, time: '0.000' })}>`);
    if (scores.length > 0) lines.push('      <properties>', `        <property${attributes({ name: 'criteria', value: scores.map(describeScore).join('\n') })}/>`, '      </properties>');
    if (failed.length > 0) {
      errors++;
      const detail = failed.map((error) => `- ${error.criterion}: ${error.error}; the judge replied: ${error.raw === '' ? '(nothing)' : error.raw}`).join('\n');
      lines.push(`      <error${attributes({ message: `${failed[0]?.criterion}: ${failed[0]?.error}`, type: 'judge' })}>${xml(detail)}</error>`);
    }
    lines.push('    </testcase>');
  }
  if (tests === 0) return { lines: [], tests: 0, errors: 0 };
  const open = `  <testsuite${attributes({ name: classname, tests, failures: 0, errors, skipped: 0, time: '0.000', timestamp: results.createdAt })}>`;
  return { lines: [open, ...lines, '  </testsuite>'], tests, errors };
}

export function renderJunit(results: Results): string {
  const candidateFailures = collectFailures(results).filter((failure) => failure.judge !== true);
  const reasons = new Map(candidateFailures.map((failure) => [`${failure.model}\u0000${failure.prompt}\u0000${failure.repeat}`, failure.reasons]));
  const reasonsOf = (testCase: CaseResult) =>
    reasons.get(`${testCase.model}\u0000${testCase.prompt}\u0000${testCase.repeat}`) ??
    // A model that could not start is one failure entry; each of its tests carries the error.
    [testCase.error ?? 'failed'];
  const suites = results.models.map((model) => {
    const cases = results.cases.filter((testCase) => testCase.model === model.alias);
    const time = cases.reduce((sum, testCase) => sum + caseMs(testCase), 0);
    return [
      `  <testsuite${attributes({ name: model.alias, ...count(cases), time: seconds(time), timestamp: results.createdAt })}>`,
      ...cases.flatMap((testCase) => testcase(testCase, reasonsOf(testCase))),
      '  </testsuite>',
    ];
  });
  const judged = judgeSuite(results);
  const interruption = describeInterruption(results);
  // An interrupted run is one error more, so that CI never reads the cases it has as a complete run.
  const interruptedSuite =
    interruption === null
      ? []
      : [
          `  <testsuite${attributes({ name: 'edge-evals', tests: 1, failures: 0, errors: 1, skipped: 0, time: '0.000', timestamp: results.createdAt })}>`,
          `    <testcase${attributes({ classname: 'edge-evals', name: 'run completed', time: '0.000' })}>`,
          `      <error${attributes({ message: interruption, type: 'interrupted' })}/>`,
          '    </testcase>',
          '  </testsuite>',
        ];
  const totals = count(results.cases);
  totals.tests += judged.tests;
  totals.errors += judged.errors;
  if (interruption !== null) totals.errors++;
  const time = results.cases.reduce((sum, testCase) => sum + caseMs(testCase), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'edge-evals', ...totals, tests: totals.tests + (interruption === null ? 0 : 1), time: seconds(time), timestamp: results.createdAt })}>`,
    ...suites.flat(),
    ...judged.lines,
    ...interruptedSuite,
    '</testsuites>',
    '',
  ].join('\n');
}
