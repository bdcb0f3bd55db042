// Results files of schema version 1 (before the gate compared runs test by test) stay readable:
// version 2 only added fields, and what version 1 did not record reads as "not recorded" (null).
// A baseline saved by an older edge-evals therefore still gates a new run; the gate warns that
// the prompt cache and the machine's load were not recorded for it.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function withNulls(value: unknown, fields: readonly string[]): unknown {
  if (!isObject(value)) return value;
  const added = Object.fromEntries(fields.filter((field) => !(field in value)).map((field) => [field, null]));
  return { ...value, ...added };
}

const mapArray = (value: unknown, map: (item: unknown) => unknown) => (Array.isArray(value) ? value.map(map) : value);

/** Version 1 data as version 2, with nulls for what version 1 did not record; anything else unchanged. */
export function upgradeResultsData(data: unknown): unknown {
  if (!isObject(data) || data.schemaVersion !== 1) return data;
  return {
    ...data,
    schemaVersion: 2,
    settings: withNulls(data.settings, ['promptCache']),
    calibration: data.calibration ?? null,
    models: mapArray(data.models, (model) => withNulls(model, ['loadAverage', 'otherCpuPercent'])),
    cases: mapArray(data.cases, (testCase) =>
      isObject(testCase)
        ? { ...testCase, metrics: withNulls(testCase.metrics, ['cachedPromptTokens']), resources: withNulls(testCase.resources, ['loadAverage', 'otherCpuPercent']) }
        : testCase,
    ),
  };
}
