// The HTML report's cases: the pass/fail matrix of model by prompt, and the responses side by
// side. A dataset (a prompt run over data rows, thousands of tests) is one line of the matrix,
// its rows counted, and its responses are the rows that failed for some model, up to
// ROWS_SHOWN, or the first few when none did: a report of 10,000 rows stays small and quick to
// open. Every row's answer is in latest.json.
import { metricsLine } from '../client/metrics.ts';
import { datasetRow, testId, type CaseResult, type Results } from '../contract/results.ts';
import { visibleControls } from '../util/control-characters.ts';
import { answerScores } from './html-criteria.ts';
import { escapeHtml } from './svg.ts';

const text = (value: string) => escapeHtml(visibleControls(value));

export function statusBadge(status: CaseResult['status']): string {
  return `<span class="badge ${status}">${status}</span>`;
}

interface PromptRow {
  /** `<category>/<prompt id>`, as in the test names; a dataset's without its row. */
  id: string;
  /** The prompt's id; a dataset's without its row. */
  prompt: string;
  category: string;
  /** A dataset's rows, as the cases' `prompt` (`ask/france`), in run order; null for a prompt without data. */
  rows: string[] | null;
}

function promptRows(results: Results): PromptRow[] {
  const seen = new Map<string, { row: PromptRow; rows: Set<string> }>();
  for (const testCase of results.cases) {
    const dataset = datasetRow(testCase);
    const id = dataset?.test ?? testId(testCase);
    let entry = seen.get(id);
    if (entry === undefined) {
      const prompt = dataset === null ? testCase.prompt : id.slice(testCase.category.length + 1);
      entry = { row: { id, prompt, category: testCase.category, rows: dataset === null ? null : [] }, rows: new Set() };
      seen.set(id, entry);
    }
    if (dataset !== null && !entry.rows.has(testCase.prompt)) {
      entry.rows.add(testCase.prompt);
      entry.row.rows?.push(testCase.prompt);
    }
  }
  return [...seen.values()].map((entry) => entry.row);
}

/** A run's cases by model and test, each list in repeat order: built once per report. */
type CaseIndex = Map<string, CaseResult[]>;

const caseKey = (alias: string, category: string, prompt: string) => `${alias}\u0000${category}\u0000${prompt}`;

function indexCases(results: Results): CaseIndex {
  const index: CaseIndex = new Map();
  for (const testCase of results.cases) {
    const key = caseKey(testCase.model, testCase.category, testCase.prompt);
    const list = index.get(key);
    if (list === undefined) index.set(key, [testCase]);
    else list.push(testCase);
  }
  for (const list of index.values()) list.sort((a, b) => a.repeat - b.repeat);
  return index;
}

/** A test's cases of one model: a prompt's repeats, or one row's (`prompt` given) of a dataset. */
const casesOf = (index: CaseIndex, alias: string, row: PromptRow, prompt = row.prompt) => index.get(caseKey(alias, row.category, prompt)) ?? [];

/** Every case of a model in a line of the matrix: a prompt's repeats, or all a dataset's rows. */
const allCasesOf = (index: CaseIndex, alias: string, row: PromptRow) => (row.rows === null ? casesOf(index, alias, row) : row.rows.flatMap((prompt) => casesOf(index, alias, row, prompt)));

/** Up to this many prompts, their responses are shown open; beyond, each opens on a click. */
const OPEN_RESPONSE_PROMPTS = 12;
/** A dataset's rows shown side by side: those that failed for some model, at most this many. */
export const ROWS_SHOWN = 50;
/** A dataset's rows shown when none failed: a sample of what the answers look like. */
const SAMPLE_ROWS = 3;

const responseId = (promptIndex: number, modelIndex: number) => `response-${promptIndex}-${modelIndex}`;

const failed = (testCase: CaseResult) => testCase.status === 'fail' || testCase.status === 'error';

