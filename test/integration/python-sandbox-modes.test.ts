// The python sandbox's other modes and its life cycle: where no sandbox works (Linux without
// user namespaces, a bubblewrap that fails, Windows' spawn mode) the check still runs and says
// it was not sandboxed, and why; EVAL_PYTHON_SANDBOX=require refuses instead; the warm parent
// leaves nothing behind when stopped, or when its process is killed or interrupted.
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { pythonVerdict, sandboxRefusal, type PythonSpec } from '../../src/assertions/python.ts';
import { bubblewrapArguments, unsandboxedLaunch, type Interpreter, type Launch } from '../../src/assertions/python/launch.ts';
import { PythonSandbox, type CheckRequest } from '../../src/assertions/python/sandbox.ts';
import { findExecutable } from '../../src/util/which.ts';
import { isAlive, sampleProcessTree } from '../../src/util/process-tree.ts';
import { PROJECT_ROOT } from '../support/processes.ts';

const SORT: PythonSpec = { type: 'python', cases: [{ args: [[3, 1, 2]], expected: [1, 2, 3] }] };
const sortRequest = (code: string, timeoutMs = 5_000): CheckRequest => ({ code, functionNames: [], args: [[[3, 1, 2]]], timeoutMs });
const CORRECT = 'def sort_list(items):\n    return sorted(items)\n';
const FORGING = 'print(\'{"function": "sort_list"}\\n{"result": [1, 2, 3]}\')\ndef sort_list(items):\n    return "wrong"\n';

const sandboxes: PythonSandbox[] = [];
function sandboxWith(launch: (interpreter: Interpreter) => Launch): PythonSandbox {
  const sandbox = new PythonSandbox({ launch });
  sandboxes.push(sandbox);
  return sandbox;
}
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.stop()));
});

/** The processes below `pid` (this file stops every sandbox it starts, so they are the one under test). */
async function descendants(pid: number): Promise<number[]> {
  return (await sampleProcessTree([pid])).map((sample) => sample.pid).filter((found) => found !== pid);
}

function withMode(launch: Launch, mode: 'spawn' | 'process-group'): Launch {
  return { ...launch, mode, args: [...launch.args.slice(0, -1), mode] };
}

