// Stacked bar charts as plain SVG: one bar per day, one segment per series.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// An integer step (1, 2, 5 × 10^k) giving at most five gridlines, and the axis maximum.
function niceScale(value) {
  const target = Math.max(1, value) / 4;
  const exp = Math.pow(10, Math.floor(Math.log10(target)));
  let step = [1, 2, 5, 10].map((m) => m * exp).find((s) => s >= target);
  step = Math.max(1, Math.round(step));
  return { step, max: step * Math.max(1, Math.ceil(value / step)) };
}

// days: [{day: "YYYY-MM-DD", values: {series: count}}]; series: [{key, label, color}]
function stackedBarChart(days, series, opts) {
  const width = (opts && opts.width) || 760;
  const height = (opts && opts.height) || 220;
  const pad = { top: 12, right: 12, bottom: 28, left: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = days.map((d) => series.reduce((sum, s) => sum + (d.values[s.key] || 0), 0));
  const { step, max } = niceScale(Math.max(0, ...totals));
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": (opts && opts.label) || "chart" });
  for (let value = 0; value <= max; value += step) {
    const y = pad.top + plotH - (plotH * value) / max;
    svg.appendChild(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    svg.appendChild(svgEl("text", { x: pad.left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, String(value)));
  }
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((d, i) => {
    const x = pad.left + slot * i + (slot - barW) / 2;
    let y = pad.top + plotH;
    for (const s of series) {
      const count = d.values[s.key] || 0;
      if (!count) continue;
      const h = (plotH * count) / max;
      y -= h;
      const rect = svgEl("rect", { x, y, width: barW, height: Math.max(h, 1), fill: s.color, rx: 1.5 });
      rect.appendChild(svgEl("title", {}, `${d.day} · ${s.label}: ${count}`));
      svg.appendChild(rect);
    }
    if (i % labelEvery === 0) {
      svg.appendChild(svgEl("text", { x: x + barW / 2, y: height - 8, class: "axis", "text-anchor": "middle" },
        d.day.slice(5)));
    }
  });
  svg.appendChild(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH,
    class: "baseline" }));
  return svg;
}

window.GatewayCharts = { stackedBarChart };
