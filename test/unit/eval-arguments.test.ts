import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { annotationPolicy, parseVitestArguments } from '../../src/cli/vitest-args.ts';
import { listEvalFiles, matchesFileFilter, selectEvalFiles } from '../../src/suite/files.ts';
import { PROJECT_ROOT } from '../support/processes.ts';

async function usageError(args: string[]): Promise<string> {
  try {
    await parseVitestArguments(args, 'usage');
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('vitest arguments of npm run eval', () => {
  it('reads -t, file filters and --allowOnly as vitest does, with values of other flags not taken for filters', async () => {
    const parsed = await parseVitestArguments(['-t', 'code/', '--reporter', 'blob', '--shard=1/2', 'evals/chat', '--allowOnly'], 'usage');
    expect(parsed).toMatchObject({ fileFilters: ['evals/chat'], allowOnly: true, runsTests: true, reporters: ['blob'] });
    expect(parsed.testNameFilter?.typed).toBe('code/');
    expect(parsed.testNameFilter?.pattern.test('fixture-tiny code/sort-function')).toBe(true);
    expect((await parseVitestArguments(['--merge-reports'], 'usage')).runsTests).toBe(false);
    expect(await parseVitestArguments(['--no-color', '--coverage.enabled', '--bail=1', '--testNamePattern=x'], 'usage')).toMatchObject({ fileFilters: [] });
  });

  it('annotates every test when someone browses them (the UI, a reporter that keeps them), else failures, unless EVAL_ANNOTATE says', async () => {
    const reporters = async (args: string[]) => (await parseVitestArguments(args, 'usage')).reporters;
    expect(await reporters([])).toEqual([]);
    expect(await reporters(['--reporter=default', '--reporter', 'junit', '--outputFile.junit=x.xml'])).toEqual(['default', 'junit']);
    expect(annotationPolicy(undefined, false, [])).toBe('failures');
    expect(annotationPolicy(undefined, true, [])).toBe('all');
    for (const reporter of ['html', 'blob', 'junit', 'tap', 'tap-flat']) expect(annotationPolicy(undefined, false, ['default', reporter])).toBe('all');
    for (const reporter of ['default', 'dot', 'verbose', 'json', './reporters/edge-evals-reporter.ts']) expect(annotationPolicy(undefined, false, [reporter])).toBe('failures');
    expect(annotationPolicy('failures', true, ['html'])).toBe('failures');
    expect(annotationPolicy('all', false, [])).toBe('all');
  });

  it('knows every flag whatever flags the process itself was started with (vitest narrows its help to those)', async () => {
    const argv = process.argv;
    process.argv = [argv[0] ?? 'node', 'edge-evals.js', 'eval', '--shard', '1/2', '--config', 'x.ts', '-t', 'chat'];
    try {
      expect(await parseVitestArguments(['--shard', '1/2', '--config', 'x.ts', '-t', 'chat'], 'usage')).toMatchObject({ fileFilters: [] });
    } finally {
      process.argv = argv;
    }
  });

  it('refuses an unknown flag, with the closest known ones, and a -t that is not a regular expression', async () => {
    expect(await usageError(['--bogus'])).toBe("unknown option --bogus; vitest's options: npx vitest --help");
    expect(await usageError(['--reporte=blob'])).toBe("unknown option --reporte (did you mean --reporter?); vitest's options: npx vitest --help");
    expect(await usageError(['-t', 'a('])).toMatch(/^-t a\(: not a valid regular expression: /);
  });
});

describe('eval files and file filters', () => {
  it('finds the eval files, and leaves the examples out unless a filter names them', () => {
    const files = listEvalFiles();
    expect(files).toEqual(expect.arrayContaining(['evals/chat.eval.ts', 'evals/code.eval.ts', 'evals/reasoning.eval.ts', 'evals/summary.eval.ts']));
    const examples = ['evals/examples/datasets.eval.ts', 'evals/examples/test-bodies.eval.ts'];
    const all = ['evals/chat.eval.ts', 'evals/code.eval.ts', ...examples];
    expect(selectEvalFiles(all, [])).toEqual(['evals/chat.eval.ts', 'evals/code.eval.ts']);
    expect(selectEvalFiles(all, ['evals/examples/'])).toEqual(examples);
    expect(selectEvalFiles(all, ['CHAT'])).toEqual(['evals/chat.eval.ts']);
  });

  it('matches a filter as vitest does: part of the path, relative to the current folder, or absolute; `:line` ignored', () => {
    expect(matchesFileFilter('evals/code.eval.ts', 'code')).toBe(true);
    expect(matchesFileFilter('evals/code.eval.ts', 'code.eval.ts:12')).toBe(true);
    expect(matchesFileFilter('evals/code.eval.ts', './code.eval.ts', path.join(PROJECT_ROOT, 'evals'))).toBe(true);
    expect(matchesFileFilter('evals/code.eval.ts', path.join(PROJECT_ROOT, 'evals'))).toBe(true);
    expect(matchesFileFilter('evals/code.eval.ts', 'chat')).toBe(false);
  });
});
