// Datasets: the rows an eval runs each of its prompts on. Inline rows, a file under
// fixtures/data/ (.json: an array of rows; .jsonl: one row per line; .csv: a header line, then
// a row per line, where the `id` and `expected` columns are the row's and every other column
// is a variable), or a function that returns rows (read once, before any model starts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Expected, TemplateVars } from '../contract/results.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { DataRowSchema, type DataLoader, type ParsedDefinition } from './definition.ts';
import { EvalFileError, type SourceLocation } from './location.ts';

export const DATA_FOLDER = path.join(PROJECT_ROOT, 'fixtures', 'data');

export interface Row {
  id: string;
  vars: TemplateVars;
  expected: Expected | undefined;
}

/** A row before validation, with where it came from for messages (`fixtures/data/x.csv line 4`). */
interface RawRow {
  where: string;
  value: unknown;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  for (let index = 0; index < text.length; index++) {
    const character = text[index] as string;
    if (character === '\n') line++;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"' && cell === '') quoted = true;
    else if (character === ',') {
      cells.push(cell);
      cell = '';
    } else if (character === '\n') {
      endRecord();
      recordLine = line;
    } else if (character !== '\r') cell += character;
  }
  if (quoted) throw new Error(`a quoted field opened on line ${recordLine} is never closed`);
  endRecord();
  return records;
}

/** A CSV `expected` cell: key points when it holds a JSON list, else a reference answer. */
function expectedCell(cell: string): unknown {
  const text = cell.trim();
  if (text === '') return undefined;
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function csvRows(text: string, name: string): RawRow[] {
  const [header, ...records] = parseCsv(text);
  if (header === undefined) return [];
  const columns = header.cells.map((column) => column.trim());
  return records.map(({ line, cells }) => {
    if (cells.length !== columns.length) {
      throw new Error(`${name} line ${line}: ${cells.length} fields, the header has ${columns.length}`);
    }
    const row: { id?: string; vars: Record<string, string>; expected?: unknown } = { vars: {} };
    columns.forEach((column, index) => {
      const cell = cells[index] ?? '';
      if (column === 'id') row.id = cell.trim();
      else if (column === 'expected') row.expected = expectedCell(cell);
      else row.vars[column] = cell;
    });
    return { where: `${name} line ${line}`, value: row };
  });
}

function jsonlRows(text: string, name: string): RawRow[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [{ where: `${name} line ${index + 1}`, value: JSON.parse(line) as unknown }];
    } catch (error) {
      throw new Error(`${name} line ${index + 1}: not JSON: ${(error as Error).message}`);
    }
  });
}

function jsonRows(text: string, name: string): RawRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}: not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new Error(`${name}: expected an array of rows`);
  return value.map((row, index) => ({ where: `${name} [${index}]`, value: row as unknown }));
}

function fileRows(file: string): RawRow[] {
  const location = path.resolve(DATA_FOLDER, file);
  const name = path.relative(PROJECT_ROOT, location);
  let text: string;
  try {
    text = readFileSync(location, 'utf8');
  } catch {
    throw new Error(`data file ${name} does not exist`);
  }
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return csvRows(text, name);
  if (extension === '.jsonl') return jsonlRows(text, name);
  return jsonRows(text, name);
}

function validRows(raw: readonly RawRow[]): Row[] {
  const problems: string[] = [];
  const rows: Row[] = [];
  const seen = new Map<string, string>();
  raw.forEach(({ where, value }, index) => {
    const parsed = DataRowSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where}${issue.path.length === 0 ? '' : ` ${issue.path.join('.')}`}: ${issue.message}`);
      return;
    }
    const id = parsed.data.id ?? String(index + 1);
    const earlier = seen.get(id);
    if (earlier !== undefined) problems.push(`${where}: id "${id}" is also the id of ${earlier}`);
    seen.set(id, where);
    rows.push({ id, vars: parsed.data.vars, expected: parsed.data.expected });
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (rows.length === 0) throw new Error('no rows');
  return rows;
}

async function loaderRows(loader: DataLoader): Promise<RawRow[]> {
  let rows: unknown;
  try {
    rows = await loader();
  } catch (error) {
    throw new Error(`the data loader threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(rows)) throw new Error(`the data loader returned ${rows === null ? 'null' : typeof rows}, not an array of rows`);
  return rows.map((value, index) => ({ where: `data[${index}]`, value: value as unknown }));
}

/** The eval's rows, validated; an EvalFileError says which row and field is wrong. */
export async function loadRows(data: NonNullable<ParsedDefinition['data']>, location: SourceLocation): Promise<Row[]> {
  try {
    if (typeof data === 'string') return validRows(fileRows(data));
    if (typeof data === 'function') return validRows(await loaderRows(data));
    return validRows(data.map((value, index) => ({ where: `data[${index}]`, value })));
  } catch (error) {
    const lines = (error as Error).message.split('\n');
    throw new EvalFileError(location, lines.map((line) => (/^(data\[|fixtures\/)/.test(line) ? line : `data: ${line}`)), 'invalid data');
  }
}
