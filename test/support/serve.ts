// `edge-evals serve` as a real process for tests: started with execa, ready once it prints its
// one JSON line on stdout, stderr kept for failure messages.
import { execa, type ResultPromise } from 'execa';
import { EDGE_EVALS_BIN } from './processes.ts';

export const READY_TIMEOUT_MS = 90_000;

export interface ReadyLine {
  event: 'ready';
  url: string;
  pid: number;
  models: { alias: string; modelId: string; path: string; loadMs: number; threads: number }[];
}

export interface ServerProcess {
  child: ResultPromise<{ reject: false; env: Record<string, string> }>;
  ready: ReadyLine;
  stdout: () => string;
  stderr: () => string;
}

/** Start `edge-evals serve --port 0 <args>` with the model cache `cacheDir` and wait for its ready line. */
export async function startServer(args: string[], cacheDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = execa(process.execPath, [EDGE_EVALS_BIN, 'serve', '--port', '0', ...args], {
    env: { EDGE_EVALS_CACHE: cacheDir, EVAL_THREADS: '', ...env },
    reject: false,
    timeout: 10 * 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line after ${READY_TIMEOUT_MS} ms; stderr:\n${stderr}`)), READY_TIMEOUT_MS);
    child.stdout?.on('data', (data: Buffer) => {
      stdout += data.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(stdout.slice(0, newline)) as ReadyLine);
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${result.exitCode}) before it was ready; stderr:\n${stderr}`));
    });
  });
  return { child, ready, stdout: () => stdout, stderr: () => stderr };
}

/** Stop a server the test started (SIGKILL: the test is over) and wait for it. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (server === undefined) return;
  server.child.kill('SIGKILL');
  await server.child;
}
