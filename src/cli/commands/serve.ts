// `edge-evals serve`: the embedded OpenAI-compatible model server in the foreground.
// stdout carries exactly one line, `{"event":"ready","url":...,"pid":...,"models":[...]}`,
// once the server listens and the preloaded models are loaded; everything for people goes
// to stderr. SIGTERM/SIGINT, or the end of the `--parent-pid` process, shut it down (exit 0).
import { loadConfig } from '../../config/env.ts';
import { EmbeddedEngine } from '../../embedded/engine/index.ts';
import { locateModel, resolveModelFile, UnknownModelError } from '../../embedded/model-files.ts';
import type { EmbeddedServer } from '../../embedded/server/index.ts';
import { isAlive } from '../../util/process-tree.ts';
import { parseCommand } from '../args.ts';
import { UsageError } from '../errors.ts';

const USAGE = `Usage: edge-evals serve [options]

Runs the embedded model server (node-llama-cpp) with an OpenAI-compatible API.

Options:
  --model <alias|path.gguf>  Load this model at start (repeatable); more can be loaded later
                             with POST /models/load/<alias> or by naming them in a request
  --model-file <path.gguf>   Let this file be loaded later by its name (the file name without
                             .gguf) or its path, without loading it now (repeatable)
  --allow-model-paths        Load any .gguf file whose absolute path a request names (off:
                             over HTTP, only the files given with --model or --model-file)
  --max-models <n>           Models loaded at the same time, at most (default 4)
  --host <host>              Address to bind (default 127.0.0.1)
  --port <port>              Port, 0 for a free one (default 0)
  --allow-host <name>        Also answer requests whose Host names this (repeatable); by
                             default only the bind address (and localhost) are accepted
  --api-key <key>            Require Authorization: Bearer <key> on every route but /health
                             and /v1/models; EDGE_EVALS_SERVE_API_KEY does the same without
                             showing the key in ps
  --threads <n>              CPU threads per model (default: EVAL_THREADS, else chosen from
                             the machine and the model size)
  --parallel <n>             Requests a model serves at once; more wait in line (default 1)
  --max-queue <n>            Requests that may wait in a model's line; more get HTTP 429
                             with Retry-After (default 16)
  --gpu                      Use a GPU backend if node-llama-cpp finds one (default: CPU only)
  --parent-pid <pid>         Exit when this process ends
  --cache-dir <dir>          Model cache folder (default: EDGE_EVALS_CACHE or ~/.cache/edge-evals)
  -h, --help                 Show this help

Prints one JSON line on stdout when ready:
  {"event":"ready","url":"http://127.0.0.1:<port>","pid":<pid>,"models":[...]}`;

const PARENT_POLL_MS = 500;

function integerFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} ${value}: expected an integer from ${min} to ${max}`, USAGE);
  }
  return parsed;
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      model: { type: 'string', multiple: true, default: [] },
      'model-file': { type: 'string', multiple: true, default: [] },
      'allow-model-paths': { type: 'boolean', default: false },
      'max-models': { type: 'string', default: '4' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-host': { type: 'string', multiple: true, default: [] },
      'api-key': { type: 'string' },
      port: { type: 'string', default: '0' },
      threads: { type: 'string' },
      parallel: { type: 'string', default: '1' },
      'max-queue': { type: 'string' },
      gpu: { type: 'boolean', default: false },
      'parent-pid': { type: 'string' },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE);
  const port = integerFlag(values.port, '--port', 0, 65_535) ?? 0;
  const threads = integerFlag(values.threads, '--threads', 1, 1024);
  const parallel = integerFlag(values.parallel, '--parallel', 1, 64) ?? 1;
  const maxQueue = integerFlag(values['max-queue'], '--max-queue', 0, 100_000);
  const maxModels = integerFlag(values['max-models'], '--max-models', 1, 64) ?? 4;
  if (values.model.length > maxModels) {
    throw new UsageError(`${values.model.length} models to load at start (--model), more than --max-models ${maxModels}`, USAGE);
  }
  const modelFiles = values['model-file'];
  const notFile = modelFiles.find((file) => !file.toLowerCase().endsWith('.gguf'));
  if (notFile !== undefined) throw new UsageError(`--model-file ${notFile}: expected the path of a .gguf file`, USAGE);
  if (values['api-key'] === '') throw new UsageError('--api-key: expected a non-empty key', USAGE);
  const parentPid = integerFlag(values['parent-pid'], '--parent-pid', 1, 2 ** 31 - 1);
  if (parentPid !== undefined && !isAlive(parentPid)) {
    throw new UsageError(`--parent-pid ${parentPid}: no such process`, USAGE);
  }
  const config = loadConfig();
  const cacheDir = values['cache-dir'] ?? config.cacheDir;

  // stdout is a protocol here: one ready line. Anything a library prints goes to stderr.
  const toStderr = (...items: unknown[]) => console.error(...items);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  // Milliseconds since the process started: start-up and shutdown costs show in the log.
  const log = (line: string) => process.stderr.write(`[edge-evals serve +${Math.round(performance.now())}ms] ${line}\n`);

  let server: EmbeddedServer | undefined;
  let engine: EmbeddedEngine | undefined;
  let stopping = false;
  // Idempotent: the server closes the engine with it; before the server exists, the engine alone.
  const closeAll = async () => {
    await (server !== undefined ? server.close() : engine?.dispose());
  };
  const stopped = new Promise<void>((resolve) => {
    const shutdown = (reason: string) => {
      // A second signal while stopping: the user insists.
      if (stopping) process.exit(0);
      stopping = true;
      log(`shutting down (${reason})`);
      const started = performance.now();
      // A dispose that hangs must not keep the process alive.
      setTimeout(() => process.exit(0), 3_000).unref();
      closeAll().then(() => {
        log(`stopped in ${Math.round(performance.now() - started)} ms`);
        resolve();
      }, (error: unknown) => {
        log(`error while shutting down: ${(error as Error).message}`);
        resolve();
      });
    };
    // `on`, not `once`: signal-exit (loaded with execa) re-raises a signal that finds no other
    // listener, which would kill the process in the middle of its shutdown.
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    if (parentPid !== undefined) {
      const timer = setInterval(() => {
        if (isAlive(parentPid)) return;
        clearInterval(timer);
        shutdown(`parent process ${parentPid} ended`);
      }, PARENT_POLL_MS);
      timer.unref();
    }
  });

  // An unknown model is a usage error (exit 2, as for `model run`), reported before anything starts.
  for (const spec of [...values.model, ...modelFiles]) {
    try {
      locateModel(spec, { cacheDir, allowPaths: true });
    } catch (error) {
      if (error instanceof UnknownModelError) throw new UsageError(`--model ${spec}: ${error.message}; ${error.details.hint ?? ''}`.replace(/; $/, ''));
      throw error;
    }
  }
  try {
    // node-llama-cpp's import and binary test are most of the start-up; meanwhile, find (or
    // generate) the files of the models to preload.
    const creating = EmbeddedEngine.create({ gpu: values.gpu ? 'auto' : false, parallel, maxQueue, threads, envThreads: config.threads, log });
    const preloads = values.model.map((spec) => {
      const file = resolveModelFile(spec, { cacheDir, allowPaths: true, onProgress: log });
      file.catch(() => undefined); // awaited in order below; no unhandled rejection meanwhile
      return { spec, file };
    });
    // Loaded while node-llama-cpp tests its binary in a child process.
    const { EmbeddedServer, isModelPath } = await import('../../embedded/server/index.ts');
    const { publicModelInfo } = await import('../../embedded/server/responses.ts');
    engine = await creating;
    if (!stopping) {
      server = new EmbeddedServer({
        engine,
        cacheDir,
        log,
        apiKey: values['api-key'] ?? config.serveApiKey,
        allowedHosts: values['allow-host'],
        modelFiles: [...values.model.filter(isModelPath), ...modelFiles],
        allowModelPaths: values['allow-model-paths'],
        maxModels,
      });
      const url = await server.listen(values.host, port);
      log(`listening on ${url} (${engine.gpu === false ? 'CPU' : `GPU: ${engine.gpu}`}, cache ${cacheDir})`);
      for (const { spec, file } of preloads) {
        if (stopping) break;
        await server.loadModel(spec, { fromHttp: false, file });
      }
      if (!stopping) {
        const ready = { event: 'ready', url, pid: process.pid, models: engine.loaded().map(publicModelInfo) };
        process.stdout.write(`${JSON.stringify(ready)}\n`);
      }
    }
  } catch (error) {
    if (!stopping) {
      await closeAll().catch(() => undefined);
      throw error;
    }
  }
  if (stopping) await closeAll();
  await stopped;
  return 0;
}
