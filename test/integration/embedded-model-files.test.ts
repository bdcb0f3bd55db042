// Model-file resolution and cache management of the embedded runtime on a real (temporary)
// cache folder, and the offline download path against closed local ports: no internet.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { findCatalogEntry, type EmbeddedCatalogEntry } from '../../src/embedded/catalog.ts';
import {
  cleanCache,
  downloadHostUrl,
  downloadModel,
  listCachedModels,
  locateModel,
  ModelNotDownloadedError,
  removeCachedModel,
  UnknownModelError,
} from '../../src/embedded/model-files.ts';

let cacheDir: string;
let modelsDir: string;

beforeEach(() => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-model-files-'));
  modelsDir = path.join(cacheDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
});

afterEach(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});

function catalogEntry(alias: string): EmbeddedCatalogEntry {
  const entry = findCatalogEntry(alias);
  if (entry === undefined) throw new Error(`${alias} is not in the catalog`);
  return entry;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('locateModel', () => {
  it('uses an existing .gguf path as is, named after the file', () => {
    const file = path.join(cacheDir, 'My-Model.Q4.gguf');
    writeFileSync(file, 'GGUF');
    expect(locateModel(file, { cacheDir, allowPaths: true })).toMatchObject({ alias: 'My-Model.Q4', modelId: 'My-Model.Q4', path: file, origin: 'path' });
  });

  it('refuses paths when they are not allowed (HTTP requests)', () => {
    const file = path.join(cacheDir, 'x.gguf');
    writeFileSync(file, 'GGUF');
    expect(() => locateModel(file, { cacheDir, allowPaths: false })).toThrow(UnknownModelError);
  });

  it('places synthetic models in <cache>/models, to be generated on demand', () => {
    expect(locateModel('fixture-tiny', { cacheDir, allowPaths: false })).toMatchObject({
      alias: 'fixture-tiny',
      origin: 'generated',
      synthetic: true,
      path: path.join(modelsDir, 'fixture-tiny.gguf'),
    });
  });

  it('names the download command for a catalog model that is not downloaded', () => {
    const attempt = () => locateModel('qwen2.5-0.5b-instruct', { cacheDir, allowPaths: false });
    expect(attempt).toThrow(ModelNotDownloadedError);
    expect(attempt).toThrow('model qwen2.5-0.5b-instruct is not downloaded; run edge-evals model download qwen2.5-0.5b-instruct');
  });

  it('finds a downloaded catalog model by alias or model ID', () => {
    const entry = catalogEntry('qwen2.5-0.5b-instruct');
    writeFileSync(path.join(modelsDir, entry.fileName), 'GGUF');
    for (const name of [entry.alias, entry.modelId]) {
      expect(locateModel(name, { cacheDir, allowPaths: false })).toMatchObject({ alias: entry.alias, modelId: entry.modelId, origin: 'catalog' });
    }
  });

  it('finds a .gguf file the user put in the cache by its name', () => {
    writeFileSync(path.join(modelsDir, 'my-finetune.gguf'), 'GGUF');
    expect(locateModel('my-finetune', { cacheDir, allowPaths: false })).toMatchObject({ alias: 'my-finetune', origin: 'cache' });
  });

  it('rejects unknown names with suggestions and the models available here', () => {
    let error: unknown;
    try {
      locateModel('fixture-tinny', { cacheDir, allowPaths: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownModelError);
    const unknown = error as UnknownModelError;
    expect(unknown.suggestions).toContain('fixture-tiny');
    expect(unknown.available).toEqual(expect.arrayContaining(['fixture-tiny', 'fixture-small', 'fixture-medium']));
  });
});

describe('cache management', () => {
  it('lists complete .gguf files only, with their catalog names', async () => {
    const entry = catalogEntry('qwen2.5-0.5b-instruct');
    writeFileSync(path.join(modelsDir, entry.fileName), 'GGUF-complete');
    writeFileSync(path.join(modelsDir, 'Llama-3.2-1B-Instruct-Q4_K_M.gguf.ipull'), 'partial');
    writeFileSync(path.join(modelsDir, 'notes.txt'), 'not a model');
    const cached = await listCachedModels(cacheDir);
    expect(cached).toHaveLength(1);
    expect(cached[0]).toMatchObject({ alias: entry.alias, modelId: entry.modelId, fileName: entry.fileName, inCatalog: true, sizeBytes: 13 });
  });

  it('removes one model by alias, with its sidecar and planted truth, and leaves the others', async () => {
    const entry = catalogEntry('qwen2.5-0.5b-instruct');
    writeFileSync(path.join(modelsDir, entry.fileName), 'GGUF');
    writeFileSync(path.join(modelsDir, 'fixture-tiny.gguf'), 'GGUF');
    writeFileSync(path.join(modelsDir, 'fixture-tiny.gguf.json'), '{}');
    writeFileSync(path.join(modelsDir, 'fixture-tiny.planted-truth.json'), '{}');
    writeFileSync(path.join(modelsDir, 'keep-me.gguf'), 'GGUF');
    expect((await removeCachedModel(cacheDir, entry.alias)).map((model) => model.fileName)).toEqual([entry.fileName]);
    expect((await removeCachedModel(cacheDir, 'fixture-tiny')).map((model) => model.fileName)).toEqual(['fixture-tiny.gguf']);
    expect(readdirSync(modelsDir)).toEqual(['keep-me.gguf']);
    expect(await removeCachedModel(cacheDir, entry.alias)).toEqual([]);
  });

  it.each(['../outside', '..', '/etc/passwd', 'models/../../outside', 'a/b', '..\\outside', ''])(
    'rejects %j without touching anything outside the models folder',
    async (name) => {
      const outside = path.join(cacheDir, 'outside.gguf');
      writeFileSync(outside, 'precious');
      await expect(removeCachedModel(cacheDir, name)).rejects.toThrow(RuntimeError);
      expect(existsSync(outside)).toBe(true);
    },
  );

  it('cleans every file in the models folder and nothing next to it', async () => {
    writeFileSync(path.join(modelsDir, 'a.gguf'), '1234');
    writeFileSync(path.join(modelsDir, 'b.gguf.ipull'), '12');
    const sibling = path.join(cacheDir, 'service.json');
    writeFileSync(sibling, '{}');
    const { removed, freedBytes } = await cleanCache(cacheDir);
    expect(removed.map((model) => model.fileName)).toEqual(['a.gguf']);
    expect(freedBytes).toBe(6);
    expect(readdirSync(modelsDir)).toEqual([]);
    expect(existsSync(sibling)).toBe(true);
  });
});

describe('downloadModel offline', () => {
  const entry = catalogEntry('qwen2.5-0.5b-instruct');

  it('fails within seconds on an unreachable http URL, naming the model, the URI and the cache folder', async () => {
    const source = `http://127.0.0.1:${await closedPort()}/model.gguf`;
    const started = performance.now();
    const attempt = downloadModel({ ...entry, source }, cacheDir);
    await expect(attempt).rejects.toThrow(RuntimeError);
    const error = (await attempt.catch((caught: unknown) => caught)) as RuntimeError;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.message).toContain(entry.alias);
    expect(error.message).toContain(source);
    expect(error.message).toContain(modelsDir);
    expect(error.message).toMatch(/not reachable \(.*ECONNREFUSED/);
    expect(error.message).not.toMatch(/\n\s+at /); // no stack trace in what users read
    expect(existsSync(path.join(modelsDir, entry.fileName))).toBe(false);
  });

  it('fails within seconds on an hf: URI when the Hugging Face endpoint is unreachable', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}/`;
    const previous = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = endpoint;
    try {
      expect(downloadHostUrl(entry.source)).toBe(endpoint);
      const started = performance.now();
      const error = (await downloadModel(entry, cacheDir).catch((caught: unknown) => caught)) as RuntimeError;
      expect(error).toBeInstanceOf(RuntimeError);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(error.message).toContain(entry.source);
      expect(error.message).toContain(modelsDir);
    } finally {
      if (previous === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = previous;
    }
  });

  it('reports an HTTP error of a reachable server without retrying for minutes', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(404);
      response.end('no such file');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = (await downloadModel({ ...entry, source: `http://127.0.0.1:${port}/model.gguf` }, cacheDir).catch(
        (caught: unknown) => caught,
      )) as RuntimeError;
      expect(error).toBeInstanceOf(RuntimeError);
      expect(error.message).toContain('404');
    } finally {
      server.close();
    }
  });

  it('returns at once when the file is already in the cache', async () => {
    writeFileSync(path.join(modelsDir, entry.fileName), 'GGUF');
    await expect(downloadModel({ ...entry, source: 'http://127.0.0.1:1/never.gguf' }, cacheDir)).resolves.toMatchObject({
      alreadyCached: true,
      downloadMs: 0,
    });
  });
});
