// The criteria in the HTML report: the notes under the comparison table, a chart of every
// criterion per model, people's agreement with the judge, and one answer's scores in its card.
import { CRITERIA } from '../contract/criteria.ts';
import type { CaseResult, Results } from '../contract/results.ts';
import { visibleControls } from '../util/control-characters.ts';
import { AGREEMENT_NOTE, agreementRows, answerScoreLines, CRITERION_LABELS, describeCriteria, describeJudge } from './criteria.ts';
import { escapeHtml, scoreChart } from './svg.ts';

const text = (value: string) => escapeHtml(visibleControls(value));

export const CRITERIA_STYLE = `
ul.scores { margin: 0 0 6px; padding-left: 18px; font-size: 12.5px; }
ul.scores li.judge-error { color: var(--fail); }
`;

/** The lines under the comparison table: what the criteria columns mean, and the judge. */
export function criteriaNotes(results: Results): string {
  return [describeCriteria(results), describeJudge(results)]
    .filter((line): line is string => line !== null)
    .map((line) => `<p class="note">${text(line)}</p>`)
    .join('');
}

export function hasCriteria(results: Results): boolean {
  return describeCriteria(results) !== null;
}

function agreementTable(results: Results): string {
  const rows = agreementRows(results);
  if (rows.length === 0) return '';
  const body = rows
    .map((row) => `<tr><td>${text(row.criterion)}</td><td>${text(row.between)}</td><td class="num">${row.n}</td><td class="num">${row.kappa}</td><td class="num">${row.spearman}</td><td class="num">${text(row.meanDifference)}</td></tr>`)
    .join('');
  return (
    '<h3>Agreement</h3><table class="agreement"><thead><tr><th>Criterion</th><th>Between</th><th>Answers</th><th>Weighted kappa</th><th>Spearman</th><th>Mean difference</th></tr></thead>' +
    `<tbody>${body}</tbody></table><p class="note">${text(AGREEMENT_NOTE)}</p>`
  );
}

/** Every criterion per model as a chart, then the agreement between the sources that scored the same answers. */
export function criteriaSection(results: Results): string {
  if (!hasCriteria(results)) return '';
  const models = results.models.map((model) => model.alias);
  const groups = CRITERIA.map((criterion) => ({
    label: CRITERION_LABELS[criterion],
    bars: results.models.map((model) => {
      const summary = model.criteria?.find((entry) => entry.criterion === criterion && entry.headline);
      return { model: model.alias, mean: summary?.mean ?? null, low: summary?.ciLow ?? null, high: summary?.ciHigh ?? null };
    }),
  }));
  return (
    '<section id="criteria"><h2>Criteria</h2>' +
    `<figure><figcaption>${text('Mean score per model on the 1-5 scale; the line across a bar is its 95% interval')}</figcaption>${scoreChart('Criteria per model', groups, models)}</figure>` +
    agreementTable(results) +
    '</section>'
  );
}

/** An answer's scores in its card, judge errors included. */
export function answerScores(testCase: CaseResult): string {
  const lines = answerScoreLines(testCase);
  if (lines.length === 0) return '';
  const items = lines.map((line) => `<li${line.includes('the judge gave no verdict') ? ' class="judge-error"' : ''}>${text(line)}</li>`);
  return `<ul class="scores">${items.join('')}</ul>`;
}
