// Starting a server process that must outlive the caller (or at least never depend on it):
// detached in its own process group, its output written straight to a log file. Not a pipe:
// a pipe would keep the caller alive for as long as the server runs, and a write to a pipe
// nobody reads any more would kill the server.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { execa } from 'execa';

export interface DetachedProcess {
  pid: number;
}

/** Starts `command args` detached; null when it could not be started (not installed, for one). */
export async function spawnDetached(command: string, args: readonly string[], options: { logFile: string; env?: NodeJS.ProcessEnv; append?: boolean }): Promise<DetachedProcess | null> {
  const log = createWriteStream(options.logFile, { flags: options.append === true ? 'a' : 'w' });
  await once(log, 'open');
  const child = execa(command, args, {
    detached: true,
    stdin: 'ignore',
    stdout: log,
    stderr: log,
    cleanup: false,
    reject: false,
    // Windows gives a detached process a console window of its own unless told not to.
    windowsHide: true,
    env: options.env,
  });
  log.close();
  child.unref();
  return child.pid === undefined ? null : { pid: child.pid };
}
