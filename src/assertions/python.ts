// The reply's Python must work: extract its code, run it in the sandbox (python/sandbox.ts: a
// warm parent that forks a fresh, isolated child per check) on the cases' arguments, and compare
// what it returned with the expected JSON here, outside the sandbox. The reason says when the
// code could not be sandboxed, and why.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { oneLine, replyExcerpt, shortJson } from './excerpt.ts';
import { sharedPythonSandbox, type CheckRun, type Isolation } from './python/sandbox.ts';
import { failed, passed, type AssertionContext, type AssertionHandler, type AssertionOutcome } from './types.ts';

const DEFAULT_PYTHON_TIMEOUT_MS = 10_000;

const JsonValue: z.ZodType<unknown> = z.json();

export const PythonSpec = z
  .object({
    type: z.literal('python'),
    /** Function names to call, first found wins; default: the one function defined (helpers aside). */
    functionName: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Positional arguments and the JSON the call must return. */
    cases: z.array(z.object({ args: z.array(JsonValue), expected: JsonValue }).strict()).min(1, 'expected at least one case'),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();
export type PythonSpec = z.infer<typeof PythonSpec>;

const FENCED_BLOCK = /```([^\n`]*)\n([\s\S]*?)```/g;
const PYTHON_INFO = /^(python3?|py)\b/i;
const CODE_LINE = /^(def |class |import |from \S+ import )/m;

/**
 * The first ```python block; else the first unlabelled block that defines something; else the
 * whole reply when it has no fences and reads as code (a line starting with def/class/import).
 */
export function extractPythonCode(reply: string): string | null {
  const blocks = [...reply.matchAll(FENCED_BLOCK)].map((match) => ({ info: (match[1] ?? '').trim(), code: match[2] ?? '' }));
  const labelled = blocks.find((block) => PYTHON_INFO.test(block.info));
  if (labelled !== undefined) return labelled.code;
  const unlabelled = blocks.find((block) => block.info === '' && CODE_LINE.test(block.code));
  if (unlabelled !== undefined) return unlabelled.code;
  if (blocks.length === 0 && !reply.includes('```') && CODE_LINE.test(reply)) return reply;
  return null;
}

function callText(name: string, args: readonly unknown[]): string {
  return `${name}(${args.map((arg) => shortJson(arg, 80)).join(', ')})`;
}

function tailOf(text: string, limit = 400): string {
  const trimmed = text.trim();
  return oneLine(trimmed.length > limit ? `…${trimmed.slice(-limit)}` : trimmed);
}

function stderrNote(run: CheckRun): string {
  return run.stderr.trim() === '' ? '' : ` stderr: ${tailOf(run.stderr)}`;
}

function howPythonEnded(run: CheckRun): string {
  if (run.status === null) return 'python ended without a status';
  return 'signal' in run.status ? `python was killed by ${run.status.signal}` : `python exited with code ${run.status.exitCode}`;
}

/** Why a case has no record: the first such case is where the run stopped, later ones never ran. */
function stoppedReason(call: string, expected: string, run: CheckRun, timeoutMs: number): string {
  return run.timedOut
    ? `${call} did not return within ${timeoutMs} ms (expected ${expected})`
    : `${howPythonEnded(run)} during ${call} (expected ${expected}).${stderrNote(run)}`;
}

function caseFailure(record: CheckRun['records'][number], call: string, expected: string): string {
  if ('raised' in record) return `${call} raised ${tailOf(record.raised, 200)} (expected ${expected})`;
  if ('unserializable' in record) return `${call} returned ${tailOf(record.unserializable, 120)}, not JSON (expected ${expected})`;
  if ('oversized' in record) return `${call} returned ${record.oversized} bytes of JSON (expected ${expected})`;
  return `${call} returned ${shortJson('result' in record ? record.result : record)}, expected ${expected}`;
}

function judgeRun(spec: PythonSpec, run: CheckRun, reply: string, timeoutMs: number): AssertionOutcome {
  const [first, ...caseRecords] = run.records;
  if (first === undefined) {
    const why = run.timedOut ? `timed out after ${timeoutMs} ms` : howPythonEnded(run);
    return failed(`${why} before calling anything.${stderrNote(run)} ${replyExcerpt(reply)}`);
  }
  if ('setup_error' in first) {
    const what = { syntax: 'the code does not compile', function: 'no function to call', load: 'the code failed while loading' }[first.setup_error];
    return failed(`${what}: ${tailOf(first.message)}. ${replyExcerpt(reply)}`);
  }
  if (!('function' in first)) return failed(`the Python runner answered out of order. ${replyExcerpt(reply)}`);
  const failures: string[] = [];
  let passedCases = 0;
  spec.cases.forEach((testCase, index) => {
    const call = callText(first.function, testCase.args);
    const expected = shortJson(testCase.expected);
    const record = caseRecords[index];
    if (record === undefined) {
      if (index === caseRecords.length) failures.push(stoppedReason(call, expected, run, timeoutMs));
    } else if ('result' in record && isDeepStrictEqual(record.result, testCase.expected)) passedCases += 1;
    else failures.push(caseFailure(record, call, expected));
  });
  const total = spec.cases.length;
  if (passedCases === total) return passed(`${first.function} returned the expected result for ${total} of ${total} cases`);
  const neverRun = Math.max(0, total - caseRecords.length - 1);
  const neverRunNote = neverRun > 0 ? ` (${neverRun} later case${neverRun === 1 ? '' : 's'} never ran)` : '';
  return failed(`${total - passedCases} of ${total} cases failed: ${failures.join('; ')}${neverRunNote}. ${replyExcerpt(reply)}`, passedCases / total);
}

/** The verdict on a run, its reason led by how the code was isolated when not fully sandboxed. */
export function pythonVerdict(spec: PythonSpec, run: CheckRun, reply: string): AssertionOutcome {
  const outcome = judgeRun(spec, run, reply, spec.timeoutMs ?? DEFAULT_PYTHON_TIMEOUT_MS);
  const note = run.isolation.level === 'sandboxed' ? '' : `${run.isolation.level}: ${run.isolation.why}. `;
  return { ...outcome, reason: `${note}${outcome.reason}` };
}

/** Why the code must not run at all under this policy (EVAL_PYTHON_SANDBOX); null when it may. */
export function sandboxRefusal(policy: AssertionContext['pythonSandbox'], isolation: Isolation): string | null {
  if (policy !== 'require' || isolation.level === 'sandboxed') return null;
  return `refused to run the code (EVAL_PYTHON_SANDBOX=require): ${isolation.level}: ${isolation.why}`;
}

export const python: AssertionHandler<PythonSpec> = {
  kind: 'content',
  evaluate: async (spec, { response, pythonSandbox }) => {
    const code = extractPythonCode(response);
    if (code === null) return failed(`expected Python code (a \`\`\`python block or a bare function); found none. ${replyExcerpt(response)}`);
    const sandbox = sharedPythonSandbox();
    const refusal = sandboxRefusal(pythonSandbox, await sandbox.isolation());
    if (refusal !== null) return failed(refusal);
    const run = await sandbox.run({
      code,
      functionNames: spec.functionName === undefined ? [] : [spec.functionName].flat(),
      args: spec.cases.map(({ args }) => args),
      timeoutMs: spec.timeoutMs ?? DEFAULT_PYTHON_TIMEOUT_MS,
    });
    return pythonVerdict(spec, run, response);
  },
};
