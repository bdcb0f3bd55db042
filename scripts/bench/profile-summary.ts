// Where a CPU profile's time went (the .cpuprofile files that suite-overhead.ts --profile writes):
// self time by package or source folder, the functions with the most self time, and the
// inclusive time of the functions that match --focus. Only the samples after the first one
// that ran --from (default: vitest's runTest) count, so module loading stays out of the figures;
// with --under, only the samples inside that function.
//
//   node --import tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top 30] [--from runTest] [--under report] [--focus annotate,streamChat]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printTable } from './embedded-shared.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, from: { type: 'string', default: 'runTest' }, focus: { type: 'string', default: '' }, under: { type: 'string' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N] [--from <function>] [--focus a,b]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

/** node_modules/<package>, or the folder of one of our files, or the kind of V8 frame. */
function where(url: string, name: string): string {
  if (url === '') return `(${name || 'native'})`;
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packaged?.[1] !== undefined) return packaged[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/(src\/[^/]+|scripts\/[^/]+|evals|reporters)\//.exec(url);
  return ours?.[1] ?? url;
}

/** A function by name, file and line (our files by their path, a package's by its name). */
function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const ours = /\/((?:src|scripts|evals|reporters)\/.+)$/.exec(url)?.[1];
  return `${functionName || '(anonymous)'} ${ours ?? where(url, functionName)}:${lineNumber + 1}`;
}
const stack = (id: number): ProfileNode[] => {
  const frames: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at) as ProfileNode);
  return frames;
};

const focus = values.focus.split(',').filter((name) => name !== '');
const selfByPlace = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusive = new Map<string, number>(focus.map((name) => [name, 0]));
let started = false;
let total = 0;
profile.samples.forEach((id, index) => {
  const frames = stack(id);
  const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
  if (!started) started = values.from === '' || frames.some((frame) => frame.callFrame.functionName === values.from);
  if (!started) return;
  if (values.under !== undefined && !frames.some((frame) => frame.callFrame.functionName === values.under)) return;
  total += ms;
  const leaf = frames[0] as ProfileNode;
  const place = where(leaf.callFrame.url, leaf.callFrame.functionName);
  selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + ms);
  selfByFunction.set(label(leaf), (selfByFunction.get(label(leaf)) ?? 0) + ms);
  for (const name of focus) if (frames.some((frame) => frame.callFrame.functionName === name)) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
});

const top = Number(values.top);
const rows = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => [name, ms.toFixed(1), ((ms / total) * 100).toFixed(1)]);
const within = values.under === undefined ? '' : `, inside ${values.under}`;
console.log(`# ${file}: ${total.toFixed(0)} ms sampled from the first ${values.from || 'sample'}${within}`);
printTable(['self time in', 'ms', '%'], rows(selfByPlace));
console.log('');
printTable(['function (self)', 'ms', '%'], rows(selfByFunction));
if (focus.length > 0) {
  console.log('');
  printTable(['function (inclusive)', 'ms', '%'], rows(inclusive));
}
