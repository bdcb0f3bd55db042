// The model coordinator lives in vitest's main process for the whole run. Eval tests (in
// workers) ask it for their model; it keeps at most one model loaded, so memory stays bounded:
// asking for model B unloads model A first. Each model is started once per run, however many
// eval files use it, because the per-model vitest projects run one after the other. The judge
// model, when there is one, is started the same way (on its own runtime when it has one) by the
// judge phase, which runs after every candidate: it never runs while a candidate is measured.
// The candidates' answers are kept here until the judge phase asks for them.
import type { EvalConfig } from '../config/env.ts';
import type { AnswerToJudge } from '../contract/case-meta.ts';
import type { MemoryFit, Resources } from '../contract/results.ts';
import { RuntimeError } from '../contract/runtime.ts';
import type { ProgressEvent, Runtime, RunningModel, StartOptions } from '../runtimes/types.ts';
import { machineMemory } from '../util/memory.ts';
import { describeShortfall, judgeMemory } from './memory-fit.ts';
import { ResourceSampler } from './resources.ts';
import { warmUp } from './warmup.ts';

/**
 * What a test learns about its model: how to reach it, or why it could not be started. Never
 * the API key: a worker reads that from its own configuration (src/runtimes/endpoint-key.ts).
 */
export type ModelLease =
  | {
      ok: true;
      model: Omit<RunningModel, 'log' | 'apiKey'>;
      runtime: { name: string; version: string | null; reason: string };
      memory?: MemoryFit;
    }
  | {
      ok: false;
      alias: string;
      error: string;
      /** Not started on purpose (it does not fit in memory): its tests are skipped, not failed; `error` says why. */
      skipped?: true;
      runtime: { name: string; version: string | null; reason: string };
      memory?: MemoryFit;
    };

/** A candidate under evaluation, or the judge that scores the candidates' answers. */
export type ModelRole = 'candidate' | 'judge';

export interface CoordinatedRuntime {
  runtime: Runtime;
  info: { name: string; version: string | null; reason: string };
}

interface ActiveModel {
  running: RunningModel;
  /** The runtime that started it (the judge may have one of its own). */
  owner: CoordinatedRuntime;
  sampler: ResourceSampler;
  /** Set once the model is warmed up: what later requests for it get. */
  lease?: ModelLease;
}

export class ModelCoordinator {
  private active: ActiveModel | null = null;
  /** Models that could not (or were not to) be started: asked again, they get the same answer. */
  private readonly failures = new Map<string, Extract<ModelLease, { ok: false }>>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly abort = new AbortController();
  private readonly answers: AnswerToJudge[] = [];

  constructor(
    private readonly candidates: CoordinatedRuntime,
    private readonly config: EvalConfig,
    private readonly log: (message: string) => void,
    /** The judge's runtime when it is not the candidates' (another runtime or endpoint). */
    private readonly judge: CoordinatedRuntime = candidates,
  ) {}

  /** The model, loaded and warmed up; requests are served one at a time, in order. */
  acquire(alias: string, role: ModelRole = 'candidate'): Promise<ModelLease> {
    return this.serialize(() => this.acquireNow(alias, role === 'judge' ? this.judge : this.candidates));
  }

  /** Keep a candidate's answer for the judge phase. */
  recordAnswer(answer: AnswerToJudge): void {
    this.answers.push(answer);
  }

  /** The answers recorded so far, in the order they came. */
  recordedAnswers(): readonly AnswerToJudge[] {
    return this.answers;
  }

  /**
   * A test found nothing listening at `staleBaseURL`: when the runtime can follow its service
   * (Foundry Local restarts on a new port), find it again and give the test the new lease; null
   * when the model cannot be reached again. Tests that come after get the new address too.
   */
  reconnect(alias: string, staleBaseURL: string): Promise<ModelLease | null> {
    return this.serialize(() => this.reconnectNow(alias, staleBaseURL));
  }

  /** Usage of the model's process tree since it was loaded; null when it is not loaded. */
  resources(alias: string): Resources | null {
    return this.active?.running.alias === alias ? this.active.sampler.snapshot() : null;
  }

