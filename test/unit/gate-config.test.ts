import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { DEFAULT_GATE_SETTINGS, DEFAULT_TOLERANCES, parseTolerances, ToleranceSpecError } from '../../src/config/gate-settings.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-gate-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const load = (env: NodeJS.ProcessEnv) => loadConfig({ cwd, env });

describe('gate and history configuration', () => {
  it('defaults to the default tolerances, 95% confidence, a lenient inconclusive verdict, no minimum pass rate and a cold prompt cache', () => {
    const config = load({});
    expect(config.gate).toEqual(DEFAULT_GATE_SETTINGS);
    expect(config.gate).toEqual({ tolerances: DEFAULT_TOLERANCES, alpha: 0.05, inconclusive: 'lenient', minPassRate: null, normalize: 'none', criteriaTolerance: 0.5 });
    expect(config.promptCache).toBe('cold');
    expect(config.historyLimit).toBe(20);
  });

  it('reads EVAL_GATE_*, EVAL_MIN_PASS_RATE, EVAL_PROMPT_CACHE and EVAL_HISTORY_LIMIT', () => {
    const config = load({
      EVAL_GATE_TOLERANCES: 'tpot=10%+0.5ms',
      EVAL_GATE_CONFIDENCE: '0.99',
      EVAL_GATE_INCONCLUSIVE: 'Strict',
      EVAL_GATE_NORMALIZE: 'calibration',
      EVAL_GATE_CRITERIA_TOLERANCE: '1',
      EVAL_MIN_PASS_RATE: '0.8',
      EVAL_PROMPT_CACHE: 'warm',
      EVAL_HISTORY_LIMIT: '0',
    });
    expect(config.gate).toEqual({
      tolerances: { ...DEFAULT_TOLERANCES, tpot: { relative: 0.1, absolute: 0.5 } },
      alpha: 0.01,
      inconclusive: 'strict',
      minPassRate: 0.8,
      normalize: 'calibration',
      criteriaTolerance: 1,
    });
    expect(config.promptCache).toBe('warm');
    expect(config.historyLimit).toBe(0);
  });

  it('names the variable and the problem for a bad value', () => {
    expect(() => load({ EVAL_GATE_TOLERANCES: 'ttft=fast' })).toThrow(ConfigError);
    expect(() => load({ EVAL_GATE_TOLERANCES: 'ttft=fast' })).toThrow(/EVAL_GATE_TOLERANCES="ttft=fast": "fast" in "ttft=fast" is not a tolerance/);
    expect(() => load({ EVAL_MIN_PASS_RATE: '80%' })).toThrow(/EVAL_MIN_PASS_RATE="80%": expected a number from 0 to 1/);
    expect(() => load({ EVAL_GATE_CONFIDENCE: '95' })).toThrow(/EVAL_GATE_CONFIDENCE="95": expected a number from 0.5 to 0.999/);
    expect(() => load({ EVAL_GATE_INCONCLUSIVE: 'fail' })).toThrow(/EVAL_GATE_INCONCLUSIVE="fail": expected one of lenient, strict/);
    expect(() => load({ EVAL_GATE_CRITERIA_TOLERANCE: '0.5 points' })).toThrow(/EVAL_GATE_CRITERIA_TOLERANCE="0.5 points": expected a number from 0 to 4/);
    expect(() => load({ EVAL_GATE_CRITERIA_TOLERANCE: '5' })).toThrow(/EVAL_GATE_CRITERIA_TOLERANCE="5": expected a number from 0 to 4/);
    expect(() => load({ EVAL_PROMPT_CACHE: 'hot' })).toThrow(/EVAL_PROMPT_CACHE="hot": expected one of cold, warm/);
    expect(() => load({ EVAL_HISTORY_LIMIT: '-1' })).toThrow(/EVAL_HISTORY_LIMIT="-1": expected an integer from 0 to 10000/);
  });
});

describe('parseTolerances', () => {
  it('reads every kind, keeps what an entry leaves out, and converts units', () => {
    const parsed = parseTolerances('ttft=10%+5ms, tpot=15%, memory=+1GB');
    expect(parsed.ttft).toEqual({ relative: 0.1, absolute: 5 });
    expect(parsed.tpot).toEqual({ relative: 0.15, absolute: DEFAULT_TOLERANCES.tpot.absolute });
    expect(parsed.memory).toEqual({ relative: DEFAULT_TOLERANCES.memory.relative, absolute: 1024 });
    expect(parseTolerances('ttft=0.5s').ttft.absolute).toBe(500);
    expect(parseTolerances('')).toEqual(DEFAULT_TOLERANCES);
  });

  it('rejects what it cannot read, saying what was expected', () => {
    expect(() => parseTolerances('speed=10%')).toThrow(ToleranceSpecError);
    expect(() => parseTolerances('speed=10%')).toThrow(/unknown tolerance "speed".*expected ttft, tpot or memory/);
    expect(() => parseTolerances('ttft')).toThrow(/"ttft" has no value/);
    expect(() => parseTolerances('ttft=fast')).toThrow(/"fast" in "ttft=fast" is not a tolerance/);
    expect(() => parseTolerances('memory=10ms')).toThrow(/unit "ms" does not fit memory \(use mb or gb/);
  });

  it('says what replaced the tolerances of the first gate', () => {
    expect(() => parseTolerances('latency=50%+20ms')).toThrow(/"latency" in "latency=50%\+20ms" is no longer a tolerance: .*use ttft= and tpot=/);
    expect(() => parseTolerances('throughput=35%')).toThrow(/"throughput" .* is no longer a tolerance: tokens\/s follows from the time per token: use tpot=/);
  });
});
