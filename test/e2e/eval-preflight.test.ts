// `npm run eval` refuses a run that cannot be what was asked for, before any model starts
// (exit code 2, no model cache, no results): an eval file that does not compile or is invalid,
// a file filter or `-t` that matches nothing, an unknown flag. And `only`/`skip` narrow a run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { projectWithEvals } from '../support/project-copy.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-preflight-'));
const projects: string[] = [];
afterAll(() => {
  for (const folder of [work, ...projects]) rmSync(folder, { recursive: true, force: true });
});

function folders(name: string) {
  return { EDGE_EVALS_CACHE: path.join(work, name, 'cache'), EVAL_RESULTS_DIR: path.join(work, name, 'results') };
}

function project(evals: Record<string, string>): string {
  const root = projectWithEvals(evals);
  projects.push(root);
  return root;
}

/** Nothing was started: no model cache (the embedded service keeps its state there), no results. */
function expectNothingStarted(run: { all?: string }, env: ReturnType<typeof folders>): void {
  expect(existsSync(env.EDGE_EVALS_CACHE), run.all).toBe(false);
  expect(existsSync(env.EVAL_RESULTS_DIR)).toBe(false);
  expect(run.all).not.toContain('starting on');
  expect(run.all).not.toMatch(/^\s+at /m);
}

const GOOD = `import { defineEval } from 'edge-evals';

defineEval({
  category: 'good',
  prompts: [{ id: 'hello', prompt: 'Hello!', assert: [{ type: 'length', minChars: 1 }] }],
});
`;

describe('npm run eval checks the eval files and the filters before anything starts', () => {
  it('reports every broken eval file with its file, line and field, and exits 2', async () => {
    const root = project({
      'good.eval.ts': GOOD,
      'syntax.eval.ts': `import { defineEval } from 'edge-evals';\n\ndefineEval({ category: 'syntax', prompts: [ });\n`,
      'typo.eval.ts': [
        "import { defineEval } from 'edge-evals';",
        '',
        'defineEval({',
        "  category: 'typo',",
        '  prompts: [',
        "    { id: 'hello', prompt: 'Hi' },",
        "    { id: 'bye', prompt: 'Bye', assert: [{ type: 'icontain', value: 'bye' }] },",
        '  ],',
        '});',
        '',
      ].join('\n'),
      'data.eval.ts': `import { defineEval } from 'edge-evals';\n\ndefineEval({ category: 'data', data: 'missing.csv', prompts: [{ id: 'x', prompt: '{{a}}' }] });\n`,
      'throws.eval.ts': `import { defineEval } from 'edge-evals';\n\nconst rows = undefined as unknown as string[];\ndefineEval({ category: 'throws', prompts: rows.map((row) => ({ id: row, prompt: row })) });\n`,
      'nothing.eval.ts': `export const nothing = 1;\n`,
    });
    const env = folders('broken');
    const run = await evalRun([], { ...env, EVAL_MODELS: 'fixture-tiny' }, { root });
    expect(run.exitCode, run.all).toBe(2);
    expect(run.stderr).toContain('error: 5 problems in the eval files; nothing was started:');
    expect(run.stderr).toMatch(/^evals\/syntax\.eval\.ts:3:\d+: syntax error: /m);
    expect(run.stderr).toContain('evals/typo.eval.ts:3: invalid eval definition');
    expect(run.stderr).toMatch(/^ {2}prompts\.1\.assert\.0\.type \(line 7\): unknown assertion type "icontain" \(did you mean "icontains"/m);
    expect(run.stderr).toContain('evals/data.eval.ts:3: invalid data\n  data: data file fixtures/data/missing.csv does not exist');
    expect(run.stderr).toMatch(/^evals\/throws\.eval\.ts:4: failed to load: TypeError: Cannot read properties of undefined \(reading 'map'\)/m);
    expect(run.stderr).toContain('evals/nothing.eval.ts: defines no evals (call defineEval or evalTest)');
    expect(run.stderr).not.toContain('good.eval.ts');
    expectNothingStarted(run, env);
  }, 120_000);

  it('refuses a file filter or a -t that matches nothing, listing what exists', async () => {
    const files = folders('no-file');
    const noFile = await evalRun(['evals/nope'], files);
    expect(noFile.exitCode, noFile.all).toBe(2);
    expect(noFile.stderr).toContain('error: no eval file matches "evals/nope"; the eval files are:\n  evals/chat.eval.ts\n  evals/code.eval.ts');
    expectNothingStarted(noFile, files);

    const tests = folders('no-test');
    const noTest = await evalRun(['-t', 'codee/'], tests);
    expect(noTest.exitCode, noTest.all).toBe(2);
    expect(noTest.stderr).toContain('error: -t "codee/" matches no test. It is matched against "<model> <test>", e.g. "fixture-tiny chat/introduce-yourself"; the tests are:');
    expect(noTest.stderr).toContain('\n  code/sort-function\n');
    expectNothingStarted(noTest, tests);
  }, 120_000);

  it('refuses an unknown flag without a stack trace, and warns about an unknown EVAL_ variable', async () => {
    const env = folders('flag');
    const run = await evalRun(['--bogus'], { ...env, EVAL_MODEL: 'fixture-tiny' });
    expect(run.exitCode, run.all).toBe(2);
    expect(run.stderr).toContain("error: unknown option --bogus; vitest's options: npx vitest --help");
    expect(run.stderr).toContain('warning: EVAL_MODEL is not a setting of edge-evals (did you mean EVAL_MODELS');
    expect(run.stderr).toContain('Usage: npm run eval -- [options] [vitest options]');
    expectNothingStarted(run, env);
  }, 120_000);

  it('runs only what says `only` (across files) and leaves out what says `skip`', async () => {
    const root = project({
      'good.eval.ts': GOOD,
      'focus.eval.ts': `import { defineEval } from 'edge-evals';

defineEval({
  category: 'focus',
  prompts: [
    { id: 'this-one', prompt: 'Hello!', only: true, assert: [{ type: 'length', minChars: 1 }] },
    { id: 'skipped', prompt: 'Hello!', only: true, skip: true },
    { id: 'not-this-one', prompt: 'Hello!' },
  ],
});
`,
    });
    const env = folders('only');
    // CI is cleared: the test suite itself may run in CI, where `only` is refused (below).
    const run = await evalRun([], { ...env, EVAL_MODELS: 'fixture-tiny', CI: 'false' }, { root });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stderr).toContain('[edge-evals] 1 tests (1 skipped) from 1 eval files: evals/focus.eval.ts');
    const results = readResultsFile(resultsFile(env.EVAL_RESULTS_DIR));
    expect(results.cases.map((testCase) => `${testCase.category}/${testCase.prompt}`)).toEqual(['focus/this-one']);

    const ci = await evalRun([], { ...folders('only-in-ci'), EVAL_MODELS: 'fixture-tiny', CI: 'true' }, { root });
    expect(ci.exitCode, ci.all).toBe(2);
    expect(ci.stderr).toContain("evals/focus.eval.ts:3: focus/this-one has `only: true`, which CI refuses (vitest's --allowOnly permits it)");
  }, 300_000);
});
