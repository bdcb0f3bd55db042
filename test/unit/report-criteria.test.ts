// The criteria in every report: the table's columns (mean ±95% interval), the note on sources,
// the judge's line with self-judging flagged, agreement tables, each answer's scores in the HTML
// with judge errors, the per-model chart; and how verdicts and ratings merge into results.
import { describe, expect, it } from 'vitest';
import type { JudgeMeta } from '../../src/contract/case-meta.ts';
import type { CriterionScore, ScoreSource, TextCriterion } from '../../src/contract/criteria.ts';
import type { Results } from '../../src/contract/results.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderTerminalReport } from '../../src/report/terminal.ts';
import { refreshCriteria, withSpeed } from '../../src/results/criteria.ts';
import { answerKey, withRatings, type Rating } from '../../src/results/ratings.ts';
import { judgeInfo, mergeVerdicts } from '../../src/results/verdicts.ts';
import { HOSTILE_TEXT, sampleResults } from '../support/results.ts';

const score = (criterion: TextCriterion, value: number, source: ScoreSource, extra: Partial<CriterionScore> = {}): CriterionScore => ({
  criterion,
  score: value,
  reason: source === 'rules' ? `rule reason ${HOSTILE_TEXT}` : 'judge reason',
  source,
  scorer: source === 'judge' ? 'judge:fixture-small' : 'key-points',
  ...extra,
});

/** The sample run with rule scores on every answer, judge verdicts (fixture-small judging itself), and one judge error. */
function scoredResults(): Results {
  const base = sampleResults();
  const ruled = base.cases.map((testCase, index) => ({
    ...testCase,
    criteria: (['accuracy', 'completeness', 'clarity'] as const).map((criterion) => score(criterion, 1 + ((index + criterion.length) % 5), 'rules')),
  }));
  const verdicts: JudgeMeta[] = ruled.map((testCase, index) => ({
    caseName: testCase.name,
    judge: { alias: 'fixture-small', modelId: 'fixture-small', runtime: 'embedded' },
    scores: (['accuracy', 'completeness'] as const).map((criterion) => score(criterion, 1 + ((index * 2 + criterion.length) % 5), 'judge', { method: 'integer', ...(testCase.model === 'fixture-small' ? { selfJudged: true } : {}) })),
    errors: [{ criterion: 'clarity', judge: 'fixture-small', error: 'score 9 is outside the scale 1-5 (after one retry)', raw: '{"score": 9}' }],
  }));
  const cases = withSpeed(mergeVerdicts(ruled, verdicts));
  const criteria = { weights: { accuracy: 0.4, completeness: 0.3, clarity: 0.2, speed: 0.1 }, categoryWeights: {}, headline: { accuracy: 'rules', completeness: 'rules', clarity: 'rules', speed: 'rules' } as const, judge: judgeInfo(verdicts), agreement: [] };
  return refreshCriteria({ ...base, cases, criteria });
}

describe('criteria in the reports', () => {
  const results = scoredResults();

  it('merge the judge into the cases, head criteria by it where it scored, and compare it with the scorers', () => {
    expect(results.criteria?.headline).toEqual({ accuracy: 'judge', completeness: 'judge', clarity: 'rules', speed: 'rules' });
    expect(results.criteria?.judge).toMatchObject({ alias: 'fixture-small', scoring: 'integer', verdicts: 24, errors: 12 });
    expect(results.criteria?.agreement.map((entry) => `${entry.criterion}:${entry.between.join('-')}:${entry.n}`)).toEqual(['accuracy:judge-rules:12', 'completeness:judge-rules:12']);
    const model = results.models[0];
    expect(model?.criteria?.filter((summary) => summary.headline).map((summary) => [summary.criterion, summary.source, summary.n])).toEqual([
      ['accuracy', 'judge', 6],
      ['completeness', 'judge', 6],
      ['clarity', 'rules', 6],
      ['speed', 'rules', 6],
    ]);
    // Merging the same verdicts twice changes nothing.
    expect(mergeVerdicts(results.cases, [])).toEqual(results.cases);
  });

  it('show one column per criterion, the sources, and the judge with its own answers flagged', () => {
    const terminal = renderTerminalReport(results, { width: 120, color: false });
    expect(terminal).toMatch(/Model\s+.*Accuracy\s+Completeness\s+Clarity\s+Speed\s+Checks/);
    expect(terminal).toMatch(/^fixture-small\s.*\s\d\.\d±\d\.\d\s+\d\.\d±\d\.\d\s+\d\.\d±\d\.\d\s/m);
    expect(terminal.replace(/\s+/g, ' ')).toContain('accuracy, completeness by the judge; clarity by the model-free scorers');
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('| Accuracy | Completeness | Clarity | Speed | Checks passed |');
    expect(markdown).toContain('Judge: fixture-small on embedded, 24 verdicts (scores as written: the server gave no logprobs), 12 it could not give (listed with the failures), it judged its own answers (fixture-small): those scores may be lenient.');
    expect(markdown).toContain('| accuracy | the judge and the model-free scorers | 12 |');
    expect(markdown).toContain('- **judge &gt; fixture-small &gt; chat/greeting** (error): clarity: score 9 is outside the scale 1-5 (after one retry); the judge replied: {"score": 9}');
  });

  it('show every score of an answer in its HTML card, escaped, and every criterion per model as a chart', () => {
    const html = renderHtml(results);
    expect(html).toContain('<a href="#criteria">Criteria</a>');
    expect(html).toMatch(/<li>accuracy \d\/5 \(judge:fixture-small, its own answer\): judge reason<\/li>/);
    expect(html).toContain('<li class="judge-error">clarity: the judge gave no verdict (score 9 is outside the scale 1-5 (after one retry))</li>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('rule reason &#60;script&#62;');
    const chart = /<section id="criteria">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(chart.match(/<g class="series"/g)).toHaveLength(4 * 2);
    expect(chart).toContain('data-criterion="Speed"');
    expect(chart).toContain('<h3>Agreement</h3>');
  });

  it('merge people\'s ratings by answer, so a rating follows an unchanged answer and never a changed one', () => {
    const [first, second] = results.cases;
    if (first === undefined || second === undefined) throw new Error('sample results changed');
    const ratings: Rating[] = [
      { key: answerKey(first), model: first.model, test: 'chat/greeting', ratedAt: '2026-11-30T10:00:00.000Z', scores: { accuracy: 5, completeness: 4, clarity: 3 } },
      { key: answerKey({ ...second, response: 'a different answer' }), model: second.model, test: 'x', ratedAt: '2026-11-30T10:00:00.000Z', scores: { accuracy: 1, completeness: 1, clarity: 1 } },
      { key: answerKey(second), model: second.model, test: 'x', ratedAt: '2026-11-30T10:00:00.000Z', scores: null },
    ];
    const rated = withRatings(results, ratings);
    const human = (index: number) => rated.cases[index]?.criteria?.filter((entry) => entry.source === 'human').map((entry) => entry.score);
    expect(human(0)).toEqual([5, 4, 3]);
    expect(human(1)).toEqual([]);
    expect(rated.cases[0]?.criteria?.find((entry) => entry.source === 'human')).toMatchObject({ scorer: 'human', reason: 'rated by a person on 2026-11-30' });
    expect(withRatings(results, [])).toBe(results);
  });
});
