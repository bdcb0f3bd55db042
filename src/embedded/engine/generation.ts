// One request on one sequence of a loaded model: wait for a free sequence, generate with a
// fresh LlamaChat, measure prefill and decode, and clear the sequence for the next request, or
// (cachePrompt, llama.cpp's `cache_prompt`) keep it, so that the next request on it evaluates
// only what follows the prefix it shares with this one. Token counts come from the sequence's
// token meter, not from onToken (docs/embedded.md).
import type { ChatHistoryItem, ChatWrapper, LlamaChatResponseChunk, LlamaGrammar, Tokenizer } from 'node-llama-cpp';
import type { ChatMessage } from '../../contract/chat.ts';
import type { SequencePool } from './sequence-pool.ts';

export type NodeLlamaCpp = typeof import('node-llama-cpp');

/** Output constrained to JSON (`json_object`), or to JSON that matches a schema (`json_schema`). */
export type ResponseFormat = { type: 'json_object' } | { type: 'json_schema'; schema: Readonly<Record<string, unknown>> };

export interface GenerationRequest {
  messages: readonly ChatMessage[];
  /** Constrains the output through a grammar; undefined: free text. */
  responseFormat?: ResponseFormat;
  /** Undefined: until the model stops or the sequence's context is full. */
  maxTokens?: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: readonly string[];
  /**
   * Reuse the prefix this prompt shares with what the sequence holds, and keep this request's
   * tokens for the next one. False: the whole prompt is evaluated on an empty sequence.
   */
  cachePrompt?: boolean;
  /** Aborts queueing or generation (client disconnect). */
  signal: AbortSignal;
  /** Called once the request has a sequence and prefill begins (a streamed reply starts here). */
  onStart?: () => void;
  /** Called once per generated chunk of answer text. */
  onText?: (text: string) => void;
  /** Called once per generated chunk of reasoning (thought segments of reasoning models). */
  onReasoning?: (text: string) => void;
}

/** llama.cpp-style server timings, measured inside the engine. */
export interface GenerationTimings {
  /** Prompt tokens evaluated (the cached ones not counted), as llama.cpp's `prompt_n`. */
  promptTokens: number;
  /** Prompt tokens taken from the sequence instead of being evaluated (`cache_n`). */
  cachedTokens: number;
  /** Prefill: from the start of evaluation to the first generated output. */
  promptMs: number;
  predictedTokens: number;
  /** From the first generated output to the end of generation. */
  predictedMs: number;
}

export interface GenerationResult {
  text: string;
  reasoning: string;
  finishReason: 'stop' | 'length';
  /** The whole prompt, cached tokens included. */
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
  timings: GenerationTimings;
  /** Time spent waiting for a free sequence. */
  queuedMs: number;
}

/** The request's signal fired (client gone, unload, shutdown): nobody waits for an answer. */
export class GenerationAbortedError extends Error {
  constructor(reason: string) {
    super(`generation aborted: ${reason}`);
    this.name = 'GenerationAbortedError';
  }
}

/**
 * The prompt does not fit the model's context. Refused before anything is evaluated: left to
 * itself, node-llama-cpp would cut the beginning of the conversation to make room, answer a
 * prompt nobody sent, and the prefill and first-token figures would measure that.
 */
export class ContextLengthExceededError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(
      `This model's maximum context length is ${contextSize} tokens. However, your messages resulted in ${promptTokens} tokens. ` +
        'Please reduce the length of the messages.',
    );
    this.name = 'ContextLengthExceededError';
  }
}

/** What a generation needs of a loaded model. */
export interface GenerationSlot {
  chatWrapper: ChatWrapper;
  tokenizer: Tokenizer;
  /** Tokens one sequence holds: the prompt and the reply together. */
  contextSize: number;
  pool: SequencePool;
  /** Aborts every generation of this model (unload, shutdown). */
  stopAll: AbortController;
}

/** Tokens the chat wrapper renders the conversation into: what prefill evaluates. */
function promptTokenCount(slot: GenerationSlot, history: ChatHistoryItem[]): number {
  return slot.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(slot.tokenizer).length;
}

