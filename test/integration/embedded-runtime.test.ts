// The embedded runtime adapter and the service it starts: a real `edge-evals serve` process in
// a temporary cache. The service takes a key of its own (workers find it from their
// configuration), and a .gguf path in EVAL_MODELS reaches it on its command line, since it
// loads no path a request sends.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../../src/client/stream-chat.ts';
import { loadConfig, type EvalConfig } from '../../src/config/env.ts';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { createEmbeddedRuntime } from '../../src/runtimes/embedded/index.ts';
import { endpointApiKey } from '../../src/runtimes/endpoint-key.ts';
import type { RunningModel } from '../../src/runtimes/types.ts';
import { isAlive } from '../../src/util/process-tree.ts';
import { waitForNoProcesses } from '../support/processes.ts';

let folder: string;
let file: string;
let config: EvalConfig;
let runtime: ReturnType<typeof createEmbeddedRuntime>;

function configFor(models: string): EvalConfig {
  return loadConfig({ cwd: folder, env: { EVAL_RUNTIME: 'embedded', EVAL_MODELS: models, EDGE_EVALS_CACHE: path.join(folder, 'cache') } });
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-runtime-'));
  file = path.join(folder, 'mine.gguf');
  config = configFor(`fixture-tiny,${file}`);
  runtime = createEmbeddedRuntime(config);
  await runtime.cache.download('fixture-tiny');
  copyFileSync(path.join(config.cacheDir, 'models', 'fixture-tiny.gguf'), file);
}, 120_000);

afterAll(async () => {
  await runtime?.dispose();
  expect(await waitForNoProcesses(['serve', folder])).toEqual([]);
  rmSync(folder, { recursive: true, force: true });
});

describe('the embedded runtime', () => {
  let running: RunningModel;
  let state: { pid: number; url: string; apiKey: string };

  it('starts its service with a key of its own and a .gguf path of EVAL_MODELS on its command line', async () => {
    running = await runtime.start(file);
    expect(running).toMatchObject({ alias: file, modelId: 'mine', apiKey: expect.any(String) });
    const stateFile = path.join(config.cacheDir, 'service.json');
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof state;
    expect(state.apiKey).toBe(running.apiKey);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    const commandLine = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toEqual(expect.arrayContaining(['--model-file', file]));
    expect(commandLine.join(' ')).not.toContain(state.apiKey);
  }, 120_000);

  it('answers a worker that has the key from its own configuration, and no one else', async () => {
    const apiKey = endpointApiKey('embedded', config);
    expect(apiKey).toBe(state.apiKey);
    const request = { baseURL: running.baseURL, model: running.modelId, messages: [{ role: 'user' as const, content: 'Hello' }], maxTokens: 8, timeoutMs: 60_000 };
    const answered = await streamChat({ ...request, apiKey });
    expect(answered.error).toBeUndefined();
    expect(answered.metrics.outputTokens).toBeGreaterThan(0);
    const refused = await streamChat(request);
    expect(refused.error).toMatch(/HTTP 401 .*API key/);
    const load = await fetch(`${state.url}/models/load/fixture-small`, { method: 'POST' });
    expect(load.status).toBe(401);
  }, 60_000);

  it('refuses a path the running service was not started with, saying what to do', async () => {
    const other = path.join(folder, 'other.gguf');
    copyFileSync(file, other);
    const error = await createEmbeddedRuntime(configFor(other)).start(other).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).message).toContain(`was started without ${other}`);
    expect((error as RuntimeError).details.hint).toContain('edge-evals service stop');
  }, 60_000);

  it('stops the service it started', async () => {
    await runtime.stop(running);
    await runtime.dispose();
    expect(isAlive(state.pid)).toBe(false);
  });
});
