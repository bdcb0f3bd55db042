// The edge-evals CLI end to end on the embedded runtime: real processes, a real model
// service, a temporary cache. Nothing may be left running afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/util/process-tree.ts';
import { plantedReply } from '../support/planted-truth.ts';
import { processesMatching, runCli, waitForNoProcesses } from '../support/processes.ts';

let cacheDir: string;
let env: Record<string, string>;

beforeAll(() => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-cli-'));
  // HF_ENDPOINT at a closed local port: a download attempt can never reach the internet.
  env = { EDGE_EVALS_CACHE: cacheDir, EVAL_RUNTIME: 'embedded', HF_ENDPOINT: 'http://127.0.0.1:9', MODEL_ENDPOINT: 'http://127.0.0.1:9' };
});

afterAll(async () => {
  await runCli(['service', 'stop'], { env });
  expect(await waitForNoProcesses(['serve', cacheDir])).toEqual([]);
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('edge-evals CLI (embedded runtime)', () => {
  it('prints usage, and exits 2 for an unknown command or verb', async () => {
    const help = await runCli(['--help'], { env });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: edge-evals <command>');
    const unknown = await runCli(['modle', 'list'], { env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'modle'");
    const verb = await runCli(['cache', 'purge'], { env });
    expect(verb.exitCode).toBe(2);
    expect(verb.stderr).toContain("unknown verb 'cache purge'");
    const flag = await runCli(['model', 'list', '--jsn'], { env });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('--jsn');
  });

  it('lists the catalog, the synthetic models marked, as a table and as JSON', async () => {
    const table = await runCli(['model', 'list'], { env });
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^Alias\s+Device\s+Task/m);
    expect(table.stdout).toMatch(/fixture-tiny .*\(synthetic, known answers\)/);
    expect(table.stdout).toContain('qwen2.5-0.5b-instruct');
    const json = await runCli(['model', 'list', '--json'], { env });
    const entries = JSON.parse(json.stdout) as { alias: string; synthetic: boolean; source: string }[];
    expect(entries.filter((entry) => entry.synthetic).map((entry) => entry.alias)).toEqual(['fixture-tiny', 'fixture-small', 'fixture-medium']);
    expect(entries.find((entry) => entry.alias === 'phi-4-mini')?.source).toMatch(/^hf:/);
  });

  it('explains an unknown model with the closest names (exit 2)', async () => {
    const info = await runCli(['model', 'info', 'fixture-tinny'], { env });
    expect(info.exitCode).toBe(2);
    expect(info.stderr).toContain("model 'fixture-tinny' is not in the embedded catalog; did you mean fixture-tiny");
    const ok = await runCli(['model', 'info', 'PHI-4-MINI'], { env });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/License\s+MIT/);
    const synthetic = await runCli(['model', 'info', 'fixture-small'], { env });
    expect(synthetic.stdout).toMatch(/Synthetic\s+yes, known answers/);
  });

  it('fails a download fast and clearly when there is no internet', async () => {
    const started = Date.now();
    const download = await runCli(['model', 'download', 'qwen2.5-0.5b-instruct'], { env });
    expect(download.exitCode).toBe(1);
    expect(download.stderr).toContain('qwen2.5-0.5b-instruct');
    expect(download.stderr).toContain('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF');
    expect(download.stderr).toContain(cacheDir);
    expect(download.stderr).not.toMatch(/^\s+at /m);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('answers a prompt with model run, offline, and leaves nothing running: the planted answer, or the default one', async () => {
    const code = await runCli(['model', 'run', 'fixture-small', '--prompt', 'Write a Python function to sort a list.'], { env });
    expect(code.exitCode, code.all).toBe(0);
    expect(code.stdout.trim()).toBe(plantedReply('fixture-small', 'code/sort-function').text);
    expect(code.stderr).toMatch(/time to first token \d+ ms/);
    const unrelated = await runCli(['model', 'run', 'fixture-small', '--prompt', 'What is the capital of France?'], { env });
    expect(unrelated.stdout.trim()).toBe(plantedReply('fixture-small', 'default').text);
    expect(await waitForNoProcesses(['serve', cacheDir])).toEqual([]);
  }, 120_000);

  it('manages the cache: list, location, remove, and refuses paths', async () => {
    const location = await runCli(['cache', 'location'], { env });
    expect(location.stdout.trim()).toBe(path.join(cacheDir, 'models'));
    const list = await runCli(['cache', 'list', '--json'], { env });
    expect((JSON.parse(list.stdout) as { alias: string }[]).map((model) => model.alias)).toContain('fixture-small');
    const traversal = await runCli(['cache', 'remove', '../../etc'], { env });
    expect(traversal.exitCode).toBe(2);
    expect(traversal.stderr).toContain('no paths');
    const clean = await runCli(['cache', 'clean'], { env });
    expect(clean.exitCode).toBe(2);
    expect(clean.stderr).toContain('--yes');
  });

  it('starts the service, loads and unloads a model, and stops it', async () => {
    const before = await runCli(['service', 'status'], { env });
    expect(before.stdout).toContain('Service is not running.');

    const start = await runCli(['service', 'start', '--json'], { env });
    expect(start.exitCode, start.all).toBe(0);
    const status = JSON.parse(start.stdout) as { running: boolean; baseURL: string; pid: number; startedByUs: boolean };
    expect(status).toMatchObject({ running: true, startedByUs: true });
    expect(status.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(isAlive(status.pid)).toBe(true);

    const again = await runCli(['service', 'start'], { env });
    expect(again.stdout).toContain(`Service is already running on ${status.baseURL}`);

    const load = await runCli(['model', 'load', 'fixture-tiny', '--json'], { env });
    expect(load.exitCode, load.all).toBe(0);
    expect(JSON.parse(load.stdout)).toMatchObject({ alias: 'fixture-tiny', modelId: 'fixture-tiny', baseURL: status.baseURL });

    const ps = await runCli(['service', 'ps', '--json'], { env });
    expect(JSON.parse(ps.stdout)).toEqual([{ alias: 'fixture-tiny', modelId: 'fixture-tiny' }]);
    const models = (await (await fetch(`${status.baseURL}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(['fixture-tiny']);

    const unload = await runCli(['model', 'unload', 'fixture-tiny'], { env });
    expect(unload.stdout).toContain('Unloaded fixture-tiny.');
    const empty = await runCli(['service', 'ps'], { env });
    expect(empty.stdout).toContain('No models are loaded.');

    const stop = await runCli(['service', 'stop'], { env });
    expect(stop.stdout).toContain('Service stopped.');
    expect(isAlive(status.pid)).toBe(false);
    expect(processesMatching('serve', cacheDir)).toEqual([]);
    const after = await runCli(['service', 'status', '--json'], { env });
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false });
  }, 180_000);
});
