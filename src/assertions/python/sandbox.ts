// The Node side of the warm Python sandbox: starts sandbox.py lazily on the first check (under
// the best isolation launch.ts finds, falling back to an unsandboxed parent that says why),
// sends it one check at a time, and stops it with the process. The expected results never
// leave Node: the parent only ever sees the code and the arguments.
import os from 'node:os';
import { execa, type ResultPromise } from 'execa';
import { isAlive, sampleProcessTree } from '../../util/process-tree.ts';
import { preferredLaunch, unsandboxedLaunch, type Interpreter, type Isolation, type Launch } from './launch.ts';

export type { Isolation } from './launch.ts';

export type RunnerRecord =
  | { setup_error: 'syntax' | 'function' | 'load'; message: string }
  | { function: string }
  | { result: unknown }
  | { raised: string }
  | { unserializable: string }
  | { oversized: number };

export interface CheckRequest {
  code: string;
  /** Function names to try, first found wins; empty: the one function the code defines. */
  functionNames: string[];
  /** Positional arguments, one array per case. */
  args: unknown[][];
  timeoutMs: number;
}

export interface CheckRun {
  /** What the runner reported, in order: only lines carrying this check's nonce. */
  records: RunnerRecord[];
  /** How the code's process ended; null when it was killed at the deadline before it did. */
  status: { exitCode: number } | { signal: string } | null;
  timedOut: boolean;
  /** The last few KB of what the code wrote to stderr. */
  stderr: string;
  /** Bytes the code printed (stdout and stderr); beyond the kept tail they are dropped. */
  outputBytes: number;
  isolation: Isolation;
}

/** Per check, applied where the platform has them (docs/sandbox.md). */
export const CHECK_LIMITS = {
  memoryBytes: 1024 * 1024 * 1024,
  fileBytes: 16 * 1024 * 1024,
  processes: 32,
  /** Size of the check's working folder (a tmpfs under namespaces). */
  tmpBytes: 64 * 1024 * 1024,
};
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_000;
/** How long past a check's own deadline the parent may take to answer before it is replaced. */
const ANSWER_GRACE_MS = 5_000;
const PYTHON = process.platform === 'win32' ? 'python' : 'python3';

interface Reply extends Omit<CheckRun, 'isolation'> {
  id: number;
}

interface Waiter {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

/** A started sandbox.py: its process, who waits for its next line, and what it said on stderr. */
class Parent {
  /** It answers one line per request, and requests go one at a time: one waiter at most. */
  private waiter: Waiter | undefined;
  private ended: Error | undefined;
  private buffered = '';
  private stderrTail = '';
  readonly exited: Promise<void>;

