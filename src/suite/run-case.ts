// One eval test: send the conversation to the model, measure, check, and record the outcome for
// machines (`task.meta.edgeEvals`, which the JSON, blob and custom reporters keep) and for
// people (annotations, which the vitest UI shows). Declarative prompts and test bodies record
// through the same CaseRecorder, so their cases look the same in every report.
import type { TestContext } from 'vitest';
import { caseScore, evaluateAssertions, type AssertionContext, type CheckSpec, type ThresholdSpec } from '../assertions/index.ts';
import { metricsLine } from '../client/metrics.ts';
import { controlPromptCache } from '../client/prompt-cache.ts';
import { streamChat } from '../client/stream-chat.ts';
import type { ChatOutcome } from '../client/types.ts';
import type { AnnotatePolicy, EvalConfig } from '../config/env.ts';
import type { CaseMeta } from '../contract/case-meta.ts';
import type { ChatMessage } from '../contract/chat.ts';
import type { AssertionResult, CaseResult, CaseStatus, Expected, RequestMetrics, TemplateVars } from '../contract/results.ts';
import type { CriterionScore, CriterionWeights } from '../contract/criteria.ts';
import { describeScore } from '../criteria/describe.ts';
import { scoreAnswer, type CriteriaSpec } from '../criteria/index.ts';
import { recentResources, reconnectModel, recordAnswer, type ControlAccess } from '../lifecycle/control-client.ts';
import type { ModelLease } from '../lifecycle/coordinator.ts';
import { endpointApiKey } from '../runtimes/endpoint-key.ts';
import { terminalText } from '../util/control-characters.ts';
import type { PlannedCase } from './cases.ts';
import { answerKnown, applyPlantedTruth, verdictProblems } from './planted.ts';
import type { Thresholds } from './thresholds.ts';

/** The model a describe block evaluates, as its tests reach it. */
export interface ModelSession {
  control: ControlAccess;
  config: EvalConfig;
  /** Replaced when the model's service moved and was found again. */
  lease: ModelLease;
  /** A judge phase follows the candidates: every answer is kept for it. */
  judged: boolean;
  /** Which tests annotate: every one, or only those that fail (RunPlan.annotate). */
  annotate: AnnotatePolicy;
}

export interface ChatSettings {
  messages: readonly ChatMessage[];
  temperature: number;
  maxTokens: number;
}

type RunningModelInfo = Extract<ModelLease, { ok: true }>['model'];

/** Thresholds are checks like any other, of the `performance` kind. */
export function thresholdChecks(thresholds: Thresholds): ThresholdSpec[] {
  const checks: ThresholdSpec[] = [];
  if (thresholds.ttftMs !== undefined) checks.push({ type: 'max-ttft', ms: thresholds.ttftMs });
  if (thresholds.e2eMs !== undefined) checks.push({ type: 'max-e2e', ms: thresholds.e2eMs });
  if (thresholds.tpotMs !== undefined) checks.push({ type: 'max-tpot', ms: thresholds.tpotMs });
  if (thresholds.tokensPerSec !== undefined) checks.push({ type: 'min-tokens-per-sec', value: thresholds.tokensPerSec });
  return checks;
}

/** A reply with a planted defect fails, whether or not its check noticed (that is the check's failure). */
export function statusOf(error: string | null, checks: readonly AssertionResult[]): CaseStatus {
  if (error !== null) return 'error';
  const evaluated = checks.filter((check) => check.skipped !== true);
  if (evaluated.length === 0) return 'skip';
  return evaluated.every((check) => check.pass && check.planted === undefined) ? 'pass' : 'fail';
}

/**
 * Streams one chat completion from the session's model, its prompt cache in the state
 * EVAL_PROMPT_CACHE asks for (client/prompt-cache.ts). When nothing answers at its address
 * any more (Foundry Local restarted on a new port: the connection is refused, or closed under
 * a request sent on the kept-alive one), the coordinator looks for the service, and the
 * request, which no server is working on, is sent again at its new address.
 */
