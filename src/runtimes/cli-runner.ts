// Running a runtime's command-line tool (foundry, ollama): an argument array, never a shell;
// a timeout on every call; stdout and stderr kept together, as printed, for error messages;
// output forwarded as it arrives (download progress); a missing executable reported with
// what to install.
import { execa } from 'execa';
import { RuntimeError } from '../contract/runtime.ts';

export interface CliTool {
  bin: string;
  /** How errors name the tool: `The Foundry Local CLI`. */
  label: string;
  /** What to do when the executable is not found. */
  installHint: string;
  /** The environment of every call; the process's own when not given. */
  env?: NodeJS.ProcessEnv;
}

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

export class CliRunner {
  constructor(readonly tool: CliTool) {}

  get bin(): string {
    return this.tool.bin;
  }

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
      env: this.tool.env,
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
        throw new RuntimeError(`${this.tool.label} '${this.bin}' was not found.`, { command, hint: this.tool.installHint });
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

  /** The output of a quick question (`--version`), or null when the executable cannot be run at all. */
  async probe(args: readonly string[], timeoutMs = 30_000): Promise<string | null> {
    const result = await execa(this.bin, args, { reject: false, all: true, timeout: timeoutMs, env: this.tool.env, stdin: 'ignore' });
    return result.failed && result.exitCode === undefined ? null : (result.all ?? '');
  }
}
