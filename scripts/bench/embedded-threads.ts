// Thread sweep for the embedded runtime (docs/embedded.md, "Threads per model"): for each synthetic model and
// each thread count, time to first token (prefill of a ~60-token prompt) and decode speed of
// greedy generation in node-llama-cpp, in this process. The default rule in
// src/embedded/threads.ts is chosen from these figures (bench-notes/embedded.md).
//
//   node --import tsx scripts/bench/embedded-threads.ts [--threads 1,2,3,4] [--runs 7]
//        [--models fixture-tiny,fixture-small,fixture-medium] [--files a.gguf,b.gguf] [--large]
//
// --large adds a bigger model, the size of a real 0.5B Q4 model (16 layers x 1024, F16,
// ~520 MB), written once by the project's synthetic generator into <cache>/bench/.
//
// On Linux, each cell also says where this process's CPU went while it generated: CPU time per
// OS thread (llama.cpp's compute threads, Node's main thread, libuv's pool, V8's helpers) and
// how often a thread was taken off its CPU against its will (involuntary context switches),
// from /proc/self/task. A thread of llama.cpp waits for the others at every step of a token;
// one that is preempted holds up the others for a scheduler slice (bench-notes/embedded.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { availableCores, defaultThreadCount } from '../../src/embedded/threads.ts';
import { writeGgufFile } from '../../src/embedded/gguf/writer.ts';
import { loadCorpus } from '../../src/embedded/synthetic/corpus.ts';
import { buildSyntheticModel } from '../../src/embedded/synthetic/model.ts';
import { SharedVocabulary } from '../../src/embedded/synthetic/vocabulary.ts';
import { SYNTHETIC_MODEL_SPECS } from '../../src/embedded/synthetic/specs.ts';
import { cacheDir, fixture, generateInProcess, loadAverage, machineLine, median, nodeLlamaCppVersion, printTable } from './embedded-shared.ts';

/** fixture-medium's recipe at 16 layers x 1024: ~270M parameters, ~520 MB in F16. */
async function largeModel(): Promise<string> {
  const file = path.join(cacheDir(), 'bench', 'synthetic-large-16x1024.gguf');
  if (existsSync(file)) return file;
  console.error(`writing ${file} (once)`);
  const spec = { ...SYNTHETIC_MODEL_SPECS['fixture-medium'], blockCount: 16, embeddingLength: 1024, feedForwardLength: 4096, headCount: 16 };
  const { contents } = buildSyntheticModel(spec, new SharedVocabulary(loadCorpus()));
  mkdirSync(path.dirname(file), { recursive: true });
  // Renamed into place: an interrupted run leaves no half-written file that looks complete.
  await writeGgufFile(`${file}.tmp`, contents);
  renameSync(`${file}.tmp`, file);
  return file;
}

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2,3,4' },
    runs: { type: 'string', default: '7' },
    models: { type: 'string', default: 'fixture-tiny,fixture-small,fixture-medium' },
    /** Any other GGUF files (e.g. a downloaded model) to sweep after the synthetic ones. */
    files: { type: 'string', default: '' },
    'max-tokens': { type: 'string', default: '256' },
    large: { type: 'boolean', default: false },
  },
});
const threadCounts = values.threads.split(',').map(Number);
const runs = Number(values.runs);
const maxTokens = Number(values['max-tokens']);
const aliases = values.models.split(',').filter((alias) => alias !== '') as SyntheticAlias[];
const extraFiles = values.files.split(',').filter((file) => file !== '');
if (values.large) extraFiles.push(await largeModel());

console.log(`# Thread sweep: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(`# ${runs} runs per cell after 1 warm-up, greedy, medians; load average at start: ${loadAverage()}`);

/** CPU ms and involuntary context switches of each thread of this process, by thread id (Linux; empty elsewhere). */
function threadTimes(): Map<string, { name: string; cpuMs: number; preempted: number }> {
  const times = new Map<string, { name: string; cpuMs: number; preempted: number }>();
  if (process.platform !== 'linux') return times;
  const tickMs = 10; // USER_HZ is 100 on every Linux this runs on
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuMs = (Number(fields[11]) + Number(fields[12])) * tickMs;
      const preempted = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))?.[1] ?? 0);
      times.set(tid, { name, cpuMs, preempted });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return times;
}

/** The last process or thread id the kernel gave out (Linux): how many threads started in between, with other processes' (quiet machine: ours). */
function lastPid(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  } catch {
    return null;
  }
}

