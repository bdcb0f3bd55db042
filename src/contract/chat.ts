// A message of an OpenAI-style chat, as the client sends it, the embedded server receives it and
// the results record it.
import { z } from 'zod';

export const ChatRole = z.enum(['system', 'user', 'assistant']);
export type ChatRole = z.infer<typeof ChatRole>;

export const ChatMessage = z.object({ role: ChatRole, content: z.string() });
export type ChatMessage = z.infer<typeof ChatMessage>;
