// A copy of the project with eval files of a test's own, for runs whose eval files must not
// touch the real evals/ folder (other tests run `npm run eval` on it at the same time). The
// sources are copied, not linked: the project root is found from where src/ really is.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './processes.ts';

const COPIED = ['package.json', 'vitest.config.ts', 'bin', 'scripts', 'src', 'reporters', 'fixtures'];

/** A fresh project folder with `evals` (path under evals/ -> source) as its only eval files. */
export function projectWithEvals(evals: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-project-'));
  for (const entry of COPIED) cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true });
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  for (const [file, source] of Object.entries(evals)) {
    const target = path.join(root, 'evals', file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, source);
  }
  return root;
}
