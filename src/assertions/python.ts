// The reply's Python must work: extract its code, run it with python3 in a fresh temporary
// folder, call a function on test inputs and compare the results as JSON. Not a security
// sandbox: the code runs as the current user and could touch what that user can. What it gets:
// a minimal environment (no inherited secrets), no stdin, a timeout, a fresh working folder
// that is removed afterwards.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { execa } from 'execa';
import { z } from 'zod';
import { oneLine, replyExcerpt, shortJson } from './excerpt.ts';
import { failed, passed, type AssertionHandler, type AssertionOutcome } from './types.ts';

const DEFAULT_PYTHON_TIMEOUT_MS = 10_000;
const PYTHON = process.platform === 'win32' ? 'python' : 'python3';
const RUNNER = fileURLToPath(new URL('./python-runner.py', import.meta.url));
/** What the child may see of our environment: where programs are, and the text encoding. */
const INHERITED_VARIABLES = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'SYSTEMROOT'];

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

type RunnerRecord =
  | { setup_error: 'syntax' | 'function' | 'load'; message: string }
  | { function: string }
  | { result: unknown }
  | { raised: string }
  | { unserializable: string };

function minimalEnvironment(workdir?: string): Record<string, string> {
  const environment: Record<string, string> = workdir === undefined ? {} : { TMPDIR: workdir, TEMP: workdir, TMP: workdir };
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}

function callText(name: string, args: readonly unknown[]): string {
  return `${name}(${args.map((arg) => shortJson(arg, 80)).join(', ')})`;
}

function tailOf(text: string, limit = 400): string {
  const trimmed = text.trim();
  return oneLine(trimmed.length > limit ? `…${trimmed.slice(-limit)}` : trimmed);
}

interface RunFacts {
  timedOut: boolean;
  timeoutMs: number;
  exitCode: number | undefined;
  signal: string | undefined;
  stderr: string;
}

/** Records as the runner flushed them; a line cut short by a kill is dropped. */
function parseRecords(lines: string): RunnerRecord[] {
  return lines.split('\n').flatMap((line) => {
    try {
      return line.trim() === '' ? [] : [JSON.parse(line) as RunnerRecord];
    } catch {
      return [];
    }
  });
}

function stderrNote(run: RunFacts): string {
  return run.stderr.trim() === '' ? '' : ` stderr: ${tailOf(run.stderr)}`;
}

function howPythonEnded(run: RunFacts): string {
  return run.signal === undefined ? `python exited with code ${run.exitCode ?? 'unknown'}` : `python was killed by ${run.signal}`;
}

/** Why a case has no record: the first such case is where the run stopped, later ones never ran. */
function stoppedReason(call: string, expected: string, run: RunFacts): string {
  return run.timedOut
    ? `${call} did not return within ${run.timeoutMs} ms (expected ${expected})`
    : `${howPythonEnded(run)} during ${call} (expected ${expected}).${stderrNote(run)}`;
}

function judgeRecords(spec: PythonSpec, records: RunnerRecord[], reply: string, run: RunFacts): AssertionOutcome {
  const [first, ...caseRecords] = records;
  if (first === undefined) {
    const why = run.timedOut ? `timed out after ${run.timeoutMs} ms` : howPythonEnded(run);
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
      if (index === caseRecords.length) failures.push(stoppedReason(call, expected, run));
    } else if ('raised' in record) failures.push(`${call} raised ${tailOf(record.raised, 200)} (expected ${expected})`);
    else if ('unserializable' in record) failures.push(`${call} returned ${tailOf(record.unserializable, 120)}, not JSON (expected ${expected})`);
    else if ('result' in record && isDeepStrictEqual(record.result, testCase.expected)) passedCases += 1;
    else failures.push(`${call} returned ${shortJson('result' in record ? record.result : record)}, expected ${expected}`);
  });
  const total = spec.cases.length;
  if (passedCases === total) return passed(`${first.function} returned the expected result for ${total} of ${total} cases`);
  const neverRun = Math.max(0, total - caseRecords.length - 1);
  const neverRunNote = neverRun > 0 ? ` (${neverRun} later case${neverRun === 1 ? '' : 's'} never ran)` : '';
  return failed(`${total - passedCases} of ${total} cases failed: ${failures.join('; ')}${neverRunNote}. ${replyExcerpt(reply)}`, passedCases / total);
}

let interpreter: Promise<string> | undefined;

/**
 * The interpreter behind `python3`, asked once per process: version managers (pyenv, asdf) put a
 * shell shim on PATH that costs ~0.5 s a start; the interpreter itself starts in ~20 ms.
 */
function pythonInterpreter(): Promise<string> {
  interpreter ??= execa(PYTHON, ['-I', '-c', 'import sys; print(sys.executable)'], {
    env: minimalEnvironment(),
    extendEnv: false,
    stdin: 'ignore',
    timeout: 10_000,
  }).then(
    (result) => (result.stdout.trim() === '' ? PYTHON : result.stdout.trim()),
    () => PYTHON,
  );
  return interpreter;
}

export const python: AssertionHandler<PythonSpec> = {
  kind: 'content',
  evaluate: async (spec, { response }) => {
    const code = extractPythonCode(response);
    if (code === null) return failed(`expected Python code (a \`\`\`python block or a bare function); found none. ${replyExcerpt(response)}`);
    const timeoutMs = spec.timeoutMs ?? DEFAULT_PYTHON_TIMEOUT_MS;
    const functionNames = spec.functionName === undefined ? [] : [spec.functionName].flat();
    const workdir = await mkdtemp(path.join(os.tmpdir(), 'edge-evals-python-'));
    try {
      const solution = path.join(workdir, 'solution.py');
      const request = path.join(workdir, 'request.json');
      const results = path.join(workdir, 'results.jsonl');
      await writeFile(solution, code, 'utf8');
      await writeFile(request, JSON.stringify({ functionNames, cases: spec.cases.map(({ args }) => ({ args })) }), 'utf8');
      const executable = await pythonInterpreter();
      const run = await execa(executable, ['-I', RUNNER, solution, request, results], {
        cwd: workdir,
        env: minimalEnvironment(workdir),
        extendEnv: false,
        stdin: 'ignore',
        // What the code prints is not judged; only its stderr tail goes into reasons.
        stdout: 'ignore',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        reject: false,
        maxBuffer: 1_000_000,
      });
      if (run.failed && !run.timedOut && run.exitCode === undefined && run.signal === undefined) {
        return failed(`could not run ${PYTHON} (${executable}): ${run.shortMessage}. Install Python 3 and put it on PATH.`);
      }
      const records = parseRecords(await readFile(results, 'utf8').catch(() => ''));
      const facts = { timedOut: run.timedOut, timeoutMs, exitCode: run.exitCode, signal: run.signal, stderr: String(run.stderr) };
      return judgeRecords(spec, records, response, facts);
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  },
};
