// Which tests annotate (EVAL_ANNOTATE): `npm run eval` against a scripted endpoint whose answer
// to one prompt passes its checks and to the other fails them. By default only the failing test
// is annotated (each annotation is a round trip the test waits for); a reporter that keeps
// annotations for browsing (vitest's JUnit) gets them for every test, unless EVAL_ANNOTATE says
// otherwise. The results files come from the task meta and stay the same either way.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/contract/results.ts';
import { readResultsFile } from '../../src/results/files.ts';
import type { AnnotatedTest } from '../support/annotations-reporter.ts';
import { evalRun } from '../support/eval-run.ts';
import { startScriptedChatServer, type ScriptedChatServer } from '../support/scripted-chat-server.ts';

const MODEL = 'scripted';
const PASSING = `${MODEL} > chat/introduce-yourself`;
const FAILING = `${MODEL} > chat/edge-ai-one-sentence`;
/** Our reporter and vitest's default, as configured, with the reporter that lists the annotations. */
const REPORTERS = ['--reporter=default', '--reporter=./reporters/edge-evals-reporter.ts', '--reporter=./test/support/annotations-reporter.ts'];

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-annotations-'));
let server: ScriptedChatServer;

beforeAll(async () => {
  // The one-sentence prompt gets the fallback ("I don't know."): it fails `icontains edge`.
  server = await startScriptedChatServer(MODEL, [
    { when: /introduce yourself/, answer: 'Hello! I am an AI assistant, a language model running locally on your computer. I can help with questions.' },
  ]);
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

async function run(name: string, args: string[], env: Record<string, string> = {}) {
  const resultsDir = path.join(work, name);
  const annotationsFile = path.join(work, `${name}-annotations.json`);
  const result = await evalRun(['-t', 'chat/', ...args], {
    EVAL_RUNTIME: 'openai',
    EVAL_BASE_URL: server.url,
    EVAL_MODELS: MODEL,
    EVAL_WARMUP: '0',
    EVAL_RESULTS_DIR: resultsDir,
    EDGE_EVALS_CACHE: path.join(work, 'cache'),
    ANNOTATIONS_REPORT_FILE: annotationsFile,
    ...env,
  }, { timeout: 240_000 });
  // The failing test fails the run.
  expect(result.exitCode, result.all).toBe(1);
  const tests = JSON.parse(readFileSync(annotationsFile, 'utf8')) as AnnotatedTest[];
  const annotations = (testName: string) => {
    const found = tests.find((test) => test.name === testName);
    expect(found, `${testName} in ${JSON.stringify(tests)}`).toBeDefined();
    return found as AnnotatedTest;
  };
  return { result, resultsDir, passing: annotations(PASSING), failing: annotations(FAILING) };
}

/** Times and rates in a text, which differ between two runs of the same cases. */
const withoutTimes = (text: string) => text.replace(/ (time|timestamp)="[^"]*"/g, '').replace(/\d+(\.\d+)? ?(ms|s|tokens\/s)\b/g, '<$2>');

/** What each case recorded in latest.json, without the measurements (times, resources). */
function recorded(resultsDir: string): unknown {
  const cases = readResultsFile(path.join(resultsDir, 'latest.json')).cases.map(({ name, status, assertions, response, error, score, criteria, messages }: CaseResult) => ({
    name,
    status,
    assertions,
    response,
    error,
    score,
    criteria,
    messages,
  }));
  expect(cases).toHaveLength(2);
  return JSON.parse(withoutTimes(JSON.stringify(cases)));
}

/** Our junit.xml, rendered from the results, without its times. */
function ourJunit(resultsDir: string): string {
  return withoutTimes(readFileSync(path.join(resultsDir, 'junit.xml'), 'utf8'));
}

describe('annotations', () => {
  let byDefault: Awaited<ReturnType<typeof run>>;

  it('by default, only a failing test carries its response, checks and criteria', async () => {
    byDefault = await run('default', REPORTERS);
    expect(byDefault.passing.state).toBe('passed');
    expect(byDefault.passing.annotations).toEqual([]);
    expect(byDefault.failing.state).toBe('failed');
    expect(byDefault.failing.annotations).toEqual(['response', 'check-failed', 'criteria']);
    // The default reporter prints a failed test's annotations under its error.
    expect(byDefault.result.all).toContain("I don't know.");
  }, 240_000);

  it("with vitest's JUnit reporter, every test is annotated, and the results files are the same", async () => {
    const junitFile = path.join(work, 'vitest-junit.xml');
    const browsed = await run('junit', [...REPORTERS, '--reporter=junit', `--outputFile.junit=${junitFile}`]);
    expect(browsed.passing.state).toBe('passed');
    expect(browsed.passing.annotations).toEqual(['response', 'checks', 'criteria']);
    expect(browsed.failing.annotations).toEqual(['response', 'check-failed', 'criteria']);
    // vitest's own JUnit file keeps them as properties of the passing test.
    const junit = readFileSync(junitFile, 'utf8');
    const passingCase = /<testcase classname="[^"]*" name="scripted &gt; chat\/introduce-yourself"[\s\S]*?<\/testcase>/.exec(junit)?.[0] ?? '';
    expect(passingCase).toContain('<property name="response" value="Hello! I am an AI assistant');
    expect(passingCase).toContain('<property name="checks" value="');

    // The results come from the task meta: the annotations change nothing in them.
    expect(recorded(browsed.resultsDir)).toEqual(recorded(byDefault.resultsDir));
    expect(ourJunit(browsed.resultsDir)).toEqual(ourJunit(byDefault.resultsDir));
  }, 240_000);

  it('EVAL_ANNOTATE wins over the reporters: `failures` with the JUnit reporter, `all` without', async () => {
    const failures = await run('failures', [...REPORTERS, '--reporter=junit', `--outputFile.junit=${path.join(work, 'failures-junit.xml')}`], { EVAL_ANNOTATE: 'failures' });
    expect(failures.passing.annotations).toEqual([]);
    expect(failures.failing.annotations).toEqual(['response', 'check-failed', 'criteria']);
    const all = await run('all', REPORTERS, { EVAL_ANNOTATE: 'All' });
    expect(all.passing.annotations).toEqual(['response', 'checks', 'criteria']);
  }, 480_000);
});
