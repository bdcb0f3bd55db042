// What the machine allowed each model, as every report says it: whether it fit in memory (its
// estimated need against what was free when it was about to load, whether it was skipped, the
// minimum RAM the edge AI course gives for it), and which other processes were busy while it
// was measured.
import type { ModelResult, Results } from '../contract/results.ts';

export interface MemoryRow {
  model: string;
  need: string;
  free: string;
  /** `8 GB (this machine: 24 GB)`, or `-` when the course does not list the model. */
  courseMinimum: string;
  verdict: string;
  fits: boolean | null;
}

const gb = (value: number) => `${value.toFixed(1)} GB`;
const fitOf = (model: ModelResult) => model.memory ?? null;
const skipReasonOf = (model: ModelResult) => model.skipReason ?? null;

function verdictOf(model: ModelResult): string {
  const fit = fitOf(model);
  if (skipReasonOf(model) !== null) return 'skipped: does not fit';
  if (fit === null || fit.fits === null) return 'not known';
  return fit.fits ? 'fits' : 'loaded anyway (EVAL_MEMORY_CHECK=warn)';
}

export function memoryRows(results: Results): MemoryRow[] {
  return results.models.flatMap((model) => {
    const fit = fitOf(model);
    if (fit === null) return [];
    return [
      {
        model: model.alias,
        need: fit.needGB === null ? `unknown (${fit.basis})` : `~${gb(fit.needGB)} (${fit.basis})`,
        free: gb(fit.availableGB),
        courseMinimum: fit.minimumRamGB === null ? '-' : `${fit.minimumRamGB} GB (this machine: ${Math.round(fit.totalGB)} GB${fit.totalGB < fit.minimumRamGB ? ', less' : ''})`,
        verdict: verdictOf(model),
        fits: fit.fits,
      },
    ];
  });
}

/**
 * One paragraph for the terminal: `Memory: fits this machine: fixture-tiny (~0.1 GB),
 * fixture-small (~0.2 GB); skipped: big (needs ~60.0 GB, 20.1 GB free).` Null without checks.
 */
export function memorySummary(results: Results): string | null {
  const checked = results.models.filter((model) => fitOf(model) !== null);
  if (checked.length === 0) return null;
  const need = (model: ModelResult) => {
    const needGB = fitOf(model)?.needGB ?? null;
    return needGB === null ? 'size unknown' : `~${gb(needGB)}`;
  };
  const list = (models: readonly ModelResult[], describe: (model: ModelResult) => string) => models.map((model) => `${model.alias} (${describe(model)})`).join(', ');
  const skipped = checked.filter((model) => skipReasonOf(model) !== null);
  const loaded = checked.filter((model) => skipReasonOf(model) === null);
  const groups: [string, ModelResult[], (model: ModelResult) => string][] = [
    ['fits this machine', loaded.filter((model) => fitOf(model)?.fits === true), need],
    ['skipped', skipped, (model) => skipReasonOf(model) ?? ''],
    ['loaded although too big', loaded.filter((model) => fitOf(model)?.fits === false), (model) => `${need(model)}, ${gb(fitOf(model)?.availableGB ?? 0)} free`],
    ['size not known', loaded.filter((model) => fitOf(model)?.fits === null), (model) => fitOf(model)?.basis ?? ''],
    [
      "below the course's minimum RAM",
      checked.filter((model) => {
        const fit = fitOf(model);
        return fit !== null && fit.minimumRamGB !== null && fit.totalGB < fit.minimumRamGB;
      }),
      (model) => `${fitOf(model)?.minimumRamGB ?? '?'} GB`,
    ],
  ];
  const parts = groups.filter(([, models]) => models.length > 0).map(([label, models, describe]) => `${label}: ${list(models, describe)}`);
  return `Memory: ${parts.join('; ')}.`;
}

/**
 * `fixture-small was measured while other processes took CPU: llama-server (pid 4242, a
 * llama.cpp server) 85% of a core; ...`, one per model with busy processes.
 */
export function busyWarnings(results: Results): string[] {
  return results.models.flatMap((model) => {
    const busy = model.busyProcesses ?? [];
    if (busy.length === 0) return [];
    const listed = busy.map((other) => `${other.name} (pid ${other.pid}${other.modelServer === null ? '' : `, ${other.modelServer}`}) ${other.cpuPercent}% of a core`);
    return [`${model.alias} was measured while other processes took CPU: ${listed.join('; ')}. Its timings may be slower than on a quiet machine.`];
  });
}
