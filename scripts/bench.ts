// `npm run bench -- <name> [options]`: runs scripts/bench/<name>.ts with its options. Without a
// name it lists the benchmarks and the first comment line of each. Each script says its own
// options in its header; BENCHMARKS.md has the commands behind every published figure.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { closestNames } from '../src/util/suggest.ts';

const folder = path.join(import.meta.dirname, 'bench');
// Helpers shared by the benchmarks are not benchmarks themselves.
const HELPERS = new Set(['embedded-shared', 'instant-server', 'planted-answers', 'suite-run']);
const names = readdirSync(folder)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .filter((name) => !HELPERS.has(name))
  .sort();

function summary(name: string): string {
  const first = readFileSync(path.join(folder, `${name}.ts`), 'utf8').split('\n')[0] ?? '';
  return first.replace(/^\/\/\s*/, '');
}

const [name, ...options] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(`Usage: npm run bench -- <name> [options]\n\n${names.map((each) => `  ${each.padEnd(20)} ${summary(each)}`).join('\n')}\n`);
  process.exit(0);
}
if (!names.includes(name)) {
  const close = closestNames(name, names);
  process.stderr.write(`error: no benchmark named "${name}"${close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : ''}; npm run bench lists them\n`);
  process.exit(2);
}
const run = await execa(process.execPath, ['--import', 'tsx', path.join(folder, `${name}.ts`), ...options], { stdio: 'inherit', reject: false });
process.exit(run.exitCode ?? 1);
