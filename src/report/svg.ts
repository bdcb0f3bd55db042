// Inline SVG charts for the HTML report, generated as strings: no chart library, no script,
// nothing fetched when the page is viewed. Every label goes through svgText, and every
// mark carries a <title> so a pointer shows the exact figures without JavaScript.
import { quantileOfSorted } from '../stats/summary.ts';
import { withoutControls } from '../util/control-characters.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Text of a chart: escaped, with control characters removed. Labels are model and test names,
 * which an endpoint or a user chose; XML, which SVG is, does not allow most control characters.
 */
function svgText(text: string): string {
  return escapeHtml(withoutControls(text));
}

/** Colour-blind-safe (Okabe-Ito based), readable on white; a model keeps its colour in every chart. */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8C564B', '#444444'];

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length] as string;
}

const CHART_WIDTH = 720;
const ROW_HEIGHT = 34;
const AXIS_HEIGHT = 28;
const TOP = 8;
const RIGHT = 24;
const CHAR_WIDTH = 7;

/** Axis maximum and step: 1, 2 or 5 times a power of ten, about four steps. */
export function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.25 };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power);
  return { max: Math.ceil(max / step) * step, step };
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function clipLabel(label: string, characters: number): string {
  return label.length <= characters ? label : `${label.slice(0, characters - 1)}…`;
}

interface Frame {
  left: number;
  plotWidth: number;
  height: number;
  x: (value: number) => number;
  axis: string;
}

/** Left label column sized to the longest label (capped), a linear x axis from 0, grid lines. */
function horizontalFrame(labels: readonly string[], rows: number, max: number, format: (value: number) => string): Frame {
  const labelCharacters = Math.min(26, Math.max(6, ...labels.map((label) => label.length)));
  const left = 12 + labelCharacters * CHAR_WIDTH;
  const plotWidth = CHART_WIDTH - left - RIGHT;
  const scale = niceScale(max);
  const x = (value: number) => left + (Math.max(0, value) / scale.max) * plotWidth;
  const plotBottom = TOP + rows * ROW_HEIGHT;
  const ticks: string[] = [];
  for (let step = 0; step * scale.step <= scale.max + scale.step / 2; step++) {
    const tick = step * scale.step;
    const position = round(x(tick));
    ticks.push(
      `<line x1="${position}" x2="${position}" y1="${TOP}" y2="${plotBottom}" class="grid"/>` +
        `<text x="${position}" y="${plotBottom + 18}" text-anchor="middle" class="tick">${svgText(format(tick))}</text>`,
    );
  }
  return { left, plotWidth, height: plotBottom + AXIS_HEIGHT, x, axis: ticks.join('') };
}

function svg(height: number, title: string, body: string): string {
  return (
    `<svg viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%" role="img" aria-label="${svgText(title)}">` +
    `<title>${svgText(title)}</title>${body}</svg>`
  );
}

function rowLabel(label: string, row: number, left: number): string {
  const characters = Math.floor((left - 12) / CHAR_WIDTH);
  const y = round(TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2 + 4);
  return `<text x="${left - 8}" y="${y}" text-anchor="end" class="label"><title>${svgText(label)}</title>${svgText(clipLabel(label, characters))}</text>`;
}

export interface DistributionSeries {
  label: string;
  values: readonly number[];
}

/**
 * One row per series: whiskers min..max, a box p25..p75, the median as a thick line, and
 * every value as a dot (a strip plot), so that three samples are not dressed up as a box.
 */
export function distributionChart(title: string, series: readonly DistributionSeries[], format: (value: number) => string): string {
  const max = Math.max(0, ...series.flatMap((entry) => entry.values));
  const frame = horizontalFrame(series.map((entry) => entry.label), series.length, max, format);
  const rows = series.map((entry, row) => {
    const middle = TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2;
    const colour = seriesColour(row);
    const label = rowLabel(entry.label, row, frame.left);
    if (entry.values.length === 0) {
      return `${label}<text x="${frame.left + 6}" y="${round(middle + 4)}" class="note">no measurements</text>`;
    }
    const sorted = [...entry.values].sort((a, b) => a - b);
    const [min, q1, median, q3, p95, highest] = [0, 0.25, 0.5, 0.75, 0.95, 1].map((q) => quantileOfSorted(sorted, q)) as [number, number, number, number, number, number];
    const summary = `${entry.label}: n=${sorted.length}, min ${format(min)}, p50 ${format(median)}, p95 ${format(p95)}, max ${format(highest)}`;
    const boxTop = round(middle - 9);
    const dots = sorted
      .map((value, index) => {
        // Deterministic jitter spreads equal values without randomness in the output.
        const offset = ((index * 7) % 11) - 5;
        return `<circle cx="${round(frame.x(value))}" cy="${round(middle + offset * 1.3)}" r="2.6" fill="${colour}" fill-opacity="0.55"><title>${svgText(`${entry.label}: ${format(value)}`)}</title></circle>`;
      })
      .join('');
    return (
      `${label}<g class="series" data-series="${svgText(entry.label)}"><title>${svgText(summary)}</title>` +
      `<line x1="${round(frame.x(min))}" x2="${round(frame.x(highest))}" y1="${round(middle)}" y2="${round(middle)}" stroke="${colour}" stroke-width="1.5"/>` +
      `<rect x="${round(frame.x(q1))}" y="${boxTop}" width="${round(Math.max(1, frame.x(q3) - frame.x(q1)))}" height="18" fill="${colour}" fill-opacity="0.18" stroke="${colour}"/>` +
      `<line x1="${round(frame.x(median))}" x2="${round(frame.x(median))}" y1="${boxTop}" y2="${round(middle + 9)}" stroke="${colour}" stroke-width="3"/>` +
      `${dots}</g>`
    );
  });
  return svg(frame.height, title, frame.axis + rows.join(''));
}

