// How much do the gate's figures move between back-to-back runs of the same suite on the
// same machine, with nothing changed? That noise is what the default tolerances must absorb
// (a false regression fails CI), while a real doubling of latency must still trip the gate.
//
// Runs `edge-evals eval` N times in a row, then compares every run with the one before it:
// the ratio of each model-level figure, and the default gate's verdict on the pair.
//
//   node --import tsx scripts/bench/gate-noise.ts [--runs 6] [--models fixture-tiny] [--repeats 2]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { DEFAULT_GATE_SETTINGS } from '../../src/config/gate-settings.ts';
import type { Results } from '../../src/contract/results.ts';
import { describeFinding, verdictTitle } from '../../src/report/gate.ts';
import { readResultsFile } from '../../src/results/files.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '6' },
    models: { type: 'string', default: 'fixture-tiny' },
    repeats: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);
const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-gate-noise-'));

const FIGURES: { label: string; pick: (model: Results['models'][number]) => number | null }[] = [
  { label: 'TTFT p50', pick: (model) => model.summary.ttftMs.p50 },
  { label: 'TTFT p95', pick: (model) => model.summary.ttftMs.p95 },
  { label: 'E2E p50', pick: (model) => model.summary.e2eMs.p50 },
  { label: 'E2E p95', pick: (model) => model.summary.e2eMs.p95 },
  { label: 'tok/s p50', pick: (model) => model.summary.tokensPerSec.p50 },
];

try {
  const results: Results[] = [];
  for (let run = 1; run <= runs; run++) {
    const resultsDir = path.join(work, `run-${run}`);
    const outcome = await execa(process.execPath, [path.join(PROJECT_ROOT, 'bin/edge-evals.js'), 'eval'], {
      cwd: PROJECT_ROOT,
      env: { EVAL_RESULTS_DIR: resultsDir, EVAL_MODELS: values.models, EVAL_REPEATS: values.repeats, EVAL_HISTORY_LIMIT: '0', NO_COLOR: '1' },
      reject: false,
      timeout: 600_000,
    });
    if (outcome.exitCode !== 0) throw new Error(`run ${run} exited with ${outcome.exitCode}:\n${outcome.stderr}`);
    results.push(readResultsFile(path.join(resultsDir, 'latest.json')));
    process.stderr.write(`run ${run}/${runs} done, load average ${os.loadavg()[0]?.toFixed(1)}\n`);
  }

  const aliases = results[0]?.models.map((model) => model.alias) ?? [];
  process.stdout.write(`Machine: ${os.cpus()[0]?.model.trim()}, ${os.availableParallelism()} cores; ${runs} runs of ${values.models}, EVAL_REPEATS=${values.repeats}\n\n`);
  for (const alias of aliases) {
    process.stdout.write(`| ${alias} | ${FIGURES.map((figure) => figure.label).join(' | ')} |\n|---|${FIGURES.map(() => '---:').join('|')}|\n`);
    results.forEach((run, index) => {
      const model = run.models.find((candidate) => candidate.alias === alias);
      const cells = FIGURES.map((figure) => (model === undefined ? '-' : (figure.pick(model)?.toFixed(1) ?? '-')));
      process.stdout.write(`| run ${index + 1} | ${cells.join(' | ')} |\n`);
    });
    const ratios = FIGURES.map((figure) => {
      let worst = 1;
      for (let index = 1; index < results.length; index++) {
        const before = results[index - 1]?.models.find((model) => model.alias === alias);
        const after = results[index]?.models.find((model) => model.alias === alias);
        const a = before === undefined ? null : figure.pick(before);
        const b = after === undefined ? null : figure.pick(after);
        if (a !== null && b !== null && a > 0 && b > 0) worst = Math.max(worst, b / a, a / b);
      }
      return `${worst.toFixed(2)}x`;
    });
    process.stdout.write(`| worst consecutive ratio | ${ratios.join(' | ')} |\n\n`);
  }
  let tripped = 0;
  for (let index = 1; index < results.length; index++) {
    const verdict = compareToBaseline(results[index] as Results, results[index - 1] as Results, DEFAULT_GATE_SETTINGS);
    if (verdict.outcome === 'regression') tripped++;
    process.stdout.write(`run ${index + 1} vs run ${index}: ${verdictTitle(verdict)}\n`);
    for (const finding of verdict.findings.filter((item) => item.outcome !== 'within')) process.stdout.write(`    ${describeFinding(finding)}\n`);
  }
  process.stdout.write(`\nDefault gate tripped on ${tripped} of ${results.length - 1} unchanged consecutive pairs.\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
