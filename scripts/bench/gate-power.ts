// Does the gate catch a slowdown, and keep quiet when nothing changed? (docs/gate.md) Measured
// end to end, as CI sees it: `edge-evals eval -t chat/` (two tests) against a server of known
// speed, its first token 40 ms after the request and then one every 10 ms
// (test/fixtures/streams/paced-server.ts, in a process of its own), on a quiet machine and with
// one CPU-bound process competing. Per condition, `--pairs` baseline runs; after each one, an
// unchanged run and one run per slowdown (every token 1.25x, 1.5x, 2x as slow), each gated
// against that baseline with EVAL_BASELINE and the default settings, its verdict read from
// gate.json. Prints a Markdown table: how often each change was called a regression, too noisy
// to tell, or passed.
//
//   node --import tsx scripts/bench/gate-power.ts [--pairs 20] [--repeats 3,5]
//        [--slowdowns 1.25,1.5,2] [--load quiet,busy] [--out gate-power.json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa, execaNode, getOneMessage, sendMessage, type ResultPromise } from 'execa';
import type { GateVerdict, LatencyFinding } from '../../src/stats/gate.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { startPacedServer, type Pace } from '../../test/fixtures/streams/paced-server.ts';

const FIRST_TOKEN_MS = 40;
const TOKEN_MS = 10;
// Passes both chat tests' checks; 13 tokens, so a request takes 160 ms.
const ANSWER = 'Hello, I am an assistant model: edge AI runs models locally on devices.';
const TESTS = 'chat/';

type Load = 'quiet' | 'busy';

interface PairResult {
  load: Load;
  repeats: number;
  pair: number;
  slowdown: number;
  outcome: GateVerdict['outcome'];
  /** The TPOT finding: its outcome and ratio. */
  tpot: { outcome: string; ratio: number } | null;
  /** How busy the machine was during the gated run, as the run recorded it. */
  loadAverage: number | null;
  otherCpuPercent: number | null;
}

// ---- the server, in its own process so that the eval's work does not delay its writes ----------

async function serve(): Promise<void> {
  const server = await startPacedServer({ model: 'paced', answer: ANSWER, pace: { firstTokenMs: FIRST_TOKEN_MS, tokenMs: TOKEN_MS } });
  await sendMessage({ baseURL: server.baseURL });
  for (;;) {
    const message = (await getOneMessage()) as { pace?: Pace; stop?: true };
    if (message.pace !== undefined) {
      server.setPace(message.pace);
      await sendMessage('ok');
    }
    if (message.stop === true) {
      await server.close();
      return;
    }
  }
}

// ---- the runs ------------------------------------------------------------------------------------

function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('EVAL_') && !name.startsWith('EDGE_EVALS_')) env[name] = value;
  }
  return env;
}

async function evalRun(resultsDir: string, settings: { baseURL: string; repeats: number; cache: string; baseline?: string }): Promise<void> {
  const run = await execa(process.execPath, [path.join(PROJECT_ROOT, 'bin/edge-evals.js'), 'eval', '-t', TESTS], {
    cwd: PROJECT_ROOT,
    env: {
      ...environment(),
      EVAL_RUNTIME: 'openai',
      EVAL_BASE_URL: settings.baseURL,
      EVAL_REPEATS: String(settings.repeats),
      EVAL_RESULTS_DIR: resultsDir,
      EVAL_HISTORY_LIMIT: '0',
      EDGE_EVALS_CACHE: settings.cache,
      NO_COLOR: '1',
      ...(settings.baseline === undefined ? {} : { EVAL_BASELINE: settings.baseline }),
    },
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 300_000,
  });
  // 1 is a regression (with a baseline); anything else is a broken run, not a measurement.
  if (run.exitCode !== 0 && !(run.exitCode === 1 && settings.baseline !== undefined)) {
    throw new Error(`edge-evals eval exited with ${run.exitCode}:\n${run.all}`);
  }
}

function readVerdict(resultsDir: string): GateVerdict {
  return JSON.parse(readFileSync(path.join(resultsDir, 'gate.json'), 'utf8')) as GateVerdict;
}

function startHog(): ResultPromise {
  return execa(process.execPath, ['-e', 'for (;;) {}'], { reject: false });
}

// ---- the summary -----------------------------------------------------------------------------

