// From the cases a run recorded to its results, with what the run knows about itself: the
// settings of its configuration, this machine, this version, the plan's model order. The
// reporter at the end of a run and the reader of partial.jsonl after an interrupted one both
// come here, so that results built either way cannot differ.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EvalConfig } from '../config/env.ts';
import type { CaseMeta, JudgeMeta } from '../contract/case-meta.ts';
import type { Results } from '../contract/results.ts';
import type { RunPlan } from '../lifecycle/plan.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { buildResults } from './build.ts';

export interface AssembleOptions {
  config: Pick<EvalConfig, 'runtime' | 'repeats' | 'warmup' | 'maxTokens' | 'temperature' | 'seed' | 'weights' | 'promptCache'>;
  /** The run plan (model order, runtime) when known: `npm run eval` hands it to vitest. */
  plan: RunPlan | null;
  createdAt?: string;
  /** Set for a run that stopped before it finished. */
  interrupted?: { signal: string | null };
  calibration?: Results['calibration'];
}

export function edgeEvalsVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export function describeThisMachine(): Results['machine'] {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.availableParallelism(),
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

export function assembleResults(metas: readonly CaseMeta[], options: AssembleOptions, verdicts: readonly JudgeMeta[] = []): Results {
  const { config, plan } = options;
  return buildResults({
    metas,
    plannedModels: plan?.models,
    settings: {
      repeats: config.repeats,
      warmup: config.warmup,
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      seed: config.seed,
      promptCache: config.promptCache,
    },
    machine: describeThisMachine(),
    edgeEvalsVersion: edgeEvalsVersion(),
    createdAt: options.createdAt ?? new Date().toISOString(),
    fallbackRuntime: { name: plan?.runtime ?? config.runtime, version: null, reason: plan?.reason },
    interrupted: options.interrupted,
    weights: config.weights,
    verdicts,
    calibration: options.calibration,
  });
}
