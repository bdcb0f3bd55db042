// The gate's verdict in words. The gate (src/stats/gate.ts) returns data; every report (the
// terminal, Markdown, HTML and the title in gate.json) says it with these functions, so they
// all say the same thing about the same finding.
import type { CriterionFinding, Finding, GatedSource, GateVerdict, GateWarning, LatencyFinding, MemoryFinding, Outcome, PassCount, PassRateFinding, RowChanges } from '../stats/gate.ts';
import type { PlanRow } from '../stats/plan.ts';
import { describeMachine } from './comparison.ts';
import { formatChange, formatMB, formatMs, formatPercent } from './format.ts';

const METRIC_LABELS: Record<LatencyFinding['metric'], string> = { ttftMs: 'TTFT', tpotMs: 'TPOT' };

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A ratio as a signed change: `+52%`, `-8.5%`, `±0%`. */
export function formatRatio(ratio: number): string {
  const percent = (ratio - 1) * 100;
  const rounded = Math.abs(percent) >= 10 ? Math.round(percent).toString() : percent.toFixed(1);
  if (Number(rounded) === 0) return '±0%';
  return `${percent > 0 ? '+' : ''}${rounded}%`;
}

/** A p-value the way people read it: `p = 0.031`, `p < 0.001`. */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

export function countOutcomes(verdict: GateVerdict): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { regression: 0, improvement: 0, within: 0, inconclusive: 0 };
  for (const finding of verdict.findings) counts[finding.outcome]++;
  return counts;
}

/** `fixture-small`, `fixture-small > code/sort` (a test or dataset), `fixture-small (all tests)` for a model's pooled pass rate or score. */
export function describeScope(finding: Finding): string {
  if (finding.kind === 'memory' || (finding.kind === 'latency' && finding.test === null)) return finding.model;
  return finding.test === null ? `${finding.model} (all tests)` : `${finding.model} > ${finding.test}`;
}

/** What the finding measured: `TPOT`, `pass rate`, `peak memory`, `completeness (key-points)`. */
export function describeMetric(finding: Finding): string {
  if (finding.kind === 'latency') return METRIC_LABELS[finding.metric];
  if (finding.kind === 'criterion') return `${finding.criterion} (${finding.scorers.join(', ')})`;
  return finding.kind === 'memory' ? 'peak memory' : 'pass rate';
}

/** One line for CI's check title. */
export function verdictTitle(verdict: GateVerdict): string {
  const counts = countOutcomes(verdict);
  const extras = [
    counts.improvement > 0 ? plural(counts.improvement, 'improvement') : null,
    verdict.outcome === 'regression' && counts.inconclusive > 0 ? `${counts.inconclusive} too noisy to tell` : null,
    verdict.warnings.length > 0 ? plural(verdict.warnings.length, 'warning') : null,
  ].filter((part): part is string => part !== null);
  const suffix = extras.length > 0 ? ` (${extras.join(', ')})` : '';
  if (verdict.incomplete !== null) {
    const measured = counts.regression > 0 ? plural(counts.regression, 'regression') : 'no regressions';
    return `Gate not passed: ${verdict.incomplete} (${measured} in what was measured)`;
  }
  switch (verdict.outcome) {
    case 'regression':
      return `Gate failed: ${plural(counts.regression, 'regression')} against the baseline${suffix}`;
    case 'inconclusive': {
      const policy = verdict.settings.inconclusive === 'lenient' ? 'not failing (EVAL_GATE_INCONCLUSIVE=lenient)' : 'failing (EVAL_GATE_INCONCLUSIVE=strict)';
      return `Gate inconclusive: ${plural(counts.inconclusive, 'figure')} too noisy to tell, ${policy}${suffix}`;
    }
    case 'pass':
      return `Gate passed: no regressions against the baseline${suffix}`;
  }
}

/** `the 20% tolerance`, or `the 5 ms floor (+42%)` where the floor is the larger. */
function describeThreshold(finding: LatencyFinding | MemoryFinding): string {
  const unit = finding.kind === 'memory' ? formatMB : formatMs;
  const relative = finding.tolerance.relative;
  if (finding.threshold - 1 > relative + 1e-9) return `the ${unit(finding.tolerance.absolute)} floor (${formatRatio(finding.threshold)})`;
  return `the ${Math.round(relative * 100)}% tolerance`;
}

/** `+52% [+41%, +63%]`: the change and its interval. */
export function describeChange(finding: LatencyFinding): string {
  return `${formatRatio(finding.ratio)} [${formatRatio(finding.interval.low)}, ${formatRatio(finding.interval.high)}]`;
}

