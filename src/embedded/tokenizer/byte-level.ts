// GPT-2's reversible byte <-> character mapping: every byte gets a printable character, so
// byte-level BPE tokens are ordinary strings ("Ġ" is a space, "Ċ" a newline). llama.cpp's
// "gpt2" tokenizer decodes token text through the same table.

/** The 256 byte values in GPT-2's order: printable Latin-1 first, then the rest. */
export const BYTE_ORDER: readonly number[] = (() => {
  const printable: number[] = [];
  for (let byte = 0x21; byte <= 0x7e; byte++) printable.push(byte);
  for (let byte = 0xa1; byte <= 0xac; byte++) printable.push(byte);
  for (let byte = 0xae; byte <= 0xff; byte++) printable.push(byte);
  const rest: number[] = [];
  for (let byte = 0; byte < 256; byte++) if (!printable.includes(byte)) rest.push(byte);
  return [...printable, ...rest];
})();

/** byte -> its character. Printable bytes map to themselves, the others to U+0100 upwards. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array<string>(256);
  let shifted = 0;
  for (const byte of BYTE_ORDER) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCodePoint(printable ? byte : 256 + shifted++);
  }
  return table;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((char, byte) => [char, byte]));

const utf8 = new TextEncoder();

/** A string as its UTF-8 bytes' characters (one character per byte). */
export function toByteChars(text: string): string[] {
  return Array.from(utf8.encode(text), (byte) => BYTE_TO_CHAR[byte] ?? '');
}

/** Token text (byte characters) back to its bytes; undefined if a character is not a byte character. */
export function byteCharsToBytes(tokenText: string): number[] | undefined {
  const bytes: number[] = [];
  for (const char of tokenText) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte === undefined) return undefined;
    bytes.push(byte);
  }
  return bytes;
}