export async function generateOnSequence(lib: NodeLlamaCpp, slot: GenerationSlot, request: GenerationRequest, grammar?: LlamaGrammar): Promise<GenerationResult> {
  const signal = AbortSignal.any([request.signal, slot.stopAll.signal]);
  const history = toChatHistory(request.messages);
  const promptTokensNeeded = promptTokenCount(slot, history);
  // node-llama-cpp keeps one token of the context free beyond the prompt, and the reply needs one.
  if (promptTokensNeeded + 1 >= slot.contextSize) throw new ContextLengthExceededError(promptTokensNeeded, slot.contextSize);
  const queuedAt = performance.now();
  const sequence = await slot.pool.acquire(signal);
  // LlamaChat keeps what the sequence holds up to the first token that differs from the prompt:
  // a request that does not ask for the cache must not find the previous one's tokens there.
  if (request.cachePrompt !== true) await sequence.clearHistory();
  const startedAt = performance.now();
  request.onStart?.();
  let firstOutputAt: number | undefined;
  let reasoning = '';
  const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper: slot.chatWrapper });
  const meterBefore = sequence.tokenMeter.getState();
  let keep = request.cachePrompt === true;
  try {
    const response = await chat.generateResponse(history, {
      onResponseChunk: (chunk: LlamaChatResponseChunk) => {
        if (chunk.text === '') return;
        firstOutputAt ??= performance.now();
        if (chunk.type === undefined) request.onText?.(chunk.text);
        else if (chunk.segmentType === 'thought') {
          reasoning += chunk.text;
          request.onReasoning?.(chunk.text);
        }
      },
      onToken: () => {
        firstOutputAt ??= performance.now();
      },
      // Never past the end of the context: node-llama-cpp would make room by dropping the
      // beginning of the conversation. A reply that reaches the end stops with 'length'.
      maxTokens: Math.min(request.maxTokens ?? Infinity, sequence.contextSize - promptTokensNeeded),
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      // OpenAI semantics: no penalty unless asked for (node-llama-cpp enables one by default).
      repeatPenalty: false,
      customStopTriggers: request.stop.length > 0 ? request.stop : undefined,
      // The checks above keep the conversation inside the context; should it still overflow,
      // fail rather than let node-llama-cpp cut the conversation's beginning to make room.
      contextShift: {
        strategy: () => {
          throw new ContextLengthExceededError(promptTokensNeeded, slot.contextSize);
        },
      },
      grammar,
      signal,
      stopOnAbortSignal: true,
    });
    const endedAt = performance.now();
    if (signal.aborted) throw new GenerationAbortedError(abortReason(request.signal, slot.stopAll.signal));
    // The meter counts every sampled token as output and the rest of the evaluated tokens as
    // input; the prompt's last token is evaluated for sampling, so it counts as output. What
    // the rendered prompt has beyond the evaluated tokens came from the sequence (cachePrompt).
    const used = sequence.tokenMeter.diff(meterBefore);
    const completionTokens = used.usedOutputTokens;
    const evaluatedPromptTokens = used.usedInputTokens + (completionTokens > 0 ? 1 : 0);
    const cachedPromptTokens = Math.max(0, promptTokensNeeded - evaluatedPromptTokens);
    const prefillEnd = firstOutputAt ?? endedAt;
    return {
      text: response.response,
      reasoning,
      finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      promptTokens: evaluatedPromptTokens + cachedPromptTokens,
      cachedPromptTokens,
      completionTokens,
      timings: {
        promptTokens: evaluatedPromptTokens,
        cachedTokens: cachedPromptTokens,
        promptMs: prefillEnd - startedAt,
        predictedTokens: completionTokens,
        predictedMs: endedAt - prefillEnd,
      },
      queuedMs: startedAt - queuedAt,
    };
  } catch (error) {
    // Whatever an aborted or failed generation left on the sequence is not kept.
    keep = false;
    if (signal.aborted) throw new GenerationAbortedError(abortReason(request.signal, slot.stopAll.signal));
    throw error;
  } finally {
    chat.dispose({ disposeSequence: false });
    // Unless asked to keep it, the next request finds an empty sequence: no state leaks.
    if (!keep) await sequence.clearHistory().catch(() => undefined);
    slot.pool.release(sequence);
  }
}

function abortReason(requestSignal: AbortSignal, modelSignal: AbortSignal): string {
  if (modelSignal.aborted) return String(modelSignal.reason);
  return requestSignal.aborted ? 'the client went away' : 'aborted';
}

/** OpenAI roles to node-llama-cpp's history, ending with the (empty) reply to generate. */
function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  history.push({ type: 'model', response: [] });
  return history;
}
