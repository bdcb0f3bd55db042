// The house rules of src/, checked on every `npm test`: folders never import each other in a
// loop (dependencies point down, from the CLI at the top to src/contract at the bottom), the
// contract imports nothing of ours, and no file grows past MAX_LINES.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const SRC = path.join(PROJECT_ROOT, 'src');
const MAX_LINES = 400;

/**
 * Imports that run against the layering and are on their way out. Each entry must still exist:
 * once the code no longer has it, the test fails until the entry is deleted here.
 */
const KNOWN_UPWARD_IMPORTS: readonly { from: string; to: string; why: string }[] = [];

/** Files over MAX_LINES that are being split; the same rule: an entry must still be too long. */
const KNOWN_LONG_FILES: readonly { file: string; why: string }[] = [];

interface Import {
  /** Both relative to src/, with forward slashes. */
  from: string;
  to: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const relativeToSrc = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** Static imports and re-exports, `import type` included, and dynamic `import('...')`. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => ({
    from: relativeToSrc(file),
    to: relativeToSrc(path.resolve(path.dirname(file), match[1] ?? match[2] ?? '')),
  }));
}

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

/** Strongly connected components of more than one folder (Tarjan): each one is a loop. */
function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    lowLink.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node) as number, lowLink.get(next) as number));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) as number, index.get(next) as number));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);
const isKnown = (edge: Import) => KNOWN_UPWARD_IMPORTS.some((known) => known.from === edge.from && known.to === edge.to);

describe('the architecture of src/', () => {
  it('finds the imports it checks', () => {
    // A regex that stopped matching would make every other check here pass vacuously.
    expect(imports.length).toBeGreaterThan(300);
    expect(imports).toContainEqual({ from: 'cli/commands/serve.ts', to: 'embedded/server/index.ts' }); // a dynamic import
  });

  it('has no import loop between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const edge of imports) {
      const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
      if (from === to || isKnown(edge)) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    const cycles = folderCycles(edges);
    // Each loop with one import per pair of folders in it: the upward one is among them.
    const explained = cycles.map((cycle) => {
      const example = new Map<string, Import>();
      for (const edge of imports) {
        const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
        if (from !== to && cycle.includes(from) && cycle.includes(to) && !isKnown(edge) && !example.has(`${from} -> ${to}`)) example.set(`${from} -> ${to}`, edge);
      }
      return `${cycle.join(' <-> ')}:\n${[...example].map(([pair, edge]) => `  ${pair} (${edge.from} -> ${edge.to})`).join('\n')}`;
    });
    expect(explained).toEqual([]);
  });

  it('still has every import it lets through (delete the entry once it is gone)', () => {
    const gone = KNOWN_UPWARD_IMPORTS.filter((known) => !imports.some((edge) => edge.from === known.from && edge.to === known.to));
    expect(gone).toEqual([]);
  });

  it('keeps the contract on the ground floor: src/contract imports nothing of ours from outside it', () => {
    const outward = imports.filter((edge) => folderOf(edge.from) === 'contract' && folderOf(edge.to) !== 'contract');
    expect(outward).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: relativeToSrc(file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long.filter(({ file }) => !KNOWN_LONG_FILES.some((known) => known.file === file))).toEqual([]);
    const shortened = KNOWN_LONG_FILES.filter((known) => !long.some(({ file }) => file === known.file));
    expect(shortened).toEqual([]);
  });
});

describe('folderCycles', () => {
  it('finds a loop through three folders and leaves a chain alone', () => {
    const graph = (pairs: [string, string][]) => {
      const edges = new Map<string, Set<string>>();
      for (const [from, to] of pairs) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      return edges;
    };
    expect(folderCycles(graph([['cli', 'report'], ['report', 'results'], ['results', 'contract']]))).toEqual([]);
    expect(folderCycles(graph([['cli', 'report'], ['report', 'results'], ['results', 'cli'], ['results', 'contract']]))).toEqual([['cli', 'report', 'results']]);
  });
});
