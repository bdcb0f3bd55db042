// The embedded service's API key as test workers look it up before each request: from its state
// file, read again only when the file changed (a restarted service writes a new key).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedService } from '../../src/runtimes/embedded/service.ts';
import { writeFileAtomic } from '../../src/util/files.ts';

const cache = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-service-key-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const state = (apiKey: string) => `${JSON.stringify({ pid: 4242, url: 'http://127.0.0.1:1234', startedAt: '2026-12-01T00:00:00.000Z', logFile: 'service.log', apiKey })}\n`;

describe("the embedded service's key", () => {
  it('is the state file\'s, follows a service that wrote a new one, and is gone with the file', () => {
    const service = new EmbeddedService(cache);
    expect(service.apiKey()).toBeUndefined();
    writeFileAtomic(service.stateFile, state('first-key'));
    expect(service.apiKey()).toBe('first-key');
    expect(new EmbeddedService(cache).apiKey()).toBe('first-key');
    // A restart writes the file anew (atomically: another inode), with its new key.
    writeFileAtomic(service.stateFile, state('second-key'));
    expect(service.apiKey()).toBe('second-key');
    // Changed in place, to the same size: its modification time or size still tells.
    writeFileSync(service.stateFile, state('third-key-'));
    expect(service.apiKey()).toBe('third-key-');
    rmSync(service.stateFile);
    expect(service.apiKey()).toBeUndefined();
  });
});