export async function sendChat(session: ModelSession, settings: ChatSettings, signal: AbortSignal): Promise<ChatOutcome> {
  const { lease, config } = session;
  if (!lease.ok) throw new Error(`model ${lease.alias} could not be started: ${lease.error}`);
  const cache = controlPromptCache(lease.runtime.name, config.promptCache, settings.messages);
  const send = (model: RunningModelInfo, maxTokens = settings.maxTokens) =>
    streamChat({
      baseURL: model.baseURL,
      apiKey: endpointApiKey(lease.runtime.name, config),
      model: model.modelId,
      messages: cache.messages,
      maxTokens,
      temperature: settings.temperature,
      seed: config.seed,
      timeoutMs: config.timeoutMs,
      maxReplyBytes: config.maxReplyBytes,
      signal,
      extraBody: cache.extraBody,
    });
  // Warm: the prompt goes into the server's cache first; a failure here shows in the measured request.
  if (cache.prime) await send(lease.model, 1);
  const outcome = await send(lease.model);
  if (outcome.unreachable !== true) return outcome;
  const moved = await reconnectModel(session.control, lease.model.alias, lease.model.baseURL).catch(() => null);
  if (moved?.ok !== true || moved.model.baseURL === lease.model.baseURL) return outcome;
  session.lease = moved;
  return send(moved.model);
}

export interface CaseIdentity {
  /** `<model> > <category>/<prompt>[ #n]`, as the vitest UI shows it. */
  name: string;
  category: string;
  promptId: string;
  repeat: number;
  expected?: Expected;
  vars?: TemplateVars;
  /** How the answer's criteria are scored. */
  criteria?: CriteriaSpec;
  /** The category's weights in the recommendation, when its eval sets them. */
  criteriaWeights?: CriterionWeights;
}

/**
 * An annotation without a place in the test file. vitest looks for one in a fresh stack trace,
 * source-mapped, which costs more than the rest of the annotation; the annotations that finish()
 * makes come from edge-evals' code after the test body, where no frame of the test file is left
 * to find, so no stack is taken (vitest takes it synchronously, within this call).
 */
export function annotateUnplaced(context: TestContext, message: string, type: string): Promise<unknown> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return context.annotate(message, type);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** What one test measured and checked, written to its task meta and annotations by finish(). */
export class CaseRecorder {
  private response = '';
  /** Replies given before the last one (a conversation's earlier turns): annotated with it. */
  private readonly earlierResponses: string[] = [];
  /** The reply without reasoning, what the criteria are scored on; null until a reply came. */
  private answer: string | null = null;
  private messages: readonly ChatMessage[] = [];
  private metrics: RequestMetrics | null = null;
  private error: string | null = null;
  private settings: Pick<ChatSettings, 'temperature' | 'maxTokens'> | null = null;
  private readonly checks: AssertionResult[] = [];
  /** What the matchers failed with, to tell their errors from other failed expects. */
  private readonly matcherFailures = new Set<string>();
  /** Why the planted truth did not apply, or what of it the prompt lacks (models with known answers). */
  private plantedNote: string | null = null;
  private unknownPlantedChecks: string[] = [];

  constructor(
    private readonly context: TestContext,
    private readonly session: ModelSession,
    readonly identity: CaseIdentity,
  ) {}

  /** The reply a check judges, with what it needs to know about the request. */
  assertionContext(outcome: ChatOutcome, messages: readonly ChatMessage[]): AssertionContext {
    const model = this.session.lease.ok ? this.session.lease.model : { alias: this.session.lease.alias, synthetic: false, knownAnswers: false };
    return {
      response: outcome.answer,
      reasoning: outcome.reasoning,
      metrics: outcome.metrics,
      model: model.alias,
      synthetic: model.synthetic,
      knownAnswers: answerKnown(model, `${this.identity.category}/${this.identity.promptId}`),
      messages,
      expected: this.identity.expected,
      vars: this.identity.vars,
      pythonSandbox: this.session.config.pythonSandbox,
    };
  }

  /** The case keeps the last reply it was given (and its metrics); an earlier one stays in the annotations. */
  recordReply(outcome: ChatOutcome, settings: ChatSettings): void {
    if (this.response !== '') this.earlierResponses.push(this.response);
    this.response = outcome.response;
    this.answer = outcome.answer;
    this.messages = settings.messages;
    this.metrics = outcome.metrics;
    this.settings = { temperature: settings.temperature, maxTokens: settings.maxTokens };
    if (outcome.error !== undefined) this.error = outcome.error;
  }

  recordChecks(checks: readonly AssertionResult[]): void {
    this.checks.push(...checks);
  }

