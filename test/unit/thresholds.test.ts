import { describe, expect, it } from 'vitest';
import { resolveThresholds } from '../../src/suite/thresholds.ts';
import { readFileSync } from 'node:fs';

const file = JSON.parse(readFileSync(new URL('../../fixtures/thresholds.json', import.meta.url), 'utf8')) as {
  default: Record<string, number>;
  models: Record<string, Record<string, number>>;
};

describe('resolveThresholds', () => {
  it('starts from the file: default, then the model', () => {
    expect(resolveThresholds('some-model', undefined, undefined)).toEqual(file.default);
    expect(resolveThresholds('fixture-tiny', undefined, undefined)).toEqual({ ...file.default, ...file.models['fixture-tiny'] });
  });

  it('lets an eval override the file, and a prompt override the eval, per model too', () => {
    const resolved = resolveThresholds(
      'fixture-tiny',
      { ttftMs: 111, tpotMs: 5, models: { 'fixture-tiny': { ttftMs: 222 } } },
      { e2eMs: 333, models: { 'other-model': { e2eMs: 1 } } },
    );
    expect(resolved).toEqual({ ...file.default, ...file.models['fixture-tiny'], ttftMs: 222, tpotMs: 5, e2eMs: 333 });
  });
});
