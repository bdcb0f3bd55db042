// `edge-evals rate [results.json]`: rate the answers of a run by hand, in the terminal, 1-5 for
// accuracy, completeness and clarity. The ratings go to ratings.json next to the results after
// every answer (resumable: a later `rate` continues with the answers not yet rated). Every
// report made from those results afterwards (`edge-evals report`, the end of the next run)
// shows them, with their agreement with the judge and the model-free scorers; the command ends
// with that agreement.
import path from 'node:path';
import { loadConfig } from '../../config/env.ts';
import { agreementRows } from '../../report/criteria.ts';
import { shortPath } from '../../report/write.ts';
import { LATEST_RESULTS, readResultsFile } from '../../results/files.ts';
import { ratingsFileFor, readRatings, saveRatings, withRatings, type Rating } from '../../results/ratings.ts';
import { parseCommand } from '../args.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../errors.ts';
import { answersToRate, runRatingSession, type RatingSessionIO } from '../rating-session.ts';

const USAGE = `Usage: edge-evals rate [results.json] [options]

Shows each answer of a run with its question, and takes 1-5 from the keyboard for accuracy,
completeness and clarity. The model is hidden unless you press r. Ratings are saved after
every answer in ratings.json next to the results; run it again to continue where you stopped.
A rating belongs to the answer's text: it applies again whenever the same answer comes back.

Arguments:
  results.json     the results to rate (default: ${LATEST_RESULTS} in EVAL_RESULTS_DIR)

Options:
  --skipped        also ask again about the answers you skipped
  -h, --help       this help

Keys: 1-5 rate · s skip the answer · b back · r show the model · q quit (Ctrl-C too).
Exit codes: 0 done or quit, 2 usage error, an unreadable file or no terminal.`;

/** Keys from a terminal in raw mode, one character each, until input ends. */
function terminalKeys(input: NodeJS.ReadStream): { nextKey: () => Promise<string | null>; close: () => void } {
  const pending: string[] = [];
  const waiting: ((key: string | null) => void)[] = [];
  let ended = false;
  const deliver = (key: string | null) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(key);
    else if (key !== null) pending.push(key);
  };
  const onData = (chunk: Buffer) => {
    for (const character of chunk.toString('utf8')) deliver(character);
  };
  const onEnd = () => {
    ended = true;
    while (waiting.length > 0) deliver(null);
  };
  input.setRawMode(true);
  input.on('data', onData);
  input.on('end', onEnd);
  input.resume();
  return {
    nextKey: () => {
      const key = pending.shift();
      if (key !== undefined) return Promise.resolve(key);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode(false);
      input.pause();
    },
  };
}

export async function rateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { skipped: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`one results file at a time, got ${positionals.length}: ${positionals.join(' ')}`, USAGE);
  const resultsFile = path.resolve(positionals[0] ?? path.join(loadConfig().resultsDir, LATEST_RESULTS));
  const results = readResultsFile(resultsFile, { hint: 'Run `npm run eval` first, or name a results file.' });
  const ratingsFile = ratingsFileFor(resultsFile);
  const ratings = readRatings(ratingsFile);
  const queue = answersToRate(results.cases, ratings, values.skipped);
  const stdout = process.stdout;
  if (queue.length === 0) {
    stdout.write(`Every answer in ${shortPath(resultsFile)} is rated${ratings.some((rating) => rating.scores === null) && !values.skipped ? ' or skipped (--skipped asks about those again)' : ''}.\n`);
    return EXIT_OK;
  }
  if (process.stdin.isTTY !== true) {
    process.stderr.write('error: edge-evals rate reads single keys from a terminal; stdin is not one.\n');
    return EXIT_USAGE;
  }

  const keys = terminalKeys(process.stdin);
  const io: RatingSessionIO = { nextKey: keys.nextKey, write: (text) => stdout.write(text), width: Math.max(40, stdout.columns > 0 ? stdout.columns : 80) };
  const all = new Map(ratings.map((rating) => [rating.key, rating]));
  let outcome;
  try {
    stdout.write(`Rating ${queue.length} answer${queue.length === 1 ? '' : 's'} of ${shortPath(resultsFile)}; ratings go to ${shortPath(ratingsFile)}.\n`);
    outcome = await runRatingSession(queue, io, (rating: Rating) => {
      all.set(rating.key, rating);
      saveRatings(ratingsFile, [...all.values()]);
    });
  } finally {
    keys.close();
  }

  const left = answersToRate(results.cases, [...all.values()], false).length;
  stdout.write(`\n${outcome.quit ? 'Stopped' : 'Done'}: ${outcome.rated} rated, ${outcome.skipped} skipped this time; ${left} still to rate. Ratings: ${shortPath(ratingsFile)}.\n`);
  const agreement = agreementRows(withRatings(results, [...all.values()])).filter((row) => row.between.startsWith('people'));
  for (const row of agreement) stdout.write(`  ${row.criterion}: ${row.between} agree with weighted kappa ${row.kappa}, Spearman ${row.spearman} over ${row.n} answers\n`);
  stdout.write(`Reports with the ratings: edge-evals report ${shortPath(resultsFile)}\n`);
  return EXIT_OK;
}
