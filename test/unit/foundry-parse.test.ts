// The Foundry parsers on verbatim real output (test/fixtures/foundry; their sources in its README).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  detectGeneration,
  errorLine,
  parseCacheList,
  parseCacheLocation,
  parseCacheRemoved,
  parseFileSize,
  parseLoadedModelIds,
  parseModelTable,
  parsePercents,
  parseServicePs,
  parseServiceStarted,
  parseServiceStatus,
  parseVersion,
  resolveModel,
  unrecognizedCommand,
  type FoundryModelRow,
} from '../../src/runtimes/foundry/parse.ts';
import {
  extractJson,
  parseCacheListJson,
  parseCacheLocationJson,
  parseModelInfoJson,
  parseModelListJson,
  parseServerStarted,
  parseServerStatusJson,
} from '../../src/runtimes/foundry/parse-json.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/foundry/${name}`, import.meta.url), 'utf8');

describe('generation and version', () => {
  it('tells the two CLI generations apart from --help', () => {
    expect(detectGeneration(fixture('gen-a-help-0.8.119.txt'))).toBe('A');
    expect(detectGeneration(fixture('gen-b-help-0.10.2.txt'))).toBe('B');
  });

  it('falls back to the version number when the help text says neither', () => {
    expect(detectGeneration('Usage: foundry [command]', '0.8.119')).toBe('A');
    expect(detectGeneration('Usage: foundry [command]', '0.10.2')).toBe('B');
    expect(detectGeneration('Usage: foundry [command]')).toBeNull();
  });

  it('reads every version format seen', () => {
    expect(parseVersion('0.8.119\n')).toBe('0.8.119');
    expect(parseVersion('0.8.94+97f62578ec')).toBe('0.8.94+97f62578ec');
    expect(parseVersion('0.6.87+e69a6c3d2b')).toBe('0.6.87+e69a6c3d2b');
    expect(parseVersion('0.10.2')).toBe('0.10.2');
    expect(parseVersion('no version here')).toBeNull();
  });

  it('recognises an unknown verb in either generation', () => {
    expect(unrecognizedCommand(fixture('gen-a-unrecognized-command.txt'))).toBe('download');
    expect(unrecognizedCommand(fixture('gen-b-unknown-service-0.10.2.txt'))).toBe('service');
    expect(unrecognizedCommand(fixture('gen-b-unknown-service-0.10.3.txt'))).toBe('service');
    expect(unrecognizedCommand(fixture('gen-a-service-status-stopped.txt'))).toBeNull();
  });
});

describe('Gen A service discovery', () => {
  it('takes the endpoint from `service status`, without the /openai/status path, past the EP lines', () => {
    expect(parseServiceStatus(fixture('gen-a-service-status-running-0.8.txt'))).toEqual({
      state: 'running',
      url: 'http://127.0.0.1:11223',
    });
    expect(parseServiceStatus(fixture('gen-a-service-status-running-early.txt'))).toEqual({
      state: 'running',
      url: 'http://localhost:5273',
    });
  });

  it('knows a stopped service from a half-alive one', () => {
    expect(parseServiceStatus(fixture('gen-a-service-status-stopped.txt'))).toEqual({ state: 'stopped' });
    expect(parseServiceStatus(fixture('gen-a-service-status-half-alive.txt'))).toEqual({
      state: 'unreachable',
      url: 'http://127.0.0.1:54150',
      message: 'Exception: Request to local service failed. Uri:http://127.0.0.1:54150/openai/status',
    });
  });

  it('reads the started and already-running lines of every version', () => {
    expect(parseServiceStarted(fixture('gen-a-service-start.txt'))).toEqual({
      url: 'http://127.0.0.1:64646',
      pid: 17000,
      alreadyRunning: false,
    });
    expect(parseServiceStarted(fixture('gen-a-service-start-already-running.txt'))).toEqual({
      url: 'http://127.0.0.1:64646',
      pid: null,
      alreadyRunning: true,
    });
    expect(parseServiceStarted(fixture('gen-a-service-start-2025-04.txt'))).toEqual({
      url: 'http://localhost:5272',
      pid: 12928,
      alreadyRunning: false,
    });
    expect(parseServiceStarted(fixture('gen-a-service-set-port.txt'))).toMatchObject({ url: 'http://127.0.0.1:22334', pid: 14444 });
    expect(parseServiceStarted(fixture('gen-a-service-status-stopped.txt'))).toBeNull();
  });
});

