// The judge client against the scripted judge stand-in, over real HTTP: verdicts read with and
// without logprobs, one retry after a reply it cannot read, and every way a judge can fail
// (malformed JSON, a score out of range, a refusal, a slow judge, a judge process that dies, a
// server that refuses response_format) recorded as a judge error with what the judge said.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeCriterion, type JudgeOptions } from '../../src/judge/judge.ts';
import { EndpointFeatures, type JudgeEndpoint } from '../../src/judge/request.ts';
import type { JudgeSubject } from '../../src/judge/rubrics.ts';
import { startJudgeStandIn, type RunningJudge } from '../support/judge-stand-in.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-judge-'));
const judges: RunningJudge[] = [];
afterAll(async () => {
  await Promise.all(judges.map((judge) => judge.stop()));
  rmSync(folder, { recursive: true, force: true });
});

const subject = (answer: string): JudgeSubject => ({ messages: [{ role: 'user', content: 'Write a Python function to sort a list.' }], answer, expected: ['def', 'ascending'] });

async function start(name: string, script: Parameters<typeof startJudgeStandIn>[0]) {
  const judge = await startJudgeStandIn(script, folder, name);
  judges.push(judge);
  const endpoint: JudgeEndpoint = { alias: 'scripted-judge', modelId: 'scripted-judge', runtime: 'llama-server', baseURL: judge.baseURL };
  const options = (overrides: Partial<JudgeOptions> = {}): JudgeOptions => ({
    cacheDir: null,
    timeoutMs: 5_000,
    seed: 42,
    selfJudged: false,
    features: new EndpointFeatures('llama-server'),
    ...overrides,
  });
  return { judge, endpoint, options };
}

