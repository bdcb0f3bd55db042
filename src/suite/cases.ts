// From a validated eval definition to its cases: one per prompt, or per (prompt, data row),
// with the conversation to send, the checks, the expected answer and the request settings
// resolved. The same plan is registered as vitest tests and, before a run, collected to
// validate every eval file and the filters (collect.ts), so both see the same test names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AssertionSpec } from '../assertions/index.ts';
import type { EvalConfig } from '../config/env.ts';
import type { ChatMessage } from '../contract/chat.ts';
import type { CriterionWeights } from '../contract/criteria.ts';
import { testId, type Expected, type TemplateVars } from '../contract/results.ts';
import { mergeCriteria, type CriteriaSpec } from '../criteria/index.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { loadRows, type Row } from './data.ts';
import type { ParsedDefinition, ParsedPrompt } from './definition.ts';
import { EvalFileError, type SourceLocation } from './location.ts';
import { renderTemplate } from './template.ts';
import type { ThresholdOverrides } from './thresholds.ts';

export const PROMPTS_FOLDER = path.join(PROJECT_ROOT, 'fixtures', 'prompts');

export interface PlannedCase {
  /** `<category>/<prompt>`, or `<category>/<prompt>/<row>` with data: the test's name without its repeat. */
  id: string;
  category: string;
  /** The prompt's id, with the data row's after a slash. */
  promptId: string;
  messages: ChatMessage[];
  expected: Expected | undefined;
  vars: TemplateVars | undefined;
  /** How the answer's criteria are scored: the prompt's settings over the eval's. */
  criteria: CriteriaSpec | undefined;
  /** The category's weights in the recommendation, when its eval sets them. */
  criteriaWeights: CriterionWeights | undefined;
  /** The eval's checks, then the prompt's. */
  assertions: AssertionSpec[];
  /** Threshold overrides of the eval and of the prompt, resolved per model when the test runs. */
  thresholds: [ThresholdOverrides | undefined, ThresholdOverrides | undefined];
  repeats: number;
  temperature: number;
  maxTokens: number;
  skip: boolean;
  only: boolean;
}

export type RunDefaults = Pick<EvalConfig, 'repeats' | 'temperature' | 'maxTokens'>;

/** The vitest test names of a case: its id, with `#n` when it repeats. */
export function testNames(planned: Pick<PlannedCase, 'id' | 'repeats'>): string[] {
  if (planned.repeats === 1) return [planned.id];
  return Array.from({ length: planned.repeats }, (_, repeat) => `${planned.id} #${repeat + 1}`);
}

/** The text of a prompt: `prompt`, then the content of `file` (under fixtures/prompts/) when given. */
export function promptText(prompt: { prompt?: string; file?: string }): string {
  if (prompt.file === undefined) return prompt.prompt ?? '';
  let content: string;
  try {
    content = readFileSync(path.join(PROMPTS_FOLDER, prompt.file), 'utf8').trim();
  } catch {
    throw new Error(`prompt file fixtures/prompts/${prompt.file} does not exist`);
  }
  return prompt.prompt === undefined ? content : `${prompt.prompt}\n\n${content}`;
}

function conversation(definition: ParsedDefinition, prompt: ParsedPrompt): ChatMessage[] {
  const system = prompt.system ?? definition.system;
  const messages = prompt.messages ?? [{ role: 'user' as const, content: promptText(prompt) }];
  if (system === undefined || messages[0]?.role === 'system') return messages.map((message) => ({ ...message }));
  return [{ role: 'system', content: system }, ...messages];
}

/** Each top-level text field of a check (value, pattern, ...) with the row's variables filled in. */
function renderCheck(spec: AssertionSpec, vars: TemplateVars): AssertionSpec {
  const rendered: Record<string, unknown> = { ...spec };
  for (const [key, value] of Object.entries(spec)) {
    if (key !== 'type' && typeof value === 'string') rendered[key] = renderTemplate(value, vars);
  }
  return rendered as AssertionSpec;
}

const needsKeyPoints = (spec: AssertionSpec) => spec.type === 'key-points' || spec.type === 'not-key-points';

interface PromptPlan {
  definition: ParsedDefinition;
  prompt: ParsedPrompt;
  promptIndex: number;
  row: Row | null;
  defaults: RunDefaults;
}

function planOne({ definition, prompt, promptIndex, row, defaults }: PromptPlan, problems: string[]): PlannedCase | null {
  const field = `prompts.${promptIndex}`;
  const where = row === null ? field : `${field}, data row "${row.id}"`;
  const render = (text: string, what: string) => {
    try {
      return row === null ? text : renderTemplate(text, row.vars);
    } catch (error) {
      problems.push(`${where}: ${what}: ${(error as Error).message}`);
      return text;
    }
  };
  let messages: ChatMessage[];
  try {
    messages = conversation(definition, prompt);
  } catch (error) {
    problems.push(`${field}.file: ${(error as Error).message}`);
    return null;
  }
  messages = messages.map((message, index) => ({ ...message, content: render(message.content, prompt.messages === undefined ? 'the prompt' : `messages.${index}`) }));
  const assertions = [...definition.assert, ...prompt.assert].map((spec, index) => {
    try {
      return row === null ? spec : renderCheck(spec, row.vars);
    } catch (error) {
      problems.push(`${where}: check ${index + 1} (${spec.type}): ${(error as Error).message}`);
      return spec;
    }
  });
  const expected = row?.expected ?? prompt.expected;
  if (assertions.some(needsKeyPoints) && !Array.isArray(expected)) {
    problems.push(`${where}: key-points needs \`expected\` key points (a list) on the prompt${definition.data === undefined ? '' : ' or the row'}`);
  }
  const promptId = row === null ? prompt.id : `${prompt.id}/${row.id}`;
  return {
    id: testId({ category: definition.category, prompt: promptId }),
    category: definition.category,
    promptId,
    messages,
    expected,
    vars: row?.vars,
    criteria: mergeCriteria(definition.criteria, prompt.criteria),
    criteriaWeights: definition.criteria?.weights,
    assertions,
    thresholds: [definition.thresholds, prompt.thresholds],
    repeats: prompt.repeats ?? definition.repeats ?? defaults.repeats,
    temperature: prompt.temperature ?? definition.temperature ?? defaults.temperature,
    maxTokens: prompt.maxTokens ?? definition.maxTokens ?? defaults.maxTokens,
    skip: prompt.skip ?? definition.skip ?? false,
    only: prompt.only ?? definition.only ?? false,
  };
}

/** Every case of the eval, in definition order (prompt by prompt, then row by row). */
export async function planCases(definition: ParsedDefinition, location: SourceLocation, defaults: RunDefaults): Promise<PlannedCase[]> {
  const rows = definition.data === undefined ? [null] : await loadRows(definition.data, location);
  const problems: string[] = [];
  const cases: PlannedCase[] = [];
  definition.prompts.forEach((prompt, promptIndex) => {
    for (const row of rows) {
      const planned = planOne({ definition, prompt, promptIndex, row, defaults }, problems);
      if (planned !== null) cases.push(planned);
    }
  });
  const ids = new Set<string>();
  for (const planned of cases) {
    if (ids.has(planned.id)) problems.push(`prompts: two prompts have the id "${planned.promptId}"`);
    ids.add(planned.id);
  }
  if (problems.length > 0) throw new EvalFileError(location, [...new Set(problems)]);
  return cases;
}
