// Pure parsers for what the `ollama` CLI prints: its tables (`ollama list`, `ollama ps`,
// rendered by tablewriter with 4-space padding, tab-separated in older releases), `--version`,
// and the progress of `ollama pull` (a redrawn bar with ANSI escapes).

export interface OllamaListRow {
  name: string;
  id: string;
  sizeBytes: number | null;
  modified: string;
}

export interface OllamaPsRow {
  name: string;
  id: string;
  sizeBytes: number | null;
  processor: string;
  until: string;
}

/** `ollama version is 0.12.3`, or `Warning: client version is 0.12.3` when no server answers. */
export function parseOllamaVersion(output: string): string | null {
  return /version is (\d+\.\d+\.\d+\S*)/.exec(output)?.[1] ?? null;
}

/**
 * The API root from OLLAMA_HOST, read the way Ollama's envconfig.Host reads it: no scheme
 * means http and port 11434; an explicit `http://` or `https://` defaults to 80 or 443; an
 * empty or `0.0.0.0` host is reached on 127.0.0.1.
 */
export function ollamaBaseUrl(host: string | undefined): string {
  const value = (host ?? '').trim();
  const schemeEnd = value.indexOf('://');
  const scheme = schemeEnd === -1 ? 'http' : value.slice(0, schemeEnd);
  const defaultPort = schemeEnd === -1 ? '11434' : scheme === 'https' ? '443' : '80';
  const hostPort = (schemeEnd === -1 ? value : value.slice(schemeEnd + 3)).split('/')[0] ?? '';
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
  const hostname = match?.[1] === undefined || match[1] === '' || match[1] === '0.0.0.0' ? '127.0.0.1' : match[1];
  return `${scheme}://${hostname}:${match?.[2] ?? defaultPort}`;
}

/** `qwen2.5` and `qwen2.5:latest` name the same model: Ollama's tag defaults to `latest`. */
export function normalizeModelName(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}

/** Ollama's HumanBytes: decimal units (`397 MB`, `2.0 GB`). */
export function parseHumanBytes(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)$/i.exec(text.trim());
  if (match === null) return null;
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf((match[2] ?? 'B').toUpperCase());
  return Math.round(Number(match[1]) * 1000 ** power);
}

/**
 * Rows of a table with a header line, as records keyed by header. Columns are cut at the
 * header's column starts (values such as `100% CPU` and `4 minutes from now` hold spaces), or
 * at tabs when the table uses them.
 */
export function parseTable(output: string): Record<string, string>[] {
  const lines = output.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  if (header.includes('\t')) {
    const names = header.split('\t').map((name) => name.trim()).filter((name) => name !== '');
    return lines.slice(1).map((line) => {
      const cells = line.split('\t').map((cell) => cell.trim());
      return Object.fromEntries(names.map((name, index) => [name, cells[index] ?? '']));
    });
  }
  const columns = [...header.matchAll(/\S+/g)].map((match) => ({ name: match[0], start: match.index }));
  return lines.slice(1).map((line) =>
    Object.fromEntries(
      columns.map((column, index) => {
        const end = columns[index + 1]?.start ?? line.length;
        return [column.name, line.slice(column.start, end).trim()];
      }),
    ),
  );
}

/** `ollama list`. */
export function parseOllamaList(output: string): OllamaListRow[] {
  return parseTable(output)
    .filter((row) => (row.NAME ?? '') !== '')
    .map((row) => ({
      name: row.NAME ?? '',
      id: row.ID ?? '',
      sizeBytes: parseHumanBytes(row.SIZE ?? ''),
      modified: row.MODIFIED ?? '',
    }));
}

/** `ollama ps`. */
export function parseOllamaPs(output: string): OllamaPsRow[] {
  return parseTable(output)
    .filter((row) => (row.NAME ?? '') !== '')
    .map((row) => ({
      name: row.NAME ?? '',
      id: row.ID ?? '',
      sizeBytes: parseHumanBytes(row.SIZE ?? ''),
      processor: row.PROCESSOR ?? '',
      until: row.UNTIL ?? '',
    }));
}

const ANSI_ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Percentages of `ollama pull` progress lines in a chunk of output, escapes removed. */
export function parsePullPercents(chunk: string): number[] {
  const percents: number[] = [];
  for (const line of chunk.replace(ANSI_ESCAPE, '\n').split(/[\r\n]+/)) {
    const match = /^pulling [0-9a-f]+\.*:?\s+(\d{1,3})%/.exec(line.trim());
    if (match !== null) percents.push(Number(match[1]));
  }
  return percents;
}