function describeSamples(finding: LatencyFinding): string {
  const requests = (side: 'baseline' | 'current') => finding.tests.reduce((sum, test) => sum + test[side].requests, 0);
  return `${finding.rows === null ? plural(finding.tests.length, 'test') : plural(finding.rows, 'row')}, ${requests('baseline')} and ${requests('current')} requests`;
}

/** The tests that moved most, as the evidence of a finding over tests; none for a dataset, whose rows are measured too few times to say. */
export function mostChanged(finding: LatencyFinding): string | null {
  return finding.rows === null ? `most changed: ${describeTests(finding).join('; ')}` : null;
}

/** What an inconclusive latency would need: the spread seen and the repeats that would tell. */
export function describeNeed(finding: LatencyFinding): string {
  const spread = finding.spread === null ? null : `spread ${Math.round(finding.spread * 100)}% a request`;
  const plan = finding.plan;
  if (spread === null || plan === null) return 'one request a test shows no spread to plan from: run with EVAL_REPEATS=3 or more';
  if (plan.repeats === null) return `${spread}: the change is too close to the tolerance to tell with under 1000 repeats`;
  return `${spread}: about ${plural(plan.repeats, 'repeat')} of each test (EVAL_REPEATS) would tell a ${formatRatio(plan.change)} change from ${describeThreshold(finding)}`;
}

function describeLatency(finding: LatencyFinding): string {
  const head = `${describeScope(finding)}: ${METRIC_LABELS[finding.metric]} ${describeChange(finding)} (${formatMs(finding.baseline)} → ${formatMs(finding.current)})`;
  const normalized = finding.normalization === null ? '' : `, scaled by ${finding.normalization.toFixed(2)} for the machine`;
  const evidence = `${describeSamples(finding)}${normalized}`;
  switch (finding.outcome) {
    case 'regression':
      return `${head}: slower beyond ${describeThreshold(finding)} (${formatP(finding.p.regression)}; ${evidence})`;
    case 'improvement':
      return `${head}: faster beyond ${describeThreshold(finding)} (${formatP(finding.p.improvement)}; ${evidence})`;
    case 'within':
      return `${head}: within ${describeThreshold(finding)} (${formatP(finding.p.within)}; ${evidence})`;
    case 'inconclusive':
      return `${head}: too noisy to tell against ${describeThreshold(finding)} (${evidence}); ${describeNeed(finding)}`;
  }
}

/** The tests that moved most, for the evidence of a latency finding: `chat/a +61% (10.2 ms → 16.4 ms)`. */
export function describeTests(finding: LatencyFinding, limit = 3): string[] {
  const towards = finding.ratio >= 1 ? -1 : 1;
  return [...finding.tests]
    .sort((a, b) => towards * (a.ratio - b.ratio))
    .slice(0, limit)
    .map((test) => {
      const lengths = test.baseline.outputTokens === test.current.outputTokens ? '' : `, answers of ${test.baseline.outputTokens} → ${test.current.outputTokens} tokens`;
      return `${test.test} ${formatRatio(test.ratio)} (${formatMs(test.baseline.median)} → ${formatMs(test.current.median)}${lengths})`;
    });
}

/** `2/3 (67%, 21-94%)`: the count, the rate and its Wilson interval. */
const describeCount = (count: PassCount) => `${count.passed}/${count.total} (${formatPercent(count.rate)}, ${formatPercent(count.low)}-${formatPercent(count.high)})`;

/** `r3, r9 and 38 more`: a capped list of rows. */
const listRows = (flipped: RowChanges['newlyFailing']) => `${flipped.rows.join(', ')}${flipped.count > flipped.rows.length ? ` and ${flipped.count - flipped.rows.length} more` : ''}`;

