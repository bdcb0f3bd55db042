// What every report says about the criteria, decided once: a criterion's cell in the
// comparison table, the note under it (scale, interval, which source scored what), the judge's
// line (and who judged their own answers), people's ratings and their agreement with the judge,
// and one answer's scores. The terminal, Markdown and HTML renderers only lay these out.
import { TEXT_CRITERIA, type Agreement, type Criterion, type CriterionScore, type ScoreSource } from '../contract/criteria.ts';
import type { CaseResult, ModelResult, Results } from '../contract/results.ts';
import { describeScore } from '../criteria/describe.ts';

export const CRITERION_LABELS: Readonly<Record<Criterion, string>> = { accuracy: 'Accuracy', completeness: 'Completeness', clarity: 'Clarity', speed: 'Speed' };

const SOURCE_NAMES: Readonly<Record<ScoreSource, string>> = { rules: 'the model-free scorers', judge: 'the judge', human: 'people' };

/** `4.2±0.3`, `4.2` (too few answers for an interval), or `-`. */
export function criterionCell(model: ModelResult, criterion: Criterion, source?: ScoreSource): string {
  const summary = model.criteria?.find((entry) => entry.criterion === criterion && (source === undefined ? entry.headline : entry.source === source));
  if (summary === undefined || summary.mean === null) return '-';
  const mean = summary.mean.toFixed(1);
  if (summary.ciLow === null || summary.ciHigh === null) return mean;
  const half = Math.max(summary.mean - summary.ciLow, summary.ciHigh - summary.mean);
  return `${mean}±${half.toFixed(1)}`;
}

/** The note under the table: the scale, and which source heads each criterion. */
export function describeCriteria(results: Results): string | null {
  const settings = results.criteria;
  if (settings === undefined || !results.models.some((model) => model.criteria?.some((summary) => summary.n > 0))) return null;
  const bySource = new Map<ScoreSource, string[]>();
  for (const criterion of TEXT_CRITERIA) bySource.set(settings.headline[criterion], [...(bySource.get(settings.headline[criterion]) ?? []), criterion]);
  const sources = [...bySource.entries()].map(([source, criteria]) => `${criteria.join(', ')} by ${SOURCE_NAMES[source]}`);
  return (
    `Criteria on a 1-5 scale, mean ±95% interval over a model's answers (from 5 answers): ${sources.join('; ')}; ` +
    'speed from each answer\'s E2E latency against the fastest model on the same prompt (each doubling costs a point).'
  );
}

/** `Judge: qwen2.5-7b on ollama, 54 verdicts (logprob-weighted), 12 from the cache, 2 errors.` */
export function describeJudge(results: Results): string | null {
  const judge = results.criteria?.judge;
  if (judge === null || judge === undefined) return null;
  if (judge.startError !== null) return `Judge: ${judge.alias} on ${judge.runtime} could not be started, no verdicts: ${judge.startError.split('\n')[0]}`;
  const scoring = judge.scoring === null ? '' : ` (${judge.scoring === 'mixed' ? 'some logprob-weighted, some as written' : judge.scoring === 'integer' ? 'scores as written: the server gave no logprobs' : 'logprob-weighted'})`;
  const parts = [`Judge: ${judge.alias} on ${judge.runtime}, ${judge.verdicts} verdict${judge.verdicts === 1 ? '' : 's'}${scoring}`];
  if (judge.cached > 0) parts.push(`${judge.cached} from the cache`);
  if (judge.errors > 0) parts.push(`${judge.errors} it could not give (listed with the failures)`);
  const self = selfJudged(results);
  if (self.length > 0) parts.push(`it judged its own answers (${self.join(', ')}): those scores may be lenient`);
  return `${parts.join(', ')}.`;
}

/** Models whose answers the judge judged as their own model. */
export function selfJudged(results: Results): string[] {
  return [...new Set(results.cases.filter((testCase) => testCase.criteria?.some((score) => score.selfJudged === true)).map((testCase) => testCase.model))];
}

const round2 = (value: number | null) => (value === null ? '-' : value.toFixed(2));

export interface AgreementRow {
  criterion: string;
  between: string;
  n: number;
  kappa: string;
  spearman: string;
  meanDifference: string;
}

/** One row per criterion and pair of sources that scored the same answers. */
export function agreementRows(results: Results): AgreementRow[] {
  return (results.criteria?.agreement ?? []).map((entry: Agreement) => ({
    criterion: entry.criterion,
    between: `${SOURCE_NAMES[entry.between[0]]} and ${SOURCE_NAMES[entry.between[1]]}`,
    n: entry.n,
    kappa: round2(entry.weightedKappa),
    spearman: round2(entry.spearman),
    meanDifference: entry.meanAbsoluteDifference === null ? '-' : `${entry.meanAbsoluteDifference.toFixed(2)} points`,
  }));
}

/** How to read an agreement table, for the line under it. */
export const AGREEMENT_NOTE =
  'Weighted kappa: 1 is perfect agreement, 0 what chance gives; above 0.6 the judge can stand in for people on that criterion, below 0.4 it cannot. ' +
  'Spearman: whether both rank the answers alike.';

/** `accuracy 4/5 (reference-facts): states 2 of 2 required facts` for each score of an answer, headline sources first. */
export function answerScoreLines(testCase: CaseResult): string[] {
  const order: ScoreSource[] = ['judge', 'human', 'rules'];
  const scores = [...(testCase.criteria ?? [])].sort((a, b) => criterionOrder(a) - criterionOrder(b) || order.indexOf(a.source) - order.indexOf(b.source));
  const lines = scores.map(describeScore);
  for (const error of testCase.judgeErrors ?? []) lines.push(`${error.criterion}: the judge gave no verdict (${error.error})`);
  return lines;
}

function criterionOrder(score: CriterionScore): number {
  return ['accuracy', 'completeness', 'clarity', 'speed'].indexOf(score.criterion);
}
