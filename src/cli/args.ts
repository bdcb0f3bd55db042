// Argument parsing shared by the CLI commands: node's parseArgs in strict mode, with its
// errors turned into UsageErrors (exit code 2) that show the command's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, RUNTIME_CHOICES, type EvalConfig, type RuntimeChoice } from '../config/env.ts';
import { resolveRuntime, type ResolvedRuntime } from '../runtimes/index.ts';
import { UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  runtime: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

export function parseCommand<const T extends Options>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), usage);
  }
}

/**
 * `<group> <verb> [arguments]`: the options, the verb and the verb's arguments. `--help`
 * prints the usage and gives a null verb (nothing else to do); no verb is a usage error.
 */
export function parseVerbCommand<const T extends typeof COMMON_OPTIONS & Options>(args: string[], options: T, usage: string) {
  const { values, positionals } = parseCommand(args, options, usage);
  const [verb, ...rest] = positionals;
  // COMMON_OPTIONS guarantees `help`; parseArgs' generic result type cannot show it.
  if ((values as { help?: boolean }).help === true) {
    process.stdout.write(`${usage}\n`);
    return { values, verb: null, rest };
  }
  if (verb === undefined) throw new UsageError('missing verb', usage);
  return { values, verb, rest };
}

/** The configuration, with `--runtime` taking precedence over EVAL_RUNTIME. */
export function configWithRuntime(runtimeFlag: string | undefined, usage: string): EvalConfig {
  const config = loadConfig();
  if (runtimeFlag === undefined) return config;
  const wanted = runtimeFlag.toLowerCase();
  if (!(RUNTIME_CHOICES as readonly string[]).includes(wanted)) {
    throw new UsageError(`--runtime ${runtimeFlag}: expected one of ${RUNTIME_CHOICES.join(', ')}`, usage);
  }
  return { ...config, runtime: wanted as RuntimeChoice };
}

export async function runtimeFromFlags(runtimeFlag: string | undefined, usage: string): Promise<ResolvedRuntime & { config: EvalConfig }> {
  const config = configWithRuntime(runtimeFlag, usage);
  return { ...(await resolveRuntime(config)), config };
}

/** The single positional argument a verb needs (`model info <model>`), or a usage error. */
export function requireName(positionals: string[], what: string, usage: string): string {
  const [name, extra] = positionals;
  if (name === undefined) throw new UsageError(`missing ${what}`, usage);
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`, usage);
  return name;
}
