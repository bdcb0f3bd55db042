// Progress for long work (downloads, loads): a bar redrawn in place on a terminal, and a
// line every 10% (plus phase changes) when stderr is a pipe or a CI log.
import type { ProgressEvent } from '../runtimes/types.ts';

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  onProgress: (event: ProgressEvent) => void;
  done: () => void;
} {
  const interactive = stream.isTTY === true;
  let lastMessage = '';
  let lastDecile = -1;
  let drawn = false;

  const onProgress = (event: ProgressEvent) => {
    if (event.percent === undefined) {
      if (event.message === lastMessage) return;
      if (drawn) stream.write('\n');
      drawn = false;
      lastMessage = event.message;
      lastDecile = -1;
      stream.write(`${event.message}...\n`);
      return;
    }
    const percent = Math.max(0, Math.min(100, event.percent));
    if (interactive) {
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      stream.write(`\r${event.message} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent.toFixed(1).padStart(5)}%`);
      drawn = true;
      lastMessage = event.message;
      return;
    }
    const decile = Math.floor(percent / 10);
    if (decile !== lastDecile || event.message !== lastMessage) {
      stream.write(`${event.message}: ${percent.toFixed(0)}%\n`);
      lastDecile = decile;
      lastMessage = event.message;
    }
  };
  const done = () => {
    if (drawn) stream.write('\n');
    drawn = false;
  };
  return { onProgress, done };
}
