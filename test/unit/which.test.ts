// Finding a runtime's executable the way the platform's shell would: PATHEXT on Windows
// (foundry.exe, a .cmd shim), quoted PATH folders, an execute bit elsewhere.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executableCandidates, findExecutable } from '../../src/util/which.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-which-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('executableCandidates on Windows', () => {
  const windows = { platform: 'win32' as const, searchPath: 'C:\\Windows\\system32;"C:\\Program Files\\Foundry";;C:\\tools', pathExt: '.COM;.EXE;.BAT;.CMD' };

  it('tries every PATHEXT extension in every PATH folder, quotes removed, in order', () => {
    expect(executableCandidates('foundry', windows).slice(0, 6)).toEqual([
      'C:\\Windows\\system32\\foundry.com',
      'C:\\Windows\\system32\\foundry.exe',
      'C:\\Windows\\system32\\foundry.bat',
      'C:\\Windows\\system32\\foundry.cmd',
      'C:\\Program Files\\Foundry\\foundry.com',
      'C:\\Program Files\\Foundry\\foundry.exe',
    ]);
    expect(executableCandidates('foundry', windows)).toHaveLength(12);
  });

  it('keeps a name that has an executable extension, whatever its case', () => {
    expect(executableCandidates('ollama.EXE', windows)).toEqual(['C:\\Windows\\system32\\ollama.EXE', 'C:\\Program Files\\Foundry\\ollama.EXE', 'C:\\tools\\ollama.EXE']);
  });

  it('takes a path with backslashes as it is, with the extensions to try', () => {
    expect(executableCandidates('D:\\llama\\llama-server', windows)).toEqual([
      'D:\\llama\\llama-server.com',
      'D:\\llama\\llama-server.exe',
      'D:\\llama\\llama-server.bat',
      'D:\\llama\\llama-server.cmd',
    ]);
  });

  it('falls back to the default PATHEXT when it is unset', () => {
    expect(executableCandidates('foundry', { platform: 'win32', searchPath: 'C:\\bin', pathExt: '' })).toEqual([
      'C:\\bin\\foundry.com',
      'C:\\bin\\foundry.exe',
      'C:\\bin\\foundry.bat',
      'C:\\bin\\foundry.cmd',
    ]);
  });
});

describe('findExecutable', () => {
  it('finds an executable file on PATH and skips folders and files without the execute bit', () => {
    const first = path.join(work, 'first');
    const second = path.join(work, 'second');
    mkdirSync(path.join(first, 'foundry'), { recursive: true }); // a folder of that name
    mkdirSync(second, { recursive: true });
    writeFileSync(path.join(work, 'foundry'), '#!/bin/sh\n');
    chmodSync(path.join(work, 'foundry'), 0o644);
    writeFileSync(path.join(second, 'foundry'), '#!/bin/sh\n');
    chmodSync(path.join(second, 'foundry'), 0o755);
    const searchPath = [first, work, second].join(path.delimiter);
    expect(findExecutable('foundry', { searchPath, platform: 'linux' })).toBe(path.join(second, 'foundry'));
    expect(findExecutable('nosuch', { searchPath, platform: 'linux' })).toBeNull();
  });

});
