// Results files of earlier schema versions stay readable, so that a baseline saved by an older
// edge-evals still gates a new run:
//   version 1, before the gate compared runs test by test: version 2 only added fields, and what
//     version 1 did not record reads as "not recorded" (null); the gate warns that the prompt
//     cache and the machine's load were not recorded for it.
//   version 2, before the criteria: version 3 added the criterion scores of every answer, their
//     summaries per model and the run's criteria settings, all optional, so a version 2 file
//     reads as it is, a run without criterion scores; the gate says it cannot compare them.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function withNulls(value: unknown, fields: readonly string[]): unknown {
  if (!isObject(value)) return value;
  const added = Object.fromEntries(fields.filter((field) => !(field in value)).map((field) => [field, null]));
  return { ...value, ...added };
}

const mapArray = (value: unknown, map: (item: unknown) => unknown) => (Array.isArray(value) ? value.map(map) : value);

function fromVersion1(data: Json): Json {
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

/** Version 1 or 2 data (a results file, a baseline or a run's summary) as version 3; anything else unchanged. */
export function upgradeResultsData(data: unknown): unknown {
  if (!isObject(data)) return data;
  const version2 = data.schemaVersion === 1 ? fromVersion1(data) : data;
  return version2.schemaVersion === 2 ? { ...version2, schemaVersion: 3 } : version2;
}
