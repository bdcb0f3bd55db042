import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planCases, promptText, testNames, type RunDefaults } from '../../src/suite/cases.ts';
import { parseCsv } from '../../src/suite/data.ts';
import { parseDefinition, type EvalDefinition } from '../../src/suite/definition.ts';
import { EvalFileError, type SourceLocation } from '../../src/suite/location.ts';
import { PROJECT_ROOT } from '../support/processes.ts';

const DEFAULTS: RunDefaults = { repeats: 1, temperature: 0, maxTokens: 256 };
const HERE: SourceLocation = { file: 'evals/x.eval.ts', line: null };

// Eval sources for the line numbers of errors, inside the project (as eval files are).
const sources = mkdtempSync(path.join(PROJECT_ROOT, 'test', '.definition-'));
afterAll(() => rmSync(sources, { recursive: true, force: true }));

function problems(definition: unknown, location: SourceLocation = { file: 'evals/broken.eval.ts', line: null }): string[] {
  try {
    parseDefinition(definition as EvalDefinition, location);
  } catch (error) {
    if (!(error instanceof EvalFileError)) throw error;
    return [...error.problems];
  }
  throw new Error('expected the definition to be rejected');
}

async function plan(definition: EvalDefinition, defaults: RunDefaults = DEFAULTS) {
  return planCases(parseDefinition(definition, HERE), HERE, defaults);
}

async function planProblems(definition: EvalDefinition): Promise<string[]> {
  try {
    await plan(definition);
  } catch (error) {
    if (!(error instanceof EvalFileError)) throw error;
    return [...error.problems];
  }
  throw new Error('expected the plan to be rejected');
}

