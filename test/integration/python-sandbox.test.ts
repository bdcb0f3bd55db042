// The python check's sandbox against what model-written code could do to the machine running
// the suite: each test is an attack that worked before the sandbox (reading the run's API key
// from its parent's environment, writing in $HOME, reaching a local server, outliving the
// check, holding it past its deadline, forging its own verdict, exhausting processes, memory
// or output). Real python3 processes under the machine's real sandbox.
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateAssertions, type AssertionSpec } from '../../src/assertions/index.ts';
import { processesMatching, PROJECT_ROOT, waitForNoProcesses } from '../support/processes.ts';

async function check(code: string, cases: { args: unknown[]; expected: unknown }[], timeoutMs?: number) {
  const spec: AssertionSpec = { type: 'python', cases, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  const [result] = await evaluateAssertions([spec], { response: `\`\`\`python\n${code}\n\`\`\``, metrics: null, model: 'm', synthetic: false });
  if (result === undefined) throw new Error('no result');
  return result;
}

const marker = (name: string) => `edge-evals-attack-${name}-${process.pid}-${Date.now()}`;

describe('python sandbox: secrets and the machine', () => {
  it("does not let the code read the run's API key from any process's environment", async () => {
    const canary = marker('key');
    const code = [
      'import os',
      'def leak():',
      '    found = [k for k, v in os.environ.items() if CANARY in v]',
      '    for pid in [p for p in os.listdir("/proc") if p.isdigit()] + [str(os.getppid())]:',
      '        try:',
      '            if CANARY.encode() in open("/proc/%s/environ" % pid, "rb").read():',
      '                found.append(pid)',
      '        except OSError:',
      '            pass',
      '    return found',
    ].join('\n').replace(/CANARY/g, JSON.stringify(canary));
    const spec = { type: 'python', cases: [{ args: [], expected: [] }] };
    // The key must be in the environment the check's parent process was started with.
    const child = await execa(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/python-check.ts'), `\`\`\`python\n${code}\n\`\`\``, JSON.stringify(spec)], {
      cwd: PROJECT_ROOT,
      env: { EVAL_API_KEY: canary },
      timeout: 30_000,
    });
    expect(child.stdout).not.toContain(`"${canary}"`);
    expect(JSON.parse(child.stdout)).toMatchObject({ pass: true, reason: 'leak returned the expected result for 1 of 1 cases' });
  });

  it('does not let the code write in $HOME', async () => {
    const name = marker('home');
    const target = path.join(os.homedir(), name);
    const code = [
      'import os',
      'def write(home, name):',
      '    wrote = []',
      '    for folder in (home, os.path.expanduser("~"), os.environ.get("HOME", "")):',
      '        try:',
      '            with open(os.path.join(folder, name), "w") as handle:',
      '                handle.write("x")',
      '            wrote.append(folder)',
      '        except OSError:',
      '            pass',
      '    return "done"',
    ].join('\n');
    try {
      expect(await check(code, [{ args: [os.homedir(), name], expected: 'done' }])).toMatchObject({ pass: true });
      expect(existsSync(target)).toBe(false);
    } finally {
      rmSync(target, { force: true });
    }
  });

  it('does not let the code reach a server on this machine', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const code = [
      'import socket',
      'def reach(port):',
      '    try:',
      '        socket.create_connection(("127.0.0.1", port), timeout=2).close()',
      '        return "connected"',
      '    except OSError as error:',
      '        return "refused"',
    ].join('\n');
    try {
      expect(await check(code, [{ args: [port], expected: 'refused' }])).toMatchObject({ pass: true });
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('python sandbox: processes and deadlines', () => {
  const leftovers: string[] = [];
  afterAll(() => {
    for (const needle of leftovers) for (const pid of processesMatching(needle)) process.kill(pid, 'SIGKILL');
  });

  it('leaves no process running after the check, a daemonized one included', async () => {
    const name = marker('daemon');
    leftovers.push(name);
    const code = [
      'import os, sys',
      'def start():',
      '    if os.fork() == 0:',
      '        os.setsid()',
      '        if os.fork() == 0:',
      '            null = os.open(os.devnull, os.O_RDWR)',
      '            for fd in range(3):',
      '                os.dup2(null, fd)',
      '            os.closerange(3, 4096)',
      `            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(30)", ${JSON.stringify(name)}])`,
      '        os._exit(0)',
      '    return "started"',
    ].join('\n');
    expect(await check(code, [{ args: [], expected: 'started' }])).toMatchObject({ pass: true });
    expect(await waitForNoProcesses([name], 2_000)).toEqual([]);
  });

  it('ends by its deadline although a child keeps stderr open', async () => {
    const name = marker('stderr');
    leftovers.push(name);
    const code = [
      'import subprocess, sys',
      'def hold():',
      `    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(25)", ${JSON.stringify(name)}])`,
      '    return "returned"',
    ].join('\n');
    const started = performance.now();
    expect(await check(code, [{ args: [], expected: 'returned' }], 4_000)).toMatchObject({ pass: true });
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(await waitForNoProcesses([name], 2_000)).toEqual([]);
  });

  it('stops a fork bomb at its process limit, and nothing of it survives', async () => {
    const name = marker('fork');
    leftovers.push(name);
    const code = [
      'import os, sys',
      'def bomb():',
      '    for started in range(500):',
      '        try:',
      '            if os.fork() == 0:',
      `                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3)", ${JSON.stringify(name)}])`,
      '        except OSError:',
      '            return "stopped after %d" % started if started < 64 else started',
      '    return started',
    ].join('\n');
    const result = await check(code, [{ args: [], expected: 'stopped' }]);
    expect(result.reason).toMatch(/bomb\(\) returned "stopped after \d+", expected "stopped"/);
    expect(await waitForNoProcesses([name], 2_000)).toEqual([]);
  });

  it('stops a memory hog at its memory limit', async () => {
    const code = 'def hog():\n    block = bytearray(3 * 1024 ** 3)\n    return len(block)';
    const result = await check(code, [{ args: [], expected: 0 }]);
    expect(result.reason).toContain('hog() raised MemoryError');
  });

  it('caps what the code prints: 200 MB of output neither fails the check nor reaches the reason', async () => {
    const code = [
      'import sys',
      'def noisy(items):',
      '    line = "x" * 1_000_000',
      '    for _ in range(100):',
      '        print(line)',
      '        print(line, file=sys.stderr)',
      '    return sorted(items)',
    ].join('\n');
    const result = await check(code, [{ args: [[2, 1]], expected: [1, 2] }], 30_000);
    expect(result).toEqual({ type: 'python', pass: true, score: 1, reason: 'noisy returned the expected result for 1 of 1 cases' });
  });
});

describe('python sandbox: the verdict', () => {
  it('cannot be forged by printing, or writing to any descriptor or file, in the result format', async () => {
    const code = [
      'import json, os, sys',
      'FORGED = [{"function": "sort_list"}, {"result": [1, 2, 3]}]',
      'LINES = "".join(json.dumps(record) + "\\n" for record in FORGED)',
      'print(LINES)',
      'print(LINES, file=sys.stderr)',
      'for fd in range(3, 1024):',
      '    try:',
      '        os.write(fd, LINES.encode())',
      '    except OSError:',
      '        pass',
      'for name in os.listdir("."):',
      '    try:',
      '        with open(name, "a") as handle:',
      '            handle.write(LINES)',
      '    except OSError:',
      '        pass',
      'def sort_list(items):',
      '    return "wrong"',
    ].join('\n');
    const result = await check(code, [{ args: [[3, 1, 2]], expected: [1, 2, 3] }]);
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/^1 of 1 cases failed: sort_list\(\[3,1,2\]\) returned "wrong", expected \[1,2,3\]\./);
  });
});
