// A regular expression run against a reply with a deadline. Its pattern comes from an eval
// file, its text from a model: some patterns backtrack exponentially on some texts (`(a+)+$`
// on forty a's and a b takes minutes), and a match runs synchronously, so it would hold the
// test worker with every timeout in it. The match runs in a worker thread instead, which is
// terminated at the deadline (that interrupts the regex engine too); it costs a few tens of ms.
import { Worker } from 'node:worker_threads';

/** How long a regex check may take on one reply. */
export const REGEX_DEADLINE_MS = 5_000;

const MATCHER = `
const { parentPort, workerData } = require('node:worker_threads');
const match = new RegExp(workerData.pattern, workerData.flags).exec(workerData.text);
parentPort.postMessage(match === null ? null : { index: match.index, text: match[0] });
`;

export type RegexOutcome = { match: { index: number; text: string } | null } | { timedOut: true };

export function matchWithDeadline(pattern: string, flags: string | undefined, text: string, deadlineMs = REGEX_DEADLINE_MS): Promise<RegexOutcome> {
  // No execArgv of ours (a loader, --input-type=module): the matcher is plain CommonJS.
  const worker = new Worker(MATCHER, { eval: true, execArgv: [], workerData: { pattern, flags, text } });
  let timer: NodeJS.Timeout | undefined;
  return new Promise<RegexOutcome>((resolve, reject) => {
    timer = setTimeout(() => resolve({ timedOut: true }), deadlineMs);
    worker.once('message', (match: { index: number; text: string } | null) => resolve({ match }));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the regex worker exited (code ${code}) without an answer`)));
  }).finally(() => {
    clearTimeout(timer);
    // Settled either way, the worker goes (terminating a finished one is harmless).
    void worker.terminate();
  });
}
