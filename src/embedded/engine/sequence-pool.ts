// The sequences of one model context, handed out to requests in FIFO order: a request that
// finds none free waits in line, and leaves the line when its signal fires. The free sequence
// handed out is the one released last, so that one request after another lands on the
// sequence that holds the previous prompt (a prompt cache hit when the client asks for one). The line is
// bounded: a request that finds it full is refused at once (HTTP 429), so that a flood of
// requests cannot pile up without end.
import type { LlamaContextSequence } from 'node-llama-cpp';
import { GenerationAbortedError } from './generation.ts';

interface Waiter {
  resolve: (sequence: LlamaContextSequence) => void;
  reject: (error: Error) => void;
}

/** Every sequence is busy and `maxQueue` requests already wait for one. */
export class QueueFullError extends Error {
  constructor(readonly maxQueue: number) {
    super(`the model is busy and ${maxQueue} request${maxQueue === 1 ? '' : 's'} already wait for it (--max-queue ${maxQueue}); retry later`);
    this.name = 'QueueFullError';
  }
}

/** The free sequences of a context, handed out in FIFO order of the requests. */
export class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiting: Waiter[] = [];

  constructor(
    sequences: LlamaContextSequence[],
    private readonly maxQueue: number,
  ) {
    this.free = [...sequences];
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    if (signal.aborted) return Promise.reject(new GenerationAbortedError('before it started'));
    const sequence = this.free.shift();
    if (sequence !== undefined) return Promise.resolve(sequence);
    if (this.waiting.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.maxQueue));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (granted) => {
          signal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new GenerationAbortedError('while queued'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next !== undefined) next.resolve(sequence);
    else this.free.unshift(sequence);
  }

  rejectAll(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
