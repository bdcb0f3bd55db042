import { describe, expect, it } from 'vitest';
import { readChunk } from '../../src/client/chunks.ts';
import { computeMetrics, reconcileTokenCount } from '../../src/client/metrics.ts';
import { assembleReply, splitThinkBlocks } from '../../src/client/reply.ts';
import type { TimedEvent } from '../../src/client/types.ts';

const content = (text: string) => ({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
const at = (atMs: number, chunk: unknown): TimedEvent => ({ atMs, chunk });

describe('what counts as output (TTFT)', () => {
  it.each([
    ['role-only', { choices: [{ index: 0, delta: { role: 'assistant' } }] }],
    ['content null', { choices: [{ index: 0, delta: { role: 'assistant', content: null } }] }],
    ['empty content', content('')],
    ['usage-only', { choices: [], usage: { completion_tokens: 3, prompt_tokens: 2 } }],
    ['empty tool_calls (Foundry)', { choices: [{ index: 0, delta: { role: 'assistant', content: '', tool_calls: [] } }] }],
    ['finish with empty delta', { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }],
    ['not an object', 'hello'],
  ])('%s is not a first token', (_label, chunk) => {
    const metrics = computeMetrics([at(10, chunk), at(50, content('Hi'))], 60);
    expect(metrics.ttftMs).toBe(50);
  });

  it.each([
    ['whitespace content', content(' ')],
    ['reasoning_content', { choices: [{ index: 0, delta: { reasoning_content: 'Hm' } }] }],
    ['reasoning', { choices: [{ index: 0, delta: { reasoning: 'Hm' } }] }],
    ['tool_calls', { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '' } }] } }] }],
  ])('%s is a first token', (_label, chunk) => {
    expect(computeMetrics([at(10, chunk), at(50, content('Hi'))], 60).ttftMs).toBe(10);
  });

  it('TTFOT waits for content; reasoning and tool calls only move TTFT', () => {
    const metrics = computeMetrics(
      [at(10, { choices: [{ index: 0, delta: { reasoning_content: 'Hm' } }] }), at(30, content('Yes'))],
      31,
    );
    expect([metrics.ttftMs, metrics.ttfotMs]).toEqual([10, 30]);
  });

  it('ignores choices other than the first', () => {
    const chunk = { choices: [{ index: 1, delta: { content: 'other' } }] };
    expect(computeMetrics([at(5, chunk)], 6).ttftMs).toBeNull();
  });
});

