// What a key point costs the first time its phrase is looked for (its pattern compiled, as with
// each row of a dataset that brings its own points) and after (the pattern kept), with the
// key-points matcher of src/assertions/key-points.ts against the one case-insensitive Unicode
// pattern with a lookbehind that it replaced (same answers: test/unit/key-points-matching.test.ts).
//
//   node --import tsx scripts/bench/key-points.ts [--phrases 2000] [--rounds 3]
import { parseArgs } from 'node:util';
import { mentioned } from '../../src/assertions/key-points.ts';
import { loadAverage, machineLine, median, printTable } from './embedded-shared.ts';

const { values } = parseArgs({ options: { phrases: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const phraseCount = Number(values.phrases);
const rounds = Number(values.rounds);

const REPLY =
  "I'm an assistant. Edge AI runs models on local devices instead of the cloud, for latency, privacy and offline use. " +
  'Quantum computing uses qubits in superposition. Remote work: pros are flexibility, cons are isolation.';

/** The replaced matcher: one pattern, the start of a word as a lookbehind. */
const lookbehindPatterns = new Map<string, RegExp>();
function lookbehindMentioned(reply: string, phrase: string): boolean {
  let pattern = lookbehindPatterns.get(phrase);
  if (pattern === undefined) {
    const words = phrase.trim().split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])${words.join('\\s+')}`, 'iu');
    lookbehindPatterns.set(phrase, pattern);
  }
  return pattern.test(reply);
}

const matchers = { 'key-points.ts': (reply: string, phrase: string) => mentioned(reply, phrase) !== null, 'lookbehind pattern (before)': lookbehindMentioned };

/** Microseconds a phrase: `phraseCount` phrases never seen before, then the same ones again on new replies. */
function measure(match: (reply: string, phrase: string) => boolean, round: number): { first: number; kept: number } {
  // Phrases as dataset rows bring them: a word or two, different every row.
  const phrases = Array.from({ length: phraseCount }, (_, index) => `${index % 2 === 0 ? 'edge' : 'remote'} point${round}x${index}`);
  let started = performance.now();
  for (const phrase of phrases) match(REPLY, phrase);
  const first = ((performance.now() - started) * 1000) / phrases.length;
  started = performance.now();
  // A new reply each time (the matcher keeps the last reply's answers).
  phrases.forEach((phrase, index) => match(`${REPLY}${index % 2 === 0 ? ' ' : ''}`, phrase));
  const kept = ((performance.now() - started) * 1000) / phrases.length;
  return { first, kept };
}

console.log(`# Key points: ${machineLine()}; ${phraseCount} new phrases, ${rounds} rounds; load average at start: ${loadAverage()}`);
const rows: string[][] = [];
for (const [name, match] of Object.entries(matchers)) {
  const runs = Array.from({ length: rounds }, (_, round) => measure(match, round));
  rows.push([name, median(runs.map((run) => run.first)).toFixed(1), median(runs.map((run) => run.kept)).toFixed(1)]);
}
printTable(['matcher', 'µs a phrase, first use (compiled)', 'µs a phrase, kept'], rows);
console.log(`# load average at end: ${loadAverage()}`);