describe('Gen A tables', () => {
  it('parses the 0.8 catalog table with its started-service line and continuation rows', () => {
    expect(parseModelTable(fixture('gen-a-model-list-0.8.txt'))).toEqual([
      {
        alias: 'phi-4-mini',
        modelId: 'phi-4-mini-instruct-openvino-gpu:2',
        device: 'GPU',
        task: 'chat, tools',
        sizeBytes: parseFileSize('2.15 GB'),
        license: 'MIT',
      },
      {
        alias: 'phi-4-mini',
        modelId: 'Phi-4-mini-instruct-generic-cpu:5',
        device: 'CPU',
        task: 'chat, tools',
        sizeBytes: parseFileSize('4.80 GB'),
        license: 'MIT',
      },
    ]);
  });

  it('parses the wider 0.7 table, its group separators and unversioned IDs', () => {
    const rows = parseModelTable(fixture('gen-a-model-list-0.7.txt'));
    expect(rows.map((row) => [row.alias, row.device, row.task, row.modelId])).toEqual([
      ['phi-4', 'GPU', 'chat-completion', 'Phi-4-generic-gpu'],
      ['phi-4', 'CPU', 'chat-completion', 'Phi-4-generic-cpu'],
      ['mistral-7b-v0.2', 'GPU', 'chat-completion', 'mistralai-Mistral-7B-Instruct-v0-2-generic-gpu'],
      ['mistral-7b-v0.2', 'CPU', 'chat-completion', 'mistralai-Mistral-7B-Instruct-v0-2-generic-cpu'],
    ]);
    expect(rows[1]?.sizeBytes).toBe(Math.round(10.16 * 1024 ** 3));
  });

  it('reads a row whose long task overflows its column, and skips EP and ERR noise around rows', () => {
    const table = fixture('gen-a-model-list-0.8.txt').split('\n');
    // First-run EP registration and catalog log lines land between the header and the rows.
    const noisy = [
      ...fixture('gen-a-ep-download-noise.txt').split('\n'),
      ...table.slice(0, 3),
      fixture('gen-a-err-log-line.txt').trim(),
      ...table.slice(3),
      fixture('gen-a-model-list-row-overflow.txt').trim(),
    ].join('\n');
    const rows = parseModelTable(noisy);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({
      alias: 'qwen3.5-2b',
      device: 'GPU',
      task: 'vision-language-chat, tools',
      license: 'apache-2.0',
      modelId: 'qwen3.5-2b-cuda-gpu:2',
    });
  });

  it('finds no rows in output that has none', () => {
    expect(parseModelTable(fixture('gen-a-service-status-running-0.8.txt'))).toEqual([]);
    expect(parseModelTable(fixture('gen-a-ep-download-noise.txt'))).toEqual([]);
  });

  it('parses the cache list in its wide, narrow, empty and not-in-catalog forms', () => {
    expect(parseCacheList(fixture('gen-a-cache-list.txt'))).toEqual([
      { alias: 'deepseek-r1-14b', modelId: 'deepseek-r1-distill-qwen-14b-generic-cpu:3' },
      { alias: 'phi-4-mini', modelId: 'Phi-4-mini-instruct-generic-cpu:4' },
    ]);
    expect(parseCacheList(fixture('gen-a-cache-list-row-narrow.txt'))).toEqual([
      { alias: 'qwen2.5-0.5b', modelId: 'qwen2.5-0.5b-instruct-generic-cpu' },
    ]);
    expect(parseCacheList(fixture('gen-a-cache-list-empty.txt'))).toEqual([]);
    expect(parseCacheList(fixture('gen-a-cache-list-row-not-in-catalog.txt'))).toEqual([{ alias: null, modelId: 'llama-3.2' }]);
  });

  it('reads the cache location and does not take it for a cached model', () => {
    expect(parseCacheLocation(fixture('gen-a-cache-location.txt'))).toBe('C:\\Users\\<user>\\.foundry\\cache\\models');
    expect(parseCacheList(fixture('gen-a-cache-location.txt'))).toEqual([]);
  });

  it('parses `service ps` with and without loaded models', () => {
    expect(parseServicePs(fixture('gen-a-service-ps.txt'))).toEqual([
      { alias: 'qwen2.5-0.5b', modelId: 'qwen2.5-0.5b-instruct-openvino-gpu:2' },
    ]);
    expect(parseServicePs(fixture('gen-a-service-ps-empty.txt'))).toEqual([]);
    // The "loaded successfully" line of `model load` carries the same emoji but is no row.
    expect(parseServicePs(fixture('gen-a-model-load.txt'))).toEqual([]);
  });

  it('reads what `cache remove` deleted, in both generations', () => {
    expect(parseCacheRemoved(fixture('gen-a-cache-remove.txt'))).toEqual(['qwen2.5-0.5b-instruct-generic-gpu:4']);
    expect(parseCacheRemoved(fixture('gen-b-cache-remove.txt'))).toEqual(['qwen2.5-0.5b']);
  });

  it('reads download progress from Gen A bars, Gen B bars and carriage-return redraws', () => {
    expect(parsePercents(fixture('gen-a-model-download.txt'))).toEqual([94.85, 100]);
    expect(parsePercents(fixture('gen-b-server-start.txt'))).toEqual([100, 100]);
    expect(parsePercents('[#   ]  10.00 % [Time remaining: about 9s]\r[##  ]  55.50 % [Time remaining: about 4s]')).toEqual([10, 55.5]);
  });

  it('converts catalog sizes with 1024 steps', () => {
    expect(parseFileSize('8.37 GB')).toBe(Math.round(8.37 * 1024 ** 3));
    expect(parseFileSize('512 MB')).toBe(512 * 1024 ** 2);
    expect(parseFileSize('large')).toBeNull();
  });

  it('finds the failure line in catalog errors', () => {
    expect(errorLine(fixture('gen-a-service-status-half-alive.txt'))).toMatch(/^Exception: Request to local service failed/);
    expect(errorLine(fixture('gen-b-unknown-service-0.10.2.txt'))).toBe("● error: Unrecognized command or argument 'service'.");
    expect(errorLine(fixture('gen-a-model-list-0.8.txt'))).toBeNull();
  });
});

