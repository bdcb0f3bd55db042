// The edge-evals command line. Each command group lives in its own module, imported only
// when used, so that `edge-evals serve` and `edge-evals service status` start fast.
import { readFileSync } from 'node:fs';
import { EXIT_USAGE, reportError, UsageError } from '../src/cli/errors.ts';

type CommandMain = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandMain> }> = {
  model: {
    summary: 'Discover, download, load, unload and chat with models (list | info | download | load | unload | run)',
    load: async () => (await import('../src/cli/commands/model.ts')).modelCommand,
  },
  cache: {
    summary: 'Manage the local model cache (list | location | remove | clean)',
    load: async () => (await import('../src/cli/commands/cache.ts')).cacheCommand,
  },
  service: {
    summary: "Manage the runtime's model service (start | stop | status | ps)",
    load: async () => (await import('../src/cli/commands/service.ts')).serviceCommand,
  },
  serve: {
    summary: 'Run the embedded OpenAI-compatible model server in the foreground',
    load: async () => (await import('../src/cli/commands/serve.ts')).serveCommand,
  },
  eval: {
    summary: 'Run the eval suite (same as npm run eval)',
    load: async () => (await import('../src/cli/commands/eval.ts')).evalCommand,
  },
  rate: {
    summary: 'Rate the answers of a run by hand, 1-5 for accuracy, completeness and clarity (resumable)',
    load: async () => (await import('../src/cli/commands/rate.ts')).rateCommand,
  },
  report: {
    summary: 'Render Markdown/HTML reports from a results JSON file or the partial.jsonl of an interrupted run',
    load: async () => (await import('../src/cli/commands/report.ts')).reportCommand,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(9)}${command.summary}`);
  return [
    'Usage: edge-evals <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options common to the model, cache and service commands:',
    '  --runtime <name>  auto | embedded | foundry | ollama | llama-server | openai (default: EVAL_RUNTIME or auto)',
    '  --json            machine-readable output',
    '',
    'Exit codes: 0 ok, 1 runtime failure, 2 usage error.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command '${name}'`, usage());
  return (await command.load())(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = reportError(error);
}
