// The keyboard session of `edge-evals rate`: one answer at a time, its question and its text,
// then 1-5 for accuracy, completeness and clarity, one key each. The model is hidden unless
// asked for (r), so that the name does not colour the rating; answers to the same question are
// shown together, their models in a shuffled (but repeatable) order. Every finished answer is
// handed to `save` at once, so quitting (q, Ctrl-C) or a crash loses nothing rated.
import { TEXT_CRITERIA, type TextCriterion } from '../contract/criteria.ts';
import { testId, type CaseResult } from '../contract/results.ts';
import { wrap } from '../report/terminal.ts';
import { answerKey, type Rating } from '../results/ratings.ts';
import { visibleControls } from '../util/control-characters.ts';

const QUESTIONS: Readonly<Record<TextCriterion, string>> = {
  accuracy: 'is what it says correct?',
  completeness: 'does it answer the whole question?',
  clarity: 'is it easy to read, in the form asked for?',
};

export const RATING_KEYS_HELP = '1-5 rate · s skip this answer · b back · r show the model · q quit';

export interface RatingSessionIO {
  /** The next key pressed (one character; `\u0003` for Ctrl-C); null when input ended. */
  nextKey(): Promise<string | null>;
  write(text: string): void;
  width: number;
}

export interface SessionOutcome {
  rated: number;
  skipped: number;
  /** True when the person quit before the last answer. */
  quit: boolean;
}

/** Answers grouped by question, the models of a question in an order fixed by the answers' keys. */
export function ratingOrder(cases: readonly CaseResult[]): CaseResult[] {
  return [...cases].sort((a, b) => testId(a).localeCompare(testId(b)) || a.repeat - b.repeat || answerKey(a).localeCompare(answerKey(b)));
}

/** The answers that still need a rating: not rated, and not skipped unless `includeSkipped`. */
export function answersToRate(cases: readonly CaseResult[], ratings: readonly Rating[], includeSkipped: boolean): CaseResult[] {
  const done = new Map(ratings.map((rating) => [rating.key, rating]));
  const answered = cases.filter((testCase) => testCase.error === null && testCase.response.trim() !== '');
  return ratingOrder(answered).filter((testCase) => {
    const rating = done.get(answerKey(testCase));
    return rating === undefined || (includeSkipped && rating.scores === null);
  });
}

function question(testCase: CaseResult): string {
  const last = testCase.messages?.filter((message) => message.role === 'user').at(-1);
  return last?.content ?? `(${testId(testCase)}: the question was not recorded in these results)`;
}

export async function runRatingSession(
  queue: readonly CaseResult[],
  io: RatingSessionIO,
  save: (rating: Rating) => void,
  now: () => Date = () => new Date(),
): Promise<SessionOutcome> {
  const outcome: SessionOutcome = { rated: 0, skipped: 0, quit: false };
  // The last word on each answer counts: skipped, then rated after going back, is rated.
  const final = new Map<string, 'rated' | 'skipped'>();
  const print = (text = '', indent = 0) => {
    for (const line of wrap(visibleControls(text), io.width - indent, 0)) io.write(`${' '.repeat(indent)}${line}\n`);
  };
  let index = 0;
  while (index < queue.length) {
    const testCase = queue[index] as CaseResult;
    const key = answerKey(testCase);
    print();
    print(`── Answer ${index + 1} of ${queue.length} · ${testId(testCase)}${testCase.repeat > 0 ? ` #${testCase.repeat + 1}` : ''} · model hidden (r shows it)`);
    print(`Question: ${question(testCase)}`);
    print('Answer:');
    // The answer as written: its lines and indentation (code) kept, long lines cut to the width.
    for (const line of visibleControls(testCase.response.trim()).split('\n')) {
      const room = Math.max(20, io.width - 2);
      for (let start = 0; start === 0 || start < line.length; start += room) io.write(`  ${line.slice(start, start + room)}\n`);
    }
    print(RATING_KEYS_HELP);
    const scores: Partial<Record<TextCriterion, number>> = {};
    let step = 0;
    let next: 'answer' | 'back' | 'skip' | 'quit' = 'answer';
    while (step < TEXT_CRITERIA.length) {
      const criterion = TEXT_CRITERIA[step] as TextCriterion;
      io.write(`${criterion[0]?.toUpperCase()}${criterion.slice(1)}: ${QUESTIONS[criterion]} [1-5] `);
      const pressed = await io.nextKey();
      if (pressed === null || pressed === 'q' || pressed === '\u0003' || pressed === '\u0004') {
        next = 'quit';
        io.write('\n');
        break;
      }
      if (/^[1-5]$/.test(pressed)) {
        scores[criterion] = Number(pressed);
        io.write(`${pressed}\n`);
        step++;
      } else if (pressed === 's') {
        next = 'skip';
        io.write('skipped\n');
        break;
      } else if (pressed === 'b') {
        io.write('back\n');
        if (step > 0) step--;
        else if (index > 0) {
          next = 'back';
          break;
        }
      } else if (pressed === 'r') {
        io.write(`\n  model: ${visibleControls(testCase.model)}\n`);
      } else {
        io.write(`\n  ${RATING_KEYS_HELP}\n`);
      }
    }
    if (next === 'quit') {
      outcome.quit = true;
      break;
    }
    if (next === 'back') {
      index--;
      continue;
    }
    const ratedAt = now().toISOString();
    const complete = next === 'answer';
    save({ key, model: testCase.model, test: testId(testCase), ratedAt, scores: complete ? (scores as Record<TextCriterion, number>) : null });
    final.set(key, complete ? 'rated' : 'skipped');
    index++;
  }
  for (const state of final.values()) outcome[state]++;
  return outcome;
}