/** What changed row by row in a dataset: `40 of 300 rows newly failing (r1, r8, ... and 30 more)`. */
export function describeRowChanges(changes: RowChanges): string {
  const parts = [
    changes.newlyFailing.count > 0 ? `${changes.newlyFailing.count} of ${plural(changes.rows, 'row')} newly failing (${listRows(changes.newlyFailing)})` : null,
    changes.newlyPassing.count > 0 ? `${changes.newlyPassing.count} newly passing (${listRows(changes.newlyPassing)})` : null,
    changes.added > 0 ? `${plural(changes.added, 'row')} not in the baseline` : null,
    changes.removed > 0 ? `${plural(changes.removed, 'row')} of the baseline not run` : null,
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? `no row of ${changes.rows} flipped` : parts.join('; ');
}

/** Why a pass rate is judged as it is: the comparison with the baseline, then the minimum, then a dataset's rows. */
function passRateReasons(finding: PassRateFinding): string[] {
  const p = finding.p === null ? '' : ` (${formatP(finding.p)})`;
  const reasons: string[] = [];
  if (finding.change === 'regression') reasons.push(`a drop beyond chance${p}`);
  if (finding.change === 'improvement') reasons.push(`better beyond chance${p}`);
  if (finding.change === 'within') reasons.push(`no change beyond chance${p}`);
  if (finding.change === 'inconclusive') {
    const need = finding.repeatsNeeded === null ? '' : `; about ${plural(finding.repeatsNeeded, 'repeat')} would tell a drop this size from chance`;
    reasons.push(`could be a flaky repeat${p}${need}`);
  }
  if (finding.minimumCheck !== null && finding.minimum !== null) {
    const minimum = `below the minimum ${formatPercent(finding.minimum)}`;
    reasons.push(finding.minimumCheck === 'below' ? minimum : `${minimum}, though it could be up to ${formatPercent(finding.current.high)}`);
  }
  if (finding.rows !== null) reasons.push(describeRowChanges(finding.rows));
  return reasons;
}

function describePassRate(finding: PassRateFinding): string {
  const { baseline, current } = finding;
  const head = `${describeScope(finding)}: pass rate ${describeCount(current)}${baseline === null ? '' : `, baseline ${describeCount(baseline)}`}`;
  const reasons = passRateReasons(finding);
  return reasons.length === 0 ? head : `${head}: ${reasons.join('; ')}`;
}

function describeMemory(finding: MemoryFinding): string {
  const head = `${finding.model}: peak memory ${formatMB(finding.current)}, baseline ${formatMB(finding.baseline)}, ${formatRatio(finding.ratio)}`;
  const verdict = finding.outcome === 'regression' ? 'more than' : finding.outcome === 'improvement' ? 'less, beyond' : 'within';
  return `${head}, ${verdict} ${describeThreshold(finding)} (one peak per run)`;
}

/** A difference of scores in points: `-1.3`, `+0.4`, `±0`. */
export function formatPoints(points: number): string {
  const rounded = points.toFixed(1);
  if (Number(rounded) === 0) return '±0';
  return `${points > 0 ? '+' : ''}${rounded}`;
}

const formatScore = (score: number) => `${score.toFixed(1)}/5`;

/** `-1.3 [-1.8, -0.9]`: the change in points and its interval. */
const describeScoreChange = (finding: CriterionFinding) => `${formatPoints(finding.difference)} [${formatPoints(finding.interval.low)}, ${formatPoints(finding.interval.high)}]`;

const describeAnswers = (finding: CriterionFinding) =>
  `${finding.rows === null ? plural(finding.tests, 'test') : plural(finding.rows, 'row')}, ${finding.baseline.answers} and ${finding.current.answers} answers`;

/** `the 0.5-point tolerance` */
const describePointTolerance = (finding: CriterionFinding) => `the ${finding.tolerance}-point tolerance`;

/** What an inconclusive score comparison would need. */
export function describeScoreNeed(finding: CriterionFinding): string {
  if (!finding.answersSuffice) return 'too few answers to show any change at this confidence: more repeats (EVAL_REPEATS=3) or more tests would';
  return 'the answers or the tests disagree too much to tell: more repeats (EVAL_REPEATS) or more tests would';
}

function describeCriterion(finding: CriterionFinding): string {
  const head = `${describeScope(finding)}: ${describeMetric(finding)} ${describeScoreChange(finding)} (${formatScore(finding.baseline.mean)} → ${formatScore(finding.current.mean)})`;
  const evidence = describeAnswers(finding);
  switch (finding.outcome) {
    case 'regression':
      return `${head}: lower beyond ${describePointTolerance(finding)} (${formatP(finding.p.regression)}; ${evidence})`;
    case 'improvement':
      return `${head}: higher beyond ${describePointTolerance(finding)} (${formatP(finding.p.improvement)}; ${evidence})`;
    case 'within':
      return `${head}: within ${describePointTolerance(finding)} (${formatP(finding.p.within)}; ${evidence})`;
    case 'inconclusive':
      return `${head}: too noisy to tell against ${describePointTolerance(finding)} (${evidence}); ${describeScoreNeed(finding)}`;
  }
}

export function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case 'latency':
      return describeLatency(finding);
    case 'pass-rate':
      return describePassRate(finding);
    case 'memory':
      return describeMemory(finding);
    case 'criterion':
      return describeCriterion(finding);
  }
}

const SOURCE_LABELS: Record<GatedSource, string> = { rules: 'the model-free scorers', judge: 'the judge' };
const describeScorers = (scorers: readonly string[]) => (scorers.length === 0 ? 'none' : scorers.join(', '));