export interface BarSeries {
  label: string;
  value: number | null;
}

/** Horizontal bars from 0, the value printed after each bar. */
export function barChart(title: string, bars: readonly BarSeries[], format: (value: number) => string): string {
  const max = Math.max(0, ...bars.map((bar) => bar.value ?? 0));
  const frame = horizontalFrame(bars.map((bar) => bar.label), bars.length, max, format);
  const rows = bars.map((bar, row) => {
    const middle = TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2;
    const label = rowLabel(bar.label, row, frame.left);
    if (bar.value === null) return `${label}<text x="${frame.left + 6}" y="${round(middle + 4)}" class="note">not measured</text>`;
    const end = frame.x(bar.value);
    const text = format(bar.value);
    const inside = end - frame.left > text.length * CHAR_WIDTH + 12;
    return (
      `${label}<g class="series" data-series="${svgText(bar.label)}"><title>${svgText(`${bar.label}: ${text}`)}</title>` +
      `<rect x="${frame.left}" y="${round(middle - 10)}" width="${round(Math.max(1, end - frame.left))}" height="20" fill="${seriesColour(row)}" fill-opacity="0.85"/>` +
      `<text x="${round(inside ? end - 6 : end + 6)}" y="${round(middle + 4)}" text-anchor="${inside ? 'end' : 'start'}" class="${inside ? 'value inside' : 'value'}">${svgText(text)}</text></g>`
    );
  });
  return svg(frame.height, title, frame.axis + rows.join(''));
}

export interface LineSeries {
  label: string;
  /** One value per x position; null leaves a gap. */
  values: readonly (number | null)[];
}

/** Lines over runs (x = run, oldest left), with a legend; for the trend of the last N runs. */
export function lineChart(title: string, xLabels: readonly string[], series: readonly LineSeries[], format: (value: number) => string): string {
  const left = 64;
  const plotWidth = CHART_WIDTH - left - RIGHT;
  const plotHeight = 160;
  const legendTop = TOP + plotHeight + AXIS_HEIGHT + 6;
  const height = legendTop + Math.ceil(series.length / 3) * 20 + 4;
  const scale = niceScale(Math.max(0, ...series.flatMap((entry) => entry.values.filter((value): value is number => value !== null))));
  const count = Math.max(1, xLabels.length - 1);
  const x = (index: number) => left + (xLabels.length === 1 ? plotWidth / 2 : (index / count) * plotWidth);
  const y = (value: number) => TOP + plotHeight - (value / scale.max) * plotHeight;
  const parts: string[] = [];
  for (let step = 0; step * scale.step <= scale.max + scale.step / 2; step++) {
    const tick = step * scale.step;
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${round(y(tick))}" y2="${round(y(tick))}" class="grid"/>` +
        `<text x="${left - 6}" y="${round(y(tick) + 4)}" text-anchor="end" class="tick">${svgText(format(tick))}</text>`,
    );
  }
  // At most about six x labels, always the first and the last run.
  const every = Math.max(1, Math.ceil(xLabels.length / 6));
  xLabels.forEach((label, index) => {
    if (index % every !== 0 && index !== xLabels.length - 1) return;
    parts.push(`<text x="${round(x(index))}" y="${TOP + plotHeight + 18}" text-anchor="middle" class="tick">${svgText(label)}</text>`);
  });
  series.forEach((entry, index) => {
    const colour = seriesColour(index);
    let path = '';
    let drawing = false;
    entry.values.forEach((value, position) => {
      if (value === null) {
        drawing = false;
        return;
      }
      path += `${drawing ? 'L' : 'M'}${round(x(position))} ${round(y(value))}`;
      drawing = true;
    });
    const points = entry.values
      .map((value, position) =>
        value === null
          ? ''
          : `<circle cx="${round(x(position))}" cy="${round(y(value))}" r="3" fill="${colour}"><title>${svgText(`${entry.label}, ${xLabels[position] ?? ''}: ${format(value)}`)}</title></circle>`,
      )
      .join('');
    const legendX = 12 + (index % 3) * 236;
    const legendY = legendTop + Math.floor(index / 3) * 20;
    parts.push(
      `<g class="series" data-series="${svgText(entry.label)}">` +
        (path === '' ? '' : `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`) +
        `${points}<rect x="${legendX}" y="${legendY}" width="12" height="12" fill="${colour}"/>` +
        `<text x="${legendX + 18}" y="${legendY + 10}" class="label">${svgText(clipLabel(entry.label, 30))}</text></g>`,
    );
  });
  return svg(height, title, parts.join(''));
}

