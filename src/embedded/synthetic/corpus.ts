// The corpus the synthetic models are built from: fixtures/corpus/*.txt, question and answer
// pairs written for this project. A line "Q: ..." starts an entry; the answer starts at the
// following "A: " and runs to the next "Q: " line (blank lines and indented code included).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(new URL('../../../fixtures/corpus/', import.meta.url));

export interface CorpusEntry {
  question: string;
  answer: string;
}

export interface Corpus {
  entries: CorpusEntry[];
  /** SHA-256 over the files' names and contents: a changed corpus means different models. */
  sha256: string;
}

export function loadCorpus(dir = CORPUS_DIR): Corpus {
  if (!existsSync(dir)) throw new Error(`The corpus of the synthetic models is missing: expected the folder ${dir}`);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort();
  if (files.length === 0) throw new Error(`No corpus files (*.txt) in ${dir}`);
  const hash = createHash('sha256');
  const entries: CorpusEntry[] = [];
  for (const name of files) {
    const text = readFileSync(path.join(dir, name), 'utf8').replace(/\r\n/g, '\n');
    hash.update(`${name}\0${text}\0`);
    entries.push(...parseCorpusFile(text, name));
  }
  return { entries, sha256: hash.digest('hex') };
}

export function parseCorpusFile(text: string, fileName: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const blocks = text.split(/^Q: /m).slice(1);
  if (blocks.length === 0 && text.trim() !== '') throw new Error(`${fileName}: expected entries starting with "Q: "`);
  for (const block of blocks) {
    const answerStart = block.indexOf('\nA: ');
    if (answerStart < 0) throw new Error(`${fileName}: the entry "Q: ${block.split('\n')[0]}" has no "A: " line`);
    const question = block.slice(0, answerStart).trim();
    const answer = block.slice(answerStart + 4).trim();
    if (question === '' || answer === '') throw new Error(`${fileName}: empty question or answer near "Q: ${question}"`);
    entries.push({ question, answer });
  }
  return entries;
}
