// One eval test: stream the prompt to the model, measure, check, and record the outcome for
// machines (`task.meta.edgeEvals`, which the JSON, blob and custom reporters keep) and for
// people (annotations, which the vitest UI shows).
import type { TestContext } from 'vitest';
import { evaluateAssertions, type AssertionSpec } from '../assertions/index.ts';
import { metricsLine } from '../client/metrics.ts';
import { streamChat } from '../client/stream-chat.ts';
import type { EvalConfig } from '../config/env.ts';
import type { CaseMeta } from '../contract/case-meta.ts';
import type { ChatMessage } from '../contract/chat.ts';
import type { AssertionResult, CaseResult, CaseStatus, RequestMetrics } from '../contract/results.ts';
import { modelResources, reconnectModel, type ControlAccess } from '../lifecycle/control-client.ts';
import type { ModelLease } from '../lifecycle/coordinator.ts';
import { endpointApiKey } from '../runtimes/endpoint-key.ts';
import type { Thresholds } from './thresholds.ts';

export interface CaseInput {
  name: string;
  lease: ModelLease;
  /** Called with the model's new lease when its service moved and was found again. */
  onReconnect?: (lease: ModelLease) => void;
  control: ControlAccess;
  config: EvalConfig;
  category: string;
  promptId: string;
  repeat: number;
  system: string | undefined;
  prompt: string;
  maxTokens: number;
  assertions: AssertionSpec[];
  thresholds: Thresholds;
}

type RunningModelInfo = Extract<ModelLease, { ok: true }>['model'];

/** Thresholds are checks like any other, of the `performance` kind. */
function thresholdChecks(thresholds: Thresholds): AssertionSpec[] {
  const checks: AssertionSpec[] = [];
  if (thresholds.ttftMs !== undefined) checks.push({ type: 'max-ttft', ms: thresholds.ttftMs });
  if (thresholds.e2eMs !== undefined) checks.push({ type: 'max-e2e', ms: thresholds.e2eMs });
  if (thresholds.tpotMs !== undefined) checks.push({ type: 'max-tpot', ms: thresholds.tpotMs });
  if (thresholds.tokensPerSec !== undefined) checks.push({ type: 'min-tokens-per-sec', value: thresholds.tokensPerSec });
  return checks;
}

export function statusOf(error: string | null, checks: readonly AssertionResult[]): CaseStatus {
  if (error !== null) return 'error';
  const evaluated = checks.filter((check) => check.skipped !== true);
  if (evaluated.length === 0) return 'skip';
  return evaluated.every((check) => check.pass) ? 'pass' : 'fail';
}

export async function runCase(context: TestContext, input: CaseInput): Promise<void> {
  const { lease, config } = input;
  const modelInfo: CaseMeta['model'] = lease.ok
    ? {
        alias: lease.model.alias,
        modelId: lease.model.modelId,
        synthetic: lease.model.synthetic,
        loadMs: lease.model.loadMs,
        downloadMs: lease.model.downloadMs,
        startError: null,
      }
    : { alias: lease.alias, modelId: null, synthetic: false, loadMs: null, downloadMs: null, startError: lease.error };

  let response = '';
  let metrics: RequestMetrics | null = null;
  let error: string | null = null;
  let checks: AssertionResult[] = [];
  if (!lease.ok) {
    error = `model ${lease.alias} could not be started: ${lease.error}`;
  } else {
    const messages: ChatMessage[] = [];
    if (input.system !== undefined) messages.push({ role: 'system', content: input.system });
    messages.push({ role: 'user', content: input.prompt });
    const send = (model: RunningModelInfo) =>
      streamChat({
        baseURL: model.baseURL,
        apiKey: endpointApiKey(lease.runtime.name, config),
        model: model.modelId,
        messages,
        maxTokens: input.maxTokens,
        temperature: config.temperature,
        seed: config.seed,
        timeoutMs: config.timeoutMs,
        signal: context.signal,
      });
    let outcome = await send(lease.model);
    if (outcome.unreachable === true) {
      // Nothing listens there any more (Foundry Local restarted on a new port): the coordinator
      // looks for the service, and the request, which never reached a server, is sent again.
      const moved = await reconnectModel(input.control, lease.model.alias, lease.model.baseURL).catch(() => null);
      if (moved?.ok === true && moved.model.baseURL !== lease.model.baseURL) {
        input.onReconnect?.(moved);
        outcome = await send(moved.model);
      }
    }
    response = outcome.response;
    metrics = outcome.metrics;
    if (outcome.error !== undefined) {
      error = outcome.error;
    } else {
      checks = await evaluateAssertions([...input.assertions, ...thresholdChecks(input.thresholds)], {
        response: outcome.answer,
        metrics: outcome.metrics,
        synthetic: lease.model.synthetic,
        model: lease.model.alias,
        pythonSandbox: config.pythonSandbox,
      });
    }
  }
  const resources = lease.ok ? await modelResources(input.control, lease.model.alias).catch(() => null) : null;
  const status = statusOf(error, checks);
  const result: CaseResult = {
    name: input.name,
    model: modelInfo.alias,
    modelId: modelInfo.modelId,
    prompt: input.promptId,
    category: input.category,
    repeat: input.repeat,
    status,
    metrics,
    assertions: checks,
    response,
    error,
    resources,
  };
  context.task.meta.edgeEvals = { case: result, model: modelInfo, runtime: lease.runtime };

  if (response !== '') await context.annotate(response, 'response');
  if (metrics !== null) await context.annotate(metricsLine(metrics), 'metrics');
  for (const check of checks) {
    const verdict = check.skipped === true ? 'SKIP' : check.pass ? 'PASS' : 'FAIL';
    await context.annotate(`${verdict} ${check.type}: ${check.reason}`, check.pass || check.skipped === true ? 'check' : 'check-failed');
  }

  if (status === 'error') throw new Error(error ?? 'unknown error');
  if (status === 'skip') context.skip('every check was skipped (content is not judged on synthetic models)');
  if (status === 'fail') {
    const failed = checks.filter((check) => !check.pass && check.skipped !== true);
    throw new Error(`${failed.length} of ${checks.length} checks failed:\n${failed.map((check) => `- ${check.type}: ${check.reason}`).join('\n')}`);
  }
}
