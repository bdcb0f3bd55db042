// Entry point of the `ollama` stand-in (test/stand-ins/bin/ollama): `serve`, and the client
// commands `pull`, `list`, `ps`, `rm`, `stop`, `--version`, which talk to the server at
// OLLAMA_HOST as the real CLI does, and print what it prints.
import { ollamaBaseUrl } from '../../../src/runtimes/ollama/parse.ts';
import { fullName, humanBytes, humanTime, readKnobs, table } from './library.ts';

const knobs = readKnobs();
const base = ollamaBaseUrl(process.env.OLLAMA_HOST);
const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text);
const fail = (text: string) => {
  err(text);
  return 1;
};
const NOT_RUNNING = "Error: could not connect to ollama server, run 'ollama serve' to start it\n";

async function call(route: string, init: RequestInit = {}): Promise<Response | null> {
  try {
    return await fetch(`${base}${route}`, { ...init, headers: { 'content-type': 'application/json' } });
  } catch {
    return null;
  }
}

interface Described {
  name: string;
  digest: string;
  size: number;
  modified_at?: string;
  expires_at?: string;
  context_length?: number;
}

async function pull(name: string): Promise<number> {
  const response = await call('/api/pull', { method: 'POST', body: JSON.stringify({ model: name, stream: true }) });
  if (response === null) return fail(NOT_RUNNING);
  const text = await response.text();
  // The real CLI redraws its bar in place with ANSI escapes, on stderr.
  err('\u001b[?25l');
  for (const line of text.split('\n').filter((entry) => entry !== '')) {
    const event = JSON.parse(line) as { status?: string; error?: string; total?: number; completed?: number };
    if (event.error !== undefined) {
      err(`\u001b[?25h\nError: ${event.error}\n`);
      return 1;
    }
    if (event.total !== undefined && event.completed !== undefined) {
      const percent = Math.floor((100 * event.completed) / event.total);
      const filled = Math.round((18 * percent) / 100);
      err(`\u001b[1G\u001b[K${event.status}: ${String(percent).padStart(3)}% ▕${'█'.repeat(filled)}${' '.repeat(18 - filled)}▏ ${humanBytes(event.completed)}/${humanBytes(event.total)}`);
    } else {
      err(`\u001b[1G\u001b[K${event.status ?? ''}\n`);
    }
  }
  err('\u001b[?25h');
  return 0;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'serve') {
    const [host, port] = new URL(base).host.split(':');
    const { serve } = await import('./server.ts');
    return serve(host ?? '127.0.0.1', Number(port));
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    const response = await call('/api/version');
    if (response === null) err(`Warning: could not connect to a running Ollama instance\nWarning: client version is ${knobs.version}\n`);
    else out(`ollama version is ${((await response.json()) as { version: string }).version}\n`);
    return 0;
  }
  if (command === 'pull') return pull(rest[0] ?? '');
  if (command === 'list' || command === 'ls') {
    const response = await call('/api/tags');
    if (response === null) return fail(NOT_RUNNING);
    const { models } = (await response.json()) as { models: Described[] };
    out(table(['NAME', 'ID', 'SIZE', 'MODIFIED'], models.map((model) => [model.name, model.digest.slice(0, 12), humanBytes(model.size), humanTime(new Date(model.modified_at ?? 0))])));
    return 0;
  }
  if (command === 'ps') {
    const response = await call('/api/ps');
    if (response === null) return fail(NOT_RUNNING);
    const { models } = (await response.json()) as { models: Described[] };
    const rows = models.map((model) => {
      const expires = new Date(model.expires_at ?? 0);
      const until = expires.getTime() < Date.now() ? 'Stopping...' : humanTime(expires);
      return [model.name, model.digest.slice(0, 12), humanBytes(model.size), '100% CPU', String(model.context_length ?? 4096), until];
    });
    out(table(['NAME', 'ID', 'SIZE', 'PROCESSOR', 'CONTEXT', 'UNTIL'], rows));
    return 0;
  }
  if (command === 'rm') {
    for (const name of rest) {
      const response = await call('/api/delete', { method: 'DELETE', body: JSON.stringify({ model: name }) });
      if (response === null) return fail(NOT_RUNNING);
      if (response.status !== 200) return fail(`Error: ${((await response.json()) as { error: string }).error}\n`);
      out(`deleted '${name}'\n`);
    }
    return 0;
  }
  if (command === 'stop') {
    const response = await call('/api/generate', { method: 'POST', body: JSON.stringify({ model: fullName(rest[0] ?? ''), keep_alive: 0 }) });
    if (response === null) return fail(NOT_RUNNING);
    return 0;
  }
  err(`Error: unknown command "${command ?? ''}" for "ollama"\n`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
