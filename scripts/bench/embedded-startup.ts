// Spawn-to-ready of `node bin/edge-evals.js serve --model fixture-small` (the model already
// generated): from the spawn call to the ready line on stdout, several runs, median. Also the
// time from SIGTERM to the process being gone. Target: ready under 2 s.
//
//   node --import tsx scripts/bench/embedded-startup.ts [--model fixture-small] [--runs 9]
//
// (This script runs under tsx's --import, but the servers it spawns do not: bin/edge-evals.js
// registers tsx in-process, so node-llama-cpp's binary-test child starts as plain Node.)
import { parseArgs } from 'node:util';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { isAlive } from '../../src/util/process-tree.ts';
import { fixture, loadAverage, machineLine, median, nodeLlamaCppVersion, printTable, startServe } from './embedded-shared.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'fixture-small' },
    runs: { type: 'string', default: '9' },
  },
});
const alias = values.model as SyntheticAlias;
const runs = Number(values.runs);

await fixture(alias);
console.log(`# Spawn-to-ready of edge-evals serve --model ${alias}: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(`# ${runs} runs after 1 warm-up (file cache warm); load average at start: ${loadAverage()}`);

async function once(): Promise<{ readyMs: number; stopMs: number }> {
  const server = await startServe(['--model', alias]);
  const signalled = performance.now();
  server.child.kill('SIGTERM');
  await server.child;
  while (isAlive(server.pid)) await new Promise((resolve) => setTimeout(resolve, 5));
  return { readyMs: server.readyMs, stopMs: performance.now() - signalled };
}

await once();
const samples: { readyMs: number; stopMs: number }[] = [];
for (let run = 0; run < runs; run++) samples.push(await once());
const ready = samples.map((sample) => sample.readyMs).sort((a, b) => a - b);
const stop = samples.map((sample) => sample.stopMs).sort((a, b) => a - b);
printTable(
  ['measure', 'median ms', 'min ms', 'max ms'],
  [
    ['spawn to ready line', median(ready).toFixed(0), (ready[0] ?? 0).toFixed(0), (ready.at(-1) ?? 0).toFixed(0)],
    ['SIGTERM to exit', median(stop).toFixed(0), (stop[0] ?? 0).toFixed(0), (stop.at(-1) ?? 0).toFixed(0)],
  ],
);
console.log(`# target ready < 2000 ms: ${median(ready) < 2000 ? 'met' : 'NOT met'}; load average at end: ${loadAverage()}`);
