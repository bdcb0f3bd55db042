// "Did you mean ...?" for model names: the candidates closest to what was typed.

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const substitution = diagonal + (a[i - 1] === b[j - 1] ? 0 : 1);
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, substitution);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** Up to `limit` candidates that share a prefix with, contain, or are a few edits from `typed`. */
export function closestNames(typed: string, candidates: readonly string[], limit = 3): string[] {
  const wanted = typed.toLowerCase();
  const scored = candidates.map((candidate) => {
    const name = candidate.toLowerCase();
    const related = name.includes(wanted) || wanted.includes(name) || name.split(/[-.:]/)[0] === wanted.split(/[-.:]/)[0];
    return { candidate, distance: editDistance(wanted, name) - (related ? 100 : 0) };
  });
  const threshold = Math.max(3, Math.floor(wanted.length / 2));
  return scored
    .filter((entry) => entry.distance <= threshold)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((entry) => entry.candidate);
}
