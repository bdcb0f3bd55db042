// Running the `foundry` CLI (through ../cli-runner.ts), plus the two commands that must not be
// waited for in the usual way: Gen A's `service start` never exits; Gen B's `server start`
// exits but leaves its daemon holding our pipes, so its output never reaches end-of-file.
import { execa, execaSync } from 'execa';
import { RuntimeError } from '../../contract/runtime.ts';
import { spawnDetached } from '../../util/detached.ts';
import { CliRunner, type CliResult } from '../cli-runner.ts';

/** The foundry CLI, with the ways of calling it that only Foundry Local needs. */
export class FoundryCli extends CliRunner {
  constructor(bin: string) {
    super({ bin, label: 'The Foundry Local CLI', installHint: 'install Foundry Local, or set FOUNDRY_BIN to the foundry executable' });
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
