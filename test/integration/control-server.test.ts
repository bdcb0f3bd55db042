// The coordinator's control server as another local process meets it: real HTTP on 127.0.0.1,
// a real coordinator over the openai runtime, whose endpoint (a small OpenAI-compatible server
// here) wants an API key. Without the run's secret nothing is answered, and a lease never
// carries the key.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type EvalConfig } from '../../src/config/env.ts';
import { acquireModel, modelResources, type ControlAccess } from '../../src/lifecycle/control-client.ts';
import { newControlSecret, startControlServer } from '../../src/lifecycle/control-server.ts';
import { ModelCoordinator } from '../../src/lifecycle/coordinator.ts';
import { endpointApiKey } from '../../src/runtimes/endpoint-key.ts';
import { createOpenAIRuntime } from '../../src/runtimes/openai/index.ts';

const API_KEY = 'sk-remote-0123456789abcdef';

let endpoint: http.Server;
let endpointRequests = 0;
let folder: string;
let config: EvalConfig;
let coordinator: ModelCoordinator;
let control: ControlAccess & { close: () => Promise<void> };

beforeAll(async () => {
  // The remote endpoint: lists one model to callers with the key.
  endpoint = http.createServer((request, response) => {
    endpointRequests++;
    const status = request.headers.authorization === `Bearer ${API_KEY}` ? 200 : 401;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(status === 200 ? { object: 'list', data: [{ id: 'remote-model', object: 'model', owned_by: 'someone' }] } : { error: { message: 'bad key' } }));
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1`;
  folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-control-'));
  config = loadConfig({ cwd: folder, env: { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: baseURL, EVAL_API_KEY: API_KEY, EVAL_WARMUP: '0' } });
  coordinator = new ModelCoordinator({ runtime: createOpenAIRuntime(config), info: { name: 'openai', version: null, reason: 'test' } }, config, () => {});
  control = await startControlServer(coordinator, newControlSecret());
});

afterAll(async () => {
  await control?.close();
  await coordinator?.dispose();
  await new Promise((resolve) => endpoint?.close(resolve));
  rmSync(folder, { recursive: true, force: true });
});

describe('the control server', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong secret', { authorization: `Bearer ${newControlSecret()}` }],
    ['the secret without the Bearer scheme', () => ({ authorization: control.secret })],
  ])('answers 401 to a request with %s, before it starts anything', async (_name, headers) => {
    const before = endpointRequests;
    const sent = typeof headers === 'function' ? headers() : headers;
    const acquire = await fetch(`${control.url}/acquire?model=remote-model`, { method: 'POST', headers: sent });
    expect(acquire.status).toBe(401);
    expect(acquire.headers.get('www-authenticate')).toBe('Bearer');
    const body = await acquire.text();
    expect(body).not.toContain(API_KEY);
    expect(body).toMatch(/bearer token/);
    const resources = await fetch(`${control.url}/resources?model=remote-model`, { headers: sent });
    expect(resources.status).toBe(401);
    await resources.body?.cancel();
    expect(endpointRequests).toBe(before);
  });

  it("gives this run's workers the lease, which never holds the API key", async () => {
    const lease = await acquireModel(control, 'remote-model');
    expect(lease).toMatchObject({ ok: true, model: { alias: 'remote-model', modelId: 'remote-model' } });
    expect(lease.ok && 'apiKey' in lease.model).toBe(false);
    expect(JSON.stringify(lease)).not.toContain(API_KEY);
    // The same, read raw off the wire.
    const raw = await fetch(`${control.url}/acquire?model=remote-model`, { method: 'POST', headers: { authorization: `Bearer ${control.secret}` } });
    expect(raw.status).toBe(200);
    expect(await raw.text()).not.toContain(API_KEY);
    expect(await modelResources(control, 'remote-model')).toEqual(expect.objectContaining({ samples: expect.any(Number) }));
  });

  it('the worker finds the key in its own configuration, for the runtime it belongs to only', () => {
    expect(endpointApiKey('openai', config)).toBe(API_KEY);
    for (const other of ['embedded', 'foundry', 'ollama', 'llama-server']) expect(endpointApiKey(other, config)).toBeUndefined();
  });
});
