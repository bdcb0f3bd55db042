// What the stand-in CLIs read from a user.
import { createInterface } from 'node:readline';

/** One line of the answer to a y/n prompt, lower-cased; empty at end of input. */
export async function readAnswer(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line.trim().toLowerCase();
  }
  return '';
}
