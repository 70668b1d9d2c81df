// The demo's report as one self-contained HTML page with two plots: training and validation loss
// over steps, and size against accuracy per variant. The plots are a few lines of inline SVG rather
// than a charting library, so the page opens anywhere, offline, with nothing to load.
import { generationScores } from "./generation-scores.ts";
import type { DemoReport } from "./report.ts";

interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  line: boolean;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

function extent(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

export function svgPlot(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const width = 560;
  const height = 320;
  const pad = { left: 64, right: 90, top: 32, bottom: 48 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>${escapeHtml(title)}: no data</p>`;
  const [x0, x1] = extent(all.map((p) => p.x));
  const [y0, y1] = extent(all.map((p) => p.y));
  const sx = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const ticks = (lo: number, hi: number) => [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  // enough decimals to tell the ticks apart: a quarter of the span decides
  const decimals = (lo: number, hi: number) =>
    Math.max(0, Math.min(4, Math.ceil(-Math.log10((hi - lo) / 4)) + 1));
  const xDecimals = decimals(x0, x1);
  const yDecimals = decimals(y0, y1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeHtml(title)}</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#444"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#444"/>`,
    ...ticks(x0, x1).map(
      (v) =>
        `<text x="${sx(v)}" y="${height - pad.bottom + 16}" text-anchor="middle" font-size="11">${v.toFixed(xDecimals)}</text>`,
    ),
    ...ticks(y0, y1).map(
      (v) =>
        `<text x="${pad.left - 6}" y="${sy(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(yDecimals)}</text>`,
    ),
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`,
    `<text x="14" y="${height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${height / 2})">${escapeHtml(yLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    if (s.line && s.points.length > 1) {
      const d = s.points
        .map((p, k) => `${k === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
        .join("");
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    }
    for (const p of s.points) {
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    }
    parts.push(
      `<text x="${width - 4}" y="${pad.top + 14 * i}" text-anchor="end" font-size="12" fill="${s.color}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

export function htmlReport(report: DemoReport): string {
  const t = report.training;
  const lossPlot = svgPlot("Loss over training", "step", "cross-entropy loss", [
    {
      name: "training",
      color: "#1f77b4",
      line: true,
      points: t.losses.map((l) => ({ x: l.step, y: l.loss })),
    },
    {
      name: "validation",
      color: "#d62728",
      line: true,
      points: t.validation.map((v) => ({ x: v.step, y: v.loss })),
    },
  ]);
  const sizePlot = svgPlot(
    "Size against accuracy",
    "file size (KiB)",
    "test accuracy (%)",
    report.variants.map((v, i) => ({
      name: v.variant,
      color: ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"][i % 6] as string,
      line: false,
      points: [{ x: v.bytes / 1024, y: 100 * v.accuracy }],
    })),
  );
  const rows = report.variants
    .map(
      (v) =>
        `<tr><td>${escapeHtml(v.variant)}</td><td>${(v.bytes / 1024).toFixed(1)}</td><td>${(v.gzipBytes / 1024).toFixed(1)}</td>` +
        `<td>${v.parameters.toLocaleString("en")}</td><td>${(100 * v.accuracy).toFixed(2)}</td><td>${(100 * v.macroF1).toFixed(2)}</td>` +
        `<td>${(100 * v.agreement).toFixed(2)}</td><td>${v.p50Ms.toFixed(2)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgetune demo report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:1rem}</style>
</head><body>
<h1>edgetune demo report</h1>
<p>${escapeHtml(report.dataset.name)}: ${report.dataset.train} train, ${report.dataset.validation} validation, ${report.dataset.test} test examples. Created ${escapeHtml(report.createdAt)}.</p>
<table><thead><tr><th>variant</th><th>KiB</th><th>gzip KiB</th><th>params</th><th>accuracy %</th><th>macro-F1 %</th><th>agree %</th><th>p50 ms</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Majority-class baseline: ${(100 * report.baseline.accuracy).toFixed(2)}% (always "${escapeHtml(report.baseline.label)}").
Training: ${t.steps} steps in ${t.trainSeconds.toFixed(1)} s; validation accuracy ${(100 * t.validationAccuracy).toFixed(2)}%.</p>
<p>Generation example — ${escapeHtml(report.generation.task)}, ${report.generation.count} emails: ${escapeHtml(generationScores(report.generation))}.</p>
<div class="plots">
${lossPlot}
${sizePlot}
</div>
</body></html>
`;
}
