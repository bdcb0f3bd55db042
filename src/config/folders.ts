// The folders a run writes to, checked before anything starts: a results folder under a file,
// on a read-only file system or in /proc would otherwise fail (or hang) only once a run's
// results are written, after every model was measured.
import path from 'node:path';
import { unwritableFolderReason } from '../util/files.ts';
import { ConfigError, type EvalConfig } from './env.ts';

export function checkWritableFolders(config: Pick<EvalConfig, 'resultsDir' | 'cacheDir' | 'saveBaselinePath'>): void {
  const folders: [string, string][] = [
    ['EVAL_RESULTS_DIR', config.resultsDir],
    ['EDGE_EVALS_CACHE', config.cacheDir],
  ];
  if (config.saveBaselinePath !== undefined) folders.push(['EVAL_SAVE_BASELINE', path.dirname(config.saveBaselinePath)]);
  const problems = folders.flatMap(([variable, folder]) => {
    const reason = unwritableFolderReason(folder);
    return reason === null ? [] : [`  ${variable}=${folder}: cannot write there: ${reason}`];
  });
  if (problems.length > 0) throw new ConfigError(`Unusable folder:\n${problems.join('\n')}\nChoose a folder you can write to.`);
}
