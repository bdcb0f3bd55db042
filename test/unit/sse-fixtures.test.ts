// Metric computation on recorded streams, with the times the transcripts script. The same
// fixtures go through the real openai client over HTTP in test/integration/client.test.ts.
import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/client/metrics.ts';
import { assembleReply } from '../../src/client/reply.ts';
import { loadStreamFixtures, readTranscript } from '../fixtures/streams/transcript.ts';

const fixtures = loadStreamFixtures();

describe('recorded streams', () => {
  it('covers every stream shape the harness must read', () => {
    expect(fixtures.map((fixture) => fixture.name)).toEqual([
      'empty-reply',
      'error-midstream',
      'foundry-quirks',
      'llamacpp-timings',
      'ollama-reasoning',
      'ping-comments',
      'reasoning-content',
      'think-inline',
      'vllm-usage-chunk',
    ]);
  });

  it.each(fixtures)('$name: metrics as scripted', ({ writes, expect: expected }) => {
    const transcript = readTranscript(writes);
    const metrics = computeMetrics(transcript.events, transcript.closeMs);
    const { response, answer, reasoning, error, tpotMs, overheadMs, ...exact } = expected;
    expect(metrics).toMatchObject(exact);
    if (tpotMs === null) expect(metrics.tpotMs).toBeNull();
    else expect(metrics.tpotMs).toBeCloseTo(tpotMs, 9);
    if (overheadMs === null) expect(metrics.overheadMs).toBeNull();
    else expect(metrics.overheadMs).toBeCloseTo(overheadMs, 9);
    expect(assembleReply(transcript.events)).toEqual({ response, answer, reasoning });
    if (error === undefined) expect(transcript.error).toBeNull();
    else expect(JSON.stringify(transcript.error)).toContain(error);
  });

  it('llama.cpp: the role-only prefill chunk is not the first token, and the server timings give the overhead', () => {
    const { writes } = fixtures.find((fixture) => fixture.name === 'llamacpp-timings')!;
    const transcript = readTranscript(writes);
    expect(transcript.events[0]?.atMs).toBe(5);
    const metrics = computeMetrics(transcript.events, transcript.closeMs);
    expect(metrics.ttftMs).toBe(120);
    expect(metrics.interChunkGapsMs).toEqual([15, 15, 19, 15, 15, 15, 15]);
    expect(metrics.tokensPerSec).toBeCloseTo(8 / 0.229, 9);
    expect(metrics.decodeTokensPerSec).toBeCloseTo(7 / 0.109, 9);
  });
});
