// Generates the three synthetic fixture models into the model cache (or --dir), reusing files
// that are already there and current unless --force. One line per model. With
// --update-planted-truth, copies each model's planted truth over the committed one in
// fixtures/planted-truth/ (after a deliberate change to the answers or the generator).
//   node --import tsx scripts/generate-models.ts [--dir <modelsDir>] [--force] [--update-planted-truth]
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, UsageError } from '../src/cli/errors.ts';
import { loadConfig } from '../src/config/env.ts';
import { ensureSyntheticModel, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from '../src/embedded/synthetic/index.ts';
import { PLANTED_TRUTH_FIXTURES } from '../src/embedded/synthetic/manifest.ts';

const USAGE = 'Usage: node --import tsx scripts/generate-models.ts [--dir <modelsDir>] [--force] [--update-planted-truth]';

async function main(argv: string[]): Promise<number> {
  let values: { dir?: string; force?: boolean; 'update-planted-truth'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { dir: { type: 'string' }, force: { type: 'boolean' }, 'update-planted-truth': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
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
    if (values['update-planted-truth'] === true) {
      await mkdir(PLANTED_TRUTH_FIXTURES, { recursive: true });
      const target = path.join(PLANTED_TRUTH_FIXTURES, `${alias}.json`);
      await copyFile(file.plantedTruthPath, target);
      process.stdout.write(`  ${''.padEnd(15)} planted truth copied to ${path.relative(process.cwd(), target)}\n`);
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error)),
);