describe.runIf(process.platform === 'linux')('python sandbox: when there is none', () => {
  it('Linux without user namespaces: runs the code unsandboxed and the reason says why', async () => {
    const bubblewrap = findExecutable('bwrap');
    if (bubblewrap === null) throw new Error('bubblewrap is not installed (.ci/run installs it)');
    // A user namespace whose own limit allows no further namespace, as in CI containers.
    const noNamespaces = 'import os, sys\nopen("/proc/sys/user/max_user_namespaces", "w").write("0")\nos.execv(sys.argv[1], sys.argv[1:])';
    const sandbox = sandboxWith((interpreter) => ({
      mechanism: 'bubblewrap',
      command: 'unshare',
      args: ['--user', '--map-root-user', interpreter.executable, '-c', noNamespaces, bubblewrap, ...bubblewrapArguments(interpreter, false)],
      mode: 'namespaces',
      isolation: { level: 'sandboxed' },
    }));
    const run = await sandbox.run(sortRequest(CORRECT));
    expect(run.isolation).toEqual({ level: 'not sandboxed', why: expect.stringMatching(/^bubblewrap could not isolate the code \(it exited: bwrap: .*namespace/) });
    const verdict = pythonVerdict(SORT, run, CORRECT);
    expect(verdict.pass).toBe(true);
    expect(verdict.reason).toMatch(/^not sandboxed: bubblewrap could not isolate the code \(.*\)\. sort_list returned the expected result for 1 of 1 cases$/);
    expect(sandboxRefusal('require', run.isolation)).toMatch(/^refused to run the code \(EVAL_PYTHON_SANDBOX=require\): not sandboxed: bubblewrap could not/);
    expect(sandboxRefusal('prefer', run.isolation)).toBeNull();
  });

  it('process-group mode (no namespaces): the deadline, a wrong answer and a forged one still hold', async () => {
    const sandbox = sandboxWith((interpreter) => unsandboxedLaunch(interpreter, 'testing the fallback'));
    expect(pythonVerdict(SORT, await sandbox.run(sortRequest(CORRECT)), CORRECT)).toMatchObject({ pass: true });
    const forged = pythonVerdict(SORT, await sandbox.run(sortRequest(FORGING)), FORGING);
    expect(forged.reason).toMatch(/^not sandboxed: testing the fallback\. 1 of 1 cases failed: sort_list\(\[3,1,2\]\) returned "wrong"/);
    const started = performance.now();
    const hung = await sandbox.run(sortRequest('def sort_list(items):\n    while True:\n        pass\n', 1_000));
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(hung).toMatchObject({ timedOut: true, records: [{ function: 'sort_list' }] });
  });

  it("spawn mode (Windows' path, where there is no fork): the same checks in a fresh interpreter each", async () => {
    const sandbox = sandboxWith((interpreter) => withMode(unsandboxedLaunch(interpreter, 'no fork'), 'spawn'));
    expect(pythonVerdict(SORT, await sandbox.run(sortRequest(CORRECT)), CORRECT)).toMatchObject({ pass: true });
    expect(pythonVerdict(SORT, await sandbox.run(sortRequest(FORGING)), FORGING)).toMatchObject({ pass: false });
    const hung = await sandbox.run(sortRequest('def sort_list(items):\n    while True:\n        pass\n', 1_000));
    expect(hung).toMatchObject({ timedOut: true, status: { signal: 'SIGKILL' } });
  });
});

describe('python sandbox: output and life cycle', () => {
  it('keeps only the tail of what the code prints, and counts the rest', async () => {
    const sandbox = new PythonSandbox();
    sandboxes.push(sandbox);
    const code = 'import sys\ndef sort_list(items):\n    for _ in range(50):\n        sys.stderr.write("y" * 1_000_000)\n        print("x" * 1_000_000)\n    return sorted(items)\n';
    const run = await sandbox.run(sortRequest(code, 30_000));
    expect(run.records).toEqual([{ function: 'sort_list' }, { result: [1, 2, 3] }]);
    expect(run.outputBytes).toBeGreaterThanOrEqual(100_000_000);
    expect(run.stderr.length).toBeLessThanOrEqual(8_192);
  });

  it('stops its parent with stop(): no process of it is left', async () => {
    const sandbox = new PythonSandbox();
    await sandbox.run(sortRequest(CORRECT));
    const tree = await descendants(process.pid);
    expect(tree.length).toBeGreaterThan(0);
    await sandbox.stop();
    expect(tree.filter(isAlive)).toEqual([]);
  });

  it('starts a new parent when the last one died between checks', async () => {
    const sandbox = new PythonSandbox();
    sandboxes.push(sandbox);
    expect((await sandbox.run(sortRequest(CORRECT))).records).toHaveLength(2);
    const tree = await descendants(process.pid);
    for (const pid of tree.filter(isAlive)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already taken down by bubblewrap with its parent
      }
    }
    while (tree.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await sandbox.run(sortRequest(CORRECT))).records).toEqual([{ function: 'sort_list' }, { result: [1, 2, 3] }]);
  });

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`leaves no process behind when the process that started it gets ${signal} mid-check`, async () => {
      const reply = '```python\nimport time\ndef slow():\n    time.sleep(30)\n    return 1\n```';
      const spec = JSON.stringify({ type: 'python', cases: [{ args: [], expected: 1 }], timeoutMs: 40_000 });
      const child = execa(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/python-check.ts'), reply, spec], { cwd: PROJECT_ROOT, reject: false });
      let tree: number[] = [];
      const deadline = Date.now() + 20_000;
      // Wait until the check itself runs: the tree then holds the parent and the check's processes.
      while (tree.length < 4 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        tree = await descendants(child.pid ?? -1);
      }
      expect(tree.length).toBeGreaterThanOrEqual(4);
      child.kill(signal);
      await child;
      const gone = Date.now() + 5_000;
      while (tree.some(isAlive) && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(tree.filter(isAlive)).toEqual([]);
    });
  }
});