describe('eval definitions', () => {
  it('accepts a short declarative definition and fills the defaults', () => {
    const parsed = parseDefinition({ category: 'code', prompts: [{ id: 'sort-function', prompt: 'Write a sort.', assert: [{ type: 'icontains', value: 'def ' }] }] }, HERE);
    expect(parsed.assert).toEqual([]);
    expect(parsed.prompts[0]?.assert).toEqual([{ type: 'icontains', value: 'def ' }]);
  });

  it('names the file and the field of a mistake, and the line it is on', () => {
    const file = path.join(sources, 'typo.eval.ts');
    writeFileSync(
      file,
      [
        "import { defineEval } from 'edge-evals';", // 1
        '', // 2
        'defineEval({', // 3
        "  category: 'chat',", // 4
        '  prompts: [', // 5
        "    { id: 'hello', prompt: 'Hi', assert: [{ type: 'icontain', value: 'a' }] },", // 6
        '    {', // 7
        "      id: 'bye',", // 8
        "      prompt: 'Bye',", // 9
        '      treshold: {},', // 10
        '    },', // 11
        '  ],', // 12
        '});', // 13
      ].join('\n'),
    );
    const location = { file: path.relative(PROJECT_ROOT, file), line: 3 };
    const definition = { category: 'chat', prompts: [{ id: 'hello', prompt: 'Hi', assert: [{ type: 'icontain', value: 'a' }] }, { id: 'bye', prompt: 'Bye', treshold: {} }] };
    let error: EvalFileError | undefined;
    try {
      parseDefinition(definition as EvalDefinition, location);
    } catch (caught) {
      error = caught as EvalFileError;
    }
    expect(error?.message.split('\n')[0]).toBe(`${location.file}:3: invalid eval definition`);
    expect(error?.problems).toEqual([
      expect.stringMatching(/^prompts\.0\.assert\.0\.type \(line 6\): unknown assertion type "icontain" \(did you mean "icontains"/),
      'prompts.1 (line 10): Unrecognized key: "treshold"',
    ]);
  });

  it('rejects bad ids, missing prompts, unknown fields and bad thresholds', () => {
    expect(problems({ category: 'Code!', prompts: [{ id: 'x', prompt: 'a' }] })).toEqual(['category: expected lower-case letters, digits and dashes, e.g. "code"']);
    expect(problems({ category: 'chat', prompts: [{ id: 'empty' }] })).toEqual(['prompts.0: needs `prompt`, `file` or `messages`']);
    const threshold = problems({ category: 'chat', prompts: [{ id: 'hi', prompt: 'Hi', thresholds: { ttftMs: -5 } }] });
    expect(threshold).toEqual([expect.stringMatching(/^prompts\.0\.thresholds\.ttftMs: /)]);
    expect(problems({ category: 'chat', repeats: 0, prompts: [{ id: 'hi', prompt: 'Hi', temperature: 3 }] })).toEqual([
      expect.stringMatching(/^repeats: /),
      expect.stringMatching(/^prompts\.0\.temperature: /),
    ]);
  });

  it('validates multi-turn messages', () => {
    expect(problems({ category: 'chat', prompts: [{ id: 'x', prompt: 'Hi', messages: [{ role: 'user', content: 'Hi' }] }] })).toEqual([
      'prompts.0.messages: `messages` replaces `prompt` and `file`: give one or the other',
    ]);
    expect(problems({ category: 'chat', prompts: [{ id: 'x', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }] })).toEqual([
      "prompts.0.messages.1.role: the last message must be the user's: it is what the model answers",
    ]);
    expect(problems({ category: 'chat', prompts: [{ id: 'x', messages: [{ role: 'robot', content: 'Hi' }] }] })[0]).toMatch(/^prompts\.0\.messages\.0\.role: /);
  });

  it('validates data and expected answers', () => {
    expect(problems({ category: 'c', data: 'capitals.txt', prompts: [{ id: 'x', prompt: 'a' }] })[0]).toMatch(/^data: /);
    expect(problems({ category: 'c', data: [{ id: 'A B' }], prompts: [{ id: 'x', prompt: 'a' }] })[0]).toMatch(/^data\.0\.id: expected lower-case/);
    expect(problems({ category: 'c', prompts: [{ id: 'x', prompt: 'a', expected: [] }] })[0]).toMatch(/^prompts\.0\.expected: /);
    expect(problems({ category: 'c', prompts: [{ id: 'x', prompt: 'a', expected: [{ any: [] }] }] })[0]).toMatch(/^prompts\.0\.expected/);
  });
});

describe('planned cases', () => {
  it('one case per prompt, with the conversation, checks and settings resolved', async () => {
    const cases = await plan({
      category: 'reasoning',
      system: 'Be brief.',
      assert: [{ type: 'length', maxChars: 400 }],
      temperature: 0.7,
      prompts: [
        { id: 'quantum', prompt: 'Explain qubits.', expected: ['qubit'], assert: [{ type: 'key-points' }], maxTokens: 64 },
        { id: 'plain', prompt: 'Hi', system: 'Be kind.', repeats: 3, temperature: 0, skip: true },
      ],
    });
    expect(cases[0]).toEqual({
      id: 'reasoning/quantum',
      category: 'reasoning',
      promptId: 'quantum',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Explain qubits.' },
      ],
      expected: ['qubit'],
      vars: undefined,
      assertions: [{ type: 'length', maxChars: 400 }, { type: 'key-points' }],
      thresholds: [undefined, undefined],
      repeats: 1,
      temperature: 0.7,
      maxTokens: 64,
      skip: false,
      only: false,
    });
    expect(cases[1]).toMatchObject({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }], repeats: 3, temperature: 0, maxTokens: 256, skip: true });
    expect(testNames(cases[1] as (typeof cases)[number])).toEqual(['reasoning/plain #1', 'reasoning/plain #2', 'reasoning/plain #3']);
  });

  it('the run defaults apply where the eval says nothing; an eval-level `only` marks its prompts', async () => {
    const [planned] = await plan({ category: 'chat', only: true, prompts: [{ id: 'hi', prompt: 'Hi' }] }, { repeats: 2, temperature: 1, maxTokens: 10 });
    expect(planned).toMatchObject({ repeats: 2, temperature: 1, maxTokens: 10, only: true });
  });

  it('continues a conversation given as messages, with the eval system message first', async () => {
    const [planned] = await plan({
      category: 'chat',
      system: 'You are terse.',
      prompts: [{ id: 'follow-up', messages: [{ role: 'user', content: 'Name a fruit.' }, { role: 'assistant', content: 'Apple.' }, { role: 'user', content: 'Its colour?' }] }],
    });
    expect(planned?.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('reads prompts from fixtures/prompts/, after the inline instruction', () => {
    const text = promptText({ prompt: 'Summarize these notes in three bullet points:', file: 'edge-ai-field-notes.md' });
    expect(text.startsWith('Summarize these notes in three bullet points:\n\nField notes from a team')).toBe(true);
    expect(promptText({ prompt: 'Hi' })).toBe('Hi');
  });

  it('says which prompt file is missing', async () => {
    expect(await planProblems({ category: 'c', prompts: [{ id: 'x', file: 'nope.md' }] })).toEqual(['prompts.0.file: prompt file fixtures/prompts/nope.md does not exist']);
  });

  it('refuses key-points without key points to judge by', async () => {
    expect(await planProblems({ category: 'c', prompts: [{ id: 'x', prompt: 'a', expected: 'A reference.', assert: [{ type: 'not-key-points' }] }] })).toEqual([
      'prompts.0: key-points needs `expected` key points (a list) on the prompt',
    ]);
  });
});

describe('datasets and templating', () => {
  const capital = { id: 'capital', prompt: 'What is the capital of {{country}}?', assert: [{ type: 'icontains' as const, value: '{{ city }}' }, { type: 'key-points' as const }] };

  it('runs every prompt once per inline row, with {{vars}} filled in prompts and checks', async () => {
    const cases = await plan({
      category: 'capitals',
      data: [
        { id: 'france', vars: { country: 'France', city: 'Paris' }, expected: ['Paris'] },
        { vars: { country: 'Japan', city: 'Tokyo' }, expected: [{ any: ['Tokyo', 'Tōkyō'] }] },
      ],
      prompts: [capital],
    });
    expect(cases.map((planned) => planned.id)).toEqual(['capitals/capital/france', 'capitals/capital/2']);
    expect(cases[1]).toMatchObject({
      promptId: 'capital/2',
      messages: [{ role: 'user', content: 'What is the capital of Japan?' }],
      assertions: [{ type: 'icontains', value: 'Tokyo' }, { type: 'key-points' }],
      expected: [{ any: ['Tokyo', 'Tōkyō'] }],
      vars: { country: 'Japan', city: 'Tokyo' },
    });
  });

  it('reads rows from CSV and JSONL files under fixtures/data/, and from an async loader', async () => {
    const fromCsv = await plan({ category: 'capitals', data: 'capitals.csv', prompts: [{ id: 'ask', prompt: 'Capital of {{country}}?' }] });
    expect(fromCsv.map((planned) => [planned.promptId, planned.messages[0]?.content, planned.expected])).toEqual([
      ['ask/france', 'Capital of France?', 'Paris is the capital of France.'],
      ['ask/japan', 'Capital of Japan?', 'Tokyo, on the island of Honshu.'],
      ['ask/brazil', 'Capital of Brazil?', [{ any: ['Brasília', 'Brasilia'] }]],
    ]);
    const fromJsonl = await plan({ category: 'words', data: 'translations.jsonl', prompts: [{ id: 'say', prompt: '"{{word}}" in {{language}}' }] });
    expect(fromJsonl.map((planned) => planned.messages[0]?.content)).toEqual(['"hello" in French', '"thank you" in Spanish']);
    const loaded = await plan({ category: 'n', data: async () => [{ vars: { n: 2 } }, { vars: { n: 3 } }], prompts: [{ id: 'square', prompt: '{{n}} squared?' }] });
    expect(loaded.map((planned) => planned.messages[0]?.content)).toEqual(['2 squared?', '3 squared?']);
  });

  it('names an unknown variable, with the closest one, and the row', async () => {
    expect(await planProblems({ category: 'capitals', data: [{ id: 'france', vars: { country: 'France' } }], prompts: [{ id: 'ask', prompt: 'Capital of {{contry}}?' }] })).toEqual([
      'prompts.0, data row "france": the prompt: {{contry}} is not a variable of the row (it has country); did you mean {{country}}?',
    ]);
  });

  it('says what is wrong with a data file or a loader, and where', async () => {
    expect(await planProblems({ category: 'c', data: 'missing.csv', prompts: [{ id: 'x', prompt: 'a' }] })).toEqual(['data: data file fixtures/data/missing.csv does not exist']);
    expect(await planProblems({ category: 'c', data: () => [{ vars: { a: 1 } }, { vars: { a: null } } as never], prompts: [{ id: 'x', prompt: '{{a}}' }] })).toEqual([
      expect.stringMatching(/^data\[1\] vars\.a: /),
    ]);
    expect(await planProblems({ category: 'c', data: () => { throw new Error('no network'); }, prompts: [{ id: 'x', prompt: 'a' }] })).toEqual(['data: the data loader threw: no network']);
    expect(await planProblems({ category: 'c', data: [{ id: 'a' }, { id: 'a' }], prompts: [{ id: 'x', prompt: 'a' }] })).toEqual(['data[1]: id "a" is also the id of data[0]']);
  });

  it('parses CSV with quoted commas, quotes and line breaks', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n\n3,4\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"\nthere'] },
      { line: 5, cells: ['3', '4'] },
    ]);
    expect(() => parseCsv('a\n"open')).toThrow('a quoted field opened on line 2 is never closed');
  });
});
