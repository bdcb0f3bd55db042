// JUnit XML rendered from the results, as CI test reporters read it: one suite per model, a
// failure with its reasons, an error, a skip, and an interrupted run that cannot pass for a
// complete one. Text from a model never breaks the XML.
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.ts';
import { buildResults, HOSTILE_TEXT } from '../support/results.ts';

/** Characters XML 1.0 does not allow, even escaped. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const results = buildResults([
  { model: 'fixture-tiny', prompt: 'chat/hello', e2eMs: 250 },
  {
    model: 'fixture-tiny',
    prompt: 'code/sort',
    status: 'fail',
    response: `\u001b[2J\u001b]0;pwned\u0007 ${HOSTILE_TEXT}`,
    assertions: [{ type: 'contains', pass: false, score: 0, reason: 'expected "def", got "\u0000\u001b[31mred"' }],
  },
  { model: 'fixture-small', prompt: 'chat/hello', status: 'error', error: 'the server closed the stream <early>' },
  { model: 'fixture-small', prompt: 'code/sort', status: 'skip', assertions: [{ type: 'contains', pass: true, score: 1, reason: 'skipped', skipped: true }] },
]);

describe('renderJunit', () => {
  const xml = renderJunit(results);

  it('has one suite per model with the counts, and every case as a testcase named as vitest names it', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="edge-evals" tests="4" failures="1" errors="1" skipped="1"')).toBe(true);
    expect(xml).toContain('<testsuite name="fixture-tiny" tests="2" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<testsuite name="fixture-small" tests="2" failures="0" errors="1" skipped="1"');
    expect(xml).toContain('<testcase classname="fixture-tiny" name="fixture-tiny &#62; chat/hello" time="0.251">');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('gives a failure its reasons, an error its message, a skip its reason', () => {
    expect(xml).toMatch(/<failure message="1 check failed" type="checks">- contains: expected &#34;def&#34;, got &#34;\\x00\\x1b\[31mred&#34;<\/failure>/);
    expect(xml).toContain('<error message="the server closed the stream &#60;early&#62;" type="error">');
    expect(xml).toContain('<skipped message="every check was skipped');
  });

  it("keeps the model's text as text: markup escaped, control characters made visible", () => {
    expect(xml).not.toMatch(NOT_XML);
    expect(xml).not.toContain('\u001b');
    expect(xml).toContain('<system-out>\\x1b[2J\\x1b]0;pwned\\x07 &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(xml).not.toContain('<script>');
  });

  it('counts an interrupted run as one more error, so that CI never takes it for a complete one', () => {
    const interrupted = renderJunit({ ...results, interrupted: { signal: 'SIGINT', modelsNotReached: ['fixture-medium'] } });
    expect(interrupted).toContain('<testsuites name="edge-evals" tests="5" failures="1" errors="2" skipped="1"');
    expect(interrupted).toMatch(/<testcase classname="edge-evals" name="run completed" time="0.000">\n\s+<error message="Interrupted \(SIGINT\): 4 cases measured before the run stopped; not reached: fixture-medium\./);
  });

  it("lists the judge's work as a suite of its own: scores as a property, a verdict it could not give as an error, never the candidate's", () => {
    const judgeScore = { criterion: 'accuracy' as const, score: 4.25, reason: 'Scripted verdict.', source: 'judge' as const, scorer: 'judge:scripted-judge' };
    const rulesScore = { criterion: 'clarity' as const, score: 3, reason: 'long sentences', source: 'rules' as const, scorer: 'readability' };
    const [hello, sort, ...rest] = results.cases;
    const judged = {
      ...results,
      cases: [
        { ...hello!, criteria: [rulesScore, judgeScore] },
        { ...sort!, criteria: [rulesScore], judgeErrors: [{ criterion: 'clarity' as const, judge: 'scripted-judge', error: 'the judge refused to grade (after one retry)', raw: "I'm sorry" }] },
        ...rest,
      ],
      criteria: {
        weights: { accuracy: 0.4, completeness: 0.3, clarity: 0.2, speed: 0.1 },
        categoryWeights: {},
        headline: { accuracy: 'judge' as const, completeness: 'rules' as const, clarity: 'rules' as const, speed: 'rules' as const },
        agreement: [],
        judge: { alias: 'scripted-judge', modelId: null, runtime: 'openai', scoring: 'logprob-weighted' as const, verdicts: 1, errors: 1, cached: 0, startError: null },
      },
    };
    const text = renderJunit(judged);
    expect(text).toContain('<testsuites name="edge-evals" tests="6" failures="1" errors="2" skipped="1"');
    expect(text).toContain('<testsuite name="judge:scripted-judge" tests="2" failures="0" errors="1" skipped="0"');
    expect(text).toMatch(/<testcase classname="judge:scripted-judge" name="judge &#62; fixture-tiny &#62; chat\/hello" time="0.000">\n\s+<properties>\n\s+<property name="criteria" value="accuracy 4.25\/5 \(judge:scripted-judge\): Scripted verdict."\/>/);
    expect(text).toContain('<error message="clarity: the judge refused to grade (after one retry)" type="judge">- clarity: the judge refused to grade (after one retry); the judge replied: I&#39;m sorry</error>');
    // The candidate's own failure keeps its own reasons, not the judge's.
    expect(text).toContain('<failure message="1 check failed" type="checks">- contains: expected');
  });
});
