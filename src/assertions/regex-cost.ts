// How much work a regular expression can do on a text, when that can be bounded from its
// pattern alone: a regex check runs in place when the bound is small (regex-deadline.ts), and
// in the worker thread with a deadline otherwise. Without a loop (`*`, `+`, `{n,}`) and without
// a back-reference, a backtracking matcher follows each way through the pattern at most once
// from each start position: the ways (the product of the choices along the pattern: branches
// of an alternation, a `?`, each count of `{n,m}`) times the atoms along the longest way bound
// the steps at one position. Anything this reader is not sure of (a loop, a back-reference, the
// `v` flag's class syntax, a `{` that is not a bounded count) has no bound: the worker it is.

/** Above this many ways through a pattern, it is treated as unbounded (the products stay exact below it). */
const MAX_WAYS = 1_000_000;

/** Ways through a piece of pattern, and the most atoms one way matches. */
interface Cost {
  ways: number;
  width: number;
}

class Unbounded extends Error {}

class PatternReader {
  private at = 0;

  constructor(private readonly pattern: string) {}

  /** The whole pattern, or Unbounded. */
  read(): Cost {
    const cost = this.alternation();
    if (this.at !== this.pattern.length) throw new Unbounded();
    return cost;
  }

  private peek(): string | undefined {
    return this.pattern[this.at];
  }

  private alternation(): Cost {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.at++;
      branches.push(this.sequence());
    }
    return { ways: capped(branches.reduce((sum, branch) => sum + branch.ways, 0)), width: Math.max(...branches.map((branch) => branch.width)) };
  }

  private sequence(): Cost {
    let cost: Cost = { ways: 1, width: 0 };
    for (let next = this.peek(); next !== undefined && next !== '|' && next !== ')'; next = this.peek()) {
      const term = this.quantified(this.atom());
      cost = { ways: capped(cost.ways * term.ways), width: cost.width + term.width };
    }
    return cost;
  }

  private atom(): Cost {
    const char = this.peek();
    this.at++;
    switch (char) {
      case '(':
        return this.group();
      case '[':
        this.skipClass();
        return { ways: 1, width: 1 };
      case '\\':
        this.skipEscape();
        return { ways: 1, width: 1 };
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
      case ')':
        // A quantifier with nothing to repeat, or a bracket outside its pair: not read here.
        throw new Unbounded();
      default:
        return { ways: 1, width: 1 };
    }
  }

  /** After `(`: the group's prefix (`?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`), its alternation, `)`. */
  private group(): Cost {
    if (this.peek() === '?') {
      const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(this.pattern.slice(this.at));
      if (prefix === null) throw new Unbounded();
      this.at += prefix[0].length;
    }
    const inner = this.alternation();
    if (this.peek() !== ')') throw new Unbounded();
    this.at++;
    return inner;
  }

  /** After `[`: up to the `]` that closes the class (a first `]` closes an empty one). */
  private skipClass(): void {
    if (this.peek() === '^') this.at++;
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new Unbounded();
      if (this.peek() === '\\') {
        this.at++;
        this.skipEscape();
      } else this.at++;
    }
    this.at++;
  }

  /** After `\`: one escape; a back-reference (`\1`, `\k<name>`) has no bound. */
  private skipEscape(): void {
    const char = this.peek();
    if (char === undefined || /[1-9k]/.test(char)) throw new Unbounded();
    const long = /^(?:u\{[0-9A-Fa-f]+\}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|c[A-Za-z]|[pP]\{[\w=]+\})/.exec(this.pattern.slice(this.at));
    this.at += long === null ? 1 : long[0].length;
  }

  /** A quantifier after an atom: `?` and `{n}` / `{n,m}` multiply its ways; a loop has no bound. */
  private quantified(atom: Cost): Cost {
    const char = this.peek();
    if (char === '*' || char === '+') throw new Unbounded();
    let cost = atom;
    if (char === '?') {
      this.at++;
      cost = { ways: capped(atom.ways + 1), width: atom.width };
    } else if (char === '{') {
      const count = /^\{(\d{1,4})(?:,(\d{1,4}))?\}/.exec(this.pattern.slice(this.at));
      // `{n,}` loops; any other `{` (a literal brace outside unicode mode) is not read here.
      if (count === null) throw new Unbounded();
      this.at += count[0].length;
      const min = Number(count[1]);
      const max = count[2] === undefined ? min : Number(count[2]);
      if (max < min) throw new Unbounded();
      let ways = 0;
      for (let times = min; times <= max; times++) ways = capped(ways + capped(atom.ways ** times));
      cost = { ways, width: atom.width * max };
    } else return cost;
    // A lazy quantifier tries the same ways in another order.
    if (this.peek() === '?') this.at++;
    return cost;
  }
}

function capped(ways: number): number {
  if (ways > MAX_WAYS) throw new Unbounded();
  return ways;
}

/**
 * At most how many steps a backtracking match of `pattern` takes on a text of `textLength`
 * characters, searched from every position; null when the pattern allows no such bound.
 */
export function regexSteps(pattern: string, flags: string | undefined, textLength: number): number | null {
  if (flags?.includes('v') === true) return null;
  try {
    const { ways, width } = new PatternReader(pattern).read();
    return (textLength + 1) * ways * Math.max(width, 1);
  } catch (error) {
    if (error instanceof Unbounded) return null;
    throw error;
  }
}
