// What the regression gate tolerates and how sure it must be, as configured by EVAL_GATE_*
// and EVAL_MIN_PASS_RATE. Parsed here, with the rest of the configuration; the gate itself
// (src/stats/gate.ts) takes the parsed settings and reads nothing.

export interface Tolerance {
  /** Allowed change as a fraction of the baseline value (0.2 = 20%). */
  relative: number;
  /** Changes smaller than this, in the metric's unit, never count. */
  absolute: number;
}

export interface GateTolerances {
  /** Time to first token (prefill), in ms. */
  ttft: Tolerance;
  /** Time per output token after the first (decode), in ms. */
  tpot: Tolerance;
  /** Peak resident memory of the model's processes, in MB. */
  memory: Tolerance;
}

/** What an inconclusive verdict (too noisy to tell) does: `lenient` passes CI with a notice, `strict` fails it. */
export type InconclusivePolicy = 'lenient' | 'strict';

/** `calibration`: scale this run's latencies by how much slower its CPU calibration ran than the baseline's. */
export type Normalization = 'none' | 'calibration';

export interface GateSettings {
  tolerances: GateTolerances;
  /** One-sided significance level of each decision: 0.05 for EVAL_GATE_CONFIDENCE=0.95. */
  alpha: number;
  inconclusive: InconclusivePolicy;
  /** Minimum pass rate of every (model, test) over its repeats; null: only drops against the baseline count. */
  minPassRate: number | null;
  normalize: Normalization;
  /** A drop in a model's mean accuracy, completeness or clarity must pass this many points of the 1-5 scale to count. */
  criteriaTolerance: number;
}

// 20%: a 1.25x slower decode is a regression worth failing CI for, and run-to-run drift of a
// quiet runner stays well inside it. The floors keep sub-millisecond jitter of tiny models
// (a TTFT of 3 ms against 2 ms) from counting. Memory is one peak per run, steadier (under 3%
// between unchanged runs) but it grows with context, hence 25%.
export const DEFAULT_TOLERANCES: GateTolerances = {
  ttft: { relative: 0.2, absolute: 5 },
  tpot: { relative: 0.2, absolute: 0.1 },
  memory: { relative: 0.25, absolute: 64 },
};

// Half a point: on the handful of prompts a model is scored on, half of its answers losing a
// whole point (a key point no longer made, a judge's 4 become 3). Model-free scores of an
// unchanged answer do not move at all, so anything that moves them is a changed answer.
export const DEFAULT_CRITERIA_TOLERANCE = 0.5;

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  tolerances: DEFAULT_TOLERANCES,
  alpha: 0.05,
  inconclusive: 'lenient',
  minPassRate: null,
  normalize: 'none',
  criteriaTolerance: DEFAULT_CRITERIA_TOLERANCE,
};

/** Thrown by parseTolerances for a malformed spec; the caller says where the spec came from. */
export class ToleranceSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToleranceSpecError';
  }
}

type ToleranceKind = keyof GateTolerances;

const TOLERANCE_UNITS: Record<ToleranceKind, Record<string, number>> = {
  ttft: { '': 1, ms: 1, s: 1000 },
  tpot: { '': 1, ms: 1 },
  memory: { '': 1, mb: 1, gb: 1024 },
};

export const TOLERANCE_SPEC_EXAMPLE = 'ttft=20%+5ms,tpot=20%+0.1ms,memory=25%+64MB';

// The keys of the first gate, which compared E2E and tokens/s pooled over unlike prompts.
const RETIRED_KEYS: Record<string, string> = {
  latency: 'the gate now compares time to first token and time per token, test by test: use ttft= and tpot=',
  throughput: 'tokens/s follows from the time per token: use tpot=',
};

/**
 * Parse `ttft=20%+5ms,tpot=20%,memory=25%+64MB` over `base`. Each entry may give the relative
 * part, the absolute part or both; what it leaves out keeps its value.
 */
export function parseTolerances(spec: string, base: GateTolerances = DEFAULT_TOLERANCES): GateTolerances {
  const result: GateTolerances = { ttft: { ...base.ttft }, tpot: { ...base.tpot }, memory: { ...base.memory } };
  const entries = spec.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [rawKey, rawValue] = entry.split('=', 2).map((part) => part.trim());
    const key = rawKey?.toLowerCase() ?? '';
    const retired = RETIRED_KEYS[key];
    if (retired !== undefined) throw new ToleranceSpecError(`"${rawKey ?? ''}" in "${entry}" is no longer a tolerance: ${retired} (e.g. ${TOLERANCE_SPEC_EXAMPLE})`);
    if (key !== 'ttft' && key !== 'tpot' && key !== 'memory') {
      throw new ToleranceSpecError(`unknown tolerance "${rawKey ?? ''}" in "${entry}": expected ttft, tpot or memory (e.g. ${TOLERANCE_SPEC_EXAMPLE})`);
    }
    const parts = (rawValue ?? '').split('+').map((piece) => piece.trim()).filter((piece) => piece !== '');
    if (parts.length === 0) {
      throw new ToleranceSpecError(`"${entry}" has no value: expected ${key}=<percent>+<amount> (e.g. ${TOLERANCE_SPEC_EXAMPLE})`);
    }
    for (const part of parts) {
      const match = /^(\d+(?:\.\d+)?)\s*(%|[a-z/]*)$/i.exec(part);
      const amount = match === null ? Number.NaN : Number(match[1]);
      const unit = (match?.[2] ?? '').toLowerCase();
      if (match === null || !Number.isFinite(amount)) {
        throw new ToleranceSpecError(`"${part}" in "${entry}" is not a tolerance: expected a percentage like 20% or an amount like 5ms`);
      }
      if (unit === '%') {
        result[key].relative = amount / 100;
        continue;
      }
      const scale = TOLERANCE_UNITS[key][unit];
      if (scale === undefined) {
        const units = Object.keys(TOLERANCE_UNITS[key]).filter((name) => name !== '');
        throw new ToleranceSpecError(`"${part}" in "${entry}": unit "${match[2] ?? ''}" does not fit ${key} (use ${units.join(' or ')}, or no unit)`);
      }
      result[key].absolute = amount * scale;
    }
  }
  return result;
}