describe('token counts and derived rates', () => {
  it('falls back from usage to timings to output events, and says which it used', () => {
    const timings = { prompt_n: 4, prompt_ms: 10, predicted_n: 5, predicted_ms: 40 };
    const events = [at(100, content('a')), at(120, content('b')), at(140, content('c'))];
    const usage = computeMetrics([...events, at(141, { choices: [], usage: { completion_tokens: 5, prompt_tokens: 4 }, timings })], 142);
    expect([usage.outputTokens, usage.tokenSource]).toEqual([5, 'usage']);
    const server = computeMetrics([...events, at(141, { choices: [], timings })], 142);
    expect([server.outputTokens, server.tokenSource, server.promptTokens]).toEqual([5, 'server-timings', 4]);
    const counted = computeMetrics(events, 142);
    expect([counted.outputTokens, counted.tokenSource, counted.promptTokens]).toEqual([3, 'stream-events', null]);
    expect(counted.tpotMs).toBe(20);
    expect(counted.tokensPerSec).toBeCloseTo(3 / 0.14, 9);
    expect(counted.decodeTokensPerSec).toBe(50);
  });

  it('records the prompt tokens served from the cache: usage details first, then llama.cpp cache_n', () => {
    const fromUsage = computeMetrics([at(10, content('a')), at(20, { choices: [], usage: { completion_tokens: 1, prompt_tokens: 15, prompt_tokens_details: { cached_tokens: 14 } } })], 21);
    expect([fromUsage.promptTokens, fromUsage.cachedPromptTokens]).toEqual([15, 14]);
    // llama.cpp's prompt_n counts the prompt tokens it computed, cache_n those it reused.
    const timings = { cache_n: 14, prompt_n: 1, prompt_ms: 7, predicted_n: 1, predicted_ms: 1 };
    const fromTimings = computeMetrics([at(10, content('a')), at(20, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], timings })], 21);
    expect([fromTimings.promptTokens, fromTimings.cachedPromptTokens]).toEqual([15, 14]);
    expect(computeMetrics([at(10, content('a'))], 11).cachedPromptTokens).toBeNull();
  });

  it('flags usage and timings that disagree, and a count below the number of output events', () => {
    expect(reconcileTokenCount({ completionTokens: 9, promptTokens: 1, cachedPromptTokens: null }, { promptTokens: 1, promptMs: 1, predictedTokens: 8, predictedMs: 1 }, 8)).toEqual({
      outputTokens: 9,
      tokenSource: 'usage',
      disagreement: true,
    });
    expect(reconcileTokenCount({ completionTokens: 2, promptTokens: null, cachedPromptTokens: null }, null, 5).disagreement).toBe(true);
    // more tokens than events is normal: one event may carry several tokens
    expect(reconcileTokenCount({ completionTokens: 12, promptTokens: null, cachedPromptTokens: null }, null, 5).disagreement).toBe(false);
    expect(reconcileTokenCount(null, null, 5)).toEqual({ outputTokens: 5, tokenSource: 'stream-events', disagreement: false });
  });

  it('reports TPOT and decode rate as null, never 0 or Infinity, for one token or one event', () => {
    const oneToken = computeMetrics([at(80, content('Yes')), at(81, { choices: [], usage: { completion_tokens: 1 } })], 82);
    expect([oneToken.tpotMs, oneToken.decodeTokensPerSec]).toEqual([null, null]);
    expect(oneToken.tokensPerSec).toBeCloseTo(12.5, 9);
    // four tokens in a single event: no decode interval was observed
    const oneEvent = computeMetrics([at(80, content('Yes it is')), at(81, { choices: [], usage: { completion_tokens: 4 } })], 82);
    expect([oneEvent.tpotMs, oneEvent.decodeTokensPerSec, oneEvent.e2eMs]).toEqual([null, null, 80]);
  });

  it('reports nothing but the close time when no output came', () => {
    const metrics = computeMetrics([], 33);
    expect(metrics).toMatchObject({ ttftMs: null, ttfotMs: null, e2eMs: null, streamCloseMs: 33, tpotMs: null, outputTokens: 0, tokensPerSec: null });
    expect(metrics.interChunkGapsMs).toEqual([]);
  });

  it('takes the last usage when a server repeats it on every chunk (vLLM continuous usage stats)', () => {
    const metrics = computeMetrics(
      [
        at(10, { ...content('a'), usage: { completion_tokens: 1, prompt_tokens: 3 } }),
        at(20, { ...content('b'), usage: { completion_tokens: 2, prompt_tokens: 3 } }),
      ],
      21,
    );
    expect(metrics.outputTokens).toBe(2);
  });

  it('ignores timings with missing or negative fields', () => {
    expect(readChunk({ choices: [], timings: { prompt_n: 3, prompt_ms: 2, predicted_n: 4 } }).timings).toBeNull();
    expect(readChunk({ choices: [], timings: { prompt_n: 3, prompt_ms: -2, predicted_n: 4, predicted_ms: 9 } }).timings).toBeNull();
  });
});

describe('think blocks', () => {
  it('splits a closed block and skips the blank line after it', () => {
    const text = '<think>\nplan\n</think>\n\nAnswer.';
    expect(splitThinkBlocks(text)).toEqual({ answer: 'Answer.', reasoning: 'plan', answerStart: text.indexOf('Answer') });
  });

  it('treats an unclosed block as reasoning with no answer', () => {
    expect(splitThinkBlocks('<think>still thinking')).toEqual({ answer: '', reasoning: 'still thinking', answerStart: null });
  });

  it('treats text before a lone closing tag as reasoning (template opened the block)', () => {
    expect(splitThinkBlocks('plan first</think>Done')).toEqual({ answer: 'Done', reasoning: 'plan first', answerStart: 18 });
  });

  it('keeps a reply without tags whole, leading whitespace included in its start', () => {
    expect(splitThinkBlocks(' Hello ')).toEqual({ answer: 'Hello', reasoning: '', answerStart: 0 });
  });

  it('handles text before the block and several blocks', () => {
    expect(splitThinkBlocks('Sure. <think>a</think> Then <think>b</think> done')).toEqual({
      answer: 'Sure.  Then  done',
      reasoning: 'a\n\nb',
      answerStart: 0,
    });
  });

  it('TTFOT lands on the event that holds the first answer character, even when a tag is split over events', () => {
    const metrics = computeMetrics(
      [at(10, content('<thi')), at(20, content('nk>x</th')), at(30, content('ink>\n')), at(40, content('\nO')), at(50, content('K'))],
      51,
    );
    expect([metrics.ttftMs, metrics.ttfotMs]).toEqual([10, 40]);
  });

  it('assembles reasoning from deltas and inline blocks together', () => {
    const reply = assembleReply([
      at(1, { choices: [{ index: 0, delta: { reasoning_content: 'from deltas' } }] }),
      at(2, content('<think>inline</think>Hi')),
    ]);
    expect(reply).toEqual({ response: '<think>inline</think>Hi', answer: 'Hi', reasoning: 'from deltas\n\ninline' });
  });
});
