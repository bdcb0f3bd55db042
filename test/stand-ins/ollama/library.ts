// The Ollama stand-in's model library (what `ollama pull` can fetch, each model served by one
// of edge-evals' synthetic models), its local store under OLLAMA_MODELS in Ollama's own
// manifest layout, and its knobs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FixtureModel } from '../shared/backend.ts';

export interface LibraryModel {
  /** `name:tag`. */
  name: string;
  family: string;
  parameterSize: string;
  quantization: string;
  sizeBytes: number;
  servedBy: FixtureModel;
}

export const LIBRARY: readonly LibraryModel[] = [
  { name: 'qwen2.5:0.5b', family: 'qwen2', parameterSize: '494.03M', quantization: 'Q4_K_M', sizeBytes: 397_821_319, servedBy: 'fixture-tiny' },
  { name: 'qwen2.5:1.5b', family: 'qwen2', parameterSize: '1.5B', quantization: 'Q4_K_M', sizeBytes: 986_061_892, servedBy: 'fixture-tiny' },
  { name: 'gemma3:1b', family: 'gemma3', parameterSize: '999.89M', quantization: 'Q4_K_M', sizeBytes: 815_319_791, servedBy: 'fixture-tiny' },
  { name: 'llama3.2:1b', family: 'llama', parameterSize: '1.2B', quantization: 'Q8_0', sizeBytes: 1_321_098_329, servedBy: 'fixture-small' },
  { name: 'phi4-mini:latest', family: 'phi3', parameterSize: '3.8B', quantization: 'Q4_K_M', sizeBytes: 2_491_876_774, servedBy: 'fixture-small' },
  { name: 'qwen2.5:7b', family: 'qwen2', parameterSize: '7.6B', quantization: 'Q4_K_M', sizeBytes: 4_683_087_332, servedBy: 'fixture-medium' },
  { name: 'deepseek-r1:7b', family: 'qwen2', parameterSize: '7.6B', quantization: 'Q4_K_M', sizeBytes: 4_683_115_271, servedBy: 'fixture-medium' },
];

export function digestOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** `qwen2.5` means `qwen2.5:latest`. */
export function fullName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export function findLibraryModel(name: string): LibraryModel | undefined {
  const wanted = fullName(name.toLowerCase());
  return LIBRARY.find((model) => model.name === wanted);
}

export interface Knobs {
  /** OLLAMA_STANDIN_PULL_MS: how long a pull takes. */
  pullMs: number;
  /** OLLAMA_STANDIN_LOAD_DELAY_MS: added to every load. */
  loadDelayMs: number;
  /** OLLAMA_STANDIN_FAIL_LOAD: model names (comma-separated) whose load fails. */
  failLoad: string[];
  /** OLLAMA_STANDIN_VERSION: the version the client and server report. */
  version: string;
}

export function readKnobs(env: NodeJS.ProcessEnv = process.env): Knobs {
  const ms = (value: string | undefined, fallback: number) => (value === undefined || value === '' || Number.isNaN(Number(value)) ? fallback : Number(value));
  return {
    pullMs: ms(env.OLLAMA_STANDIN_PULL_MS, 300),
    loadDelayMs: ms(env.OLLAMA_STANDIN_LOAD_DELAY_MS, 100),
    failLoad: (env.OLLAMA_STANDIN_FAIL_LOAD ?? '').split(',').filter((name) => name !== '').map((name) => fullName(name.trim().toLowerCase())),
    version: env.OLLAMA_STANDIN_VERSION ?? '0.12.3',
  };
}

/** OLLAMA_MODELS, as Ollama reads it (default ~/.ollama/models). */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.OLLAMA_MODELS;
  return configured !== undefined && configured !== '' ? configured : path.join(os.homedir(), '.ollama', 'models');
}

export interface StoredModel {
  model: LibraryModel;
  modifiedAt: Date;
}

/** Pulled models, as manifests under `manifests/registry.ollama.ai/library/<model>/<tag>`. */
export class ModelStore {
  constructor(private readonly root: string) {}

  private manifest(model: LibraryModel): string {
    const [base, tag] = model.name.split(':') as [string, string];
    return path.join(this.root, 'manifests', 'registry.ollama.ai', 'library', base, tag);
  }

  list(): StoredModel[] {
    return LIBRARY.filter((model) => existsSync(this.manifest(model)))
      .map((model) => ({ model, modifiedAt: statSync(this.manifest(model)).mtime }))
      .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime());
  }

  has(model: LibraryModel): boolean {
    return existsSync(this.manifest(model));
  }

  add(model: LibraryModel): void {
    mkdirSync(path.dirname(this.manifest(model)), { recursive: true });
    const layer = { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digestOf(model.name)}`, size: model.sizeBytes };
    writeFileSync(this.manifest(model), JSON.stringify({ schemaVersion: 2, layers: [layer] }));
  }

  remove(model: LibraryModel): void {
    rmSync(this.manifest(model), { force: true });
    const folder = path.dirname(this.manifest(model));
    if (existsSync(folder) && readdirSync(folder).length === 0) rmSync(folder, { recursive: true });
  }
}

/** Ollama's format.HumanBytes: decimal units. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const text = value >= 10 || Number.isInteger(value) ? String(Math.trunc(value)) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** Ollama's format.HumanTime: `About a minute ago`, `4 minutes from now`, `Forever`. */
export function humanTime(when: Date, now = new Date()): string {
  const seconds = Math.round((when.getTime() - now.getTime()) / 1000);
  if (seconds > 10 * 365 * 86_400) return 'Forever';
  const suffix = seconds >= 0 ? 'from now' : 'ago';
  const span = Math.abs(seconds);
  const phrase =
    span < 1 ? 'Less than a second'
    : span < 60 ? `${span} seconds`
    : span < 120 ? 'About a minute'
    : span < 3_600 ? `${Math.floor(span / 60)} minutes`
    : span < 7_200 ? 'About an hour'
    : span < 86_400 ? `${Math.floor(span / 3_600)} hours`
    : `${Math.floor(span / 86_400)} days`;
  return `${phrase} ${suffix}`;
}

/** A tablewriter table as Ollama prints it: left-aligned, no borders, 4-space padding. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('    ') + '    ';
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