/** `a, b and 3 more` */
function listCapped(names: readonly string[], limit: number): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

function collectReasons(cases: CaseResult[]): string {
  return cases
    .flatMap((testCase) => [
      ...(testCase.error === null ? [] : [testCase.error]),
      ...testCase.assertions.filter((check) => !check.pass && check.skipped !== true).map((check) => `${check.type}: ${check.reason}`),
    ])
    .join('\n');
}

/** A cell's tooltip: why its cases failed; for a dataset, which rows (every row's reasons would be megabytes). */
function cellTitle(row: PromptRow, counted: CaseResult[], passed: number): string {
  if (row.rows === null) return collectReasons(counted) || `${passed}/${counted.length} passed`;
  const failing = [...new Set(counted.filter(failed).map((testCase) => datasetRow(testCase)?.row ?? testCase.prompt))];
  const summary = `${passed}/${counted.length} passed over ${row.rows.length} rows`;
  return failing.length === 0 ? summary : `${summary}; failed: ${listCapped(failing, 10)}`;
}

function matrixSection(results: Results, prompts: PromptRow[], index: CaseIndex): string {
  if (prompts.length === 0) return '';
  const head = results.models.map((model) => `<th scope="col">${text(model.alias)}</th>`).join('');
  const rows = prompts.map((row, promptIndex) => {
    const cells = results.models.map((model, modelIndex) => {
      const cases = allCasesOf(index, model.alias, row);
      const counted = cases.filter((testCase) => testCase.status !== 'skip');
      if (counted.length === 0) return `<td class="skip" title="${cases.length === 0 ? 'not run' : 'skipped'}">–</td>`;
      const passed = counted.filter((testCase) => testCase.status === 'pass').length;
      const state = passed === counted.length ? 'pass' : passed === 0 ? 'fail' : 'partial';
      const symbol = state === 'pass' ? '✓' : state === 'fail' ? '✗' : '';
      const label = counted.length > 1 || state === 'partial' ? `${symbol} ${passed}/${counted.length}`.trim() : symbol;
      return (
        `<td class="cell-${state}" data-model="${text(model.alias)}" data-prompt="${text(row.id)}" data-state="${state}" title="${text(cellTitle(row, counted, passed))}">` +
        `<a href="#${responseId(promptIndex, modelIndex)}">${label}</a></td>`
      );
    });
    const rowsNote = row.rows === null ? '' : `, ${row.rows.length} rows`;
    return `<tr><th scope="row">${text(row.prompt)} <span class="note">${text(row.category + rowsNote)}</span></th>${cells.join('')}</tr>`;
  });
  return `<section id="matrix"><h2>Pass/fail by model and prompt</h2><table class="matrix"><thead><tr><th>Prompt</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function metricsParagraph(testCase: CaseResult): string {
  return `<p class="metrics">${testCase.metrics === null ? 'no metrics' : text(metricsLine(testCase.metrics))}</p>`;
}

function responseCard(cases: CaseResult[], alias: string, test: string, id: string): string {
  const shown = cases.find(failed) ?? cases[0];
  if (shown === undefined) {
    return `<article class="response-card" id="${id}" data-model="${text(alias)}" data-prompt="${text(test)}"><h4>${text(alias)}</h4><p class="note">not run</p></article>`;
  }
  const repeatNote = cases.length > 1 ? ` <span class="note">repeat ${shown.repeat + 1} of ${cases.length}; ${cases.filter((testCase) => testCase.status === 'pass').length} passed</span>` : '';
  const checks = shown.assertions.map((check) => {
    const state = check.skipped === true ? 'skip' : check.planted !== undefined && !check.pass ? 'planted' : check.pass && check.planted === undefined ? 'pass' : 'fail';
    const symbol = { skip: '–', planted: '○', pass: '✓', fail: '✗' }[state];
    const planted = check.planted === undefined ? '' : ` <span class="note">(planted defect: ${text(check.planted)})</span>`;
    return `<li class="${state}">${symbol} <strong>${text(check.type)}</strong>: ${text(check.reason)}${planted}</li>`;
  });
  return (
    `<article class="response-card" id="${id}" data-model="${text(alias)}" data-prompt="${text(test)}" data-status="${shown.status}">` +
    `<h4><span>${text(alias)}</span>${statusBadge(shown.status)}</h4>${repeatNote}${metricsParagraph(shown)}` +
    (shown.error === null ? '' : `<p class="error-text">${text(shown.error)}</p>`) +
    `<pre class="response">${shown.response === '' ? '<span class="note">(no response)</span>' : text(shown.response)}</pre>` +
    answerScores(shown) +
    (checks.length === 0 ? '' : `<ul class="checks">${checks.join('')}</ul>`) +
    '</article>'
  );
}

/** A dataset's rows side by side: those that failed for some model (capped), or a sample when none did. */
function datasetResponses(results: Results, index: CaseIndex, row: PromptRow, promptIndex: number, rows: readonly string[]): { note: string; body: string } {
  const failing = rows.filter((prompt) => results.models.some((model) => casesOf(index, model.alias, row, prompt).some(failed)));
  const shown = failing.length === 0 ? rows.slice(0, SAMPLE_ROWS) : failing.slice(0, ROWS_SHOWN);
  const which =
    failing.length === 0
      ? `none failed; the first ${shown.length} shown`
      : `${failing.length} failed for some model${failing.length > shown.length ? `; the first ${shown.length} shown` : ', shown'}`;
  // The matrix links to the first row's cards; the others get ids of their own.
  const body = shown.map((prompt, shownIndex) => {
    const cards = results.models.map((model, modelIndex) => {
      const id = shownIndex === 0 ? responseId(promptIndex, modelIndex) : `${responseId(promptIndex, modelIndex)}-${shownIndex}`;
      return responseCard(casesOf(index, model.alias, row, prompt), model.alias, testId({ category: row.category, prompt }), id);
    });
    return `<h4>${text(prompt.slice(row.prompt.length + 1))}</h4><div class="side-by-side">${cards.join('')}</div>`;
  });
  return { note: `${rows.length} rows, ${which}; every row's answer is in latest.json`, body: body.join('') };
}

