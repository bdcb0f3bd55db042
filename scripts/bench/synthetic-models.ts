// The synthetic fixture models: how long each takes to generate, how big it is, how fast it
// loads and decodes with 1 thread in node-llama-cpp. Generation runs in a fresh temporary
// folder, in the order a cold cache sees it (fixture-tiny first, so its time includes training
// the tokenizer the three share). Decoding goes through the context sequence directly, past
// <|im_end|> (after which a model starts its default answer), so every round decodes the same
// number of tokens.
//
//   node --import tsx scripts/bench/synthetic-models.ts [--rounds 5] [--tokens 128]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { ensureSyntheticModel, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from '../../src/embedded/synthetic/index.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, tokens: { type: 'string', default: '128' } },
});
const rounds = Number(values.rounds);
const decodeTokens = Number(values.tokens);
const PROMPT = '<|im_start|>user\nExplain edge AI in one sentence.<|im_end|>\n<|im_start|>assistant\n';

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const range = (numbers: number[], digits: number) =>
  `${median(numbers).toFixed(digits)} (${Math.min(...numbers).toFixed(digits)}-${Math.max(...numbers).toFixed(digits)})`;

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-synthetic-'));
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const rows: string[][] = [];
try {
  for (const alias of Object.keys(SYNTHETIC_MODEL_SPECS) as SyntheticAlias[]) {
    const started = performance.now();
    const file = await ensureSyntheticModel(alias, dir);
    const generateSeconds = (performance.now() - started) / 1000;

    const loadMs: number[] = [];
    const ttftMs: number[] = [];
    const decodeRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const loadStarted = performance.now();
      const model = await llama.loadModel({ modelPath: file.path });
      loadMs.push(performance.now() - loadStarted);
      const context = await model.createContext({ threads: 1, contextSize: 512 });
      const sequence = context.getSequence();
      const prompt = model.tokenize(PROMPT, true);
      const times: number[] = [];
      const evaluateStarted = performance.now();
      const generated: Token[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        times.push(performance.now());
        generated.push(token);
        if (generated.length >= decodeTokens) break;
      }
      ttftMs.push((times[0] as number) - evaluateStarted);
      decodeRates.push((times.length - 1) / (((times.at(-1) as number) - (times[0] as number)) / 1000));
      await context.dispose();
      await model.dispose();
    }
    const spec = SYNTHETIC_MODEL_SPECS[alias];
    rows.push([
      alias,
      `${spec.blockCount} x ${spec.embeddingLength}, ff ${spec.feedForwardLength}, ${spec.weightType}`,
      `${(file.parameters / 1e6).toFixed(2)}M`,
      `${(file.sizeBytes / 1024 / 1024).toFixed(1)} MB`,
      generateSeconds.toFixed(2),
      range(loadMs, 0),
      range(ttftMs, 1),
      range(decodeRates, 0),
    ]);
  }
} finally {
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
}

const header = ['model', 'shape', 'params', 'file', 'generate s', 'load ms', 'first token ms', 'decode tokens/s (1 thread)'];
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`${cpu}, ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}\n`);
process.stdout.write(`${rounds} rounds, ${decodeTokens} tokens decoded per round; medians with (min-max)\n\n`);
process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
