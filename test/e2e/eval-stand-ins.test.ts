// `npm run eval` end to end on the other runtimes, each faked by its stand-in first on PATH
// (test/stand-ins): Foundry Local of both CLI generations, Ollama, and the OpenAI-compatible
// runtime pointed at a running embedded server. The stand-ins generate with the embedded
// runtime, so tokens and timings are real; their models are synthetic underneath, so content
// checks may fail on Foundry and Ollama (those runtimes cannot know): a run must end with every
// case measured, no case in error, and nothing left running.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/contract/results.ts';
import { readResultsFile } from '../../src/results/files.ts';
import { freePort } from '../../src/util/network.ts';
import { STAND_IN_BIN, STAND_IN_MODEL_CACHE } from '../stand-ins/support.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { plantedTruth } from '../support/planted-truth.ts';
import { EDGE_EVALS_BIN } from '../support/processes.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-stand-ins-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RUN_TIMEOUT = 480_000;
const PATH_WITH_STAND_INS = `${STAND_IN_BIN}${path.delimiter}${process.env.PATH ?? ''}`;

/** Every case answered and measured; failures, if any, are content checks only. */
function expectMeasuredRun(results: Results, models: string[]): void {
  expect(results.models.map((model) => model.alias)).toEqual(models);
  for (const model of results.models) {
    expect(model.startError).toBeNull();
    expect(model.loadMs).toBeGreaterThan(0);
    expect(model.peakRssMB).toBeGreaterThan(0);
  }
  expect(results.cases).toHaveLength(6 * models.length);
  for (const testCase of results.cases) {
    expect(testCase.error).toBeNull();
    expect(['pass', 'fail', 'skip']).toContain(testCase.status);
    expect(testCase.metrics?.outputTokens).toBeGreaterThan(0);
    expect(testCase.metrics?.tokenSource).toBe('usage');
    expect(testCase.metrics?.ttftMs).toBeGreaterThan(0);
  }
}

