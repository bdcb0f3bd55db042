import { describe, expect, it } from 'vitest';
import { controlPromptCache } from '../../src/client/prompt-cache.ts';
import type { ChatMessage } from '../../src/contract/chat.ts';

const user: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const withSystem: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, ...user];
const nonces = ['a1', 'b2'];
const nextNonce = () => nonces.shift() ?? 'zz';

describe('controlPromptCache', () => {
  it('keeps llama-server and the embedded runtime cold with their switch', () => {
    expect(controlPromptCache('llama-server', 'cold', user)).toEqual({ messages: user, extraBody: { cache_prompt: false }, prime: false });
    expect(controlPromptCache('embedded', 'cold', user)).toEqual({ messages: user, extraBody: { cache_prompt: false }, prime: false });
  });

  it('starts the prompt with a nonce where the runtime has no switch, so no cached prefix matches', () => {
    expect(controlPromptCache('ollama', 'cold', user, nextNonce).messages).toEqual([{ role: 'system', content: 'Request a1.' }, ...user]);
    expect(controlPromptCache('openai', 'cold', withSystem, nextNonce).messages).toEqual([{ role: 'system', content: 'Request b2.\n\nBe brief.' }, ...user]);
    const twice = [controlPromptCache('foundry', 'cold', user), controlPromptCache('foundry', 'cold', user)].map((control) => control.messages[0]?.content);
    expect(twice[0]).not.toBe(twice[1]);
  });

  it('primes the cache with the same request when warm', () => {
    expect(controlPromptCache('llama-server', 'warm', user)).toEqual({ messages: user, extraBody: { cache_prompt: true }, prime: true });
    expect(controlPromptCache('ollama', 'warm', user)).toEqual({ messages: user, prime: true });
    expect(controlPromptCache('embedded', 'warm', user)).toEqual({ messages: user, extraBody: { cache_prompt: true }, prime: true });
  });
});
