// The reply's text: content, reasoning, and the answer without inline `<think>` blocks. Pure.
import { readChunk } from './chunks.ts';
import type { TimedEvent } from './types.ts';

const OPEN_TAG = '<think>';
const CLOSE_TAG = '</think>';

export interface ThinkSplit {
  /** Text outside think blocks, trimmed. */
  answer: string;
  /** Text inside think blocks, each block trimmed, blocks separated by a blank line. */
  reasoning: string;
  /** Index in the input of the answer's first character; null when there is no answer text. */
  answerStart: number | null;
}

function leadingWhitespace(segment: string): number {
  return segment.length - segment.trimStart().length;
}

/**
 * Separates inline reasoning from the answer. Handles several blocks, a block that never
 * closes (the model ran out of tokens while thinking: everything after `<think>` is reasoning)
 * and a reply that only closes one (chat templates that put `<think>` in the prompt: everything
 * before `</think>` is reasoning). Whitespace next to a tag is layout, not the answer's start.
 */
export function splitThinkBlocks(content: string): ThinkSplit {
  const answerParts: string[] = [];
  const reasoningParts: string[] = [];
  let answerStart: number | null = null;
  const firstOpen = content.indexOf(OPEN_TAG);
  const firstClose = content.indexOf(CLOSE_TAG);
  let insideBlock = firstClose !== -1 && (firstOpen === -1 || firstClose < firstOpen);
  let followsTag = false;
  let position = 0;
  while (position < content.length) {
    if (insideBlock) {
      const close = content.indexOf(CLOSE_TAG, position);
      reasoningParts.push(content.slice(position, close === -1 ? content.length : close).trim());
      if (close === -1) break;
      position = close + CLOSE_TAG.length;
      insideBlock = false;
      followsTag = true;
      continue;
    }
    const open = content.indexOf(OPEN_TAG, position);
    const segment = content.slice(position, open === -1 ? content.length : open);
    if (answerStart === null) {
      const skipped = followsTag || open !== -1 ? leadingWhitespace(segment) : 0;
      if (skipped < segment.length) answerStart = position + skipped;
    }
    answerParts.push(segment);
    if (open === -1) break;
    position = open + OPEN_TAG.length;
    insideBlock = true;
    followsTag = true;
  }
  return {
    answer: answerParts.join('').trim(),
    reasoning: reasoningParts.filter((part) => part !== '').join('\n\n'),
    answerStart,
  };
}

export interface Reply {
  response: string;
  answer: string;
  reasoning: string;
}

/** The reply as the events spell it: content concatenated, reasoning from deltas and `<think>` blocks. */
export function assembleReply(events: readonly TimedEvent[]): Reply {
  let response = '';
  let reasoningDeltas = '';
  for (const event of events) {
    const info = readChunk(event.chunk);
    response += info.content;
    reasoningDeltas += info.reasoning;
  }
  const split = splitThinkBlocks(response);
  const reasoning = [reasoningDeltas.trim(), split.reasoning].filter((part) => part !== '').join('\n\n');
  return { response, answer: split.answer, reasoning };
}