function summarize(results: readonly PairResult[], slowdowns: readonly number[]): string {
  const lines = [
    '| competing process | EVAL_REPEATS | per-token change | pairs | regression | inconclusive | pass | TPOT ratio (median, range) | load avg | others, % of a core |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  const groups = [...new Set(results.map((result) => `${result.load}|${result.repeats}`))];
  for (const group of groups) {
    const [load, repeats] = group.split('|');
    for (const slowdown of [1, ...slowdowns]) {
      const rows = results.filter((result) => `${result.load}|${result.repeats}` === group && result.slowdown === slowdown);
      if (rows.length === 0) continue;
      const count = (outcome: GateVerdict['outcome']) => rows.filter((row) => row.outcome === outcome).length;
      const ratios = rows.flatMap((row) => (row.tpot === null ? [] : [row.tpot.ratio])).sort((a, b) => a - b);
      const median = ratios[Math.floor(ratios.length / 2)];
      const range = ratios.length === 0 ? '-' : `${median?.toFixed(2)} (${ratios[0]?.toFixed(2)}-${ratios.at(-1)?.toFixed(2)})`;
      const mean = (values: (number | null)[]) => {
        const known = values.filter((value): value is number => value !== null);
        return known.length === 0 ? '-' : (known.reduce((sum, value) => sum + value, 0) / known.length).toFixed(1);
      };
      const competing = load === 'busy' ? 'one CPU-bound' : 'none';
      lines.push(
        `| ${competing} | ${repeats} | ${slowdown === 1 ? 'none' : `${slowdown}x`} | ${rows.length} | ${count('regression')} | ${count('inconclusive')} | ${count('pass')} | ${range} | ` +
          `${mean(rows.map((row) => row.loadAverage))} | ${mean(rows.map((row) => row.otherCpuPercent))} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '20' },
      repeats: { type: 'string', default: '3,5' },
      slowdowns: { type: 'string', default: '1.25,1.5,2' },
      load: { type: 'string', default: 'quiet,busy' },
      out: { type: 'string' },
    },
  });
  const pairs = Number(values.pairs);
  const repeatsList = values.repeats.split(',').map(Number);
  const slowdowns = values.slowdowns.split(',').map(Number);
  const loads = values.load.split(',') as Load[];
  const badLoad = loads.some((load) => load !== 'quiet' && load !== 'busy');
  if (!Number.isInteger(pairs) || pairs < 1 || repeatsList.some((value) => !Number.isInteger(value) || value < 1) || slowdowns.some((value) => !(value > 0)) || badLoad) {
    throw new Error('expected e.g. --pairs 20 --repeats 3,5 --slowdowns 1.25,1.5,2 --load quiet,busy');
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-gate-power-'));
  const server = execaNode(fileURLToPath(import.meta.url), ['--serve'], { nodeOptions: ['--import', 'tsx'], ipc: true, stdout: 'inherit', stderr: 'inherit' });
  const results: PairResult[] = [];
  const started = Date.now();
  const loadBefore = os.loadavg();
  let hog: ResultPromise | null = null;
  try {
    const { baseURL } = (await server.getOneMessage()) as { baseURL: string };
    const setPace = async (slowdown: number) => {
      await server.sendMessage({ pace: { firstTokenMs: FIRST_TOKEN_MS, tokenMs: TOKEN_MS * slowdown } });
      await server.getOneMessage();
    };
    const total = loads.length * repeatsList.length * pairs * (1 + 1 + slowdowns.length);
    let done = 0;
    for (const load of loads) {
      hog = load === 'busy' ? startHog() : null;
      for (const repeats of repeatsList) {
        for (let pair = 1; pair <= pairs; pair++) {
          const dir = (name: string) => path.join(work, `${load}-${repeats}-${pair}-${name}`);
          const settings = { baseURL, repeats, cache: path.join(work, 'cache') };
          await setPace(1);
          await evalRun(dir('baseline'), settings);
          done++;
          const baseline = path.join(dir('baseline'), 'latest.json');
          for (const slowdown of [1, ...slowdowns]) {
            await setPace(slowdown);
            await evalRun(dir(String(slowdown)), { ...settings, baseline });
            done++;
            const verdict = readVerdict(dir(String(slowdown)));
            const tpot = verdict.findings.find((finding): finding is LatencyFinding => finding.kind === 'latency' && finding.metric === 'tpotMs');
            results.push({
              load,
              repeats,
              pair,
              slowdown,
              outcome: verdict.outcome,
              tpot: tpot === undefined ? null : { outcome: tpot.outcome, ratio: tpot.ratio },
              loadAverage: verdict.machine.current.loadAverage,
              otherCpuPercent: verdict.machine.current.otherCpuPercent,
            });
          }
          const elapsed = (Date.now() - started) / 1000;
          process.stderr.write(`${load}, EVAL_REPEATS=${repeats}, pair ${pair}/${pairs}: ${results.slice(-1 - slowdowns.length).map((result) => `${result.slowdown}x ${result.outcome}`).join(', ')} (${done}/${total} runs, ${Math.round(elapsed)} s, load ${os.loadavg()[0]?.toFixed(1)})\n`);
          if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
        }
      }
      if (hog !== null) {
        hog.kill();
        await hog;
        hog = null;
      }
    }
  } finally {
    if (hog !== null) {
      hog.kill();
      await hog;
    }
    await server.sendMessage({ stop: true }).catch(() => undefined);
    await server.catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
  const minutes = Math.round((Date.now() - started) / 60_000);
  const loadAfter = os.loadavg();
  process.stdout.write(
    `Machine: ${os.cpus()[0]?.model.trim()}, ${os.availableParallelism()} cores; load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after; ${minutes} min\n` +
      `Server: first token ${FIRST_TOKEN_MS} ms, then one every ${TOKEN_MS} ms (x the slowdown); ${ANSWER.split(' ').length} tokens; tests: ${TESTS}; busy = one CPU-bound process competing\n\n` +
      `${summarize(results, slowdowns)}\n`,
  );
}

if (process.argv.includes('--serve')) await serve();
else await main();
