// Writes schemas/results.schema.json from the zod schema in src/results/schema.ts, the one
// source of truth. `npm test` fails when the committed file is out of date.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsJsonSchema } from '../src/contract/json-schema.ts';
import { writeFileAtomic } from '../src/util/files.ts';

const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'results.schema.json');
writeFileAtomic(target, resultsJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
