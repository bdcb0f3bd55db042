// How a reason quotes the reply: the first ~160 characters on one line, with its length.
const EXCERPT_CHARS = 160;

/** A value on one line: newlines, tabs and carriage returns escaped, quotes kept readable. */
export function oneLine(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** `"Hello\nworld…" (812 chars)`; `(empty)` for an empty reply. Linear, without copying the text. */
export function excerpt(text: string, limit = EXCERPT_CHARS): string {
  if (text === '') return '(empty)';
  let characters = 0;
  let end = 0;
  for (const character of text) {
    if (characters < limit) end += character.length;
    characters++;
  }
  const shown = characters > limit ? `${text.slice(0, end)}…` : text;
  return `"${oneLine(shown)}" (${characters} chars)`;
}

/** `Reply: "…" (N chars)`, the tail every content failure ends with. */
export function replyExcerpt(text: string): string {
  return `Reply: ${excerpt(text)}`;
}

/** A short JSON rendering of a value for a reason, cut at `limit` characters. */
export function shortJson(value: unknown, limit = 120): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