function responsesSection(results: Results, prompts: PromptRow[], index: CaseIndex): string {
  if (prompts.length === 0) return '';
  // A browser lays out a closed <details>' content only once it is opened (by a click, or by a
  // link from the matrix: the HTML standard opens a closed <details> that a fragment points
  // into): a report of thousands of prompts stays quick to open and scroll.
  const open = prompts.length <= OPEN_RESPONSE_PROMPTS ? ' open' : '';
  const blocks = prompts.map((row, promptIndex) => {
    const summary = `<summary>${text(row.prompt)} <span class="note">${text(row.category)}</span>`;
    if (row.rows !== null) {
      const { note, body } = datasetResponses(results, index, row, promptIndex, row.rows);
      return `<details${open} data-prompt="${text(row.id)}">${summary} <span class="note">${text(note)}</span></summary>${body}</details>`;
    }
    const cards = results.models.map((model, modelIndex) => responseCard(casesOf(index, model.alias, row), model.alias, row.id, responseId(promptIndex, modelIndex)));
    return `<details${open} data-prompt="${text(row.id)}">${summary}</summary><div class="side-by-side">${cards.join('')}</div></details>`;
  });
  return `<section id="responses"><h2>Responses side by side</h2>${blocks.join('')}</section>`;
}

/** The pass/fail matrix and the responses side by side, from one index of the run's cases. */
export function caseSections(results: Results): { matrix: string; responses: string } {
  const prompts = promptRows(results);
  const index = indexCases(results);
  return { matrix: matrixSection(results, prompts, index), responses: responsesSection(results, prompts, index) };
}
