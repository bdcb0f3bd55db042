import { describe, expect, it } from 'vitest';
import { parseDefinition, promptText, type EvalDefinition } from '../../src/suite/define.ts';

function problem(definition: unknown): string {
  try {
    parseDefinition(definition as EvalDefinition, 'evals/broken.eval.ts');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the definition to be rejected');
}

describe('eval definitions', () => {
  it('accepts a short declarative definition and fills the defaults', () => {
    const parsed = parseDefinition(
      { category: 'code', prompts: [{ id: 'sort-function', prompt: 'Write a sort.', assert: [{ type: 'icontains', value: 'def ' }] }] },
      'evals/code.eval.ts',
    );
    expect(parsed.assert).toEqual([]);
    expect(parsed.prompts[0]?.assert).toEqual([{ type: 'icontains', value: 'def ' }]);
  });

  it('names the file and the field of a mistake', () => {
    const message = problem({ category: 'Code!', prompts: [{ id: 'x', assert: [{ type: 'icontain', value: 'a' }] }] });
    expect(message).toContain('Invalid eval definition in evals/broken.eval.ts');
    expect(message).toContain('category: expected lower-case letters, digits and dashes');
    expect(message).toMatch(/prompts\.0\.assert\.0\.type: unknown assertion type "icontain" \(did you mean "icontains"/);
    expect(problem({ category: 'chat', prompts: [{ id: 'empty' }] })).toContain('prompts.0: needs `prompt`, `file` or both');
  });

  it('rejects unknown fields and bad thresholds', () => {
    const message = problem({ category: 'chat', prompts: [{ id: 'hi', prompt: 'Hi', threshold: {} , thresholds: { ttftMs: -5 } }] });
    expect(message).toMatch(/prompts\.0: Unrecognized key: "threshold"/i);
    expect(message).toContain('prompts.0.thresholds.ttftMs');
  });
});

describe('prompt text', () => {
  it('reads prompts from fixtures/prompts/, after the inline instruction', () => {
    const text = promptText({ prompt: 'Summarize these notes in three bullet points:', file: 'edge-ai-field-notes.md' }, 'evals/x.eval.ts');
    expect(text.startsWith('Summarize these notes in three bullet points:\n\nField notes from a team')).toBe(true);
    expect(promptText({ prompt: 'Hi' }, 'evals/x.eval.ts')).toBe('Hi');
  });

  it('says which prompt file is missing', () => {
    expect(() => promptText({ file: 'nope.md' }, 'evals/x.eval.ts')).toThrow('evals/x.eval.ts: prompt file fixtures/prompts/nope.md does not exist');
  });
});
