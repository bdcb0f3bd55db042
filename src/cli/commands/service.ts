// `edge-evals service start | stop | status | ps`.
import { COMMON_OPTIONS, parseVerbCommand, runtimeFromFlags } from '../args.ts';
import { requireService, requireServiceControl } from '../capabilities.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { formatTable } from '../table.ts';

const USAGE = `Usage: edge-evals service <verb> [options]

Verbs:
  start     start the runtime's model service in the background
  stop      stop it
  status    whether it runs, and its endpoint
  ps        the models it has loaded

Options:
  --runtime <name>      auto | embedded | foundry | ollama | llama-server | openai
  --json                machine-readable output`;

export async function serviceCommand(args: string[]): Promise<number> {
  const { values, verb, rest } = parseVerbCommand(args, COMMON_OPTIONS, USAGE);
  if (verb === null) return EXIT_OK;
  const [extra] = rest;
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`, USAGE);
  const { runtime } = await runtimeFromFlags(values.runtime, USAGE);
  const print = (json: unknown, text: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  switch (verb) {
    case 'start': {
      const status = await requireServiceControl(runtime).start();
      const text = status.startedByUs
        ? `Service started on ${status.baseURL} (pid ${status.pid ?? '?'}).`
        : `Service is already running on ${status.baseURL}.`;
      print(status, text);
      return EXIT_OK;
    }
    case 'stop': {
      const control = requireServiceControl(runtime);
      const before = await requireService(runtime).status();
      await control.stop();
      print({ stopped: before.running }, before.running ? 'Service stopped.' : 'Service was not running.');
      return EXIT_OK;
    }
    case 'status': {
      const status = await requireService(runtime).status();
      print(status, status.running ? `Service is running on ${status.baseURL}` : 'Service is not running.');
      return EXIT_OK;
    }
    case 'ps': {
      const loaded = await requireService(runtime).loaded();
      const text =
        loaded.length === 0
          ? 'No models are loaded.'
          : formatTable(loaded, [
              { header: 'Alias', value: (model) => model.alias },
              { header: 'Model ID', value: (model) => model.modelId },
            ]);
      print(loaded, text);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown verb 'service ${verb}'`, USAGE);
  }
}
