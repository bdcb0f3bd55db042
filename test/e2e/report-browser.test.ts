// The HTML report in a real browser (Debian's headless Chromium through playwright-core; no
// browser is ever downloaded): a model's metrics and response are visible, model output
// stays text, and the page makes no request of any kind.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { toHistoryRun } from '../../src/results/files.ts';
import { writeFileAtomic } from '../../src/util/files.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { launchChromium } from '../support/browser.ts';
import { sampleResults, scaleLatencies } from '../support/results.ts';

let browser: Browser;
const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-browser-'));
const reportFile = path.join(folder, 'report.html');

beforeAll(async () => {
  const results = sampleResults();
  const history = [1, 1.3, 1].map((factor, day) => toHistoryRun(scaleLatencies(sampleResults(`2026-01-0${day + 1}T00:00:00.000Z`), factor)));
  writeFileAtomic(reportFile, renderHtml(results, { verdict: compareToBaseline(results, scaleLatencies(results, 0.5)), history }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('the HTML report in Chromium', () => {
  it("shows each model's metrics and responses, as text, without any request or script", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pathToFileURL(reportFile).href);

    const row = page.locator('table.comparison tr[data-model="fixture-small"]');
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.innerText()).toMatch(/fixture-small\s+1\.20 s\s+15\.5 ms\s+18\.8 ms\s+223 ms\s+215\.8\s+512 MB\s+6\/6/);

    const card = page.locator('article[data-model="fixture-tiny-with-a-rather-long-alias"][data-prompt="code/sort-function"]');
    expect(await card.isVisible()).toBe(true);
    expect(await card.locator('.metrics').innerText()).toBe('TTFT 7 ms · E2E 110 ms · TPOT 3 ms · 40 tokens (usage) · 363.6 tokens/s');
    const response = await card.locator('pre.response').innerText();
    expect(response).toContain('Sure! <script>alert(1)</script>');
    expect(response).toContain('<img src=x onerror=alert(2)>');
    expect(await card.locator('ul.checks li.fail').innerText()).toContain('✗ contains: expected "def" in the response');

    expect(await page.locator('p.verdict.failed').innerText()).toBe('Gate failed: 3 regressions against the baseline');
    const charts = page.locator('#charts svg');
    expect(await charts.count()).toBe(4);
    const box = await charts.first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(await page.locator('#trend svg').count()).toBe(4);
    expect(await page.locator('td[data-state="partial"]').innerText()).toBe('1/2');

    expect(await page.locator('img, script, iframe').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(reportFile).href]);
    await page.close();
  });
});
