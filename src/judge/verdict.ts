// Reading a judge's reply, tolerantly: a JSON object anywhere in it (code fences and chatter
// around it allowed, `score`, `rating` or `grade`, as a number or as "4", "4/5"), else a plain
// "Score: 4" line. What cannot be read as a whole score from 1 to 5 is an error that says why;
// never a guess. With the reply's logprobs, the score is the probability-weighted mean over the
// score tokens 1-5 at the score's position (G-Eval), else the integer the judge wrote.

export interface Verdict {
  score: number;
  reason: string;
  /** Where the score digit stands in the reply text, for finding its token's logprobs. */
  scoreOffset: number;
}

export type VerdictReading = ({ ok: true } & Verdict) | { ok: false; error: string };

const SCORE_KEYS = ['score', 'rating', 'grade'];
const REASON_KEYS = ['reason', 'reasoning', 'explanation', 'justification', 'feedback', 'rationale'];
const REFUSAL = /\b(?:I(?:'m| am)? (?:sorry|unable|not able)|I can(?:not|'t)|as an AI)\b/i;
const PLAIN_SCORE = /\b(?:score|rating|grade)\b["*]*\s*[:=]\s*["*]*\s*([0-9]+(?:\.[0-9]+)?)(?:\s*(?:\/|out of)\s*5)?/i;
const MAX_REASON = 300;

/** Balanced `{...}` spans of the text, outermost first, with their offsets (strings respected). */
function objectSpans(text: string): { start: number; json: string }[] {
  const spans: { start: number; json: string }[] = [];
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let index = start; index < text.length; index++) {
      const character = text[index];
      if (inString) {
        if (character === '\\') index++;
        else if (character === '"') inString = false;
      } else if (character === '"') inString = true;
      else if (character === '{') depth++;
      else if (character === '}' && --depth === 0) {
        spans.push({ start, json: text.slice(start, index + 1) });
        break;
      }
    }
  }
  return spans;
}

function field(record: Record<string, unknown>, keys: readonly string[]): [string, unknown] | null {
  const entry = Object.entries(record).find(([key]) => keys.includes(key.toLowerCase()));
  return entry === undefined ? null : entry;
}

/** A score value as the judge wrote it: 4, 4.0, "4", "4/5", "4 out of 5". */
function scoreValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:(?:\/|out of)\s*5)?\s*$/i.exec(value);
  return match === null ? null : Number(match[1]);
}

function checkScore(score: number): string | null {
  if (!Number.isInteger(score)) return `score ${score} is not a whole number from 1 to 5`;
  if (score < 1 || score > 5) return `score ${score} is outside the scale 1-5`;
  return null;
}

function oneSentence(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed.length > MAX_REASON ? `${trimmed.slice(0, MAX_REASON - 1)}…` : trimmed;
}

function fromObject(text: string, span: { start: number; json: string }): VerdictReading | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(span.json);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const scoreField = field(record, SCORE_KEYS);
  if (scoreField === null) return null;
  const score = scoreValue(scoreField[1]);
  if (score === null) return { ok: false, error: `the "${scoreField[0]}" field is ${JSON.stringify(scoreField[1])}, not a score from 1 to 5` };
  const problem = checkScore(score);
  if (problem !== null) return { ok: false, error: problem };
  const reasonField = field(record, REASON_KEYS);
  const reason = typeof reasonField?.[1] === 'string' && reasonField[1].trim() !== '' ? oneSentence(reasonField[1]) : '(the judge gave no reason)';
  // The digit's place in the reply: after the score key, within this object.
  const keyAt = text.indexOf(`"${scoreField[0]}"`, span.start);
  const digitAt = keyAt === -1 ? -1 : text.slice(keyAt).search(/[0-9]/);
  return { ok: true, score, reason, scoreOffset: digitAt === -1 ? -1 : keyAt + digitAt };
}

export function readVerdict(reply: string): VerdictReading {
  const text = reply.trim();
  if (text === '') return { ok: false, error: 'the judge replied with nothing' };
  let firstProblem: string | null = null;
  for (const span of objectSpans(reply)) {
    const reading = fromObject(reply, span);
    if (reading?.ok === true) return reading;
    if (reading !== null) firstProblem ??= reading.error;
  }
  if (firstProblem !== null) return { ok: false, error: firstProblem };
  const plain = PLAIN_SCORE.exec(reply);
  if (plain?.[1] !== undefined) {
    const score = Number(plain[1]);
    const problem = checkScore(score);
    if (problem !== null) return { ok: false, error: problem };
    // A JSON object cut short still names its reason; plain text gives it around the score.
    const quoted = /"(?:reason|reasoning|explanation)"\s*:\s*"((?:[^"\\]|\\.)*)"/i.exec(reply)?.[1];
    const before = reply.slice(0, plain.index).trim();
    const after = reply.slice(plain.index + plain[0].length).trim();
    const reason = quoted ?? (before !== '' ? before : after !== '' ? after : '(the judge gave no reason)');
    return { ok: true, score, reason: oneSentence(reason), scoreOffset: plain.index + plain[0].indexOf(plain[1]) };
  }
  if (REFUSAL.test(reply)) return { ok: false, error: 'the judge refused to grade' };
  if (reply.includes('{')) return { ok: false, error: 'the reply is not valid JSON and has no score' };
  return { ok: false, error: 'the reply has no score' };
}

/** One token of an OpenAI `logprobs.content` list. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top_logprobs?: { token: string; logprob: number }[];
}

/**
 * The probability-weighted mean of the scores 1-5 at the score's token, from the logprobs the
 * server returned with the reply; null when they do not reach the score's position.
 */
export function weightedScore(logprobs: readonly TokenLogprob[], scoreOffset: number): number | null {
  if (scoreOffset < 0) return null;
  let position = 0;
  for (const entry of logprobs) {
    const end = position + entry.token.length;
    if (scoreOffset >= position && scoreOffset < end) {
      const candidates = [{ token: entry.token, logprob: entry.logprob }, ...(entry.top_logprobs ?? [])];
      const mass = new Map<number, number>();
      for (const candidate of candidates) {
        const digit = /^\s*([1-5])\s*$/.exec(candidate.token)?.[1];
        if (digit !== undefined && !mass.has(Number(digit))) mass.set(Number(digit), Math.exp(candidate.logprob));
      }
      const total = [...mass.values()].reduce((sum, probability) => sum + probability, 0);
      if (total === 0) return null;
      return [...mass.entries()].reduce((sum, [digit, probability]) => sum + digit * probability, 0) / total;
    }
    position = end;
  }
  return null;
}
