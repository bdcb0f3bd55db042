// Generates the three synthetic fixture models into the model cache (or --dir), reusing files
// that are already there and current unless --force. One line per model.
//   node --import tsx scripts/generate-models.ts [--dir <modelsDir>] [--force]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, UsageError } from '../src/cli/errors.ts';
import { loadConfig } from '../src/config/env.ts';
import { ensureSyntheticModel, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from '../src/embedded/synthetic/index.ts';

const USAGE = 'Usage: node --import tsx scripts/generate-models.ts [--dir <modelsDir>] [--force]';

async function main(argv: string[]): Promise<number> {
  let values: { dir?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { dir: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, USAGE);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const modelsDir = values.dir === undefined ? path.join(loadConfig().cacheDir, 'models') : path.resolve(values.dir);
  process.stdout.write(`Synthetic models in ${modelsDir}\n`);
  for (const alias of Object.keys(SYNTHETIC_MODEL_SPECS) as SyntheticAlias[]) {
    const started = performance.now();
    const file = await ensureSyntheticModel(alias, modelsDir, { force: values.force === true });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const size = `${(file.sizeBytes / 1024 / 1024).toFixed(1)} MB`;
    const parameters = `${(file.parameters / 1e6).toFixed(2)}M params`;
    const how = file.generated ? `generated in ${seconds} s` : 'already current';
    process.stdout.write(`  ${alias.padEnd(15)} ${size.padStart(9)}  ${parameters.padStart(14)}  ${how}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error)),
);