const describeShare = (share: number | null) => (share === null ? 'not reported' : formatPercent(share));

export function describeWarning(warning: GateWarning): string {
  switch (warning.kind) {
    case 'runtime':
      return `runtime differs: baseline ${warning.baseline}, this run ${warning.current}`;
    case 'machine':
      return `machine differs: baseline ${describeMachine(warning.baseline)}; this run ${describeMachine(warning.current)}`;
    case 'settings':
      return `settings differ from the baseline (${warning.differences.map((difference) => `${difference.setting} ${difference.baseline} -> ${difference.current}`).join(', ')}): latencies may not be comparable`;
    case 'model-id':
      return `model ${warning.model} is a different model: baseline ${warning.baseline ?? '(unknown)'}, this run ${warning.current ?? '(unknown)'}`;
    case 'missing-in-baseline':
      return warning.test === null
        ? `model ${warning.model} is not in the baseline: not compared`
        : `${warning.model} > ${warning.test} is not in the baseline: only a minimum pass rate applies to it`;
    case 'missing-in-current':
      return warning.test === null ? `model ${warning.model} is in the baseline but was not run` : `${warning.model} > ${warning.test} is in the baseline but was not run`;
    case 'latency-not-compared':
      return `model ${warning.model}: latency not compared, no test has a measured request on both sides`;
    case 'output-length':
      return `model ${warning.model}: answers differ in length from the baseline's in ${plural(warning.tests.length, 'test')} (${warning.tests.join(', ')}): compared per token (TPOT) and to the first token (TTFT), not end to end`;
    case 'prompt-cache':
      return `model ${warning.model}: ${describeShare(warning.current)} of prompt tokens came from the cache, against ${describeShare(warning.baseline)} in the baseline: TTFT is not comparable (EVAL_PROMPT_CACHE)`;
    case 'machine-speed':
      return `the machine's CPU calibration ran ${formatRatio(warning.ratio)} against the baseline's: ${warning.normalized ? 'latencies scaled by it (EVAL_GATE_NORMALIZE=calibration)' : 'a CPU-bound model slows down likewise (EVAL_GATE_NORMALIZE=calibration scales by it)'}`;
    case 'machine-load':
      return `model ${warning.model}: other processes used ${Math.round(warning.current)}% of a core during its tests, against ${Math.round(warning.baseline)}% for the baseline`;
    case 'no-calibration':
      return `not normalised: the ${warning.side === 'baseline' ? 'baseline' : 'run'} has no machine calibration`;
    case 'criteria-not-comparable':
      return (
        `model ${warning.model}: ${warning.criteria.join(', ')} by ${SOURCE_LABELS[warning.source]} not comparable in ${plural(warning.tests.length, 'test')} (${warning.tests.join(', ')}): ` +
        `scored by ${describeScorers(warning.baseline)} in the baseline, ${describeScorers(warning.current)} in this run; not compared`
      );
    case 'criteria-not-recorded':
      return 'the baseline has no criterion scores (saved before edge-evals scored answers, results schema version 2): accuracy, completeness and clarity not compared; save a new baseline to gate them';
  }
}

/** Both machine states side by side, or null when neither side recorded one. */
export function describeMachineComparison(verdict: GateVerdict): string | null {
  const { baseline, current } = verdict.machine;
  const describe = (state: typeof baseline) => {
    const parts = [
      ...(state.calibration === null ? [] : [`calibration ${formatMs(state.calibration.cpuMs)} CPU, ${state.calibration.loopbackMs.toFixed(2)} ms loopback`]),
      ...(state.loadAverage === null ? [] : [`load ${state.loadAverage.toFixed(1)}`]),
      ...(state.otherCpuPercent === null ? [] : [`others ${Math.round(state.otherCpuPercent)}% of a core`]),
    ];
    return parts.length === 0 ? 'not recorded' : parts.join(', ');
  };
  if (describe(baseline) === 'not recorded' && describe(current) === 'not recorded') return null;
  return `Machine: baseline ${describe(baseline)}; this run ${describe(current)}`;
}

/** How sure a verdict is: `Findings decided at 95% confidence, one-sided; intervals two-sided at 90%`. */
export function describeConfidence(verdict: GateVerdict): string {
  const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;
  return `Findings decided at ${percent(1 - verdict.settings.alpha)} confidence, one-sided; intervals two-sided at ${percent(1 - 2 * verdict.settings.alpha)}`;
}

/** Findings worth a line: everything but `within`, regressions first. */
export function notableFindings(verdict: GateVerdict): Finding[] {
  const order: Outcome[] = ['regression', 'inconclusive', 'improvement'];
  return order.flatMap((outcome) => verdict.findings.filter((finding) => finding.outcome === outcome));
}

