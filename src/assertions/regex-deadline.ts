// A regular expression run against a reply with a deadline. Its pattern comes from an eval
// file, its text from a model: some patterns backtrack exponentially on some texts (`(a+)+$`
// on forty a's and a b takes minutes), and a match runs synchronously, so it would hold the
// test worker with every timeout in it. The match runs in a worker thread instead, which is
// terminated at the deadline (that interrupts the regex engine too).
//
// One worker serves the process's checks, one match at a time, so each deadline counts from
// the moment its own match starts. It is started by the first check and replaced after a
// deadline; it never keeps a process alive (unref). A fresh worker per check cost 25-50 ms, most
// of what a test costs against a fast server.
//
// A pattern whose work on the reply is bounded, and small, is matched in place instead: no loop
// and no back-reference, so a few milliseconds at most (regex-cost.ts). The hop to the worker
// and back costs about 0.1 ms a check, most of a check's time; the shipped prompts' patterns
// (word alternatives, an optional letter) all run in place.
import { Worker } from 'node:worker_threads';
import { regexSteps } from './regex-cost.ts';

/** How long a regex check may take on one reply. */
export const REGEX_DEADLINE_MS = 5_000;

/** The most steps a match may take in place, in the test's own thread (milliseconds at worst). */
const IN_PLACE_STEPS = 1_000_000;

const MATCHER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ pattern, flags, text }) => {
  let reply;
  try {
    const match = new RegExp(pattern, flags).exec(text);
    reply = { match: match === null ? null : { index: match.index, text: match[0] } };
  } catch (error) {
    reply = { error: String(error instanceof Error ? error.message : error) };
  }
  parentPort.postMessage(reply);
});
`;

export type RegexOutcome = { match: { index: number; text: string } | null } | { timedOut: true };

type MatcherReply = { match: { index: number; text: string } | null } | { error: string };

interface MatchRequest {
  pattern: string;
  flags: string | undefined;
  text: string;
  deadlineMs: number;
  resolve: (outcome: RegexOutcome) => void;
  reject: (error: Error) => void;
}

const waiting: MatchRequest[] = [];
let running: { request: MatchRequest; timer: NodeJS.Timeout } | null = null;
let matcher: Worker | null = null;

function settle(outcome: RegexOutcome | Error): void {
  if (running === null) return;
  const { request, timer } = running;
  running = null;
  clearTimeout(timer);
  if (outcome instanceof Error) request.reject(outcome);
  else request.resolve(outcome);
  startNext();
}

/** Stop the worker (stuck in a match, or broken): the next match starts a new one. */
function retire(worker: Worker): void {
  if (matcher === worker) matcher = null;
  worker.removeAllListeners();
  // A listener stays for errors that may still come while it stops.
  worker.on('error', () => undefined);
  void worker.terminate();
}

function startMatcher(): Worker {
  // No execArgv of ours (a loader, --input-type=module): the matcher is plain CommonJS.
  const worker = new Worker(MATCHER, { eval: true, execArgv: [] });
  worker.on('message', (reply: MatcherReply) => settle('error' in reply ? new Error(reply.error) : { match: reply.match }));
  worker.on('error', (error) => {
    retire(worker);
    settle(error);
  });
  worker.on('exit', (code) => {
    retire(worker);
    settle(new Error(`the regex worker exited (code ${code}) without an answer`));
  });
  // After the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  return worker;
}

function startNext(): void {
  if (running !== null) return;
  const request = waiting.shift();
  if (request === undefined) return;
  matcher ??= startMatcher();
  const worker = matcher;
  const timer = setTimeout(() => {
    retire(worker);
    settle({ timedOut: true });
  }, request.deadlineMs);
  running = { request, timer };
  worker.postMessage({ pattern: request.pattern, flags: request.flags, text: request.text });
}

/** The match as the worker makes it, with its error message for a pattern that is not valid. */
function matchInPlace(pattern: string, flags: string | undefined, text: string): RegexOutcome {
  let expression: RegExp;
  try {
    expression = new RegExp(pattern, flags);
  } catch (error) {
    throw new Error(String(error instanceof Error ? error.message : error));
  }
  const match = expression.exec(text);
  return { match: match === null ? null : { index: match.index, text: match[0] } };
}

export async function matchWithDeadline(pattern: string, flags: string | undefined, text: string, deadlineMs = REGEX_DEADLINE_MS): Promise<RegexOutcome> {
  const steps = regexSteps(pattern, flags, text.length);
  if (steps !== null && steps <= IN_PLACE_STEPS) return matchInPlace(pattern, flags, text);
  return new Promise<RegexOutcome>((resolve, reject) => {
    waiting.push({ pattern, flags, text, deadlineMs, resolve, reject });
    startNext();
  });
}
