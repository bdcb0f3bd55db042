// The floor plus what a test tells a person in the vitest UI: the three annotations of a case
// (the reply; the metrics and checks; the criteria), sent together as run-case.ts sends them.
import { annotateUnplaced } from '../../../src/suite/run-case.ts';
import { INSTANT_REPLY } from '../instant-server.ts';
import { timed } from './timings.ts';
import { defineVariant } from './variant.ts';

const CHECKS = ['TTFT 1 ms · E2E 1 ms · TPOT 0 ms · 48 tokens (usage) · 34000.0 tokens/s', 'PASS length: 290 chars, within 20..1500', 'PASS regex: matched "I"'].join('\n');
const CRITERIA = ['completeness 5/5 (rules, key-points): 3 of 3 key points made', 'clarity 4/5 (rules, readability): grade 9.1'].join('\n');

defineVariant(async ({ context }) => {
  await timed('three annotations', () =>
    Promise.all([annotateUnplaced(context, INSTANT_REPLY, 'response'), annotateUnplaced(context, CHECKS, 'checks'), annotateUnplaced(context, CRITERIA, 'criteria')]),
  );
});