/** Where the CPU went between two threadTimes(): threads with any, busiest first, by name. */
function threadUse(before: ReturnType<typeof threadTimes>, after: ReturnType<typeof threadTimes>, tokens: number): string {
  const used = [...after.entries()].map(([tid, now]) => {
    const then = before.get(tid) ?? { cpuMs: 0, preempted: 0 };
    return { tid, name: now.name, cpuMs: now.cpuMs - then.cpuMs, preempted: now.preempted - then.preempted };
  });
  return used
    .filter((thread) => thread.cpuMs > 0 || thread.preempted > 0)
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .map((thread) => `${thread.name}#${thread.tid} ${(thread.cpuMs / tokens).toFixed(2)} ms/token, ${thread.preempted} preempted`)
    .join('; ');
}

const lib = await import('node-llama-cpp');
// No thread cap: the sweep deliberately goes past the number of CPUs.
const llama = await lib.getLlama({ gpu: false, build: 'never', maxThreads: 0, logLevel: lib.LlamaLogLevel.error });
const rows: string[][] = [];
const models: { name: string; path: string; sizeBytes: number }[] = [];
for (const alias of aliases) models.push({ name: alias, ...(await fixture(alias)) });
for (const file of extraFiles) models.push({ name: path.basename(file), path: file, sizeBytes: statSync(file).size });

for (const { name: alias, ...file } of models) {
  const model = await llama.loadModel({ modelPath: file.path });
  const chatWrapper = lib.resolveChatWrapper(model);
  const byThreads = new Map<number, { ttft: number; decode: number }>();
  for (const threads of threadCounts) {
    const context = await model.createContext({ sequences: 1, threads, contextSize: { max: 4096 } });
    const sequence = context.getSequence();
    await generateInProcess(lib, sequence, chatWrapper, maxTokens);
    const samples = [];
    const before = threadTimes();
    const cpuBefore = process.cpuUsage();
    const pidBefore = lastPid();
    for (let run = 0; run < runs; run++) samples.push(await generateInProcess(lib, sequence, chatWrapper, maxTokens));
    const pidAfter = lastPid();
    const cpu = process.cpuUsage(cpuBefore);
    const after = threadTimes();
    const tokens = Math.max(1, samples.reduce((sum, sample) => sum + sample.completionTokens, 0));
    const use = threadUse(before, after, tokens);
    if (use !== '') {
      // CPU of the whole process minus that of the threads still there: what threads that started and ended in between used.
      const listedMs = [...after.entries()].reduce((sum, [tid, now]) => sum + now.cpuMs - (before.get(tid)?.cpuMs ?? 0), 0);
      const endedMs = Math.max(0, (cpu.user + cpu.system) / 1000 - listedMs);
      const started = pidBefore === null || pidAfter === null ? '?' : String(pidAfter - pidBefore);
      console.error(`  ${alias}, ${threads} thread(s), ${tokens} tokens over ${runs} runs: ids given out ${started}; threads that ended ${(endedMs / tokens).toFixed(2)} ms/token; ${use}`);
    }
    const ttft = median(samples.map((sample) => sample.ttftMs));
    const decode = median(samples.map((sample) => sample.decodeTokensPerSecond));
    byThreads.set(threads, { ttft, decode });
    console.error(`${alias}, ${threads} thread(s): TTFT ${ttft.toFixed(1)} ms, decode ${decode.toFixed(0)} tokens/s`);
    rows.push([
      alias,
      `${(file.sizeBytes / 1024 / 1024).toFixed(0)} MB`,
      String(threads),
      ttft.toFixed(1),
      decode.toFixed(0),
      String(samples[0]?.completionTokens ?? 0),
      median(samples.map((sample) => sample.e2eMs)).toFixed(0),
    ]);
    await context.dispose();
  }
  const chosen = defaultThreadCount(availableCores(), file.sizeBytes);
  const best = [...byThreads.entries()].sort((a, b) => b[1].decode - a[1].decode)[0];
  console.error(`${alias}: default rule picks ${chosen.threads} (${chosen.reason}); fastest decode with ${best?.[0]} thread(s)`);
  await model.dispose();
}
await llama.dispose();
printTable(['model', 'file', 'threads', 'TTFT ms', 'decode tok/s', 'tokens', 'E2E ms'], rows);
console.log(`# load average at end: ${loadAverage()}`);
