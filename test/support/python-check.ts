// Runs one python check in a process of its own and prints its result as JSON: for tests that
// need the check's parent process to have a given environment (an API key in it, say).
//   node --import tsx test/support/python-check.ts '<reply>' '<spec JSON>'
import { evaluateAssertions, type AssertionSpec } from '../../src/assertions/index.ts';

const [reply = '', spec = '{}'] = process.argv.slice(2);
const [result] = await evaluateAssertions([JSON.parse(spec) as AssertionSpec], { response: reply, metrics: null, model: 'm', synthetic: false });
process.stdout.write(`${JSON.stringify(result)}\n`);
