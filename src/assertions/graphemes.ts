// Counting grapheme clusters (characters as a reader counts them: 👍🏽, or é written as e and
// an accent, is one) in linear time. Intl.Segmenter is exact but slow (about half a
// microsecond a character, and slower per character the longer its input: several seconds
// for 50,000 characters on a busy machine), so it only sees what needs it:
// - below U+0300 every code point is a cluster of its own, except CR LF: Unicode's rules join
//   characters only with combining marks, joiners, Hangul jamo, regional indicators and the
//   like, all from U+0300 on (© and ® join only a joiner before them). So runs of such
//   "simple" characters (ASCII, Latin-1, Latin Extended: most replies) count one per
//   character;
// - a stretch of other characters, with the simple character on each side of it (a combining
//   mark joins the letter before it, a joiner the © after it), goes to the segmenter in
//   windows: the boundaries the segmenter finds before a window's end are final (a boundary
//   depends on the characters before it and the one right after), so the next window starts
//   at the last cluster that began inside the window.
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Stretches from U+0300 on, merged across single simple characters, with one simple neighbour (or CR LF) each side. */
const COMPLEX = /(?:\r\n|[\u0000-\u02ff])?(?:[^\u0000-\u02ff]+(?:\r\n|[\u0000-\u02ff])?)+/g;

const WINDOW = 1024;

/** Clusters in a stretch of simple characters: one per character, CR LF one together. */
function simpleCount(text: string, start: number, end: number): number {
  let pairs = 0;
  for (let at = start; at + 1 < end; at++) if (text.charCodeAt(at) === 13 && text.charCodeAt(at + 1) === 10) pairs++;
  return end - start - pairs;
}

/** Clusters in a stretch that starts at a cluster boundary, a window at a time. */
function segmentedCount(text: string): number {
  let count = 0;
  let start = 0;
  let window = WINDOW;
  while (text.length - start > window) {
    let clusters = 0;
    let lastStart = 0;
    for (const segment of GRAPHEMES.segment(text.slice(start, start + window))) {
      clusters++;
      lastStart = segment.index;
    }
    if (lastStart === 0) {
      // One cluster fills the whole window (a letter under thousands of marks): widen it.
      window *= 2;
      continue;
    }
    // The last cluster may go on past the window: counted with the next one.
    count += clusters - 1;
    start += lastStart;
    window = WINDOW;
  }
  for (const _segment of GRAPHEMES.segment(text.slice(start))) count++;
  return count;
}

export function graphemeCount(text: string): number {
  let count = 0;
  let done = 0;
  for (const match of text.matchAll(COMPLEX)) {
    count += simpleCount(text, done, match.index) + segmentedCount(match[0]);
    done = match.index + match[0].length;
  }
  return count + simpleCount(text, done, text.length);
}
