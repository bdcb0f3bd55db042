// The JSON Schema of results/latest.json, for tools that do not read TypeScript.
import { z } from 'zod';
import { RESULTS_SCHEMA_VERSION, Results } from './results.ts';

export function resultsJsonSchema(): string {
  const schema = {
    ...z.toJSONSchema(Results, { target: 'draft-2020-12' }),
    $id: `https://edge-evals.dev/schemas/results-v${RESULTS_SCHEMA_VERSION}.json`,
    title: 'edge-evals results',
    description: 'results/latest.json as written by the edge-evals reporter. Times are in milliseconds.',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