/** The verdict as plain lines: the title, every notable finding, the warnings and the machine states. */
export function verdictLines(verdict: GateVerdict): string[] {
  const machine = describeMachineComparison(verdict);
  return [
    verdictTitle(verdict),
    ...notableFindings(verdict).map((finding) => `  ${finding.outcome}: ${describeFinding(finding)}`),
    ...verdict.warnings.map((warning) => `  warning: ${describeWarning(warning)}`),
    ...(machine === null ? [] : [`  ${machine}`]),
  ];
}

export interface FindingCells {
  scope: string;
  metric: string;
  baseline: string;
  current: string;
  /** The change, with its interval where there is one. */
  change: string;
  tolerance: string;
  /** Why: the test's p-value and samples, the tests that moved most, what more data would need. */
  evidence: string;
}

/** A finding as the cells of a report table (Markdown and HTML). */
export function findingCells(finding: Finding): FindingCells {
  const scope = describeScope(finding);
  const metric = describeMetric(finding);
  switch (finding.kind) {
    case 'latency': {
      const p = finding.outcome === 'improvement' ? finding.p.improvement : finding.outcome === 'within' ? finding.p.within : finding.p.regression;
      const changed = mostChanged(finding);
      const evidence = [
        `${formatP(p)}; ${describeSamples(finding)}`,
        ...(changed === null ? [] : [changed]),
        ...(finding.outcome === 'inconclusive' ? [describeNeed(finding)] : []),
        ...(finding.normalization === null ? [] : [`scaled by ${finding.normalization.toFixed(2)} for the machine`]),
      ];
      return {
        scope,
        metric,
        baseline: formatMs(finding.baseline),
        current: formatMs(finding.current),
        change: describeChange(finding),
        tolerance: describeThreshold(finding).replace(/^the /, ''),
        evidence: evidence.join('. '),
      };
    }
    case 'pass-rate':
      return {
        scope,
        metric,
        baseline: finding.baseline === null ? 'none' : describeCount(finding.baseline),
        current: describeCount(finding.current),
        change: finding.baseline === null ? '' : formatChange(finding.current.rate - finding.baseline.rate, null, '%'),
        tolerance: finding.minimum === null ? 'a drop beyond chance' : `minimum ${formatPercent(finding.minimum)}`,
        evidence: passRateReasons(finding).join('; '),
      };
    case 'memory':
      return {
        scope,
        metric,
        baseline: formatMB(finding.baseline),
        current: formatMB(finding.current),
        change: formatRatio(finding.ratio),
        tolerance: describeThreshold(finding).replace(/^the /, ''),
        evidence: 'one peak per run',
      };
    case 'criterion': {
      const p = finding.outcome === 'improvement' ? finding.p.improvement : finding.outcome === 'within' ? finding.p.within : finding.p.regression;
      const evidence = [`${formatP(p)}; ${describeAnswers(finding)}`, ...(finding.outcome === 'inconclusive' ? [describeScoreNeed(finding)] : [])];
      return {
        scope,
        metric,
        baseline: `${formatScore(finding.baseline.mean)} (${finding.baseline.answers})`,
        current: `${formatScore(finding.current.mean)} (${finding.current.answers})`,
        change: describeScoreChange(finding),
        tolerance: `${finding.tolerance} points`,
        evidence: evidence.join('. '),
      };
    }
  }
}

/** One line of `edge-evals report --power`: what the spread in a results file asks of EVAL_REPEATS. */
export function describePlanRow(row: PlanRow): string {
  const head = `${row.model} ${METRIC_LABELS[row.metric]}`;
  if (row.spread === null) return `${head}: one request a test shows no spread; run once with EVAL_REPEATS=3 to measure it`;
  const seen = `spread ${Math.round(row.spread * 100)}% a request over ${plural(row.repeats, 'repeat')} of ${plural(row.tests, 'test')}`;
  const threshold = `the ${formatRatio(row.threshold)} threshold`;
  const repeats = (count: number | null) => (count === null ? 'over 1000 repeats' : plural(count, 'repeat'));
  const catchIt =
    row.change <= row.threshold
      ? `a ${formatRatio(row.change)} slowdown stays within ${threshold}: never a regression (lower EVAL_GATE_TOLERANCES to catch it)`
      : `${repeats(row.toCatch)} to call a ${formatRatio(row.change)} slowdown a regression`;
  return `${head}: ${seen}; ${catchIt}; ${repeats(row.toPass)} to pass an unchanged run against ${threshold}`;
}
