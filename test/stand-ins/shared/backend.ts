// What makes the stand-ins real: every stand-in generates its tokens with edge-evals' own
// embedded runtime. A stand-in process starts one `edge-evals serve` behind itself (bound to
// its own pid, so it cannot outlive it), loads the synthetic model its model maps onto, and
// re-shapes that server's OpenAI stream into the wire format of the runtime it imitates.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const EDGE_EVALS_BIN = fileURLToPath(new URL('../../../bin/edge-evals.js', import.meta.url));

export type FixtureModel = 'fixture-tiny' | 'fixture-small' | 'fixture-medium';

/** One decoded SSE `data:` payload of the embedded server's stream. */
export type StreamEvent = { kind: 'chunk'; chunk: Record<string, unknown> } | { kind: 'done' };

export class EmbeddedBackend {
  private url: Promise<string> | null = null;
  private pid: number | null = null;

  /**
   * @param logFile where the embedded server's output goes (a stand-in's stdout may be someone's pipe).
   * @param preload a .gguf file the embedded server loads before it reports ready (llama-server's `-m`).
   */
  constructor(
    private readonly logFile: string,
    private readonly preload: string | null = null,
  ) {}

  /** Start the embedded server now rather than at the first request. */
  async ready(): Promise<void> {
    await this.baseUrl();
  }

  /** The embedded server's pid once started (it is a child of this process). */
  get processId(): number | null {
    return this.pid;
  }

  /** Load a synthetic model (the embedded server generates it on first use). */
  async load(model: FixtureModel): Promise<void> {
    const response = await fetch(`${await this.baseUrl()}/models/load/${model}`, { method: 'POST', signal: AbortSignal.timeout(600_000) });
    const body = await response.text();
    if (!response.ok) throw new Error(`the embedded server could not load ${model}: HTTP ${response.status} ${body.slice(0, 300)}`);
  }

  async unload(model: FixtureModel): Promise<void> {
    if (this.url === null) return;
    const response = await fetch(`${await this.url}/models/unload/${model}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    await response.body?.cancel();
  }

  /** POST /v1/chat/completions to the embedded server, as given (stream or not). */
  async chat(body: Record<string, unknown>, model: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${await this.baseUrl()}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, model }),
      signal,
    });
  }

  private baseUrl(): Promise<string> {
    this.url ??= this.spawn();
    return this.url;
  }

  private async spawn(): Promise<string> {
    const args = [EDGE_EVALS_BIN, 'serve', '--port', '0', '--parent-pid', String(process.pid)];
    const cacheDir = process.env.EDGE_EVALS_CACHE;
    if (cacheDir !== undefined && cacheDir !== '') args.push('--cache-dir', cacheDir);
    if (this.preload !== null) args.push('--model', this.preload);
    // A ready line left by an earlier server (a restarted stand-in) must not be taken for this one's.
    rmSync(this.logFile, { force: true });
    const log = { file: this.logFile };
    const child = execa(process.execPath, args, { stdin: 'ignore', stdout: log, stderr: log, reject: false });
    this.pid = child.pid ?? null;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const ready = readLog(this.logFile)
        .split('\n')
        .filter((line) => line.startsWith('{"event":"ready"'))
        .at(-1);
      if (ready !== undefined) return (JSON.parse(ready) as { url: string }).url;
      if (child.exitCode !== null) throw new Error(`the embedded server exited with code ${child.exitCode}; see ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the embedded server was not ready after 120 s; see ${this.logFile}`);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // not created yet
  }
}

/** The SSE events of a streamed response, decoded, as they arrive. */
export async function* readEvents(response: Response): AsyncGenerator<StreamEvent> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes as Uint8Array, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const record = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      const data = record
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') continue;
      if (data === '[DONE]') {
        yield { kind: 'done' };
        return;
      }
      yield { kind: 'chunk', chunk: JSON.parse(data) as Record<string, unknown> };
    }
  }
}
