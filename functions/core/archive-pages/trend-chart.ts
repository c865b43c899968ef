/** The pass-rate trend as an inline SVG bar chart (no script, no fetch), with its numbers in words. */
import { html, type SafeHtml } from "./html.js";
import type { RunEntry } from "./pages-model.js";

const WIDTH = 600;
const HEIGHT = 120;
const COLOURS = { passed: "#0a6b2d", failed: "#b3261e", errored: "#b3261e", cancelled: "#8a4b00", running: "#4d5661" } as const;

const rate = (entry: RunEntry) => (entry.total ? (entry.passed ?? 0) / entry.total : undefined);
const percent = (value: number) => `${Math.round(value * 100)}%`;

/** "Unit tests passed over the last 12 runs: 80% in the oldest, 100% in the newest; lowest 40%." */
export function trendWords(points: readonly RunEntry[]): string {
  const rates = points.map(rate).filter((value): value is number => value !== undefined);
  const first = rates[0];
  const last = rates.at(-1);
  if (first === undefined || last === undefined) return `No pass counts over the last ${points.length} runs.`;
  const runs = points.length === 1 ? "the only run" : `the last ${points.length} runs`;
  return `Unit tests passed over ${runs}: ${percent(first)} in the oldest, ${percent(last)} in the newest; lowest ${percent(Math.min(...rates))}, highest ${percent(Math.max(...rates))}.`;
}

/** `id` names the chart's title and description (unique within the page). */
export function trendChart(points: readonly RunEntry[], id: string, options: { compact?: boolean } = {}): SafeHtml {
  if (points.length === 0) return html`<p class="muted">No finished runs to chart yet.</p>`;
  const width = options.compact ? 150 : WIDTH;
  const height = options.compact ? 30 : HEIGHT;
  const slot = width / Math.max(points.length, options.compact ? 10 : 30);
  const bars = points.map((point, index) => {
    const value = rate(point);
    const barHeight = value === undefined ? 2 : Math.max(2, value * (height - 4));
    const x = (index * slot + slot * 0.1).toFixed(1);
    const label = `${point.createdAt.slice(0, 16).replace("T", " ")}: ${value === undefined ? "no counts" : `${point.passed} of ${point.total} passed`} (${point.verdict})`;
    return html`<rect x="${x}" y="${(height - barHeight).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${COLOURS[point.verdict]}"><title>${label}</title></rect>`;
  });
  return html`<svg class="trend${options.compact ? " compact" : ""}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">Pass-rate trend</title><desc id="${id}-desc">${trendWords(points)}</desc><line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" stroke="#4d5661" stroke-width="1"/>${bars}</svg>`;
}