describe('npm run eval on stand-ins of the other runtimes', () => {
  it('EVAL_RUNTIME=foundry, CLI generation A: service started, aliases resolved to IDs, models loaded, measured, unloaded, service stopped', async () => {
    const home = path.join(work, 'foundry-a');
    const results = path.join(home, 'results');
    const run = await evalRun([], {
      PATH: PATH_WITH_STAND_INS,
      EVAL_RUNTIME: 'foundry',
      EVAL_MODELS: 'qwen2.5-0.5b,phi-4-mini',
      FOUNDRY_STANDIN_HOME: home,
      EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE,
      EVAL_RESULTS_DIR: results,
    }, { timeout: RUN_TIMEOUT });
    expect([0, 1], run.all).toContain(run.exitCode);
    const output = readResultsFile(resultsFile(results));
    expect(output.runtime).toMatchObject({ name: 'foundry', version: '0.8.119', reason: 'EVAL_RUNTIME=foundry' });
    expect(output.models.map((model) => model.modelId)).toEqual(['qwen2.5-0.5b-instruct-generic-cpu:4', 'phi-4-mini-instruct-openvino-gpu:2']);
    expectMeasuredRun(output, ['qwen2.5-0.5b', 'phi-4-mini']);
    expect(run.all).toContain("qwen2.5-0.5b: starting Foundry Local's service");
    expect(run.all).toContain('phi-4-mini: unloaded');
    // The run started the service, so the run stopped it.
    const status = await execa('foundry', ['service', 'status'], { env: { PATH: PATH_WITH_STAND_INS, FOUNDRY_STANDIN_HOME: home }, timeout: 60_000 });
    expect(status.stdout).toContain('🔴 Model management service is not running!');
  }, RUN_TIMEOUT);

  it("follows Foundry Local's service to its new port when it restarts mid-run", async () => {
    const home = path.join(work, 'foundry-restart');
    const results = path.join(home, 'results');
    // The service restarts itself (new port, nothing loaded) after the warm-up and two cases.
    const run = await evalRun([], {
      PATH: PATH_WITH_STAND_INS,
      EVAL_RUNTIME: 'foundry',
      EVAL_MODELS: 'qwen2.5-0.5b',
      FOUNDRY_STANDIN_HOME: home,
      FOUNDRY_STANDIN_RESTART_AFTER_CHATS: '3',
      EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE,
      EVAL_RESULTS_DIR: results,
    }, { timeout: RUN_TIMEOUT });
    expect([0, 1], run.all).toContain(run.exitCode);
    expect(run.all).toMatch(/qwen2\.5-0\.5b: nothing listens at http:\/\/127\.0\.0\.1:\d+\/v1 any more/);
    expect(run.all).toMatch(/qwen2\.5-0\.5b: reconnected at http:\/\/127\.0\.0\.1:\d+\/v1/);
    // The third case found the old port closed; it and every later case reached the new one.
    expectMeasuredRun(readResultsFile(resultsFile(results)), ['qwen2.5-0.5b']);
    // The run started the service, so the run stopped it, wherever it had moved.
    const status = await execa('foundry', ['service', 'status'], { env: { PATH: PATH_WITH_STAND_INS, FOUNDRY_STANDIN_HOME: home }, timeout: 60_000 });
    expect(status.stdout).toContain('🔴 Model management service is not running!');
  }, RUN_TIMEOUT);

  it('EVAL_RUNTIME=auto picks Foundry when a foundry CLI is on PATH, here generation B', async () => {
    const home = path.join(work, 'foundry-b');
    const results = path.join(home, 'results');
    const run = await evalRun([], {
      PATH: PATH_WITH_STAND_INS,
      EVAL_RUNTIME: 'auto',
      EVAL_MODELS: 'qwen2.5-0.5b',
      FOUNDRY_STANDIN_HOME: home,
      FOUNDRY_STANDIN_GENERATION: 'B',
      EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE,
      EVAL_RESULTS_DIR: results,
    }, { timeout: RUN_TIMEOUT });
    expect([0, 1], run.all).toContain(run.exitCode);
    expect(run.all).toContain(`auto: found the Foundry Local CLI at ${path.join(STAND_IN_BIN, 'foundry')}`);
    const output = readResultsFile(resultsFile(results));
    expect(output.runtime).toMatchObject({ name: 'foundry', version: '0.10.2', reason: `auto: found the Foundry Local CLI at ${path.join(STAND_IN_BIN, 'foundry')}` });
    expect(output.models[0]?.modelId).toBe('qwen2.5-0.5b-instruct-generic-cpu:4');
    expectMeasuredRun(output, ['qwen2.5-0.5b']);
    const status = await execa('foundry', ['server', 'status', '--output', 'json'], { env: { PATH: PATH_WITH_STAND_INS, FOUNDRY_STANDIN_HOME: home, FOUNDRY_STANDIN_GENERATION: 'B' }, timeout: 60_000 });
    expect(JSON.parse(status.stdout)).toEqual({ running: false, state: 'not_running' });
  }, RUN_TIMEOUT);

  it('EVAL_RUNTIME=ollama: ollama serve started, model pulled, loaded, measured, unloaded, server stopped', async () => {
    const home = path.join(work, 'ollama');
    const results = path.join(home, 'results');
    const host = `127.0.0.1:${await freePort()}`;
    const run = await evalRun([], {
      PATH: PATH_WITH_STAND_INS,
      EVAL_RUNTIME: 'ollama',
      EVAL_MODELS: 'qwen2.5:0.5b',
      OLLAMA_HOST: host,
      OLLAMA_MODELS: path.join(home, 'models'),
      EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE,
      EVAL_RESULTS_DIR: results,
    }, { timeout: RUN_TIMEOUT });
    expect([0, 1], run.all).toContain(run.exitCode);
    const output = readResultsFile(resultsFile(results));
    expect(output.runtime).toMatchObject({ name: 'ollama', version: '0.12.3' });
    expectMeasuredRun(output, ['qwen2.5:0.5b']);
    await expect(fetch(`http://${host}/api/version`)).rejects.toThrow();
  }, RUN_TIMEOUT);

  it('EVAL_RUNTIME=openai against a running embedded server: its synthetic model, known answers, only planted defects failing', async () => {
    const home = path.join(work, 'openai');
    const results = path.join(home, 'results');
    const server = execa(process.execPath, [EDGE_EVALS_BIN, 'serve', '--model', 'fixture-tiny', '--port', '0', '--cache-dir', STAND_IN_MODEL_CACHE], {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      stderr: 'ignore',
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        server.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const ready = output.split('\n').find((line) => line.startsWith('{"event":"ready"'));
          if (ready !== undefined) resolve((JSON.parse(ready) as { url: string }).url);
        });
        server.once('exit', (code) => reject(new Error(`edge-evals serve exited with code ${code}`)));
      });
      const run = await evalRun([], { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: `${url}/v1`, EDGE_EVALS_CACHE: path.join(home, 'cache'), EVAL_RESULTS_DIR: results }, { timeout: RUN_TIMEOUT });
      expect(run.exitCode, run.all).toBe(0);
      const output = readResultsFile(resultsFile(results));
      expect(output.runtime.name).toBe('openai');
      expect(output.models[0]).toMatchObject({ alias: 'fixture-tiny', modelId: 'fixture-tiny', synthetic: true, knownAnswers: true, startError: null });
      expect(output.cases).toHaveLength(6);
      const planted = new Set(plantedTruth('fixture-tiny').answers.filter((answer) => answer.defects.length > 0).map((answer) => answer.prompt));
      for (const testCase of output.cases) {
        expect(testCase.status).toBe(planted.has(`${testCase.category}/${testCase.prompt}`) ? 'fail' : 'pass');
        expect(testCase.metrics?.server).not.toBeNull();
      }
    } finally {
      server.kill();
      await server;
    }
  }, RUN_TIMEOUT);

  it('edge-evals model list --runtime foundry prints the catalog', async () => {
    const home = path.join(work, 'model-list');
    const env = { PATH: PATH_WITH_STAND_INS, FOUNDRY_STANDIN_HOME: home, FOUNDRY_STANDIN_GENERATION: 'B', EDGE_EVALS_CACHE: path.join(home, 'cache'), NO_COLOR: '1' };
    const list = await execa(process.execPath, [EDGE_EVALS_BIN, 'model', 'list', '--runtime', 'foundry'], { env, reject: false, timeout: 120_000 });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^Alias\s+Device\s+Task/m);
    for (const alias of ['phi-4-mini', 'qwen2.5-0.5b', 'qwen2.5-7b', 'deepseek-r1-7b']) expect(list.stdout).toMatch(new RegExp(`^${alias.replace('.', '\\.')}\\s`, 'm'));
    expect(list.stdout).toContain('Phi-4-mini-instruct-generic-cpu');
  }, 120_000);

  it('edge-evals service start --runtime foundry returns while the Gen A service, whose own start never does, keeps running', async () => {
    const home = path.join(work, 'service-start');
    const env = { PATH: PATH_WITH_STAND_INS, FOUNDRY_STANDIN_HOME: home, EDGE_EVALS_CACHE: path.join(home, 'cache'), NO_COLOR: '1' };
    const edgeEvals = (...args: string[]) => execa(process.execPath, [EDGE_EVALS_BIN, ...args, '--runtime', 'foundry'], { env, reject: false, timeout: 120_000 });
    const start = await edgeEvals('service', 'start');
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/^Service started on http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect((await edgeEvals('service', 'status')).stdout).toMatch(/^Service is running on /);
    expect((await edgeEvals('service', 'stop')).exitCode).toBe(0);
    expect((await edgeEvals('service', 'status')).stdout).toMatch(/^Service is not running/);
  }, 240_000);
});