  /**
   * A declarative prompt's checks on a model with known answers: each marked with the defect
   * it must catch, when the reply is the planted answer (planted.ts).
   */
  recordPlantedChecks(specs: readonly CheckSpec[], checks: AssertionResult[], answer: string): void {
    const { lease } = this.session;
    if (!lease.ok || lease.model.knownAnswers !== true) {
      this.recordChecks(checks);
      return;
    }
    const planted = applyPlantedTruth(lease.model.alias, `${this.identity.category}/${this.identity.promptId}`, answer, specs, checks);
    this.recordChecks(planted.checks);
    this.plantedNote = planted.note;
    this.unknownPlantedChecks = planted.unknownChecks;
  }

  recordError(message: string): void {
    this.error ??= message;
  }

  noteFailure(message: string | null): void {
    if (message !== null) this.matcherFailures.add(message);
  }

  /** True when a matcher already recorded the check this error message reports. */
  explains(message: string): boolean {
    return this.matcherFailures.has(message);
  }

  get failed(): boolean {
    return this.error !== null;
  }

  private modelInfo(): CaseMeta['model'] {
    const { lease } = this.session;
    return lease.ok
      ? {
          alias: lease.model.alias,
          modelId: lease.model.modelId,
          synthetic: lease.model.synthetic,
          knownAnswers: lease.model.knownAnswers === true,
          loadMs: lease.model.loadMs,
          downloadMs: lease.model.downloadMs,
          startError: null,
          memory: lease.memory ?? null,
        }
      : {
          alias: lease.alias,
          modelId: null,
          synthetic: false,
          knownAnswers: false,
          loadMs: null,
          downloadMs: null,
          startError: lease.skipped === true ? null : lease.error,
          skipReason: lease.skipped === true ? lease.error : null,
          memory: lease.memory ?? null,
        };
  }

  /** The model-free scores of the reply (speed comes with the run's results); none without a reply. */
  private scoreCriteria(): CriterionScore[] {
    if (this.answer === null || this.error !== null) return [];
    const question = this.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    return scoreAnswer({ prompt: question, reply: this.answer, expected: this.identity.expected, criteria: this.identity.criteria, checks: this.checks });
  }

  /** The answer, with what the eval knows of a good one, for the judge phase after the candidates. */
  private async keepForJudge(answer: string): Promise<void> {
    const { identity } = this;
    const accuracy = identity.criteria?.accuracy;
    await recordAnswer(this.session.control, {
      caseName: identity.name,
      model: this.modelInfo().alias,
      category: identity.category,
      prompt: identity.promptId,
      repeat: identity.repeat,
      messages: [...this.messages],
      answer,
      ...(identity.expected === undefined ? {} : { expected: identity.expected }),
      ...(accuracy === undefined || accuracy === false ? {} : { facts: accuracy }),
    });
  }

  /** The replies, the checks with the metrics, the criteria: one annotation each, sent together. */
  private async annotate(results: readonly string[], criteria: readonly CriterionScore[]): Promise<void> {
    const anyWrong = this.checks.some((check) => check.skipped !== true && check.pass !== (check.planted === undefined));
    const responses = [...this.earlierResponses, ...(this.response === '' ? [] : [this.response])];
    // vitest takes annotations only while a test's state is `run`, and a failed soft expect sets
    // it to `fail` at once, though the body goes on (finish() is part of it). That failing test is
    // the one whose reply a person needs to see: its state is `run` again while the annotations
    // are sent, and `fail` after, before vitest looks at it.
    const { result } = this.context.task;
    const softFailed = result?.state === 'fail';
    if (softFailed) result.state = 'run';
    try {
      await Promise.all([
        ...responses.map((response) => annotateUnplaced(this.context, terminalText(response), 'response')),
        results.length === 0 ? null : annotateUnplaced(this.context, terminalText(results.join('\n')), anyWrong ? 'check-failed' : 'checks'),
        criteria.length === 0 ? null : annotateUnplaced(this.context, terminalText(criteria.map(describeScore).join('\n')), 'criteria'),
      ]);
    } finally {
      if (softFailed) result.state = 'fail';
    }
  }

