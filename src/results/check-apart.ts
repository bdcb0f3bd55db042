// Validating a large results file in a worker thread: reading and checking a baseline of 10,000
// cases grows a heap by some 100 MB that V8 keeps for the life of the process. The eval command
// checks the baseline before the run and then waits for vitest for the whole run; checked
// apart, that memory is returned when the worker ends instead of adding to the run's peak.
import { Worker } from 'node:worker_threads';
import { ResultsFileError, type CheckedFile, type ReadOptions } from './files.ts';

// tsx is registered on the main thread only (bin/edge-evals.js); the worker registers it itself.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then(({ register }) => {
    register();
    return import(workerData.files);
  })
  .then(({ readBaselineFile, checkedFile }) => {
    // Taken first, so that a change during the check shows; a missing file is readBaselineFile's to explain.
    let checked = null;
    try {
      checked = checkedFile(workerData.file);
    } catch {}
    readBaselineFile(workerData.file, workerData.options);
    parentPort.postMessage({ checked });
  })
  .catch((error) => parentPort.postMessage({ error: { name: error.name, message: error.message } }));
`;

type Outcome = { checked: CheckedFile | null } | { error: { name: string; message: string } };

/**
 * readBaselineFile's check of `file`, with its errors (a ResultsFileError for an unusable file),
 * in a worker thread. Returns the file as it was when checked (null if it could not be told).
 */
export async function checkBaselineApart(file: string, options: ReadOptions = {}): Promise<CheckedFile | null> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { tsx: import.meta.resolve('tsx/esm/api'), files: import.meta.resolve('./files.ts'), file, options },
  });
  const outcome = await new Promise<Outcome>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the baseline check's worker exited with code ${code} before answering`)));
  });
  await worker.terminate();
  if ('checked' in outcome) return outcome.checked;
  throw outcome.error.name === 'ResultsFileError' ? new ResultsFileError(outcome.error.message) : new Error(outcome.error.message);
}
