// The weights of the criteria in the recommendation: EVAL_WEIGHTS for the run, `weights` in an
// eval file for its category. Written `accuracy=0.4,completeness=0.3,clarity=0.2,speed=0.1`;
// a criterion left out weighs 0, and the weights are normalised to sum 1.
import { CRITERIA, normalizeWeights, type Criterion, type CriterionWeights } from '../contract/criteria.ts';

/**
 * An answer that is wrong misleads, so accuracy weighs most; one that misses points needs a
 * follow-up question; one that is hard to read costs time; and speed, already measured
 * precisely and shown apart in the table, tips the balance between answers of similar quality.
 */
export const DEFAULT_WEIGHTS: CriterionWeights = { accuracy: 0.4, completeness: 0.3, clarity: 0.2, speed: 0.1 };

/** `accuracy=0.4,speed=0.1` to normalised weights; throws with a message that names the part. */
export function parseWeights(text: string): CriterionWeights {
  const weights: Partial<Record<Criterion, number>> = {};
  for (const part of text.split(',').map((piece) => piece.trim()).filter((piece) => piece !== '')) {
    const match = /^([a-z]+)\s*=\s*(\S+)$/i.exec(part);
    if (match === null) throw new Error(`"${part}": expected <criterion>=<weight>, e.g. accuracy=0.4`);
    const name = (match[1] as string).toLowerCase();
    if (!(CRITERIA as readonly string[]).includes(name)) throw new Error(`"${match[1]}" is not a criterion; expected ${CRITERIA.join(', ')}`);
    const value = Number(match[2]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`"${part}": expected a weight of 0 or more`);
    if (weights[name as Criterion] !== undefined) throw new Error(`${name} is given twice`);
    weights[name as Criterion] = value;
  }
  return normalizeWeights(weights);
}