  constructor(
    readonly process: ResultPromise<{ buffer: false; reject: false }>,
    readonly launch: Launch,
  ) {
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', (chunk: string) => {
      this.buffered += chunk;
      let newline = this.buffered.indexOf('\n');
      while (newline >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.takeWaiter()?.resolve(line);
        newline = this.buffered.indexOf('\n');
      }
    });
    process.stderr?.setEncoding('utf8');
    process.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2_000);
    });
    this.exited = process.then(() => {
      const lastWords = this.stderrTail.trim().split('\n').at(-1) ?? '';
      this.ended = new Error(`it exited${lastWords === '' ? '' : `: ${lastWords}`}`);
      this.takeWaiter()?.reject(this.ended);
    });
  }

  get running(): boolean {
    return this.ended === undefined;
  }

  private takeWaiter(): Waiter | undefined {
    const waiter = this.waiter;
    this.waiter = undefined;
    return waiter;
  }

  /** The next line it prints; rejects when it has exited or exits first, or `timeoutMs` passes. */
  nextLine(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.ended !== undefined) return reject(this.ended);
      const timer = setTimeout(() => this.takeWaiter()?.reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = {
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Keeps the Node process alive only while a check is running. */
  hold(busy: boolean): void {
    for (const handle of [this.process, this.process.stdout, this.process.stderr, this.process.stdin]) {
      if (handle === null || handle === undefined) continue;
      const socket = handle as { ref?: () => void; unref?: () => void };
      if (busy) socket.ref?.();
      else socket.unref?.();
    }
  }

  /**
   * Ends its input (it finishes the check it runs, then exits), waits for every process of its
   * tree to be gone, and kills what is left after STOP_GRACE_MS. The tree is listed first: the
   * outer bubblewrap exits before the processes inside it have finished exiting.
   */
  async stop(): Promise<void> {
    this.hold(true);
    const pid = this.process.pid;
    const tree = pid === undefined ? [] : (await sampleProcessTree([pid])).map((sample) => sample.pid);
    this.process.stdin?.end();
    const deadline = Date.now() + STOP_GRACE_MS;
    while (tree.some(isAlive) && Date.now() < deadline) await sleep(10);
    for (const survivor of tree.filter(isAlive)) {
      try {
        process.kill(survivor, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await this.exited;
    while (tree.some(isAlive)) await sleep(10);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let interpreter: Promise<Interpreter> | undefined;

/**
 * The interpreter behind `python3` and its folders, asked once per process: version managers
 * (pyenv, asdf) put a shell shim on PATH that costs ~0.5 s a start; the interpreter itself
 * starts in ~20 ms. Its folders are what the sandbox lets it read.
 */
function describeInterpreter(): Promise<Interpreter> {
  const script =
    'import json, os, sys; ' +
    'roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}; ' +
    'print(json.dumps({"executable": sys.executable, "roots": sorted(roots)}))';
  interpreter ??= execa(PYTHON, ['-I', '-c', script], { env: { PATH: process.env.PATH ?? '' }, extendEnv: false, stdin: 'ignore', timeout: 10_000 }).then(
    (result) => JSON.parse(result.stdout) as Interpreter,
    (error: unknown) => {
      interpreter = undefined;
      throw new Error(`could not run ${PYTHON}: ${(error as { shortMessage?: string }).shortMessage ?? String(error)}. Install Python 3 and put it on PATH.`);
    },
  );
  return interpreter;
}

export interface SandboxOptions {
  /** How to start the parent; default: the best this machine has (launch.ts). */
  launch?: (interpreter: Interpreter) => Launch;
}

export class PythonSandbox {
  private parent: Promise<Parent> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  constructor(private readonly options: SandboxOptions = {}) {}

  /** Runs one check; checks queue behind each other (the parent runs one at a time). */
  run(request: CheckRequest): Promise<CheckRun> {
    const result = this.queue.then(() => this.runNow(request));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the parent (and whatever check it runs); the next check starts a new one. */
  async stop(): Promise<void> {
    const parent = await this.parent?.catch(() => undefined);
    this.parent = undefined;
    await parent?.stop();
  }

  /** How checks are isolated on this machine; starts the parent if it is not running. */
  async isolation(): Promise<Isolation> {
    return (await this.ready()).launch.isolation;
  }

  /** The running parent; a new one when there is none, or when the last one died between checks. */
  private async ready(): Promise<Parent> {
    const current = await this.parent?.catch(() => undefined);
    if (current?.running !== true) this.parent = this.start();
    return (this.parent as Promise<Parent>).catch((error: unknown) => {
      this.parent = undefined;
      throw error;
    });
  }

  private async runNow(request: CheckRequest): Promise<CheckRun> {
    const parent = await this.ready();
    const id = this.nextId++;
    const cpuSeconds = Math.ceil(request.timeoutMs / 1000) + 1;
    parent.hold(true);
    try {
      const answer = parent.nextLine(request.timeoutMs + ANSWER_GRACE_MS);
      parent.process.stdin?.write(`${JSON.stringify({ id, ...request, limits: { ...CHECK_LIMITS, cpuSeconds } })}\n`);
      const reply = JSON.parse(await answer) as Reply;
      return { ...reply, isolation: parent.launch.isolation };
    } catch (error) {
      // A parent that does not answer is replaced: the next check starts a fresh one.
      this.parent = undefined;
      parent.process.kill('SIGKILL');
      throw new Error(`the Python sandbox failed: ${(error as Error).message}`);
    } finally {
      parent.hold(false);
    }
  }

  private async start(): Promise<Parent> {
    const found = await describeInterpreter();
    const preferred = this.options.launch?.(found) ?? preferredLaunch(found, os.tmpdir(), os.homedir());
    try {
      return await this.spawn(preferred);
    } catch (error) {
      if (preferred.isolation.level === 'not sandboxed') throw new Error(`could not start Python: ${(error as Error).message}`);
      return this.spawn(unsandboxedLaunch(found, `${preferred.mechanism} could not isolate the code (${(error as Error).message})`));
    }
  }

  private async spawn(launch: Launch): Promise<Parent> {
    const child = execa(launch.command, launch.args, {
      // Where the unsandboxed modes make each check's temporary folder, and what Windows needs.
      env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', TMPDIR: os.tmpdir(), TEMP: os.tmpdir(), TMP: os.tmpdir(), SYSTEMROOT: process.env.SYSTEMROOT ?? '' },
      extendEnv: false,
      buffer: false,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const parent = new Parent(child, launch);
    const ready = JSON.parse(await parent.nextLine(START_TIMEOUT_MS).catch(async (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    })) as { ready: boolean; why?: string };
    if (!ready.ready) {
      await parent.stop();
      throw new Error(ready.why ?? 'it refused to start');
    }
    parent.hold(false);
    return parent;
  }
}

let shared: PythonSandbox | undefined;

/** The sandbox the `python` check uses: one per process, started on its first check. */
export function sharedPythonSandbox(): PythonSandbox {
  shared ??= new PythonSandbox();
  return shared;
}
