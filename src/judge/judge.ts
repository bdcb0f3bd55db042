// Judging one criterion of one answer: from the verdict cache when the same judge already
// judged the same question and answer under the same rubric, else by asking the judge, reading
// its reply tolerantly, and asking once more (with a reminder of the format) when the reply
// cannot be read. What still cannot be read is a JudgeError with the judge's raw reply: never a
// score made up, never an exception out of here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../contract/chat.ts';
import type { CriterionScore, JudgeError, TextCriterion } from '../contract/criteria.ts';
import { writeFileAtomic } from '../util/files.ts';
import { EndpointFeatures, requestVerdict, type JudgeEndpoint } from './request.ts';
import { judgeMessages, RUBRIC_VERSION, type JudgeSubject } from './rubrics.ts';
import { readVerdict, weightedScore } from './verdict.ts';

/** The raw reply kept with a judge error: enough to see what went wrong, not a whole essay. */
const MAX_RAW = 4000;
const REMINDER = 'Your reply could not be read as a verdict. Reply with only a JSON object: {"reason": "<one sentence>", "score": <a whole number from 1 to 5>}.';

export interface JudgeOptions {
  /** Where verdicts are cached (a folder); null: no cache. */
  cacheDir: string | null;
  timeoutMs: number;
  seed: number;
  /** The judge judges an answer of its own model. */
  selfJudged: boolean;
  features: EndpointFeatures;
  signal?: AbortSignal;
}

interface CachedVerdict {
  score: number;
  reason: string;
  method: 'logprob-weighted' | 'integer';
}

/** The cache key: the judge, the rubric and everything it was sent (question, answer, reference). */
export function verdictKey(endpoint: Pick<JudgeEndpoint, 'runtime' | 'modelId'>, messages: readonly ChatMessage[]): string {
  return createHash('sha256')
    .update(JSON.stringify({ judge: `${endpoint.runtime}/${endpoint.modelId}`, rubric: RUBRIC_VERSION, messages }))
    .digest('hex');
}

function cacheFile(cacheDir: string, key: string): string {
  return path.join(cacheDir, key.slice(0, 2), `${key}.json`);
}

function readCached(cacheDir: string | null, key: string): CachedVerdict | null {
  if (cacheDir === null) return null;
  try {
    const cached = JSON.parse(readFileSync(cacheFile(cacheDir, key), 'utf8')) as Partial<CachedVerdict>;
    const valid = typeof cached.score === 'number' && cached.score >= 1 && cached.score <= 5 && typeof cached.reason === 'string';
    return valid && (cached.method === 'integer' || cached.method === 'logprob-weighted') ? (cached as CachedVerdict) : null;
  } catch {
    return null;
  }
}

function writeCached(cacheDir: string | null, key: string, verdict: CachedVerdict): void {
  if (cacheDir === null) return;
  try {
    writeFileAtomic(cacheFile(cacheDir, key), `${JSON.stringify(verdict)}\n`);
  } catch {
    // A cache that cannot be written costs a judge request next time, nothing more.
  }
}

function clip(text: string): string {
  return text.length > MAX_RAW ? `${text.slice(0, MAX_RAW)}… (${text.length} characters)` : text;
}

export async function judgeCriterion(
  endpoint: JudgeEndpoint,
  criterion: TextCriterion,
  subject: JudgeSubject,
  options: JudgeOptions,
): Promise<{ score: CriterionScore } | { error: JudgeError }> {
  const messages = judgeMessages(criterion, subject);
  const key = verdictKey(endpoint, messages);
  const base = { criterion, source: 'judge', scorer: `judge:${endpoint.alias}`, ...(options.selfJudged ? { selfJudged: true } : {}) } as const;
  const cached = readCached(options.cacheDir, key);
  if (cached !== null) return { score: { ...base, score: cached.score, reason: cached.reason, method: cached.method, cached: true } };

  let conversation: ChatMessage[] = messages;
  let failure = { error: '', raw: '' };
  for (let attempt = 0; attempt < 2; attempt++) {
    const answer = await requestVerdict(endpoint, conversation, options);
    if (!answer.ok) {
      failure = { error: answer.error, raw: answer.text };
      if (options.signal?.aborted === true) break;
      continue;
    }
    const verdict = readVerdict(answer.text);
    if (verdict.ok) {
      const weighted = answer.logprobs === null ? null : weightedScore(answer.logprobs, verdict.scoreOffset);
      const score = weighted === null ? verdict.score : Math.round(weighted * 100) / 100;
      const method = weighted === null ? 'integer' : 'logprob-weighted';
      writeCached(options.cacheDir, key, { score, reason: verdict.reason, method });
      return { score: { ...base, score, reason: verdict.reason, method } };
    }
    failure = { error: verdict.error, raw: answer.text };
    conversation = [...messages, { role: 'assistant', content: answer.text }, { role: 'user', content: REMINDER }];
  }
  return { error: { criterion, judge: endpoint.alias, error: `${failure.error} (after one retry)`, raw: clip(failure.raw) } };
}