describe('Gen B JSON and text', () => {
  it('reads server status, running and not', () => {
    expect(parseServerStatusJson(fixture('gen-b-server-status-running.json'))).toEqual({
      running: true,
      url: 'http://127.0.0.1:48077',
      pid: 23948,
    });
    expect(parseServerStatusJson(fixture('gen-b-server-status-not-running.json'))).toEqual({
      running: false,
      url: null,
      pid: null,
    });
    expect(parseServerStatusJson(fixture('gen-b-server-status.txt'))).toBeNull();
  });

  it('reads the URL of `server start` from JSON or from the text success line', () => {
    expect(parseServerStarted(fixture('gen-b-server-start.json'))).toBe('http://127.0.0.1:48077');
    expect(parseServerStarted(fixture('gen-b-server-start.txt'))).toBe('http://127.0.0.1:51454');
    expect(parseServerStarted(fixture('gen-b-server-stop.txt'))).toBeNull();
  });

  it('reads the full model ID from `model info --output json`', () => {
    expect(parseModelInfoJson(fixture('gen-b-model-info-aspire.json'))).toEqual({
      modelId: 'Phi-4-mini-instruct-generic-gpu:5',
      alias: null,
      cached: true,
    });
    expect(parseModelInfoJson(fixture('gen-b-server-stop.txt'))).toBeNull();
  });

  it('reads `cache location --output json`', () => {
    expect(parseCacheLocationJson(fixture('gen-b-cache-location.json'))).toBe('C:\\Users\\…\\.foundry\\cache\\models');
  });

  it('reads the reported `model list --output json` shape, and an array root', () => {
    // Field names as users reported them (docs/foundry-local.md, "Generation B output"); the full schema was never seen.
    const reported = JSON.stringify({
      variants: [
        { alias: 'phi-4-mini', variantId: 'Phi-4-mini-instruct-generic-cpu', type: 'chat', device: 'CPU', executionProvider: 'CPUExecutionProvider', fileSizeMb: 4915, cached: false },
      ],
    });
    expect(parseModelListJson(`■ Starting Foundry Local server\n${reported}`)).toEqual([
      { alias: 'phi-4-mini', modelId: 'Phi-4-mini-instruct-generic-cpu', device: 'CPU', task: 'chat', sizeBytes: 4915 * 1024 ** 2, license: undefined, cached: false },
    ]);
    expect(parseModelListJson('[{"alias":"qwen2.5-0.5b","id":"qwen2.5-0.5b-instruct-generic-cpu:4"}]')?.[0]?.modelId).toBe(
      'qwen2.5-0.5b-instruct-generic-cpu:4',
    );
    expect(parseModelListJson(fixture('gen-b-model-list.txt'))).toBeNull();
    expect(parseCacheListJson('{"models":[{"alias":"phi-4-mini","id":"Phi-4-mini-instruct-generic-cpu:5"}]}')).toEqual([
      { alias: 'phi-4-mini', modelId: 'Phi-4-mini-instruct-generic-cpu:5' },
    ]);
  });

  it('skips lines that merely start like JSON', () => {
    expect(extractJson(`${fixture('gen-a-err-log-line.txt')}{"running":false}`)).toEqual({ running: false });
    expect(extractJson(fixture('gen-a-err-log-line.txt'))).toBeUndefined();
    expect(extractJson('No settings changed\n{\n  "defaultLogLevel": 2\n}')).toEqual({ defaultLogLevel: 2 });
  });
});

