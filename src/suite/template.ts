// `{{name}}` in the prompts and checks of an eval with data: replaced by the row's variable of
// that name. Evals without data are sent as written, braces included.
import type { TemplateVars } from '../contract/results.ts';
import { closestNames } from '../util/suggest.ts';

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** The text with every `{{name}}` filled in; an Error names a variable the row does not have. */
export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(PLACEHOLDER, (_placeholder, name: string) => {
    const value = vars[name];
    if (value !== undefined) return String(value);
    const known = Object.keys(vars);
    const suggestions = closestNames(name, known);
    const hint = suggestions.length === 0 ? '' : `; did you mean ${suggestions.map((suggestion) => `{{${suggestion}}}`).join(' or ')}?`;
    throw new Error(`{{${name}}} is not a variable of the row (it has ${known.length === 0 ? 'none' : known.join(', ')})${hint}`);
  });
}
