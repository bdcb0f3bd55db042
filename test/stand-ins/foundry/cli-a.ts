// Generation A of the stand-in CLI (Foundry Local <= 0.8.x): `foundry model|cache|service`,
// printing what the real CLI prints (docs/foundry-local.md, test/fixtures/foundry) (emoji lines, fixed-width tables, progress bars), and
// starting the service by itself when a command needs it, with the "Service is Started" line
// in the middle of the command's output, as the real CLI does.
import { sleep } from '../shared/http.ts';
import { readAnswer } from '../shared/terminal.ts';
import { CATALOG, findVariant, type StandInVariant } from './catalog.ts';
import { serviceGet, spawnService, stopService } from './launch.ts';
import type { Knobs, ServiceRecord, StandInState } from './state.ts';

const HELP = `Description:
  Foundry Local CLI: Run AI models on your device.
🚀 Getting started:
1. To view available models: foundry model list
2. To run a model: foundry model run <model>
EXAMPLES:
   foundry model run phi-3-mini-4k
Usage:
  foundry [command] [options]
Options:
  -?, -h, --help  Show help and usage information
  --version       Show version information
  --license       Display foundry license information
Commands:
  model    Discover, run and manage models
  cache    Manage the local cache
  service  Manage the local model inference service
`;

const CLOCKS = ['🕐', '🕑', '🕒', '🕓', '🕔', '🕕', '🕖', '🕗', '🕘', '🕙', '🕚', '🕛'];

const out = (text: string) => process.stdout.write(text);

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function started(record: ServiceRecord): string {
  return `🟢 Service is Started on ${record.url}/, PID ${record.pid}!\n`;
}

function hhmmss(): string {
  return new Date().toTimeString().slice(0, 8);
}

export class CliA {
  constructor(
    private readonly knobs: Knobs,
    private readonly state: StandInState,
  ) {}

  async main(args: string[]): Promise<number> {
    const [group, verb, ...rest] = args;
    if (group === undefined || group === '--help' || group === '-h' || group === '-?') {
      out(HELP);
      return 0;
    }
    if (group === '--version') {
      out(`${this.knobs.version}\n`);
      return 0;
    }
    if (group === 'model') return this.model(verb, rest);
    if (group === 'cache') return this.cache(verb, rest);
    if (group === 'service') return this.service(verb, rest);
    return this.unrecognized(group);
  }

  private unrecognized(word: string): number {
    process.stderr.write(`Unrecognized command or argument '${word}'.\n\n`);
    out(HELP);
    return 1;
  }

  /** The service, started detached first if it is not running (printing the started line). */
  private async ensureService(): Promise<ServiceRecord> {
    const running = this.state.liveService();
    if (running !== null) return running;
    const record = await spawnService(this.state, { inheritOutput: false });
    out(started(record));
    return record;
  }

  private resolve(name: string | undefined): StandInVariant | null {
    if (name === undefined) return null;
    return findVariant(name);
  }

  private notFound(name: string | undefined): number {
    process.stderr.write(`Exception: Model was not found in catalog: ${name ?? '(none given)'}\n`);
    return 1;
  }

  // ------------------------------------------------------------------------ model

