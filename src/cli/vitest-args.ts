// The vitest arguments `npm run eval` passes on (`-t`, file filters, `--shard`, ...), read with
// vitest's own parser so that they mean here what they mean to vitest. An unknown flag is a
// usage error before anything starts (vitest would throw it with a stack trace).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnnotatePolicy } from '../config/env.ts';
import { closestNames } from '../util/suggest.ts';
import { UsageError } from './errors.ts';

export interface VitestArguments {
  /** File filters: a test file runs when its path contains one of them (vitest's rule). */
  fileFilters: string[];
  /** `-t` as typed, and as vitest applies it: to the full name `<model> <category>/<prompt>`. */
  testNameFilter: { typed: string; pattern: RegExp } | undefined;
  /** `.only` is refused in CI unless --allowOnly (vitest's rule). */
  allowOnly: boolean;
  /** False for runs that collect no tests, such as --merge-reports. */
  runsTests: boolean;
  /** `--reporter` values as typed (vitest's names or paths); empty: the configured reporters. */
  reporters: string[];
}

/**
 * vitest's reporters that keep every test's annotations for people to browse later: the HTML
 * report, blobs (merged, then opened in the UI or HTML), JUnit properties and TAP comments.
 * (Its JSON report keeps the task meta but no annotations; the terminal reporters print the
 * annotations of failed tests, which `failures` keeps.)
 */
const ANNOTATION_REPORTERS = new Set(['html', 'blob', 'junit', 'tap', 'tap-flat']);

/**
 * Which tests annotate: EVAL_ANNOTATE when set, else `all` when someone will browse them (the
 * vitest UI, or a reporter that keeps them), else `failures`: each annotation is a round trip
 * to vitest's main process that the test waits for, and a passing test's is rarely read.
 */
export function annotationPolicy(setting: AnnotatePolicy | undefined, ui: boolean, reporters: readonly string[]): AnnotatePolicy {
  if (setting !== undefined) return setting;
  return ui || reporters.some((reporter) => ANNOTATION_REPORTERS.has(reporter)) ? 'all' : 'failures';
}

type ParseCli = (typeof import('vitest/node'))['parseCLI'];

/**
 * vitest's argument parser. `vitest/node` exports it but takes ~0.5 s to load (all of vitest);
 * the module that defines it loads in ~50 ms. Its file name changes with every vitest build,
 * so it is read from vitest/node's own re-export line, and vitest/node is the fallback.
 */
async function loadParseCli(): Promise<ParseCli> {
  try {
    const entry = createRequire(import.meta.url).resolve('vitest/node');
    const reexport = /export \{ (\w+) as parseCLI \} from '([^']+)'/.exec(readFileSync(entry, 'utf8'));
    if (reexport?.[1] !== undefined && reexport[2] !== undefined) {
      const module = (await import(pathToFileURL(path.resolve(path.dirname(entry), reexport[2])).href)) as Record<string, unknown>;
      const parseCLI = module[reexport[1]];
      if (typeof parseCLI === 'function') return parseCLI as ParseCli;
    }
  } catch {
    // the fallback below
  }
  return (await import('vitest/node')).parseCLI;
}

/** Option names vitest knows, read from its help text (`-t, --testNamePattern <pattern>`). */
function knownOptions(parseCLI: ParseCli): Set<string> {
  const lines: string[] = [];
  const log = console.log;
  const argv = process.argv;
  console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
  // vitest narrows its help to the flags on this process's own command line (`vitest --help
  // --shard` lists --shard only): with `eval --shard 1/2 -t x`, every other flag would look unknown.
  process.argv = [argv[0] ?? 'node', 'vitest', '--help'];
  try {
    parseCLI(['vitest', '--help']);
  } finally {
    console.log = log;
    process.argv = argv;
  }
  const names = new Set(['--', 'run', 'color']);
  for (const line of lines.join('\n').split('\n')) {
    const match = /^\s+(?:-(\w), )?--([\w-]+)/.exec(line);
    if (match === null) continue;
    if (match[1] !== undefined) names.add(match[1]);
    names.add((match[2] ?? '').replace(/-(\w)/g, (_dash, letter: string) => letter.toUpperCase()));
  }
  return names;
}

/** `--reporter` as parsed: one name, several, or none. */
function reporterNames(reporter: unknown): string[] {
  const values: unknown[] = Array.isArray(reporter) ? reporter : [reporter];
  return values.filter((value): value is string => typeof value === 'string');
}

function asFlag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

export async function parseVitestArguments(args: readonly string[], usage: string): Promise<VitestArguments> {
  const defaults: VitestArguments = {
    fileFilters: [],
    testNameFilter: undefined,
    allowOnly: process.env.CI === undefined || process.env.CI === '' || process.env.CI === 'false',
    runsTests: true,
    reporters: [],
  };
  if (args.length === 0) return defaults;
  const parseCLI = await loadParseCli();
  let parsed: ReturnType<ParseCli>;
  try {
    parsed = parseCLI(['vitest', 'run', ...args]);
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const known = knownOptions(parseCLI);
  const unknown = Object.keys(parsed.options).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const flag = asFlag(unknown[0] as string);
    const suggestions = closestNames(unknown[0] as string, [...known].filter((name) => name.length > 1)).map(asFlag);
    const hint = suggestions.length === 0 ? '' : ` (did you mean ${suggestions.join(' or ')}?)`;
    throw new UsageError(`unknown option ${flag}${hint}; vitest's options: npx vitest --help`, usage);
  }
  const { options } = parsed;
  let testNameFilter: VitestArguments['testNameFilter'];
  if (typeof options.testNamePattern === 'string' && options.testNamePattern !== '') {
    try {
      testNameFilter = { typed: options.testNamePattern, pattern: new RegExp(options.testNamePattern) };
    } catch (error) {
      throw new UsageError(`-t ${options.testNamePattern}: not a valid regular expression: ${(error as Error).message}`, usage);
    }
  }
  return {
    fileFilters: parsed.filter,
    testNameFilter,
    allowOnly: options.allowOnly ?? defaults.allowOnly,
    runsTests: options.mergeReports === undefined && options.listTags === undefined && options.clearCache === undefined,
    // The parser keeps `--reporter` under its flag's name; vitest renames it to `reporters` later.
    reporters: reporterNames((options as Record<string, unknown>).reporter ?? options.reporters),
  };
}