describe('judging one criterion', () => {
  let scripted: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    scripted = await start('scripted', {
      rules: [
        { answerContains: 'WEIGHTED', replies: ['{"reason": "Mostly right.", "score": 4}'], probabilities: { '4': 0.6, '5': 0.3, '3': 0.1 } },
        { answerContains: 'MALFORMED-ONCE', replies: ['{"reason": "cut off', '{"reason": "Works on every input.", "score": 5}'] },
        { answerContains: 'MALFORMED', replies: ['{reason: no quotes, score: five}'] },
        { answerContains: 'OUT-OF-RANGE', replies: ['{"reason": "Excellent!", "score": 9}'] },
        { answerContains: 'REFUSAL', replies: ["I'm sorry, but I can't help with grading this."] },
        { answerContains: 'SLOW', delayMs: 1_500 },
        { answerContains: 'BROKEN', status: 500 },
      ],
      default: { score: 3, reason: 'Half of what a good answer says.' },
    });
  });

  it('reads a verdict, asking for the JSON schema and logprobs, and weighs the score by the score tokens', async () => {
    const { endpoint, options, judge } = scripted;
    const plain = await judgeCriterion(endpoint, 'completeness', subject('def f(x): return sorted(x)'), options({ features: new EndpointFeatures('embedded') }));
    expect(plain).toEqual({ score: { criterion: 'completeness', score: 3, reason: 'Half of what a good answer says.', source: 'judge', scorer: 'judge:scripted-judge', method: 'integer' } });
    const weighted = await judgeCriterion(endpoint, 'accuracy', subject('WEIGHTED'), options({ selfJudged: true }));
    expect(weighted).toEqual({
      score: { criterion: 'accuracy', score: 4.2, reason: 'Mostly right.', source: 'judge', scorer: 'judge:scripted-judge', method: 'logprob-weighted', selfJudged: true },
    });
    const asked = judge.requests().find((entry) => entry.answer === 'WEIGHTED');
    expect(asked).toMatchObject({ criterion: 'accuracy', responseFormat: true, logprobs: true });
  });

  it('asks once more after a reply it cannot read, and takes the second', async () => {
    const outcome = await judgeCriterion(scripted.endpoint, 'accuracy', subject('MALFORMED-ONCE'), scripted.options());
    expect(outcome).toMatchObject({ score: { score: 5, reason: 'Works on every input.' } });
    expect(scripted.judge.requests().filter((entry) => entry.answer === 'MALFORMED-ONCE')).toHaveLength(2);
  });

  it('records malformed JSON, a score out of range and a refusal as judge errors with the raw reply, after one retry', async () => {
    const { endpoint, options } = scripted;
    expect(await judgeCriterion(endpoint, 'clarity', subject('MALFORMED'), options())).toEqual({
      error: { criterion: 'clarity', judge: 'scripted-judge', error: 'the reply is not valid JSON and has no score (after one retry)', raw: '{reason: no quotes, score: five}' },
    });
    expect(await judgeCriterion(endpoint, 'accuracy', subject('OUT-OF-RANGE'), options())).toMatchObject({
      error: { error: 'score 9 is outside the scale 1-5 (after one retry)', raw: '{"reason": "Excellent!", "score": 9}' },
    });
    expect(await judgeCriterion(endpoint, 'accuracy', subject('REFUSAL'), options())).toMatchObject({
      error: { error: 'the judge refused to grade (after one retry)', raw: "I'm sorry, but I can't help with grading this." },
    });
    expect(scripted.judge.requests().filter((entry) => entry.answer === 'REFUSAL')).toHaveLength(2);
  });

  it('gives up on a judge slower than the timeout, and on HTTP errors, saying so', async () => {
    const { endpoint, options } = scripted;
    const slow = await judgeCriterion(endpoint, 'accuracy', subject('SLOW'), options({ timeoutMs: 500 }));
    expect(slow).toMatchObject({ error: { error: expect.stringMatching(/did not answer: no answer within 500 ms \(after one retry\)$/), raw: '' } });
    const broken = await judgeCriterion(endpoint, 'accuracy', subject('BROKEN'), options());
    expect(broken).toMatchObject({ error: { error: 'the judge answered HTTP 500: scripted failure 500 (after one retry)' } });
  });

  it('caches verdicts by judge, rubric, question and answer', async () => {
    const cacheDir = path.join(folder, 'verdicts');
    const { endpoint, options, judge } = scripted;
    const before = judge.requests().length;
    const first = await judgeCriterion(endpoint, 'clarity', subject('CACHE ME'), options({ cacheDir }));
    const again = await judgeCriterion(endpoint, 'clarity', subject('CACHE ME'), options({ cacheDir }));
    expect(first).toMatchObject({ score: { score: 3 } });
    expect(again).toMatchObject({ score: { score: 3, cached: true } });
    expect(judge.requests().length - before).toBe(1);
    const otherAnswer = await judgeCriterion(endpoint, 'clarity', subject('CACHE ME TOO'), options({ cacheDir }));
    const otherJudge = await judgeCriterion({ ...endpoint, modelId: 'another-judge' }, 'clarity', subject('CACHE ME'), options({ cacheDir }));
    expect([otherAnswer, otherJudge].map((outcome) => 'score' in outcome && outcome.score.cached === true)).toEqual([false, false]);
    expect([otherAnswer, otherJudge].every((outcome) => 'score' in outcome)).toBe(true);
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
  });
});

describe('a judge that fails as a server', () => {
  it('is asked again without response_format when it refuses it', async () => {
    const { endpoint, options, judge } = await start('old-server', { rejectResponseFormat: true });
    const features = new EndpointFeatures('openai');
    expect(await judgeCriterion(endpoint, 'accuracy', subject('def f(x): return sorted(x)'), options({ features }))).toMatchObject({ score: { score: 4 } });
    expect(features.structuredOutput).toBe(false);
    expect(judge.requests().map((entry) => entry.responseFormat)).toEqual([true, false]);
  });

  it('records a judge process that dies as errors, and never throws', async () => {
    const { endpoint, options, judge } = await start('dying', { rules: [{ answerContains: 'DIE', exit: true }] });
    const outcome = await judgeCriterion(endpoint, 'accuracy', subject('DIE'), options());
    expect(outcome).toMatchObject({ error: { error: expect.stringMatching(/did not answer: .*(ECONNRESET|ECONNREFUSED|socket hang up|other side closed|fetch failed).*\(after one retry\)$/), raw: '' } });
    await judge.child;
    expect(judge.child.exitCode).toBe(1);
    const afterwards = await judgeCriterion(endpoint, 'clarity', subject('anything'), options());
    expect(afterwards).toMatchObject({ error: { error: expect.stringContaining('ECONNREFUSED') } });
  });
});
