// Which eval files a run has: every `evals/**/*.eval.ts` except the examples under
// evals/examples/, which run when a file filter names them (`npm run eval -- evals/examples/`).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../util/paths.ts';

export const EVALS_FOLDER = 'evals';
export const EVAL_FILES_GLOB = 'evals/**/*.eval.ts';
export const EXAMPLES_FOLDER = 'evals/examples';
const EVAL_FILE = /\.eval\.ts$/;

/** The test file of the judge phase. */
export const JUDGE_PHASE_FILE = 'src/suite/judge-phase.ts';

/**
 * `judge:<alias>`: apart from the candidates' projects, which are named after their model.
 * Here rather than with the projects: the eval command names projects, and importing
 * vitest/config for that would cost its process some 170 MB for the whole run.
 */
export function judgeProjectName(alias: string): string {
  return `judge:${alias}`;
}

/** Every eval file under evals/, examples included, relative to the project with `/`, sorted. */
export function listEvalFiles(root = PROJECT_ROOT): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, folder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = `${folder}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(relative);
      else if (entry.isFile() && EVAL_FILE.test(entry.name)) found.push(relative);
    }
  };
  walk(EVALS_FOLDER);
  return found.sort();
}

export function isExample(file: string): boolean {
  return file.startsWith(`${EXAMPLES_FOLDER}/`);
}

/**
 * vitest's rule for a file filter: the file's path relative to the project contains it (any
 * case), as typed or resolved from the current folder; `file.ts:12` filters by line as well.
 */
export function matchesFileFilter(file: string, filter: string, cwd = process.cwd(), root = PROJECT_ROOT): boolean {
  const name = filter.replace(/:\d+$/, '');
  const absolute = path.join(root, file);
  if (path.isAbsolute(name) && absolute.startsWith(name)) return true;
  const relative = path.relative(root, path.resolve(cwd, name)).split(path.sep).join('/');
  const wanted = name.endsWith('/') ? `${relative}/` : relative;
  const lower = file.toLowerCase();
  return lower.includes(name.toLowerCase()) || lower.includes(wanted.toLowerCase());
}

/** The files a run with these filters has: all matching ones, or every non-example without filters. */
export function selectEvalFiles(files: readonly string[], filters: readonly string[], cwd = process.cwd()): string[] {
  if (filters.length === 0) return files.filter((file) => !isExample(file));
  return files.filter((file) => filters.some((filter) => matchesFileFilter(file, filter, cwd)));
}
