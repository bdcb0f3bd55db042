// The python assertion runs real python3 processes, in the machine's sandbox (fast: a few ms each).
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateAssertions, type AssertionSpec } from '../../src/assertions/index.ts';
import { extractPythonCode } from '../../src/assertions/python.ts';

const SORT_CASES = [
  { args: [[3, 1, 2]], expected: [1, 2, 3] },
  { args: [[5, -1, 5, 0, -7]], expected: [-7, -1, 0, 5, 5] },
  { args: [[]], expected: [] },
];

const SORT_SPEC: AssertionSpec = { type: 'python', cases: SORT_CASES };

async function run(reply: string, spec: AssertionSpec = SORT_SPEC) {
  const [result] = await evaluateAssertions([spec], { response: reply, metrics: null, model: 'm', synthetic: false, knownAnswers: false });
  if (result === undefined) throw new Error('no result');
  return result;
}

const fenced = (code: string) => `Here is the function:\n\n\`\`\`python\n${code}\n\`\`\`\n\nIt returns a new list.`;

describe('python: code that works', () => {
  it('passes a correct sort, duplicates, negatives and the empty list included', async () => {
    const result = await run(fenced('def sort_list(items):\n    return sorted(items)'));
    expect(result).toEqual({ type: 'python', pass: true, score: 1, reason: 'sort_list returned the expected result for 3 of 3 cases' });
  });

  it('finds the function the helpers serve, and ignores a __main__ demo that would block on input()', async () => {
    const code = [
      'def merge(left, right):',
      '    out = []',
      '    while left and right:',
      '        out.append(left.pop(0) if left[0] <= right[0] else right.pop(0))',
      '    return out + left + right',
      '',
      'def merge_sort(items):',
      '    if len(items) <= 1:',
      '        return list(items)',
      '    middle = len(items) // 2',
      '    return merge(merge_sort(items[:middle]), merge_sort(items[middle:]))',
      '',
      'if __name__ == "__main__":',
      '    print(merge_sort([int(x) for x in input().split()]))',
    ].join('\n');
    expect(await run(fenced(code))).toMatchObject({ pass: true, reason: 'merge_sort returned the expected result for 3 of 3 cases' });
  });

  it('takes the first candidate name that exists, and a bare reply without fences', async () => {
    const reply = 'def helper(x):\n    return x\n\ndef my_sort(xs):\n    return sorted(xs)\n\ndef unused(): pass\n';
    expect(await run(reply, { type: 'python', functionName: ['sort_numbers', 'my_sort'], cases: SORT_CASES })).toMatchObject({ pass: true });
  });
});

