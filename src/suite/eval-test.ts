// `evalTest`: a test body for what a declarative list cannot say (a follow-up question, a check
// that depends on an earlier answer, a loop). It runs once per model and repeat like a
// declarative prompt, and its case is recorded the same way: the last reply and its metrics,
// every check the matchers made, the thresholds.
import { test, type ExpectStatic, type TestContext } from 'vitest';
import { z } from 'zod';
import { evaluateAssertions } from '../assertions/index.ts';
import type { ChatOutcome } from '../client/types.ts';
import { loadConfig, type EvalConfig } from '../config/env.ts';
import type { ChatMessage } from '../contract/chat.ts';
import { Expected } from '../contract/results.ts';
import { testNames } from './cases.ts';
import { activeCollector } from './collect.ts';
import { caseTimeout, describeModel } from './define.ts';
import { RequestSettings } from './definition.ts';
import { callerLocation, EvalFileError, type SourceLocation } from './location.ts';
import './matchers.ts';
import { makeReply, type Reply } from './reply.ts';
import { CaseRecorder, sendChat, skipReasonOf, thresholdChecks, type CaseIdentity, type ChatSettings, type ModelSession } from './run-case.ts';
import { resolveThresholds, ThresholdOverridesSchema, type Thresholds } from './thresholds.ts';

const TEST_NAME = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)$/;
/** Requests a test body's default timeout allows for. */
const BODY_REQUESTS = 3;

const EvalTestOptionsSchema = z
  .object({
    system: z.string().optional(),
    /** A reference answer or key points, recorded with the case and seen by checks. */
    expected: Expected.optional(),
    /** Limits on the last reply's metrics, over the defaults of fixtures/thresholds.json. */
    thresholds: ThresholdOverridesSchema.optional(),
    /** The whole test, every request included; default: room for three requests. */
    timeoutMs: z.number().int().positive().optional(),
    ...RequestSettings,
  })
  .strict();
export type EvalTestOptions = z.input<typeof EvalTestOptionsSchema>;

export interface AskOptions {
  system?: string;
  temperature?: number;
  maxTokens?: number;
}

export interface EvalTestContext {
  /** Sends a prompt, or a conversation to continue (`[...reply.messages, { role: 'user', ... }]`). */
  ask(prompt: string | readonly ChatMessage[], options?: AskOptions): Promise<Reply>;
  /** vitest's expect, with toMention, toBeFasterThan and toPass for replies. */
  expect: ExpectStatic;
  model: string;
  /** Synthetic models answer readable text that means nothing: content matchers skip their checks. */
  synthetic: boolean;
  signal: AbortSignal;
}

export type EvalTestBody = (context: EvalTestContext) => Promise<void> | void;

type ParsedOptions = z.output<typeof EvalTestOptionsSchema>;

function validate(name: string, options: EvalTestOptions, location: SourceLocation): { category: string; id: string; options: ParsedOptions } {
  const problems: string[] = [];
  const match = TEST_NAME.exec(name);
  if (match === null) problems.push(`name "${name}": expected "<category>/<id>" in lower-case letters, digits and dashes, e.g. "reasoning/follow-up"`);
  const parsed = EvalTestOptionsSchema.safeParse(options);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `options.${issue.path.join('.')}: ${issue.message}`));
  if (match === null || !parsed.success) throw new EvalFileError(location, problems, 'invalid evalTest');
  return { category: match[1] as string, id: match[2] as string, options: parsed.data };
}

interface BodyRun {
  context: TestContext;
  model: string;
  session: ModelSession;
  identity: CaseIdentity;
  options: ParsedOptions;
  thresholds: Thresholds;
  config: EvalConfig;
}

function isAssertionError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AssertionError';
}

