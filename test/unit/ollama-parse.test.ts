// The Ollama parsers. Samples are laid out the way Ollama's cmd.go prints them (tablewriter,
// left-aligned, no border, 4-space padding; tabs in older releases), with values seen in
// users' output.
import { describe, expect, it } from 'vitest';
import {
  normalizeModelName,
  ollamaBaseUrl,
  parseHumanBytes,
  parseOllamaList,
  parseOllamaPs,
  parseOllamaVersion,
  parsePullPercents,
} from '../../src/runtimes/ollama/parse.ts';

const LIST = [
  'NAME                           ID              SIZE      MODIFIED       ',
  'lfm2.5:8b                      9cf756159fc2    5.2 GB    10 hours ago      ',
  'llmvision/glimpse-v1:latest    0a1b2c3d4e5f    621 MB    3 weeks ago       ',
  'qwen2.5:0.5b                   a8b0c5157701    397 MB    About a minute ago    ',
].join('\n');

const LIST_TABS = 'NAME\tID\tSIZE\tMODIFIED\t\nllama3:latest\t365c0bd3c000\t4.7 GB\t2 days ago\t\n';

const PS = [
  'NAME            ID              SIZE      PROCESSOR          CONTEXT    UNTIL              ',
  'qwen2.5:0.5b    a8b0c5157701    1.0 GB    100% CPU           4096       4 minutes from now    ',
  'llama3.2:1b     baf6a787fdff    2.2 GB    48%/52% CPU/GPU    4096       Stopping...           ',
].join('\n');

describe('ollama tables', () => {
  it('parses `ollama list`, names with slashes and multi-word times included', () => {
    expect(parseOllamaList(LIST)).toEqual([
      { name: 'lfm2.5:8b', id: '9cf756159fc2', sizeBytes: 5_200_000_000, modified: '10 hours ago' },
      { name: 'llmvision/glimpse-v1:latest', id: '0a1b2c3d4e5f', sizeBytes: 621_000_000, modified: '3 weeks ago' },
      { name: 'qwen2.5:0.5b', id: 'a8b0c5157701', sizeBytes: 397_000_000, modified: 'About a minute ago' },
    ]);
  });

  it('parses the tab-separated `ollama list` of older releases', () => {
    expect(parseOllamaList(LIST_TABS)).toEqual([{ name: 'llama3:latest', id: '365c0bd3c000', sizeBytes: 4_700_000_000, modified: '2 days ago' }]);
  });

  it('parses `ollama ps` with processor splits and expiry', () => {
    expect(parseOllamaPs(PS)).toEqual([
      { name: 'qwen2.5:0.5b', id: 'a8b0c5157701', sizeBytes: 1_000_000_000, processor: '100% CPU', until: '4 minutes from now' },
      { name: 'llama3.2:1b', id: 'baf6a787fdff', sizeBytes: 2_200_000_000, processor: '48%/52% CPU/GPU', until: 'Stopping...' },
    ]);
  });

  it('reads an empty table (header only) as no rows', () => {
    expect(parseOllamaPs('NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL \n')).toEqual([]);
    expect(parseOllamaList('')).toEqual([]);
  });
});

describe('ollama odds and ends', () => {
  it('reads the version with and without a server', () => {
    expect(parseOllamaVersion('ollama version is 0.12.3\n')).toBe('0.12.3');
    expect(parseOllamaVersion('Warning: could not connect to a running Ollama instance\nWarning: client version is 0.12.3\n')).toBe('0.12.3');
    expect(parseOllamaVersion('bash: ollama: command not found')).toBeNull();
  });

  it('reads OLLAMA_HOST the way Ollama does', () => {
    expect(ollamaBaseUrl(undefined)).toBe('http://127.0.0.1:11434');
    expect(ollamaBaseUrl('0.0.0.0')).toBe('http://127.0.0.1:11434');
    expect(ollamaBaseUrl(':8080')).toBe('http://127.0.0.1:8080');
    expect(ollamaBaseUrl('127.0.0.1:34567')).toBe('http://127.0.0.1:34567');
    expect(ollamaBaseUrl('https://ollama.example.com')).toBe('https://ollama.example.com:443');
    expect(ollamaBaseUrl('http://box.lan')).toBe('http://box.lan:80');
  });

  it('gives a model name its default tag', () => {
    expect(normalizeModelName('qwen2.5')).toBe('qwen2.5:latest');
    expect(normalizeModelName('qwen2.5:0.5b')).toBe('qwen2.5:0.5b');
    expect(normalizeModelName('registry.example.com:5000/team/model')).toBe('registry.example.com:5000/team/model:latest');
  });

  it('reads decimal sizes', () => {
    expect(parseHumanBytes('397 MB')).toBe(397_000_000);
    expect(parseHumanBytes('-')).toBeNull();
  });

  it('reads pull progress through the redraw escapes', () => {
    const chunk =
      '\u001b[?25lpulling manifest \u001b[K\n' +
      'pulling a8b0c5157701:  42% ▕███████           ▏ 166 MB/397 MB   25 MB/s      9s\u001b[K\u001b[A\u001b[1G' +
      'pulling a8b0c5157701: 100% ▕██████████████████▏ 397 MB                         \u001b[K\nverifying sha256 digest \u001b[K\nsuccess \u001b[?25h';
    expect(parsePullPercents(chunk)).toEqual([42, 100]);
    expect(parsePullPercents('pulling manifest\nwriting manifest\n')).toEqual([]);
  });
});
