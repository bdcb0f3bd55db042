// Generation B of the stand-in CLI (Foundry Local CLI 0.10.x): `foundry server|model|cache`,
// `--output json` on the commands that have it, exit code 2 for an unknown verb
// (`service` included), and a `server start` that daemonizes and exits while the daemon keeps
// the CLI's stdout open. Where no real sample of an output was seen (download progress, load
// and unload messages), the stand-in follows the `● success:` style of the samples it has.
import { readFileSync } from 'node:fs';
import { sleep } from '../shared/http.ts';
import { readAnswer } from '../shared/terminal.ts';
import { CATALOG, findVariant, type StandInVariant } from './catalog.ts';
import { serviceGet, spawnService, stopService } from './launch.ts';
import type { Knobs, ServiceRecord, StandInState } from './state.ts';

const HELP = `Description:
  Run generative AI models locally, privately, and offline.

  Command groups:
    Model:  model, cache
    Run:    run, chat, complete, transcribe
    Server: server
    Setup:  config
    Help:   status, report

Usage:
  foundry [command] [options]

Options:
  -?, -h, --help         Show help and usage information
  --version              Show version information
  -o, --output <format>  Output format (text|json). Defaults to text.
                         [default: Text]

Commands:
  model                      Discover, inspect, download, load, and
                             unload local models
  chat <model>               Start an interactive local chat session
  complete <model> <prompt>  Generate one stateless text completion
  run <model>                Run a model with automatic routing to chat
                             or transcription
  server                     Start, stop, restart, inspect, and
                             troubleshoot the local Foundry daemon
  cache                      Inspect and manage downloaded model cache
                             entries
  config                     View and edit persistent Foundry CLI settings
  status                     Show system, service, model, and
                             connectivity diagnostics
  report                     Open a pre-filled GitHub issue with
                             diagnostics
  transcribe                 Start an interactive local speech
                             transcription session or transcribe a file
`;

const KNOWN_VERBS = ['model', 'chat', 'complete', 'run', 'server', 'cache', 'config', 'status', 'report', 'transcribe'];
const EXIT_USAGE = 2;

const out = (text: string) => process.stdout.write(text);
const json = (value: unknown) => out(`${JSON.stringify(value)}\n`);

function option(args: readonly string[], ...names: string[]): string | undefined {
  const index = args.findIndex((arg) => names.includes(arg));
  return index === -1 ? undefined : args[index + 1];
}

/** Removes `-o|--output <format>` wherever it appears; true when it asked for JSON. */
function takeOutputFormat(args: string[]): boolean {
  const index = args.findIndex((arg) => arg === '-o' || arg === '--output');
  if (index === -1) return false;
  const [, format] = args.splice(index, 2);
  return format?.toLowerCase() === 'json';
}

function sizeText(fileSizeMb: number): string {
  return fileSizeMb >= 1024 ? `${(fileSizeMb / 1024).toFixed(1)} GB` : `${fileSizeMb} MB`;
}

/** The rounded box tables of 0.10.x (microsoft/Foundry-Local#858). */
function boxTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)) + 2);
  const rule = (left: string, middle: string, right: string) => `${left}${widths.map((width) => '─'.repeat(width)).join(middle)}${right}`;
  const line = (cells: readonly string[]) => `│${cells.map((text, column) => ` ${text.padEnd((widths[column] ?? 2) - 2)} `).join('│')}│`;
  return `${[rule('╭', '┬', '╮'), line(header), rule('├', '┼', '┤'), ...rows.map(line), rule('╰', '┴', '╯')].join('\n')}\n`;
}

export class CliB {
  private json = false;

  constructor(
    private readonly knobs: Knobs,
    private readonly state: StandInState,
  ) {}

  async main(argv: string[]): Promise<number> {
    const args = [...argv];
    this.json = takeOutputFormat(args);
    const [group, verb, ...rest] = args;
    if (group === undefined || group === '--help' || group === '-h' || group === '-?') {
      out(HELP);
      return 0;
    }
    if (group === '--version') {
      out(`${this.knobs.version}\n`);
      return 0;
    }
    if (group === 'server') return this.server(verb, rest);
    if (group === 'model') return this.model(verb, rest);
    if (group === 'cache') return this.cache(verb, rest);
    if (KNOWN_VERBS.includes(group)) {
      process.stderr.write(`● error: The Foundry stand-in does not implement 'foundry ${group}'.\n`);
      return 1;
    }
    return this.unknown(group);
  }

  /** The wording changed between 0.10.2 and 0.10.3; both exit with code 2. */
  private unknown(word: string): number {
    if (this.knobs.version.startsWith('0.10.2') || this.knobs.version.startsWith('0.10.0') || this.knobs.version.startsWith('0.10.1')) {
      process.stderr.write(`● error: Unrecognized command or argument '${word}'.\nHint: Run 'foundry --help' to see usage.\n`);
    } else {
      const guess = word === 'service' ? "Did you mean 'server'? " : '';
      process.stderr.write(`error: Unknown command: '${word}'\nHint: ${guess}Run 'foundry --help' to see available commands.\n`);
    }
    return EXIT_USAGE;
  }

