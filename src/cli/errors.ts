// How the CLI ends: the exit-code contract (0 ok, 1 runtime failure, 2 usage error) and
// error printing without stack traces for anything a user can fix.
import { ConfigError } from '../config/env.ts';
import { RuntimeError } from '../contract/runtime.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: unknown verb, missing argument, bad flag value. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Print an error the way a user should see it, and return the exit code it maps to. */
export function reportError(error: unknown, write: (text: string) => void = (text) => process.stderr.write(text)): number {
  if (error instanceof UsageError) {
    write(`error: ${error.message}\n`);
    if (error.usage !== undefined) write(`\n${error.usage}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    write(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof RuntimeError) {
    write(`error: ${error.describe('  ')}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${message}\n`);
  if (process.env.EDGE_EVALS_DEBUG === '1' && error instanceof Error && error.stack !== undefined) write(`${error.stack}\n`);
  return EXIT_FAILURE;
}
