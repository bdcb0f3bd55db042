// What one `python` check costs, end to end through evaluateAssertions (extract the code, run
// it, judge it): the code eval's sort check with its four cases, a correct reply, one check
// after another as a test worker runs them.
//   warm  the shared sandbox: started by the first check (not timed), kept for the others
//   cold  the sandbox stopped after every check: each check starts its own, as if there were
//         no warm parent (interpreter start-up, sandbox set-up and trial check included)
// The script only uses evaluateAssertions, so the same file measures older versions of the
// check too (copy it into a checkout of the older commit; --mode warm there is what that
// version does per check).
//
//   node --import tsx scripts/bench/python-checks.ts [--checks 200] [--mode warm|cold]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { evaluateAssertions, type AssertionSpec } from '../../src/assertions/index.ts';
import { quantileOfSorted } from '../../src/stats/summary.ts';

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '200' },
    mode: { type: 'string', default: 'warm' },
  },
});
const checks = Number(values.checks);
if (!Number.isInteger(checks) || checks < 1 || (values.mode !== 'warm' && values.mode !== 'cold')) {
  process.stderr.write('usage: python-checks.ts [--checks N >= 1] [--mode warm|cold]\n');
  process.exit(2);
}

const SPEC: AssertionSpec = {
  type: 'python',
  cases: [
    { args: [[3, 1, 2]], expected: [1, 2, 3] },
    { args: [[5, -1, 5, 0]], expected: [-1, 0, 5, 5] },
    { args: [[]], expected: [] },
    { args: [[2.5, 1, 10]], expected: [1, 2.5, 10] },
  ],
};
const REPLY = 'Here is a function:\n\n```python\ndef sort_list(items):\n    return sorted(items)\n```\n';

async function oneCheck(): Promise<{ ms: number; reason: string }> {
  const started = performance.now();
  const [result] = await evaluateAssertions([SPEC], { response: REPLY, metrics: null, model: 'bench', synthetic: false });
  const ms = performance.now() - started;
  if (result?.pass !== true) throw new Error(`the check failed: ${result?.reason ?? 'no result'}`);
  return { ms, reason: result.reason };
}

// Imported only here: older versions of the check have no shared sandbox to stop.
const stopSandbox = async () => (await import('../../src/assertions/python/sandbox.ts')).sharedPythonSandbox().stop();

const first = await oneCheck();
if (values.mode === 'cold') await stopSandbox();
const times: number[] = [];
for (let index = 0; index < checks; index++) {
  times.push((await oneCheck()).ms);
  if (values.mode === 'cold') await stopSandbox();
}
times.sort((a, b) => a - b);

const figure = (ms: number) => `${ms.toFixed(1)} ms`;
process.stdout.write(
  [
    `machine: ${os.cpus()[0]?.model.trim()}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]?.toFixed(1)}`,
    `mode ${values.mode}, ${checks} checks (first check, not counted: ${figure(first.ms)})`,
    `per check: median ${figure(quantileOfSorted(times, 0.5))}, p95 ${figure(quantileOfSorted(times, 0.95))}, min ${figure(times[0] ?? 0)}, max ${figure(times.at(-1) ?? 0)}`,
    `reason: ${first.reason}`,
  ].join('\n') + '\n',
);
if (values.mode === 'warm') await stopSandbox().catch(() => undefined);