describe('REST bodies', () => {
  it('reads loaded model IDs from every endpoint that lists them', () => {
    const body = (name: string) => JSON.parse(fixture(name)) as unknown;
    expect(parseLoadedModelIds(body('rest-models-loaded.json'))).toEqual(['Phi-4-mini-instruct-generic-gpu:5', 'qwen3-4b-generic-cpu:3']);
    expect(parseLoadedModelIds(body('rest-openai-models.json'))).toEqual(['Phi-4-mini-instruct-generic-cpu:4', 'openai-whisper-tiny-generic-cpu:3']);
    expect(parseLoadedModelIds(body('rest-v1-models-loaded.json'))).toEqual(['Phi-3.5-mini-instruct-openvino-gpu:1']);
    expect(parseLoadedModelIds(body('rest-v1-models-empty.json'))).toEqual([]);
    expect(parseLoadedModelIds(body('rest-openai-status.json'))).toBeNull();
  });
});

describe('alias to model ID', () => {
  const catalog: FoundryModelRow[] = [
    ...parseModelTable(fixture('gen-a-model-list-0.8.txt')),
    { alias: 'qwen2.5-0.5b', modelId: 'qwen2.5-0.5b-instruct-generic-cpu:3', sizeBytes: null },
    { alias: 'qwen2.5-0.5b', modelId: 'qwen2.5-0.5b-instruct-generic-cpu:4', sizeBytes: null },
  ];

  it('resolves an alias, case-insensitively, to its first variant in priority order', () => {
    expect(resolveModel(catalog, 'Phi-4-Mini')).toEqual({ row: catalog[0] });
  });

  it('takes an exact ID as is, and the newest version of an ID given without :N', () => {
    expect(resolveModel(catalog, 'phi-4-mini-instruct-generic-cpu:5')).toEqual({ row: catalog[1] });
    expect(resolveModel(catalog, 'qwen2.5-0.5b-instruct-generic-cpu').row?.modelId).toBe('qwen2.5-0.5b-instruct-generic-cpu:4');
  });

  it('suggests close aliases for a name the catalog lacks', () => {
    expect(resolveModel(catalog, 'phi-4-mni')).toEqual({ row: null, suggestions: ['phi-4-mini'] });
    expect(resolveModel(catalog, 'qwen2.5-7b')).toEqual({ row: null, suggestions: ['qwen2.5-0.5b'] });
    expect(resolveModel(catalog, 'llama-3.2-1b')).toEqual({ row: null, suggestions: [] });
  });
});
