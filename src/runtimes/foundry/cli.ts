// Running the `foundry` CLI: argument arrays, a timeout on every call, output kept for error
// messages, and the two commands that must not be waited for in the usual way (Gen A's
// `service start` never exits; Gen B's `server start` exits but leaves its daemon holding
// our pipes, so its output never reaches end-of-file).
import { execa, execaSync } from 'execa';
import { RuntimeError } from '../../contract/runtime.ts';
import { spawnDetached } from '../../util/detached.ts';

export interface CliResult {
  command: string;
  exitCode: number;
  /** stdout and stderr, interleaved as printed. */
  output: string;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Text written to the command's stdin (answers to y/n prompts). */
  input?: string;
  /** Every chunk of output as it arrives (download progress). */
  onOutput?: (chunk: string) => void;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class FoundryCli {
  constructor(readonly bin: string) {}

  commandLine(args: readonly string[]): string {
    return [this.bin, ...args].join(' ');
  }

  /** Runs a command to completion. A non-zero exit is a result, not an exception. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const command = this.commandLine(args);
    const subprocess = execa(this.bin, args, {
      all: true,
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      cancelSignal: options.signal,
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      input: options.input,
      stripFinalNewline: false,
    });
    if (options.onOutput !== undefined) {
      const forward = (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8'));
      subprocess.stdout?.on('data', forward);
      subprocess.stderr?.on('data', forward);
    }
    const result = await subprocess;
    const output = result.all ?? '';
    if (result.failed && result.exitCode === undefined) {
      if ((result as { code?: string }).code === 'ENOENT') {
        throw new RuntimeError(`The Foundry Local CLI '${this.bin}' was not found.`, {
          command,
          hint: 'install Foundry Local, or set FOUNDRY_BIN to the foundry executable',
        });
      }
      if (result.timedOut) throw new RuntimeError(`'${command}' did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms.`, { command, output });
      if (result.isCanceled) throw new RuntimeError(`'${command}' was cancelled.`, { command, output });
      throw new RuntimeError(`'${command}' could not be run: ${result.shortMessage}`, { command, output });
    }
    return { command, exitCode: result.exitCode ?? 1, output };
  }

  /** Runs a command and fails with its output when it exits non-zero. */
  async check(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const result = await this.run(args, options);
    if (result.exitCode !== 0) {
      throw new RuntimeError(`'${result.command}' failed with exit code ${result.exitCode}.`, { command: result.command, output: result.output });
    }
    return result;
  }

  /** Starts a command that never exits (Gen A `service start`) detached, its output going to `logFile`. */
  async spawnDetached(args: readonly string[], logFile: string): Promise<void> {
    const started = await spawnDetached(this.bin, args, { logFile });
    if (started === null) {
      throw new RuntimeError(`The Foundry Local CLI '${this.bin}' could not be started.`, { command: this.commandLine(args), hint: 'install Foundry Local, or set FOUNDRY_BIN' });
    }
  }

  /**
   * Runs a command that exits while a process it started keeps the pipes open (Gen B
   * `server start`). Output is read line by line until `done` accepts what was read or the
   * command exits; end-of-file is never waited for.
   */
  async runUntilExit(args: readonly string[], done: (output: string) => boolean, timeoutMs: number): Promise<CliResult> {
    const command = this.commandLine(args);
    const subprocess = execa(this.bin, args, { buffer: false, reject: false, cleanup: false, stdin: 'ignore', timeout: timeoutMs });
    let output = '';
    let exitCode: number | null = null;
    const finished = new Promise<void>((resolve) => {
      const check = () => {
        if (done(output)) resolve();
      };
      subprocess.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        check();
      });
      subprocess.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        check();
      });
      subprocess.once('exit', (code) => {
        exitCode = code ?? 1;
        // What the command wrote just before it exited may still be in the pipe.
        setTimeout(resolve, 100);
      });
      subprocess.once('error', () => resolve());
    });
    await finished;
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
    // The promise settles once the streams are gone; nothing in it is needed.
    void subprocess.catch(() => undefined);
    if (exitCode === null && !done(output)) {
      throw new RuntimeError(`'${command}' failed to start.`, { command, output });
    }
    return { command, exitCode: exitCode ?? 0, output };
  }

  /** For exit handlers: a command run synchronously with a short timeout, errors ignored. */
  runSync(args: readonly string[], timeoutMs: number): void {
    execaSync(this.bin, args, { reject: false, timeout: timeoutMs, stdio: 'ignore' });
  }
}