  /** Stop the loaded model and everything the runtime started. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    await this.queue.catch(() => undefined);
    await this.release().catch((error: unknown) => this.log(`could not unload: ${(error as Error).message}`));
    await this.candidates.runtime.dispose();
    if (this.judge !== this.candidates) await this.judge.runtime.dispose();
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async acquireNow(alias: string, owner: CoordinatedRuntime): Promise<ModelLease> {
    const { runtime, info } = owner;
    const failureKey = `${runtime.name}\u0000${owner === this.judge ? 'judge' : 'candidate'}\u0000${alias}`;
    const failure = this.failures.get(failureKey);
    if (failure !== undefined) return failure;
    if (this.active?.running.alias === alias && this.active.owner.runtime === runtime && this.active.lease !== undefined) return this.active.lease;
    if (this.disposed) return { ok: false, alias, error: 'the run is shutting down', runtime: info };
    await this.release();
    const startOptions = {
      signal: this.abort.signal,
      timeoutMs: this.config.loadTimeoutMs,
      onProgress: (event: ProgressEvent) => {
        const percent = event.percent === undefined ? '' : ` ${event.percent.toFixed(0)}%`;
        this.log(`${alias}: ${event.message}${percent}`);
      },
    };
    // With the previous model unloaded, what is free now is what this one can have.
    const memory = await this.checkMemory(alias, runtime, startOptions);
    if (memory?.fits === false) {
      const shortfall = describeShortfall(memory);
      if (this.config.memoryCheck === 'skip') {
        const skipped = { ok: false as const, alias, error: shortfall, skipped: true as const, runtime: info, memory };
        this.failures.set(failureKey, skipped);
        this.log(`${alias}: skipped, it does not fit in memory: ${shortfall} (EVAL_MEMORY_CHECK=warn loads it anyway)`);
        return skipped;
      }
      this.log(`${alias}: WARNING: it may not fit in memory (${shortfall}); loading it anyway, as EVAL_MEMORY_CHECK=warn says`);
    }
    this.log(`${alias}: starting on ${runtime.name}`);
    let running: RunningModel;
    try {
      running = await runtime.start(alias, startOptions);
    } catch (error) {
      return this.fail(failureKey, alias, describeFailure(error), info, memory);
    }
    // The sampler asks for the current processes: a reconnect may replace `running`.
    const active: ActiveModel = { running, owner, sampler: new ResourceSampler(() => runtime.processes(active.running)) };
    active.sampler.start();
    this.active = active;
    this.log(
      `${alias}: loaded ${running.modelId} in ${Math.round(running.loadMs)} ms` +
        (running.downloadMs > 0 ? ` (${running.synthetic ? 'generated' : 'downloaded'} in ${Math.round(running.downloadMs)} ms)` : ''),
    );
    try {
      await warmUp(running, this.config, this.abort.signal);
    } catch (error) {
      await this.release().catch(() => undefined);
      return this.fail(failureKey, alias, `warm-up request failed: ${(error as Error).message}`, info, memory);
    }
    active.lease = { ok: true, model: leasedModel(running), runtime: info, ...(memory === null ? {} : { memory }) };
    return active.lease;
  }

  private async reconnectNow(alias: string, staleBaseURL: string): Promise<ModelLease | null> {
    const active = this.active;
    if (active === null || active.running.alias !== alias || active.lease?.ok !== true || this.disposed) return null;
    // Another test found the new address first.
    if (active.running.baseURL !== staleBaseURL) return active.lease;
    const { runtime } = active.owner;
    if (runtime.reconnect === undefined) return null;
    this.log(`${alias}: nothing listens at ${staleBaseURL} any more; looking for ${runtime.name}'s service again`);
    try {
      active.running = await runtime.reconnect(active.running, {
        signal: this.abort.signal,
        timeoutMs: this.config.loadTimeoutMs,
        onProgress: (event) => this.log(`${alias}: ${event.message}`),
      });
    } catch (error) {
      this.log(`${alias}: could not reach it again: ${describeFailure(error).split('\n')[0]}`);
      return null;
    }
    this.log(`${alias}: reconnected at ${active.running.baseURL}`);
    active.lease = { ...active.lease, model: leasedModel(active.running) };
    return active.lease;
  }

  private fail(key: string, alias: string, error: string, runtime: CoordinatedRuntime['info'], memory: MemoryFit | null): ModelLease {
    const lease = { ok: false as const, alias, error, runtime, ...(memory === null ? {} : { memory }) };
    this.failures.set(key, lease);
    this.log(`${alias}: FAILED to start: ${error.split('\n')[0]}`);
    return lease;
  }

  /** The model's need against the memory available now; null when the runtime has no figures for it. */
  private async checkMemory(alias: string, runtime: Runtime, options: StartOptions): Promise<MemoryFit | null> {
    if (runtime.memory === undefined) return null;
    // A runtime that cannot tell (its catalog unreachable) is no reason not to try the model.
    const need = await runtime.memory.need(alias, options).catch(() => null);
    return judgeMemory(alias, need, await machineMemory());
  }

  private async release(): Promise<void> {
    const active = this.active;
    if (active === null) return;
    this.active = null;
    await active.sampler.stop();
    await active.owner.runtime.stop(active.running);
    this.log(`${active.running.alias}: unloaded`);
  }
}

/** The model as a lease shows it: without the CLI log and without the API key. */
function leasedModel(running: RunningModel): Extract<ModelLease, { ok: true }>['model'] {
  const { log: _log, apiKey: _apiKey, ...model } = running;
  return model;
}

/** The error and, for runtime failures, the CLI output that explains it. */
function describeFailure(error: unknown): string {
  if (error instanceof RuntimeError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