describe('python: code that does not work', () => {
  it('fails a wrong sort with the input, the expected and the actual result, and a partial score', async () => {
    const result = await run(fenced('def sort_list(items):\n    return list(set(items))'));
    expect(result.pass).toBe(false);
    expect(result.score).toBeCloseTo(2 / 3, 9);
    expect(result.reason).toMatch(
      /^1 of 3 cases failed: sort_list\(\[5,-1,5,0,-7\]\) returned \[.*\], expected \[-7,-1,0,5,5\]\. Reply: "Here is the function:\\n\\n```python\\ndef sort_list/,
    );
  });

  it('fails a syntax error with the line', async () => {
    const result = await run(fenced('def sort_list(items)\n    return sorted(items)'));
    expect(result).toMatchObject({ pass: false, score: 0 });
    expect(result.reason).toMatch(/^the code does not compile: expected ':' \(line 1\): def sort_list\(items\)\. Reply: /);
  });

  it('fails an infinite loop at the timeout, naming the call that hung', async () => {
    const started = performance.now();
    const result = await run(fenced('def sort_list(items):\n    while True:\n        pass'), { type: 'python', cases: SORT_CASES, timeoutMs: 1_500 });
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(
      /^3 of 3 cases failed: sort_list\(\[3,1,2\]\) did not return within 1500 ms \(expected \[1,2,3\]\) \(2 later cases never ran\)\. Reply: /,
    );
  });

  it('fails an exception with its type and message', async () => {
    const result = await run(fenced('def sort_list(items):\n    return sorted(items)[0]'));
    expect(result.reason).toContain('sort_list([]) raised IndexError: list index out of range (expected [])');
    expect(result.reason).toContain('sort_list([3,1,2]) returned 1, expected [1,2,3]');
  });

  it('fails a reply without code', async () => {
    const result = await run('You can use the built-in sorted() function on your list.');
    expect(result).toEqual({
      type: 'python',
      pass: false,
      score: 0,
      reason:
        'expected Python code (a ```python block or a bare function); found none. Reply: "You can use the built-in sorted() function on your list." (56 chars)',
    });
  });

  it('fails when it cannot tell which function to call', async () => {
    const result = await run(fenced('def a(xs):\n    return xs\n\ndef b(xs):\n    return sorted(xs)'));
    expect(result.reason).toMatch(/^no function to call: expected a single function; the code defines a, b\. Reply: /);
  });

  it('fails a non-JSON return value, a process that exits and one that is killed', async () => {
    expect((await run(fenced('def sort_list(items):\n    return {1, 2}'))).reason).toContain('sort_list([3,1,2]) returned {1, 2}, not JSON');
    const exited = await run(fenced('import os\ndef sort_list(items):\n    os._exit(3)'));
    expect(exited.reason).toMatch(/^3 of 3 cases failed: python exited with code 3 during sort_list\(\[3,1,2\]\)/);
    const killed = await run(fenced('import os, signal\ndef sort_list(items):\n    print("x" * 2_000_000)\n    os.kill(os.getpid(), signal.SIGKILL)'));
    expect(killed.reason).toMatch(/^3 of 3 cases failed: python was killed by SIGKILL during sort_list\(\[3,1,2\]\)/);
  });
});

describe('python: environment', () => {
  const previous = process.env.EVAL_API_KEY;
  afterEach(() => {
    if (previous === undefined) delete process.env.EVAL_API_KEY;
    else process.env.EVAL_API_KEY = previous;
  });

  it('does not pass our secrets to the code', async () => {
    process.env.EVAL_API_KEY = 'secret';
    const code = fenced('import os\ndef peek():\n    return [os.environ.get("EVAL_API_KEY"), sorted(k for k in os.environ if "KEY" in k)]');
    expect(await run(code, { type: 'python', cases: [{ args: [], expected: [null, []] }] })).toMatchObject({ pass: true });
    const leaked = await run(code, { type: 'python', cases: [{ args: [], expected: ['secret', ['EVAL_API_KEY']] }] });
    expect(leaked.reason).toContain('peek() returned [null,[]], expected ["secret",["EVAL_API_KEY"]]');
  });

  it('runs in a fresh, empty folder each time', async () => {
    const code = fenced('import os\ndef probe():\n    fresh = os.listdir(".")\n    open("left-behind.txt", "w").write("x")\n    return sorted(fresh)');
    const spec: AssertionSpec = { type: 'python', cases: [{ args: [], expected: [] }] };
    expect(await run(code, spec)).toMatchObject({ pass: true });
    expect(await run(code, spec)).toMatchObject({ pass: true });
  });
});

describe('extractPythonCode', () => {
  it('prefers a python block, then an unlabelled block that defines something, then bare code', () => {
    expect(extractPythonCode('```bash\npip install x\n```\n```py\ndef f(): pass\n```')).toBe('def f(): pass\n');
    expect(extractPythonCode('```\nprint(1)\n```\n```\ndef g(): pass\n```')).toBe('def g(): pass\n');
    expect(extractPythonCode('def h():\n    return 1\n')).toBe('def h():\n    return 1\n');
    expect(extractPythonCode('```js\nfunction f() {}\n```')).toBeNull();
    expect(extractPythonCode('Use sorted().')).toBeNull();
  });
});
