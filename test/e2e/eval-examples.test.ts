// The examples under evals/examples/ run as the README shows (`npm run eval -- evals/examples/`),
// against an OpenAI-compatible endpoint that answers what a capable model would, so that their
// content checks are judged; test bodies record failures as checks; and on a synthetic model a
// test body's content matchers are skipped while its thresholds are judged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, Results } from '../../src/contract/results.ts';
import { readResultsFile } from '../../src/results/files.ts';
import type { AnnotatedTest } from '../support/annotations-reporter.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { EXAMPLE_ANSWERS } from '../support/example-answers.ts';
import { projectWithEvals } from '../support/project-copy.ts';
import { startScriptedChatServer, type ScriptedChatServer } from '../support/scripted-chat-server.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-examples-'));
const projects: string[] = [];
let server: ScriptedChatServer;
beforeAll(async () => {
  server = await startScriptedChatServer('scripted', EXAMPLE_ANSWERS);
});
afterAll(async () => {
  await server.close();
  for (const folder of [work, ...projects]) rmSync(folder, { recursive: true, force: true });
});

function folders(name: string) {
  return { EDGE_EVALS_CACHE: path.join(work, name, 'cache'), EVAL_RESULTS_DIR: path.join(work, name, 'results') };
}

function caseNamed(results: Results, name: string): CaseResult {
  const found = results.cases.find((testCase) => `${testCase.category}/${testCase.prompt}${testCase.repeat > 0 ? ` #${testCase.repeat + 1}` : ''}` === name);
  if (found === undefined) throw new Error(`no case ${name} in ${results.cases.map((testCase) => `${testCase.category}/${testCase.prompt}`).join(', ')}`);
  return found;
}

const checkTypes = (testCase: CaseResult) => testCase.assertions.map((check) => check.type);

describe('the examples, and test bodies', () => {
  it('runs every example with its content judged, and records datasets, multi-turn and test bodies as cases', async () => {
    const env = folders('scripted');
    const run = await evalRun(['evals/examples/'], { ...env, EVAL_RUNTIME: 'openai', EVAL_BASE_URL: server.url });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stderr).toContain('[edge-evals] 21 tests from 5 eval files: evals/examples/assertions.eval.ts');
    const results = readResultsFile(resultsFile(env.EVAL_RESULTS_DIR));
    expect(results.cases).toHaveLength(21);
    for (const testCase of results.cases) {
      expect(testCase.status, `${testCase.name}: ${JSON.stringify(testCase.assertions)}`).toBe('pass');
      expect(testCase.assertions.some((check) => check.skipped === true)).toBe(false);
      expect(testCase.score).toEqual(testCase.category === 'custom-checks' || testCase.prompt === 'uses-a-reusable-check' ? expect.any(Number) : 1);
    }

    // Every check type of assertions.eval.ts ran, with not- and a weight.
    const formats = results.cases.filter((testCase) => testCase.category === 'formats').flatMap(checkTypes);
    for (const type of ['starts-with', 'contains', 'icontains', 'not-icontains', 'length', 'regex', 'not-regex', 'json', 'key-points', 'python', 'custom']) expect(formats).toContain(type);
    expect(caseNamed(results, 'formats/photosynthesis').assertions[0]).toMatchObject({ type: 'key-points', weight: 3, reason: '3 of 3 key points made' });

    // Datasets: a case per row, with its variables filled in and its expected answer recorded.
    expect(caseNamed(results, 'capitals/capital-of/japan')).toMatchObject({ vars: { country: 'Japan', capital: 'Tokyo' }, expected: 'Tokyo, on the island of Honshu.', response: 'Tokyo' });
    expect(caseNamed(results, 'arithmetic/add/carry').expected).toEqual(['42']);
    expect(caseNamed(results, 'spelling/count-letters/cherry').vars).toEqual({ word: 'cherry' });
    expect(server.prompts).toContain('Translate "thank you" into Spanish. Answer with the translation only.');

    // Multi-turn: the model answered the conversation's last message.
    expect(caseNamed(results, 'memory/remembers-a-name').response).toBe('Your name is Ada.');

    // Test bodies: the case holds the last reply; the matchers' checks come first, then the thresholds.
    const followUp = caseNamed(results, 'explain/follow-up');
    expect(followUp.response).toBe('Quantum computers use qubits that hold 0 and 1 at once.');
    expect(checkTypes(followUp)).toEqual(['key-points', 'max-ttft', 'length', 'not-key-points', 'max-ttft', 'max-e2e', 'min-tokens-per-sec']);
    expect(caseNamed(results, 'explain/uses-a-reusable-check #2').assertions[0]).toMatchObject({ type: 'custom', score: 0.6, reason: 'check "mentions-at-least": found banana, lemon, strawberry' });
    const [mentions, ownWords, steadily] = caseNamed(results, 'custom-checks/fruit-list').assertions;
    expect(mentions?.reason).toBe('check "mentions-at-least": found banana, lemon, strawberry');
    expect(ownWords?.reason).toBe('check "answers-in-own-words" scored 1.00 (passes at 0.5)');
    expect(steadily?.reason).toBe('check "streams-steadily" returned true');
  }, 300_000);

  it('records what fails in a test body: a matcher once as its check, another expect as an `expect` check, a thrown error as an error', async () => {
    const root = projectWithEvals({
      'bodies.eval.ts': `import { evalTest } from 'edge-evals';

evalTest('bodies/wrong-answer', async ({ ask, expect }) => {
  const reply = await ask('What is the capital of Japan? Answer with the city only.');
  expect(reply).toMention('Kyoto');
});

evalTest('bodies/soft-and-plain', async ({ ask, expect }) => {
  const reply = await ask('Count from 1 to 5, separated by commas, and nothing else.');
  expect.soft(reply).not.toMention('3');
  expect(reply.text).toBe('one, two');
});

evalTest('bodies/soft-builtin', async ({ ask, expect }) => {
  const reply = await ask('Count from 1 to 5, separated by commas, and nothing else.');
  expect.soft(reply.text).toBe('one, two');
  expect(reply).toMention('3');
});

evalTest('bodies/throws', async ({ ask }) => {
  await ask('Reply with exactly: OK');
  throw new TypeError('a bug in the test body');
});

evalTest('bodies/asks-nothing', async () => {});
`,
    });
    projects.push(root);
    const env = folders('failing');
    const annotationsFile = path.join(work, 'failing-annotations.json');
    const reporters = ['--reporter=default', '--reporter=./reporters/edge-evals-reporter.ts', `--reporter=${fileURLToPath(new URL('../support/annotations-reporter.ts', import.meta.url))}`];
    const run = await evalRun(reporters, { ...env, EVAL_RUNTIME: 'openai', EVAL_BASE_URL: server.url, ANNOTATIONS_REPORT_FILE: annotationsFile }, { root });
    expect(run.exitCode, run.all).toBe(1);
    const results = readResultsFile(resultsFile(env.EVAL_RESULTS_DIR));
    const annotations = JSON.parse(readFileSync(annotationsFile, 'utf8')) as AnnotatedTest[];
    const annotationsOf = (name: string) => annotations.find((test) => test.name.endsWith(` > ${name}`));

    const wrong = caseNamed(results, 'bodies/wrong-answer');
    expect(wrong).toMatchObject({ status: 'fail', response: 'Tokyo' });
    expect(wrong.assertions.filter((check) => !check.pass)).toEqual([
      expect.objectContaining({ type: 'key-points', reason: expect.stringMatching(/^expected at least 1 of 1 key points; 0 of 1 key points made, missing "Kyoto"/) }),
    ]);
    expect(run.all).toContain('key-points: expected at least 1 of 1 key points');

    const soft = caseNamed(results, 'bodies/soft-and-plain');
    expect(soft.status).toBe('fail');
    expect(soft.assertions.filter((check) => !check.pass).map((check) => [check.type, check.reason.split('\n')[0]])).toEqual([
      ['not-key-points', expect.stringMatching(/^expected "key-points" to fail; it passed: 1 of 1 key points made/)],
      ['expect', "expected '1, 2, 3, 4, 5' to be 'one, two' // Object.is equality"],
    ]);

    // A plain expect that fails softly fails the case too, and the test still shows its reply.
    const softBuiltin = caseNamed(results, 'bodies/soft-builtin');
    expect(softBuiltin.status).toBe('fail');
    expect(softBuiltin.assertions.filter((check) => !check.pass).map((check) => [check.type, check.reason])).toEqual([
      ['expect', "expected '1, 2, 3, 4, 5' to be 'one, two' // Object.is equality"],
    ]);
    expect(annotationsOf('bodies/soft-builtin')).toMatchObject({ state: 'failed', annotations: ['response', 'check-failed', 'criteria'] });
    expect(annotationsOf('bodies/soft-and-plain')).toMatchObject({ state: 'failed', annotations: ['response', 'check-failed', 'criteria'] });

    expect(caseNamed(results, 'bodies/throws')).toMatchObject({ status: 'error', error: 'a bug in the test body', response: 'OK' });
    expect(caseNamed(results, 'bodies/asks-nothing')).toMatchObject({ status: 'error', error: 'the test body asked the model nothing (call ask)', metrics: null });
  }, 300_000);

  it("on a synthetic model, skips a test body's content matchers and judges its thresholds", async () => {
    const root = projectWithEvals({
      'synthetic.eval.ts': `import { evalTest } from 'edge-evals';

evalTest('bodies/on-synthetic', { thresholds: { ttftMs: 30000 } }, async ({ ask, expect, synthetic }) => {
  const first = await ask('Explain quantum computing in simple terms.');
  expect(first).toMention('qubit');
  expect(first).not.toMention('I cannot');
  expect(first).toBeFasterThan({ e2eMs: 60000 });
  const second = await ask([...first.messages, { role: 'user', content: 'Now in one sentence.' }]);
  await expect(second).toPass({ type: 'length', minChars: 1 });
  expect(synthetic).toBe(true);
});
`,
    });
    projects.push(root);
    const env = folders('synthetic');
    const run = await evalRun([], { ...env, EVAL_MODELS: 'fixture-tiny' }, { root });
    expect(run.exitCode, run.all).toBe(0);
    const [testCase] = readResultsFile(resultsFile(env.EVAL_RESULTS_DIR)).cases;
    expect(testCase?.status).toBe('pass');
    expect(testCase?.assertions.map((check) => [check.type, check.skipped === true])).toEqual([
      ['key-points', true],
      ['not-key-points', true],
      ['max-e2e', false],
      ['length', false],
      ['max-ttft', false],
      ['max-e2e', false],
      ['min-tokens-per-sec', false],
    ]);
    expect(testCase?.assertions.find((check) => check.type === 'max-ttft')?.reason).toContain('within the maximum of 30000 ms');
  }, 300_000);

  it('fails a gated run in which an eval test failed before recording its case, naming it', async () => {
    const root = projectWithEvals({
      'good.eval.ts': `import { evalTest } from 'edge-evals';

evalTest('good/ok', async ({ ask, expect }) => {
  expect(await ask('Reply with exactly: OK')).toMention('OK');
});
`,
      'hangs.eval.ts': `import { evalTest } from 'edge-evals';

evalTest('hangs/after-asking', { timeoutMs: 1000 }, async ({ ask }) => {
  await ask('Reply with exactly: OK');
  await new Promise(() => {});
});
`,
    });
    projects.push(root);
    const env = { ...folders('unrecorded'), EVAL_RUNTIME: 'openai', EVAL_BASE_URL: server.url };
    const baseline = path.join(work, 'unrecorded-baseline.json');
    const saved = await evalRun(['good', '--save-baseline', baseline], env, { root });
    expect(saved.exitCode, saved.all).toBe(0);
    // The good test passes the gate; the one that hangs has no case for the gate to see.
    const gated = await evalRun(['--baseline', baseline], env, { root });
    expect(gated.exitCode, gated.all).toBe(1);
    expect(JSON.parse(readFileSync(path.join(env.EVAL_RESULTS_DIR, 'gate.json'), 'utf8'))).toMatchObject({ ok: true });
    expect(gated.stdout).toContain(
      'error: 1 eval test failed before recording a case (a hook that threw, a test past its timeout); the results, reports and gate leave them out:\n  - scripted > hangs/after-asking: Test timed out in 1000ms.',
    );
  }, 300_000);
});