  private async model(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'list' || verb === 'ls') {
      await this.ensureService();
      if (this.knobs.noise || this.state.takeFirstRun()) {
        out('🕑 Downloading complete!...\n');
        out('Successfully downloaded and registered the following EPs: OpenVINOExecutionProvider.\n');
        out('Valid EPs: CPUExecutionProvider, WebGpuExecutionProvider, OpenVINOExecutionProvider\n');
      }
      out(this.table(this.filtered(option(args, '--filter'))));
      return 0;
    }
    if (verb === 'info') {
      await this.ensureService();
      const variant = this.resolve(args[0]);
      if (variant === null) return this.notFound(args[0]);
      const exactId = variant.id.toLowerCase() === args[0]?.toLowerCase();
      out(this.table(exactId ? [variant] : CATALOG.filter((entry) => entry.alias === variant.alias)));
      return 0;
    }
    if (verb === 'download') return this.download(args);
    if (verb === 'load') {
      const record = await this.ensureService();
      const variant = this.resolve(args[0]);
      if (variant === null) return this.notFound(args[0]);
      const ttl = option(args, '--ttl') ?? String(this.state.settings().defaultSecondsForModelTTL);
      out(`${CLOCKS[new Date().getSeconds() % CLOCKS.length]} Loading model...\n`);
      const answer = await serviceGet(record, `/openai/load/${encodeURIComponent(variant.id)}?ttl=${ttl}`);
      if (answer === null || answer.status !== 200) {
        process.stderr.write(`Exception: Failed loading model ${variant.alias}: ${answer?.text ?? 'the service did not answer'}\n`);
        return 1;
      }
      out(`🟢 Model ${args[0]} loaded successfully\n`);
      return 0;
    }
    if (verb === 'unload') {
      const record = await this.ensureService();
      const variant = this.resolve(args[0]);
      if (variant === null) return this.notFound(args[0]);
      const force = args.includes('--force');
      const targets = args.includes('--all') ? CATALOG.filter((entry) => entry.alias === variant.alias) : [variant];
      for (const target of targets) await serviceGet(record, `/openai/unload/${encodeURIComponent(target.id)}?force=${force}`);
      out(`🟢 Model ${args[0]} was unloaded\n`);
      return 0;
    }
    if (verb === 'run') {
      process.stderr.write('The Foundry stand-in does not implement the interactive chat of `foundry model run`.\n');
      return 1;
    }
    return this.unrecognized(verb ?? 'model');
  }

  /** `--filter key=value` with the keys and `!` negation of the real CLI. */
  private filtered(filter: string | undefined): StandInVariant[] {
    if (filter === undefined) return [...CATALOG];
    const match = /^(\w+)=(!?)(.+)$/.exec(filter);
    if (match === null) return [...CATALOG];
    const [, key, negate, value] = match as unknown as [string, string, string, string];
    const wanted = value.toLowerCase();
    const field = (entry: StandInVariant): string =>
      key === 'device' ? entry.device : key === 'provider' ? entry.executionProvider : key === 'task' ? entry.task : entry.alias;
    const test = (entry: StandInVariant) => {
      const actual = field(entry).toLowerCase();
      return wanted.endsWith('*') ? actual.startsWith(wanted.slice(0, -1)) : actual === wanted;
    };
    return CATALOG.filter((entry) => test(entry) !== (negate === '!'));
  }

  /** The 0.8.x catalog table: alias 31, device 11, task 15 (long tasks overflow by one space), size 13, license 13. */
  private table(variants: readonly StandInVariant[]): string {
    const cell = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));
    const header = `${cell('Alias', 31)}${cell('Device', 11)}${cell('Task', 15)}${cell('File Size', 13)}${cell('License', 13)}Model ID`;
    const lines = [header, '-'.repeat(95)];
    const aliases = [...new Set(variants.map((entry) => entry.alias))];
    for (const alias of aliases) {
      const group = variants.filter((entry) => entry.alias === alias);
      const rows = group.map(
        (entry, index) =>
          `${cell(index === 0 ? alias : '', 31)}${cell(entry.device, 11)}${cell(entry.task, 15)}${cell(`${(entry.fileSizeMb / 1024).toFixed(2)} GB`, 13)}${cell(entry.license, 13)}${entry.id}`,
      );
      if (this.knobs.noise && alias === aliases[0]) lines.push(`[${hhmmss()} ERR] Failed to process model #0 on page 1.`);
      lines.push(...rows, '-'.repeat(Math.max(95, ...rows.map((row) => row.length))));
    }
    return `${lines.join('\n')}\n`;
  }

  private async download(args: string[]): Promise<number> {
    await this.ensureService();
    const variant = this.resolve(args[0]);
    if (variant === null) return this.notFound(args[0]);
    if (this.state.isCached(variant.id) && !args.includes('--force')) {
      out(`Model ${variant.id} was found in the local cache.\n`);
      return 0;
    }
    out(`Downloading ${variant.id}...\n`);
    const steps = 10;
    for (let step = 1; step <= steps; step++) {
      await sleep(this.knobs.downloadMs / steps);
      const percent = (100 * step) / steps;
      const filled = Math.round((36 * step) / steps);
      const remaining = Math.ceil(((steps - step) * this.knobs.downloadMs) / steps / 1000);
      const speed = step === steps ? ' 85.9 MB/s' : '';
      // The bar redraws in place; only the last state ends the line.
      out(`[${'#'.repeat(filled)}${' '.repeat(36 - filled)}] ${percent.toFixed(2).padStart(6)} % [Time remaining: about ${remaining}s]${speed}${step === steps ? '\n' : '\r'}`);
    }
    this.state.addToCache(variant);
    out('Tips:\n- To find model cache location use: foundry cache location\n- To find models already downloaded use: foundry cache ls\n');
    return 0;
  }

  // ------------------------------------------------------------------------ cache

  private async cache(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'location') {
      out(`💾 Cache directory path: ${this.state.cacheDir}\n`);
      return 0;
    }
    if (verb === 'list' || verb === 'ls') {
      await this.ensureService();
      const cached = this.state.cachedIds();
      if (cached.length === 0) {
        out('No models cached on device\n');
        return 0;
      }
      out(`Models cached on device:\n   ${'Alias'.padEnd(50)}Model ID\n`);
      for (const id of cached) {
        const variant = findVariant(id);
        out(variant === null ? `💾 Model was not found in catalog${id}\n` : `💾 ${variant.alias.padEnd(50)}${id}\n`);
      }
      return 0;
    }
    if (verb === 'remove') {
      await this.ensureService();
      const name = args[0];
      const targets =
        name === '*'
          ? this.state.cachedIds()
          : this.state.cachedIds().filter((id) => id.toLowerCase() === name?.toLowerCase() || findVariant(id)?.alias === name?.toLowerCase());
      if (targets.length === 0) {
        process.stderr.write(`Model ${name ?? '(none given)'} was not found in the local cache.\n`);
        return 1;
      }
      for (const id of targets) {
        out(`⚠️ This will delete model '${findVariant(id)?.alias ?? id} (${id})' from cache.\n`);
        if (!args.includes('--yes')) {
          out('⚠️ Are you sure you want to delete this model from the local cache? (y/n)\n');
          if ((await readAnswer()) !== 'y') continue;
        }
        this.state.removeFromCache(id);
        out(`Deleted model ${id} from the cache.\n`);
      }
      return 0;
    }
    return this.unrecognized(verb ?? 'cache');
  }

  // ------------------------------------------------------------------------ service

  private async service(verb: string | undefined, args: string[]): Promise<number> {
    if (verb === 'start') {
      const running = this.state.liveService();
      if (running !== null) {
        out(`🟢 Service is already running on ${running.url}/.\n`);
        return 0;
      }
      // The real `service start` stays in the foreground for as long as the service runs.
      // Imported here: the service pulls in the embedded backend, which other commands do not need.
      const { runService } = await import('./service.ts');
      await runService({ onListening: (url) => out(`🟢 Service is Started on ${url}/, PID ${process.pid}!\n`) });
      return 0;
    }
    if (verb === 'stop') {
      out((await stopService(this.state)) ? '🔴 Service is stopped.\n' : '🔴 Service is not running.\n');
      return 0;
    }
    if (verb === 'restart') {
      if (await stopService(this.state)) out('🔴 Service is stopped.\n');
      out(started(await spawnService(this.state, { inheritOutput: false })));
      return 0;
    }
    if (verb === 'status') return this.status();
    if (verb === 'ps' || verb === 'list') {
      const record = this.state.liveService();
      const answer = record === null ? null : await serviceGet(record, '/openai/loadedmodels');
      if (answer === null) return this.status();
      const loaded = JSON.parse(answer.text) as string[];
      if (loaded.length === 0) {
        out('No models are currently loaded in the service\n');
        return 0;
      }
      out(`Models running in service:\n    ${'Alias'.padEnd(31)}Model ID\n`);
      for (const id of loaded) out(`🟢  ${(findVariant(id)?.alias ?? id).padEnd(31)}${id}\n`);
      return 0;
    }
    if (verb === 'set') {
      const settings = this.state.settings();
      const port = option(args, '--port');
      if (port === undefined) {
        out(`No settings changed\n${JSON.stringify(this.showSettings(), null, 2)}\n`);
        return 0;
      }
      this.state.saveSettings({ ...settings, port: Number(port) });
      out('Saving new settings\nRestarting service...\n');
      if (await stopService(this.state)) out('🔴 Service is stopped.\n');
      out(started(await spawnService(this.state, { inheritOutput: false })));
      return 0;
    }
    return this.unrecognized(verb ?? 'service');
  }

  private async status(): Promise<number> {
    const record = this.state.liveService();
    if (record === null) {
      out('🔴 Model management service is not running!\nTo start the service, run the following command: foundry service start\n');
      return 0;
    }
    const answer = await serviceGet(record, '/openai/status');
    if (answer === null || answer.status !== 200) {
      out(`Exception: Request to local service failed. Uri:${record.url}/openai/status\nAn error occurred while sending the request.\nPlease check service status\n`);
      return 1;
    }
    out(`🟢 Model management service is running on ${record.url}/openai/status\n`);
    out('EP autoregistration status: Successfully downloaded and registered the following EPs: OpenVINOExecutionProvider.\n');
    out('Valid EPs: CPUExecutionProvider, WebGpuExecutionProvider, OpenVINOExecutionProvider\n');
    return 0;
  }

  private showSettings(): Record<string, unknown> {
    const settings = this.state.settings();
    return {
      defaultLogLevel: 2,
      serviceSettings: {
        host: '127.0.0.1',
        port: settings.port ?? 0,
        cacheDirectoryPath: this.state.cacheDir,
        schema: 'http',
        pipeName: 'inference_agent',
        defaultSecondsForModelTTL: settings.defaultSecondsForModelTTL,
        initialConnectionTimeoutInSeconds: 6,
      },
    };
  }
}