  /** Writes the case to the task meta and the annotations; throws when the test must fail or be skipped. */
  async finish(): Promise<void> {
    const { lease, control } = this.session;
    const { context, identity, checks, metrics } = this;
    const resources = lease.ok ? await recentResources(control, lease.model.alias).catch(() => null) : null;
    const status = statusOf(this.error, checks);
    const modelInfo = this.modelInfo();
    const criteria = this.scoreCriteria();
    const result: CaseResult = {
      name: identity.name,
      model: modelInfo.alias,
      modelId: modelInfo.modelId,
      prompt: identity.promptId,
      category: identity.category,
      repeat: identity.repeat,
      status,
      metrics,
      assertions: checks,
      response: this.response,
      error: this.error,
      resources,
      score: caseScore(checks),
      ...(identity.expected === undefined ? {} : { expected: identity.expected }),
      ...(identity.vars === undefined ? {} : { vars: identity.vars }),
      ...(this.settings ?? {}),
      ...(this.messages.length === 0 ? {} : { messages: [...this.messages] }),
      criteria,
    };

    // A failure planted in a model with known answers is expected: the test passes, its status stays 'fail'.
    const problems = verdictProblems(checks, this.unknownPlantedChecks);
    const fails = status === 'error' || problems.length > 0;
    // What a person reads in the vitest UI (and JUnit keeps as properties): for every test, or
    // for the failing ones only (RunPlan.annotate). Annotating is a round trip to vitest's main
    // process that the test waits for, once for all of them: they are sent together, before
    // the task meta is set. (vitest sends the test's pending updates, meta included, with its
    // first annotation, and again when the test ends: a meta set before would be sent twice.)
    // vitest also prints them (and failure messages) in the terminal and CI logs: the model's
    // text in them is shown, never obeyed.
    if (fails || this.session.annotate === 'all') await this.annotate(resultLines(checks, metrics, this.plantedNote), criteria);
    context.task.meta.edgeEvals = {
      case: result,
      model: modelInfo,
      runtime: lease.runtime,
      ...(identity.criteriaWeights === undefined ? {} : { criteriaWeights: identity.criteriaWeights }),
    };
    if (this.session.judged && this.answer !== null && this.error === null) await this.keepForJudge(this.answer);

    if (status === 'error') throw new Error(terminalText(this.error ?? 'unknown error'));
    if (status === 'skip') context.skip(skipReasonOf(lease) ?? 'every check was skipped (content is not judged on synthetic models without known answers)');
    if (problems.length > 0) {
      const expectedFailures = checks.filter((check) => check.planted !== undefined && !check.pass).length;
      const besides = expectedFailures === 0 ? '' : ` (besides ${expectedFailures} expected failure${expectedFailures === 1 ? '' : 's'} of planted defects)`;
      throw new Error(terminalText(`${problems.length} of ${checks.length} checks went wrong${besides}:\n${problems.map((problem) => `- ${problem}`).join('\n')}`));
    }
  }
}

/** What the checks found, one line each, after the request's metrics and the planted truth's note. */
function resultLines(checks: readonly AssertionResult[], metrics: RequestMetrics | null, plantedNote: string | null): string[] {
  const verdict = (check: AssertionResult) =>
    check.skipped === true ? 'SKIP' : check.planted !== undefined ? (check.pass ? 'MISSED' : 'EXPECTED FAIL') : check.pass ? 'PASS' : 'FAIL';
  const checkLines = checks.map((check) => `${verdict(check)} ${check.type}: ${check.reason}${check.planted === undefined ? '' : ` (planted defect: ${check.planted})`}`);
  return [...(metrics === null ? [] : [metricsLine(metrics)]), ...(plantedNote === null ? [] : [plantedNote]), ...checkLines];
}

/** Why the lease's model was not started on purpose (it does not fit in memory), or null. */
export function skipReasonOf(lease: ModelLease): string | null {
  return !lease.ok && lease.skipped === true ? `${lease.alias} was skipped: it ${lease.error}` : null;
}

/** A declarative case: send its conversation, run its checks and thresholds, record. */
export async function runCase(context: TestContext, session: ModelSession, planned: PlannedCase, identity: CaseIdentity, thresholds: Thresholds): Promise<void> {
  const recorder = new CaseRecorder(context, session, identity);
  // A model skipped on purpose: nothing is sent, nothing failed; finish() skips the test.
  if (skipReasonOf(session.lease) !== null) return recorder.finish();
  const settings: ChatSettings = { messages: planned.messages, temperature: planned.temperature, maxTokens: planned.maxTokens };
  try {
    const outcome = await sendChat(session, settings, context.signal);
    recorder.recordReply(outcome, settings);
    if (!recorder.failed) {
      const specs: CheckSpec[] = [...planned.assertions, ...thresholdChecks(thresholds)];
      recorder.recordPlantedChecks(specs, await evaluateAssertions(specs, recorder.assertionContext(outcome, planned.messages)), outcome.answer);
    }
  } catch (error) {
    recorder.recordError((error as Error).message);
  }
  await recorder.finish();
}
