// Writing a large value as indented JSON without holding its whole text in memory: the value's
// two outer levels (a results object and its `cases` array) are written piece by piece, each
// piece through JSON.stringify, to a temporary file that is then renamed over the target. The
// text is exactly JSON.stringify(value, null, 2) (checked in test/unit/json-file.test.ts).
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from './files.ts';

const INDENT = '  ';
/** Text is collected up to this many characters between writes. */
const WRITE_CHUNK = 1 << 20;
/** Levels written piece by piece; deeper values go through JSON.stringify whole. */
const STREAMED_LEVELS = 2;

/** JSON.stringify's rule: these are left out of objects and written as null in arrays. */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

class ChunkedWriter {
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly fd: number) {}

  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= WRITE_CHUNK) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
  }
}

/**
 * JSON.stringify(value, null, 2) with its lines indented for `level`: stringified inside that
 * many nested arrays, which JSON.stringify indents itself, and cut out of them (faster than
 * re-indenting the text).
 */
function stringifyAtLevel(value: unknown, level: number): string {
  if (level === 0) return JSON.stringify(value, null, 2) ?? 'null';
  let wrapped: unknown = value;
  for (let depth = 0; depth < level; depth++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // `[\n  [\n    <value>\n  ]\n]`: the value starts after the last opening line and ends before the closing ones.
  const start = level * 2 + (level * (level + 1)); // level brackets, level newlines, 2 + 4 + ... spaces
  const end = text.length - (level * 2 + (level * (level - 1)));
  return text.slice(start, end);
}

function writeValue(out: ChunkedWriter, value: unknown, level: number): void {
  const inner = INDENT.repeat(level + 1);
  const outer = INDENT.repeat(level);
  const plain = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (level >= STREAMED_LEVELS || !plain) {
    out.write(stringifyAtLevel(value, level));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return out.write('[]');
    out.write('[');
    value.forEach((item: unknown, index) => {
      out.write(`${index === 0 ? '' : ','}\n${inner}`);
      if (isOmitted(item)) out.write('null');
      else writeValue(out, item, level + 1);
    });
    out.write(`\n${outer}]`);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => !isOmitted(item));
  if (entries.length === 0) return out.write('{}');
  out.write('{');
  entries.forEach(([key, item], index) => {
    out.write(`${index === 0 ? '' : ','}\n${inner}${JSON.stringify(key)}: `);
    writeValue(out, item, level + 1);
  });
  out.write(`\n${outer}}`);
}

/** Write `value` as JSON indented by two spaces, plus a final newline, atomically. */
export function writeJsonFileAtomic(file: string, value: unknown): void {
  makeFolders(path.dirname(file));
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    const out = new ChunkedWriter(fd);
    writeValue(out, value, 0);
    out.write('\n');
    out.flush();
    closeSync(fd);
    renameSync(temporary, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temporary, { force: true });
    throw error;
  }
}
