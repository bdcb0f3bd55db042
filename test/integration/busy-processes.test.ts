// Other processes busy while a model is measured: a real process named like a model server,
// spinning next to the "model" the sampler watches, is reported by name; edge-evals' own busy
// processes are not; and the reports warn that the timings may be slower than on a quiet machine.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { busyProcesses, modelServerKind } from '../../src/lifecycle/busy-processes.ts';
import { ResourceSampler } from '../../src/lifecycle/resources.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderTerminalReport } from '../../src/report/terminal.ts';
import type { ProcessSample } from '../../src/util/process-table.ts';
import { buildResults } from '../support/results.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-busy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPIN = 'const end = Date.now() + 20000; while (Date.now() < end) {}';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('processes busy while a model is measured', () => {
  it.runIf(process.platform === 'linux')('names another model server that spins next to the model, and leaves out edge-evals own', async () => {
    // Linux names a process after the file it was started from: node, started as llama-server.
    const impostor = path.join(work, 'llama-server');
    symlinkSync(process.execPath, impostor);
    const model = execa('sleep', ['30']);
    const ours = execa(process.execPath, ['-e', SPIN]); // a child of this process: edge-evals' own
    for (const child of [model, ours]) child.catch(() => undefined);
    // Not ours: started by a process that exits at once, so that it is nobody's child here.
    const launcher = `const c = require('node:child_process').spawn(${JSON.stringify(impostor)}, ['-e', ${JSON.stringify(SPIN)}], { detached: true, stdio: 'ignore' }); console.log(c.pid); c.unref();`;
    const other = { pid: Number((await execa(process.execPath, ['-e', launcher])).stdout) };
    try {
      const sampler = new ResourceSampler(async () => [model.pid as number], 100);
      sampler.start();
      await sleep(2_500);
      const busy = (await sampler.stop()).busyProcesses ?? [];
      const found = busy.find((entry) => entry.pid === other.pid);
      expect(found, JSON.stringify(busy)).toMatchObject({ name: 'llama-server', modelServer: 'llama.cpp server' });
      expect(found?.cpuPercent).toBeGreaterThanOrEqual(1);
      expect(busy.map((entry) => entry.pid)).not.toContain(ours.pid);
      expect(busy.map((entry) => entry.pid)).not.toContain(model.pid);
    } finally {
      for (const child of [model, ours]) child.kill('SIGKILL');
      process.kill(other.pid, 'SIGKILL');
    }
  }, 60_000);

  it('counts CPU between the first and the last table, whole for a process that started between them', () => {
    const sample = (pid: number, name: string, cpuMs: number): ProcessSample => ({ pid, ppid: 1, name, rssBytes: 0, cpuMs, reapedChildrenCpuMs: 0 });
    const first = new Map([sample(10, 'ollama', 1_000), sample(11, 'bash', 50), sample(12, 'old', 9_000)].map((entry) => [entry.pid, entry]));
    const last = new Map(
      [sample(10, 'ollama', 2_800), sample(11, 'bash', 60), sample(12, 'reused', 500), sample(13, 'cc1plus', 1_500), sample(14, 'mine', 5_000)].map((entry) => [entry.pid, entry]),
    );
    const busy = busyProcesses(first, last, new Set([14]), 2_000, () => '');
    expect(busy).toEqual([
      { pid: 10, name: 'ollama', cpuPercent: 90, modelServer: 'Ollama' },
      { pid: 13, name: 'cc1plus', cpuPercent: 75, modelServer: null },
      { pid: 12, name: 'reused', cpuPercent: 25, modelServer: null },
    ]);
    expect(busyProcesses(first, last, new Set(), 500)).toEqual([]); // too short a window to say
  });

  it('knows model servers by the names each platform shows', () => {
    const kind = (name: string, commandLine = '') => modelServerKind({ pid: 1, name }, () => commandLine);
    for (const name of ['llama-server', 'llama-server.exe', '/opt/llama.cpp/build/bin/llama-server']) expect(kind(name), name).toBe('llama.cpp server');
    for (const name of ['ollama', 'ollama.exe', '/Applications/Ollama.app/Contents/Resources/ollama', 'ollama_llama_server']) expect(kind(name), name).toBe('Ollama');
    for (const name of ['Inference.Service.Agent.exe', 'Inference.Servi', 'foundrylocald', 'foundry.exe', '/opt/homebrew/bin/foundry']) expect(kind(name), name).toBe('Foundry Local');
    expect(kind('node', 'node /x/bin/edge-evals.js serve --port 0 --cache-dir /c')).toBe("another edge-evals run's model server");
    for (const name of ['node', 'bash', 'chrome', 'foundry-helper']) expect(kind(name, 'node vitest.mjs run'), name).toBeNull();
  });

  it('warns in the reports that the timings may be slower than on a quiet machine', () => {
    const results = buildResults([{ model: 'fixture-small', prompt: 'chat/hello' }]);
    const model = results.models[0];
    if (model !== undefined) model.busyProcesses = [{ pid: 4242, name: 'llama-server', cpuPercent: 85, modelServer: 'llama.cpp server' }];
    const warning = 'fixture-small was measured while other processes took CPU: llama-server (pid 4242, llama.cpp server) 85% of a core. Its timings may be slower than on a quiet machine.';
    expect(renderTerminalReport(results, { width: 400 })).toContain(`! ${warning}`);
    expect(renderMarkdown(results)).toContain(`> ⚠️ ${warning}`);
  });
});