  private error(message: string): number {
    process.stderr.write(`● error: ${message}\n`);
    return 1;
  }

  // ------------------------------------------------------------------------ server

  private async server(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'start') return this.start(args);
    if (verb === 'stop') {
      const wasRunning = await stopService(this.state);
      if (this.json) json({ running: false, state: 'not_running' });
      else out(wasRunning ? '● success: Server stopped.\n' : '● success: Server is not running.\n');
      return 0;
    }
    if (verb === 'restart') {
      await stopService(this.state);
      return this.start(args);
    }
    if (verb === 'status') {
      const record = this.state.liveService();
      if (this.json) {
        json(record === null ? { running: false, state: 'not_running' } : this.statusJson(record));
        return 0;
      }
      if (record === null) out('State    Not running\n');
      else {
        const started = new Date(record.startedAt);
        const seconds = Math.floor((Date.now() - started.getTime()) / 1000);
        out(`State    Ready\nPID      ${record.pid}\nStarted  ${started.toISOString().slice(0, 19).replace('T', ' ')}Z\n`);
        out(`Uptime   ${Math.floor(seconds / 60)}m ${seconds % 60}s\nWeb URLs ${record.url}\n`);
      }
      return 0;
    }
    if (verb === 'logs') {
      const lines = readFileSync(this.state.serviceLog, 'utf8').trimEnd().split('\n');
      out(`${lines.slice(-Number(option(args, '-n', '--lines') ?? 50)).join('\n')}\n`);
      return 0;
    }
    return this.unknown(verb ?? 'server');
  }

  private statusJson(record: ServiceRecord): Record<string, unknown> {
    const uptime = Math.floor((Date.now() - new Date(record.startedAt).getTime()) / 1000);
    return {
      running: true,
      state: 'ready',
      pid: record.pid,
      webUrls: [record.url],
      startedAt: record.startedAt.replace('Z', '+00:00'),
      uptime: `${uptime}s`,
      logFile: this.state.serviceLog,
    };
  }

  /** Daemonizes (the daemon inherits this process's stdout and stderr) and exits. */
  private async start(args: string[]): Promise<number> {
    const running = this.state.liveService();
    const port = option(args, '--port', '-p');
    let record = running;
    if (record === null) {
      if (!this.json) out('■ Starting Foundry Local server\n\n');
      if (!this.json && this.state.takeFirstRun()) {
        for (const provider of ['CPUExecutionProvider', 'WebGpuExecutionProvider']) out(`${provider.padEnd(31)}${'━'.repeat(40)} 100%\n`);
      }
      record = await spawnService(this.state, { inheritOutput: true, port: port === undefined ? undefined : Number(port) });
    }
    if (this.json) json({ running: true, webUrls: [record.url], port: record.port });
    else out(`● success: Server ready (${record.url})\n`);
    return 0;
  }

  /** Commands that need the daemon start it quietly, as the CLI does. */
  private async ensureDaemon(): Promise<ServiceRecord> {
    const running = this.state.liveService();
    if (running !== null) return running;
    process.stderr.write('■ Starting Foundry Local server\n');
    return spawnService(this.state, { inheritOutput: true });
  }

  // ------------------------------------------------------------------------ model

  private pick(name: string | undefined): StandInVariant | null {
    return name === undefined ? null : findVariant(name, (id) => this.state.isCached(id));
  }

  private async model(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'list' || verb === 'ls') {
      let variants = [...CATALOG];
      if (args.includes('--loaded')) {
        const answer = await serviceGet(await this.ensureDaemon(), '/models/loaded');
        const loaded = JSON.parse(answer?.text ?? '[]') as string[];
        variants = variants.filter((entry) => loaded.includes(entry.id));
      }
      const device = option(args, '--device');
      if (device !== undefined) variants = variants.filter((entry) => entry.device.toLowerCase() === device.toLowerCase());
      if (this.json) {
        // Variant IDs appear without their `:N` version in listings (microsoft/Foundry-Local#995).
        json({
          variants: variants.map((entry) => ({
            alias: entry.alias,
            variantId: entry.id.replace(/:\d+$/, ''),
            type: 'chat',
            device: entry.device,
            executionProvider: entry.executionProvider,
            fileSizeMb: entry.fileSizeMb,
            cached: this.state.isCached(entry.id),
          })),
        });
        return 0;
      }
      const yes = (value: boolean) => (value ? '●' : '○');
      if (args.includes('--variants')) {
        const rows = variants.map((entry) => [entry.alias, entry.id.replace(/:\d+$/, ''), 'Chat', entry.device, entry.executionProvider, sizeText(entry.fileSizeMb), yes(this.state.isCached(entry.id))]);
        out(boxTable(['Model Name', 'Variant', 'Type', 'Device', 'Execution Provider', 'Size', 'Cached'], rows));
        return 0;
      }
      const aliases = [...new Set(variants.map((entry) => entry.alias))];
      const rows = aliases.map((alias) => {
        const first = variants.find((entry) => entry.alias === alias) as StandInVariant;
        const cached = variants.some((entry) => entry.alias === alias && this.state.isCached(entry.id));
        return [alias, 'Chat', sizeText(first.fileSizeMb), first.device, yes(first.supportsToolCalling), yes(cached)];
      });
      out(boxTable(['Model Name', 'Type', 'Size', 'Device', 'Tools', 'Cached'], rows));
      return 0;
    }
    if (verb === 'info' || verb === 'show') {
      const variant = this.pick(args[0]);
      if (variant === null) return this.error(`Model '${args[0] ?? ''}' was not found in the catalog.`);
      const info = this.modelInfo(variant);
      if (this.json) json({ model: info });
      else for (const [key, value] of Object.entries(info)) out(`${key.padEnd(20)}${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
      return 0;
    }
    if (verb === 'download') return this.download(args);
    if (verb === 'load' || verb === 'unload') {
      const variant = this.pick(args[0]);
      if (variant === null) return this.error(`Model '${args[0] ?? ''}' was not found in the catalog.`);
      const record = await this.ensureDaemon();
      const answer = await serviceGet(record, `/models/${verb}/${encodeURIComponent(variant.id)}`);
      if (answer === null || answer.status !== 200) {
        const message = answer === null ? 'the server did not answer' : ((JSON.parse(answer.text) as { error?: { message?: string } }).error?.message ?? answer.text);
        return this.error(message);
      }
      out(`● success: ${verb === 'load' ? 'Loaded' : 'Unloaded'} '${variant.alias}' (${variant.id}).\n`);
      return 0;
    }
    return this.unknown(verb ?? 'model');
  }

  private modelInfo(variant: StandInVariant): Record<string, unknown> {
    const [name, version] = variant.id.split(':');
    return {
      id: variant.id,
      name,
      version: Number(version),
      alias: variant.alias,
      displayName: variant.alias,
      providerType: 'AzureFoundry',
      uri: `azureml://registries/azureml/models/${name}/versions/${version}`,
      modelType: 'ONNX',
      publisher: variant.publisher,
      license: variant.license,
      cached: this.state.isCached(variant.id),
      task: 'chat-completion',
      runtime: { deviceType: variant.device, executionProvider: variant.executionProvider },
      fileSizeMb: variant.fileSizeMb,
      supportsToolCalling: variant.supportsToolCalling,
      maxOutputTokens: variant.maxOutputTokens,
      contextLength: 131072,
    };
  }

  private async download(args: string[]): Promise<number> {
    const variant = this.pick(args[0]);
    if (variant === null) return this.error(`Model '${args[0] ?? ''}' was not found in the catalog.`);
    if (this.state.isCached(variant.id)) {
      out(`● success: '${variant.alias}' (${variant.id}) is already downloaded.\n`);
      return 0;
    }
    const steps = 10;
    for (let step = 1; step <= steps; step++) {
      await sleep(this.knobs.downloadMs / steps);
      const filled = Math.round((40 * step) / steps);
      const bar = `${'━'.repeat(filled)}${' '.repeat(40 - filled)}`;
      out(`${variant.id.padEnd(40)} ${bar} ${Math.round((100 * step) / steps)}%${step === steps ? '\n' : '\r'}`);
    }
    this.state.addToCache(variant);
    out(`● success: Downloaded '${variant.alias}' (${variant.id}).\n`);
    return 0;
  }

  // ------------------------------------------------------------------------ cache

  private async cache(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'location') {
      if (this.json) json({ path: this.state.cacheDir, userSet: false });
      else out(`Cache directory: ${this.state.cacheDir}\n`);
      return 0;
    }
    if (verb === 'list' || verb === 'ls') {
      const cached = this.state.cachedIds().map((id) => ({ id, variant: findVariant(id) }));
      if (this.json) {
        json({ models: cached.map(({ id, variant }) => ({ alias: variant?.alias ?? null, id, fileSizeMb: variant?.fileSizeMb ?? null })) });
        return 0;
      }
      out(boxTable(['Model Name', 'Variant', 'Size'], cached.map(({ id, variant }) => [variant?.alias ?? id, id, variant === null ? '?' : sizeText(variant.fileSizeMb)])));
      return 0;
    }
    if (verb === 'remove' || verb === 'rm') {
      const name = args[0] ?? '';
      const targets = this.state.cachedIds().filter((id) => id.toLowerCase() === name.toLowerCase() || findVariant(id)?.alias === name.toLowerCase());
      if (targets.length === 0) return this.error(`'${name}' is not in the cache.`);
      if (!args.includes('--yes') && !args.includes('-y')) {
        out(`Remove ${name} from the cache? [y/n] (n): `);
        if ((await readAnswer()) !== 'y') return 0;
      }
      for (const id of targets) this.state.removeFromCache(id);
      out(`● success: Removed '${name}' from the cache.\n`);
      return 0;
    }
    return this.unknown(verb ?? 'cache');
  }
}
