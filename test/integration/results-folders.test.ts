// Folders a run cannot write to are a configuration mistake: `npm run eval` stops with exit
// code 2 and a clear message before anything starts, instead of hanging (Node's recursive
// mkdir loops forever under /proc) or failing with a stack trace after every model ran.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFolders, unwritableFolderReason } from '../../src/util/files.ts';
import { evalRun } from '../support/eval-run.ts';
import { canMount, mountTmpfs, type Mount } from '../support/filesystems.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-folders-'));
const mounts: Mount[] = [];
afterAll(async () => {
  for (const mount of mounts) await mount.unmount();
  chmodSync(work, 0o755);
  rmSync(work, { recursive: true, force: true });
});

/** Runs the eval command with these settings; it must end on its own, well within the timeout. */
function evalWith(env: Record<string, string>) {
  return evalRun([], { EDGE_EVALS_CACHE: path.join(work, 'cache'), EVAL_RESULTS_DIR: path.join(work, 'results'), ...env }, { timeout: 60_000 });
}

function expectUsageError(run: { exitCode?: number; stderr: string }, line: string): void {
  expect(run.exitCode, run.stderr).toBe(2);
  expect(run.stderr).toContain(line);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(run.stderr).not.toContain('[edge-evals] models:'); // stopped before the run was planned
}

describe('results and cache folders checked before a run starts', () => {
  it('EVAL_RESULTS_DIR under /proc: exit 2, where it used to hang forever', async () => {
    const run = await evalWith({ EVAL_RESULTS_DIR: '/proc/edge-evals-results' });
    expectUsageError(run, 'EVAL_RESULTS_DIR=/proc/edge-evals-results: cannot write there: no folder can be made there (ENOENT)');
  }, 60_000);

  it('EVAL_RESULTS_DIR under a file, or a file itself: exit 2', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'not a folder\n');
    expectUsageError(await evalWith({ EVAL_RESULTS_DIR: path.join(file, 'results') }), `EVAL_RESULTS_DIR=${path.join(file, 'results')}: cannot write there: a part of the path is a file, not a folder (ENOTDIR)`);
    expectUsageError(await evalWith({ EVAL_RESULTS_DIR: file }), `EVAL_RESULTS_DIR=${file}: cannot write there: it is a file, not a folder`);
  }, 120_000);

  it.runIf(canMount || process.getuid?.() !== 0)('EVAL_RESULTS_DIR on a read-only file system (or a folder without write permission): exit 2', async () => {
    const folder = path.join(work, 'read-only');
    if (canMount) {
      const mount = await mountTmpfs(folder, 64 * 1024, { readOnly: true });
      if (mount === null) throw new Error('could not mount a read-only tmpfs');
      mounts.push(mount);
    } else {
      mkdirSync(folder);
      chmodSync(folder, 0o555);
    }
    const results = path.join(folder, 'results');
    const run = await evalWith({ EVAL_RESULTS_DIR: results });
    expectUsageError(run, `EVAL_RESULTS_DIR=${results}: cannot write there: ${canMount ? 'it is on a read-only file system (EROFS)' : 'permission denied (EACCES)'}`);
  }, 60_000);

  it('EDGE_EVALS_CACHE under /proc, and a baseline to save under a file: exit 2, each named', async () => {
    const file = path.join(work, 'another-file');
    writeFileSync(file, '');
    const run = await evalWith({ EDGE_EVALS_CACHE: '/proc/edge-evals-cache', EVAL_SAVE_BASELINE: path.join(file, 'baseline.json') });
    expectUsageError(run, 'EDGE_EVALS_CACHE=/proc/edge-evals-cache: cannot write there: no folder can be made there (ENOENT)');
    expect(run.stderr).toContain(`EVAL_SAVE_BASELINE=${file}: cannot write there: it is a file, not a folder`);
  }, 60_000);

  it('makes missing folders outermost first, and fails at once where mkdir cannot', () => {
    const nested = path.join(work, 'a', 'b', 'c');
    makeFolders(nested);
    makeFolders(nested); // already there: nothing to do
    expect(unwritableFolderReason(nested)).toBeNull();
    expect(() => makeFolders('/proc/edge-evals/x')).toThrow(/ENOENT/);
  });
});
