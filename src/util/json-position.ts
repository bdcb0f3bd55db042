// Where a JSON text stops being valid JSON. JSON.parse on Node 20 often says only
// "Unexpected token '}'" and a snippet; a person fixing a hand-edited baseline wants the line
// and column, so this scanner walks the text with JSON's grammar and returns the offset of
// the first character that breaks it.

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class Stop {
  constructor(readonly offset: number) {}
}

/** The offset of the first invalid character, or null when the text is valid JSON. */
export function jsonErrorOffset(text: string): number | null {
  let index = 0;
  const skipWhitespace = () => {
    while (index < text.length && WHITESPACE.has(text[index] ?? '')) index++;
  };
  const expect = (character: string) => {
    if (text[index] !== character) throw new Stop(index);
    index++;
  };
  const matchSticky = (pattern: RegExp) => {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null || match[0] === '') return false;
    index += match[0].length;
    return true;
  };
  const string = () => {
    expect('"');
    matchSticky(STRING_BODY);
    expect('"');
  };
  const value = (): void => {
    skipWhitespace();
    const character = text[index];
    if (character === '{') {
      index++;
      skipWhitespace();
      if (text[index] === '}') {
        index++;
        return;
      }
      for (;;) {
        skipWhitespace();
        string();
        skipWhitespace();
        expect(':');
        value();
        skipWhitespace();
        if (text[index] === ',') index++;
        else return expect('}');
      }
    }
    if (character === '[') {
      index++;
      skipWhitespace();
      if (text[index] === ']') {
        index++;
        return;
      }
      for (;;) {
        value();
        skipWhitespace();
        if (text[index] === ',') index++;
        else return expect(']');
      }
    }
    if (character === '"') return string();
    const literal = LITERALS.find((word) => text.startsWith(word, index));
    if (literal !== undefined) {
      index += literal.length;
      return;
    }
    if (!matchSticky(NUMBER)) throw new Stop(index);
  };
  try {
    value();
    skipWhitespace();
    return index === text.length ? null : index;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
