// The floor plus what a test tells a person in the vitest UI: two annotations (the reply; the
// metrics and checks), sent together, as run-case.ts does.
import { INSTANT_REPLY } from '../instant-server.ts';
import { timed } from './timings.ts';
import { defineVariant } from './variant.ts';

const RESULT = ['TTFT 1.2 ms · E2E 1.4 ms · 48 tokens (usage) · 34000 tokens/s', 'PASS length: 290 chars, within 20..1500', 'PASS regex: matched "I"'].join('\n');

defineVariant(async ({ context }) => {
  await timed('two annotations', () => Promise.all([context.annotate(INSTANT_REPLY, 'response'), context.annotate(RESULT, 'checks')]));
});
