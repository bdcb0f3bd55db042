// A message of an OpenAI-style chat, as the client sends it and the embedded server receives it.

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}
