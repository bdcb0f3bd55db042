// The end of a run on a real file system that is full (a small tmpfs): the reports come before
// the history copy, a report that does not fit is an error (exit code 1) naming the file, and
// no report is left empty or stale for CI to read as this run's.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concludeRun, type ConcludeOptions } from '../../src/report/conclude.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { toHistoryRun } from '../../src/results/files.ts';
import { DEFAULT_GATE_SETTINGS } from '../../src/config/gate-settings.ts';
import { canMount, fillUntilFree, mountTmpfs, type Mount } from '../support/filesystems.ts';
import { sampleResults } from '../support/results.ts';

let work: string;
let mount: Mount | null;
let resultsDir: string;

beforeEach(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-full-disk-'));
  resultsDir = path.join(work, 'results');
  mount = await mountTmpfs(resultsDir, 1024 * 1024);
});

afterEach(async () => {
  await mount?.unmount();
  rmSync(work, { recursive: true, force: true });
});

const results = sampleResults();

function options(): ConcludeOptions {
  return {
    config: { resultsDir, baselinePath: undefined, saveBaselinePath: undefined, gate: DEFAULT_GATE_SETTINGS, historyLimit: 20 },
    resultsFile: path.join(resultsDir, 'latest.json'),
    state: 'passed',
    unhandledErrors: 0,
    terminal: { width: 100, color: false },
    env: {},
  };
}

/** What the reports take on disk, rendered as concludeRun renders them for a first run. */
function reportBytes(): number {
  const extras = { verdict: null, history: [toHistoryRun(results)] };
  const page = (text: string) => Math.ceil(Buffer.byteLength(text) / 4096) * 4096;
  return page(renderMarkdown(results, extras)) + page(renderHtml(results, extras)) + page(renderJunit(results));
}

describe.runIf(canMount)('concluding a run on a full disk', () => {
  it('no room left: every report an error by name, exit code 1, and no report file left, empty or stale', () => {
    // A junit.xml from an earlier run must not pass for this one's.
    writeFileSync(path.join(resultsDir, 'junit.xml'), '<testsuites tests="99"/>\n');
    fillUntilFree(resultsDir, 0);
    const conclusion = concludeRun(results, options());
    expect(conclusion.exitCode).toBe(1);
    for (const name of ['report.md', 'report.html', 'junit.xml']) {
      expect(conclusion.text).toContain(`error: could not write ${path.join(resultsDir, name)}: no space left on the device (ENOSPC)`);
      expect(existsSync(path.join(resultsDir, name)), name).toBe(false);
    }
    expect(conclusion.text).toMatch(/warning: could not keep a copy of this run in .*history: no space left on the device \(ENOSPC\)/);
    expect(readdirSync(resultsDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('room for the reports only: they are written whole, before the history copy that no longer fits', () => {
    fillUntilFree(resultsDir, reportBytes());
    const conclusion = concludeRun(results, options());
    for (const name of ['report.md', 'report.html', 'junit.xml']) expect(statSync(path.join(resultsDir, name)).size, name).toBeGreaterThan(1000);
    expect(readFileSync(path.join(resultsDir, 'junit.xml'), 'utf8').trimEnd().endsWith('</testsuites>')).toBe(true);
    expect(readFileSync(path.join(resultsDir, 'report.html'), 'utf8').trimEnd().endsWith('</html>')).toBe(true);
    expect(conclusion.text).toMatch(/warning: could not keep a copy of this run in .*history: no space left on the device \(ENOSPC\)/);
    expect(conclusion.text).not.toContain('error:');
    // A missing history copy loses the trend, not the run.
    expect(conclusion.exitCode).toBeNull();
  });
});
