// A streamed chat completion: Server-Sent Events, one `chat.completion.chunk` per piece of
// text as soon as it exists, then the finish chunk with `timings`, optional usage, and [DONE].
import type http from 'node:http';
import type { GenerationResult } from '../engine/generation.ts';
import { timingsJson, usageJson, type ReplyIdentity } from './responses.ts';

export class CompletionStream {
  private readonly base: { id: string; object: 'chat.completion.chunk'; created: number; model: string };

  /** Writes the headers and the opening role chunk. */
  constructor(
    private readonly response: http.ServerResponse,
    reply: ReplyIdentity,
  ) {
    this.base = { id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model };
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Sent before prefill, like OpenAI and llama.cpp; by docs/METRICS.md it is not a first token.
    this.send(this.delta({ role: 'assistant', content: '' }));
  }

  content(text: string): void {
    this.send(this.delta({ content: text }));
  }

  reasoning(text: string): void {
    this.send(this.delta({ reasoning_content: text }));
  }

  finish(result: GenerationResult, includeUsage: boolean): void {
    this.send({ ...this.delta({}, result.finishReason), timings: timingsJson(result.timings) });
    if (includeUsage) this.send({ ...this.base, choices: [], usage: usageJson(result) });
    this.response.end('data: [DONE]\n\n');
  }

  private delta(content: Record<string, string>, finishReason: string | null = null) {
    return { ...this.base, choices: [{ index: 0, delta: content, logprobs: null, finish_reason: finishReason }] };
  }

  private send(payload: unknown): void {
    if (!this.response.writableEnded && !this.response.destroyed) this.response.write(`data: ${JSON.stringify(payload)}\n\n`);
  }
}