export interface ScoreGroup {
  /** The criterion: one group of bars, one bar per model. */
  label: string;
  bars: readonly { model: string; mean: number | null; low: number | null; high: number | null }[];
}

/**
 * Scores on the fixed 1-5 scale, grouped by criterion, one bar per model in the model's colour,
 * with the 95% interval as a whisker where there is one.
 */
export function scoreChart(title: string, groups: readonly ScoreGroup[], models: readonly string[]): string {
  const rowHeight = 16;
  const groupGap = 12;
  const left = 12 + 14 * CHAR_WIDTH;
  const plotWidth = CHART_WIDTH - left - RIGHT;
  const x = (value: number) => left + (Math.min(5, Math.max(0, value)) / 5) * plotWidth;
  const groupHeight = models.length * rowHeight + groupGap;
  const plotBottom = TOP + groups.length * groupHeight;
  const parts: string[] = [];
  for (let tick = 0; tick <= 5; tick++) {
    const position = round(x(tick));
    parts.push(`<line x1="${position}" x2="${position}" y1="${TOP}" y2="${plotBottom}" class="grid"/><text x="${position}" y="${plotBottom + 18}" text-anchor="middle" class="tick">${tick}</text>`);
  }
  groups.forEach((group, groupIndex) => {
    const top = TOP + groupIndex * groupHeight;
    parts.push(`<text x="${left - 8}" y="${round(top + (models.length * rowHeight) / 2 + 4)}" text-anchor="end" class="label">${escapeHtml(group.label)}</text>`);
    group.bars.forEach((bar) => {
      const row = models.indexOf(bar.model);
      const middle = top + row * rowHeight + rowHeight / 2;
      const colour = seriesColour(row);
      if (bar.mean === null) {
        parts.push(`<text x="${left + 6}" y="${round(middle + 4)}" class="note">${escapeHtml(`${bar.model}: not scored`)}</text>`);
        return;
      }
      const interval = bar.low === null || bar.high === null ? '' : `, 95% interval ${bar.low.toFixed(1)} to ${bar.high.toFixed(1)}`;
      const summary = `${bar.model}, ${group.label}: ${bar.mean.toFixed(1)}/5${interval}`;
      const whisker =
        bar.low === null || bar.high === null
          ? ''
          : `<line x1="${round(x(bar.low))}" x2="${round(x(bar.high))}" y1="${round(middle)}" y2="${round(middle)}" stroke="#1b1f24" stroke-width="1.5"/>`;
      parts.push(
        `<g class="series" data-series="${escapeHtml(bar.model)}" data-criterion="${escapeHtml(group.label)}"><title>${escapeHtml(summary)}</title>` +
          `<rect x="${left}" y="${round(middle - 6)}" width="${round(Math.max(1, x(bar.mean) - left))}" height="12" fill="${colour}" fill-opacity="0.85"/>` +
          `${whisker}<text x="${round(x(Math.max(bar.mean, bar.high ?? bar.mean)) + 6)}" y="${round(middle + 4)}" class="value">${bar.mean.toFixed(1)}</text></g>`,
      );
    });
  });
  const legendTop = plotBottom + AXIS_HEIGHT;
  models.forEach((model, index) => {
    const legendX = 12 + (index % 3) * 236;
    const legendY = legendTop + Math.floor(index / 3) * 20;
    parts.push(`<rect x="${legendX}" y="${legendY}" width="12" height="12" fill="${seriesColour(index)}"/><text x="${legendX + 18}" y="${legendY + 10}" class="label">${escapeHtml(clipLabel(model, 30))}</text>`);
  });
  return svg(legendTop + Math.ceil(models.length / 3) * 20 + 4, title, parts.join(''));
}
