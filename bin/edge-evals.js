#!/usr/bin/env node
// The published entry point. The sources are TypeScript; tsx is registered in-process (not
// through --import) so that child processes forked by node-llama-cpp start as plain, fast
// Node processes.
//
// `edge-evals serve` spends most of its start-up in node-llama-cpp: importing it, then testing
// its binary in a child process. That is started here first, in plain JavaScript, and the
// TypeScript loads while the child runs; the engine (src/embedded/engine/index.ts) picks it up.
// node-llama-cpp reads CI as a strict boolean and throws at import on an empty value; empty
// means unset to everyone else, and every process started from here inherits this.
if (process.env.CI === '') delete process.env.CI;

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve' && !rest.includes('--help') && !rest.includes('-h')) {
  const gpu = rest.includes('--gpu') ? 'auto' : false;
  const early = import('node-llama-cpp').then(async (lib) => ({
    gpu,
    llama: await lib.getLlama({
      gpu,
      build: 'never',
      logLevel: lib.LlamaLogLevel.warn,
      logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message.trimEnd()}\n`),
    }),
  }));
  early.catch(() => {}); // the engine awaits it and reports a failure
  globalThis[Symbol.for('edge-evals.early-llama')] = early;
}

const { register } = await import('tsx/esm/api');
register();
await import('../scripts/edge-evals.ts');