async function runBody(body: EvalTestBody, { context, model, session, identity, options, thresholds, config }: BodyRun): Promise<void> {
  const recorder = new CaseRecorder(context, session, identity);
  // A model skipped on purpose (it does not fit in memory): the body never runs; the test is skipped.
  if (skipReasonOf(session.lease) !== null) return recorder.finish();
  let last: { outcome: ChatOutcome; messages: ChatMessage[] } | null = null;
  const ask = async (prompt: string | readonly ChatMessage[], askOptions: AskOptions = {}): Promise<Reply> => {
    const messages: ChatMessage[] = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt.map((message) => ({ ...message }));
    const system = askOptions.system ?? options.system;
    if (system !== undefined && messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: system });
    const settings: ChatSettings = {
      messages,
      temperature: askOptions.temperature ?? options.temperature ?? config.temperature,
      maxTokens: askOptions.maxTokens ?? options.maxTokens ?? config.maxTokens,
    };
    const outcome = await sendChat(session, settings, context.signal);
    recorder.recordReply(outcome, settings);
    if (outcome.error !== undefined) throw new Error(outcome.error);
    const sent = { outcome, messages };
    last = sent;
    return makeReply(
      { text: outcome.answer, reasoning: outcome.reasoning, metrics: outcome.metrics, messages: [...messages, { role: 'assistant', content: outcome.answer }] },
      {
        assertionContext: () => recorder.assertionContext(sent.outcome, sent.messages),
        recordChecks: (results) => recorder.recordChecks(results),
        noteFailure: (message) => recorder.noteFailure(message),
      },
    );
  };
  const synthetic = session.lease.ok && session.lease.model.synthetic;
  let thrown: { error: unknown } | null = null;
  try {
    await body({ ask, expect: context.expect, model, synthetic, signal: context.signal });
    if (last === null) recorder.recordError('the test body asked the model nothing (call ask)');
  } catch (error) {
    thrown = { error };
  }
  // What failed in the body, in order: each failed soft expect (expect.soft lets the body go on;
  // vitest keeps its error on the task), then what ended the body. A matcher's failure is already
  // recorded as its check; another failed expect becomes one, so that the results fail the case
  // as vitest fails the test; anything else is the case's error.
  const failures = [...(context.task.result?.errors ?? []).map((error) => ({ message: error.message ?? String(error), assertion: true }))];
  if (thrown !== null) {
    const { error } = thrown;
    failures.push({ message: error instanceof Error ? error.message : String(error), assertion: isAssertionError(error) });
  }
  for (const { message, assertion } of failures) {
    if (recorder.explains(message)) continue;
    if (assertion) recorder.recordChecks([{ type: 'expect', pass: false, score: 0, reason: message }]);
    else recorder.recordError(message);
  }
  const final = last as { outcome: ChatOutcome; messages: ChatMessage[] } | null;
  if (final !== null && !recorder.failed) {
    recorder.recordChecks(await evaluateAssertions(thresholdChecks(thresholds), recorder.assertionContext(final.outcome, final.messages)));
  }
  try {
    await recorder.finish();
  } catch (summary) {
    throw thrown?.error ?? summary;
  }
}

/**
 * A test body, run once per model (and repeat): `evalTest('reasoning/follow-up', async ({ ask,
 * expect }) => { ... })`, or with options as the second argument.
 */
export function evalTest(name: string, ...rest: [body: EvalTestBody] | [options: EvalTestOptions, body: EvalTestBody]): void {
  const location = callerLocation();
  const [options, body] = rest.length === 1 ? [{}, rest[0]] : rest;
  const valid = validate(name, options, location);
  const config = loadConfig();
  const repeats = valid.options.repeats ?? config.repeats;
  const skip = valid.options.skip ?? false;
  const only = valid.options.only ?? false;
  const collector = activeCollector();
  if (collector !== undefined) {
    collector.add(location, Promise.resolve([{ id: name, repeats, skip, only }]));
    return;
  }
  describeModel((session, model) => {
    const thresholds = resolveThresholds(model, valid.options.thresholds, undefined);
    testNames({ id: name, repeats }).forEach((testName, repeat) => {
      const register = skip ? test.skip : only ? test.only : test;
      const identity: CaseIdentity = { name: `${model} > ${testName}`, category: valid.category, promptId: valid.id, repeat, expected: valid.options.expected };
      register(
        testName,
        (context) => runBody(body, { context, model, session: session(), identity, options: valid.options, thresholds, config }),
        valid.options.timeoutMs ?? caseTimeout(config, BODY_REQUESTS),
      );
    });
  });
}
