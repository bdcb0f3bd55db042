// The package's entry point for eval files: `import { defineEval } from 'edge-evals'`.
// Everything an eval author writes comes from here; src/ is the machinery behind it.
export { defineCheck } from './assertions/index.ts';
export { defineEval } from './suite/define.ts';
export { evalTest } from './suite/eval-test.ts';

export type { AssertionSpec, CheckContext, CheckDefinition, CheckFunction, CheckVerdict } from './assertions/index.ts';
export type { ChatMessage, ChatRole } from './contract/chat.ts';
export type { Expected, KeyPoint, RequestMetrics, TemplateVars } from './contract/results.ts';
export type { DataLoader, DataRow, EvalDefinition, EvalPrompt } from './suite/definition.ts';
export type { AskOptions, EvalTestBody, EvalTestContext, EvalTestOptions } from './suite/eval-test.ts';
export type { Reply } from './suite/reply.ts';
export type { Thresholds, ThresholdOverrides } from './suite/thresholds.ts';
