// Server-Sent Events as chat completion streams use them, read incrementally: text goes in as
// it arrives, the `data` of every event the text completed comes out. Pure: no I/O.
//
// The rules (the WHATWG event-stream format, as docs/METRICS.md's stream rules apply it): lines end
// in \n, \r\n or \r; a blank line ends an event; `data:` lines are joined with \n (one space
// after the colon is dropped); lines starting with `:` are comments (`: ping`); other fields
// (`event:`, `id:`, `retry:`) are read and ignored; an event without data is no event. Text
// after the last blank line is an event not yet complete, kept for the next call.
export class SseReader {
  private pending = '';
  private data: string[] = [];
  /** The previous text ended in \r: a \n at the start of the next one belongs to it. */
  private afterCarriageReturn = false;

  /** The data of each event that `text` completes, in order. */
  push(text: string): string[] {
    let input = text;
    if (this.afterCarriageReturn && input.startsWith('\n')) input = input.slice(1);
    this.afterCarriageReturn = input.endsWith('\r');
    const lines = (this.pending + input).split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    const events: string[] = [];
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0) events.push(this.data.join('\n'));
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      if (field !== 'data') continue;
      const value = colon === -1 ? '' : line.slice(colon + 1);
      this.data.push(value.startsWith(' ') ? value.slice(1) : value);
    }
    return events;
  }
}
