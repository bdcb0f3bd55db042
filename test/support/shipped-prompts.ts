// The texts of the six shipped prompts (evals/*.eval.ts), for tests that ask the synthetic models
// directly. The planted-truth test runs the evals themselves, so a prompt changed there and not
// here fails that test rather than going unnoticed.
export const SHIPPED_PROMPTS: Readonly<Record<string, string>> = {
  'chat/introduce-yourself': 'Hello, please introduce yourself.',
  'chat/edge-ai-one-sentence': 'Explain edge AI in one sentence.',
  'code/sort-function': 'Write a Python function to sort a list.',
  'reasoning/quantum-computing': 'Explain quantum computing in simple terms.',
  'reasoning/remote-work-pros-cons': 'What are the pros and cons of remote work?',
  'summary/edge-ai-benefits': 'Summarize the benefits of edge AI.',
};

/** A prompt no topic matches: the models give their default answer. */
export const UNRELATED_PROMPT = 'What is the capital of France?';
