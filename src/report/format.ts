// Number formatting shared by the gate's message and every renderer, so that the terminal,
// Markdown and HTML say the same thing about the same value.

export type Unit = 'ms' | 'tok/s' | 'MB' | '%';

/** Milliseconds: `8.4 ms`, `312 ms`, `1.25 s`. */
export function formatMs(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (Math.abs(value) >= 100 || Number.isInteger(value)) return `${Math.round(value)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** Tokens per second, without the unit: `45.6`, `1234`. */
export function formatRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Megabytes: `512 MB`, `1.21 GB`. */
export function formatMB(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1024) return `${(value / 1024).toFixed(2)} GB`;
  return `${Math.round(value)} MB`;
}

/** A ratio in 0..1 as a percentage: `87%`, `100%`. */
export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '-';
  return `${Math.round(ratio * 100)}%`;
}

export function formatValue(value: number | null, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'tok/s':
      return value === null ? '-' : `${formatRate(value)} tok/s`;
    case 'MB':
      return formatMB(value);
    case '%':
      return formatPercent(value);
  }
}

/** A signed change: `+120 ms (+62%)`, `-3.1 tok/s (-8%)`; pass rates in percentage points. */
export function formatChange(change: number, relativeChange: number | null, unit: Unit): string {
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  if (unit === '%') return `${sign}${Math.round(Math.abs(change) * 100)} pts`;
  const absolute = `${sign}${formatValue(Math.abs(change), unit)}`;
  if (relativeChange === null || !Number.isFinite(relativeChange)) return absolute;
  const percent = Math.round(relativeChange * 100);
  return `${absolute} (${percent > 0 ? '+' : ''}${percent}%)`;
}

/** Milliseconds as a short duration for tables: `-`, `850 ms`, `12.4 s`, `3m 05s`. */
export function formatDuration(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (value < 60_000) return formatMs(value);
  const totalSeconds = Math.round(value / 1000);
  return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
}
