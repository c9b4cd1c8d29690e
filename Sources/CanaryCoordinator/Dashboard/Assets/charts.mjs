// Small hand-drawn SVG charts, and what each rollout panel charts with the
// guard limits taken from the rollout's plan.
import { state, WINDOW_S } from './state.mjs';
import { svg } from './dom.mjs';
import { fmt, pct } from './format.mjs';

export const COLOR = { baseline: '#2563eb', canary: '#ea580c', limit: '#dc2626' };
export const Q_STYLE = { p50: { dash: '2 3', width: 1.2 }, p95: { dash: '6 3', width: 1.4 }, p99: { dash: '', width: 2 } };

// spec: { series: [{label, color, dash, width, points: [[tSec, v]]}], limits: [{value|points, label}], unit, min, max, step }
export function drawChart(node, spec) {
  const W = 360, H = 130, L = 40, R = 6, T = 8, B = 16;
  node.setAttribute('viewBox', `0 0 ${W} ${H}`);
  node.replaceChildren();
  // The x-axis spans the data (at least 30 s, at most WINDOW_S): a rollout
  // a few seconds old is readable, an old one slides.
  const now = Date.now() / 1000;
  let first = now;
  for (const s of spec.series) for (const p of s.points) if (p[0] < first) first = p[0];
  const span = Math.min(WINDOW_S, Math.max(30, now - first + 2)), t0 = now - span;
  const values = [];
  for (const s of spec.series) for (const p of s.points) if (p[0] >= t0 && isFinite(p[1])) values.push(p[1]);
  for (const l of spec.limits || []) {
    if (l.value !== undefined) values.push(l.value);
    for (const p of l.points || []) if (p[0] >= t0) values.push(p[1]);
  }
  let lo = spec.min !== undefined ? spec.min : Math.min(...values, 0);
  let hi = spec.max !== undefined ? spec.max : Math.max(...values, spec.floor || 0) * 1.12;
  if (!(hi > lo)) hi = lo + 1;
  const x = t => L + (t - t0) / span * (W - L - R);
  const y = v => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  for (let i = 0; i <= 3; i++) {
    const v = lo + (hi - lo) * i / 3;
    node.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    const label = svg('text', { class: 'axis', x: L - 4, y: y(v) + 3, 'text-anchor': 'end' });
    label.textContent = spec.unit === '%' ? (v * 100).toFixed(hi < 0.05 ? 1 : 0) + '%' : (v >= 100 ? v.toFixed(0) : v.toFixed(hi < 2 ? 2 : 0));
    node.append(label);
  }
  const ago = sec => sec >= 90 ? `−${(sec / 60).toFixed(sec % 60 ? 1 : 0)} min` : `−${Math.round(sec)} s`;
  for (const [t, text] of [[t0, ago(span)], [t0 + span / 2, ago(span / 2)], [now, 'now']]) {
    const label = svg('text', { class: 'axis', x: Math.min(x(t), W - R), y: H - 3, 'text-anchor': t === now ? 'end' : t === t0 ? 'start' : 'middle' });
    label.textContent = text;
    node.append(label);
  }
  for (const l of spec.limits || []) {
    if (l.value !== undefined && l.value >= lo && l.value <= hi) {
      node.append(svg('line', { class: 'limit', x1: L, x2: W - R, y1: y(l.value), y2: y(l.value), 'data-limit': l.label }));
      const text = svg('text', { class: 'limit-text', x: W - R - 2, y: y(l.value) - 3, 'text-anchor': 'end' });
      text.textContent = l.label;
      node.append(text);
    } else if (l.points && l.points.length > 1) {
      const pts = l.points.filter(p => p[0] >= t0).map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`);
      node.append(svg('polyline', { class: 'limit', points: pts.join(' '), 'data-limit': l.label }));
    }
  }
  let drawn = 0;
  for (const s of spec.series) {
    let pts = s.points.filter(p => p[0] >= t0 && isFinite(p[1]));
    if (spec.step && pts.length) pts = pts.flatMap((p, i) => i === 0 ? [p] : [[p[0], pts[i - 1][1]], p]).concat([[now, pts[pts.length - 1][1]]]);
    if (!pts.length) continue;
    drawn += pts.length;
    node.append(svg('polyline', {
      class: 'series', fill: 'none', stroke: s.color, 'stroke-width': s.width || 1.6, 'stroke-dasharray': s.dash || '',
      'stroke-linejoin': 'round', 'data-series': s.label, 'data-points': pts.length,
      points: pts.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' '),
    }));
  }
  if (!drawn) {
    const text = svg('text', { class: 'nodata', x: (L + W) / 2, y: H / 2, 'text-anchor': 'middle' });
    text.textContent = spec.empty || 'waiting for data…';
    node.append(text);
  }
}

export function seriesOf(model, version, pick) {
  const m = state.seconds.get(model + '|' + version);
  if (!m) return [];
  return [...m.values()].sort((a, b) => a.second - b.second).map(p => [p.second + 1, pick(p)]).filter(p => typeof p[1] === 'number' && isFinite(p[1]));
}

export function chartSpecs(view) {
  const guards = (view.plan && view.plan.guards) || [];
  const b = view.baseline, c = view.canary, model = view.model;
  const last = (version, pick) => { const s = seriesOf(model, version, pick); return s.length ? s[s.length - 1][1] : null; };
  const specs = {};
  // Latency: three quantiles per version; absolute limits and baseline × (1 + tolerance) + margin.
  const latency = { unit: 'ms', series: [], limits: [], floor: 1 };
  for (const q of ['p50', 'p95', 'p99']) for (const [v, color] of [[b, COLOR.baseline], [c, COLOR.canary]]) {
    latency.series.push({ label: `${v} ${q}`, color, dash: Q_STYLE[q].dash, width: Q_STYLE[q].width, points: seriesOf(model, v, p => p[q + 'Ms']) });
  }
  for (const g of guards.filter(g => g.metric.startsWith('latency_p'))) {
    const q = g.metric.slice(8);
    if (g.max !== undefined && g.max !== null) latency.limits.push({ value: g.max, label: `${q} max ${g.max} ms` });
    if (g.tolerance !== undefined && g.tolerance !== null) {
      latency.limits.push({ label: `${q} limit`, points: seriesOf(model, b, p => p[q + 'Ms'] * (1 + g.tolerance) + (g.margin || 0)) });
    }
  }
  latency.now = `p99 ${fmt(last(b, p => p.p99Ms), 'ms')} / ${fmt(last(c, p => p.p99Ms), 'ms')}`;
  specs.latency = latency;
  // Error rate.
  const errors = { unit: '%', series: [[b, COLOR.baseline], [c, COLOR.canary]].map(([v, color]) => ({ label: v, color, points: seriesOf(model, v, p => p.errorRate) })), limits: [], floor: 0.01 };
  for (const g of guards.filter(g => g.metric === 'error_rate')) {
    if (g.max !== undefined && g.max !== null) errors.limits.push({ value: g.max, label: `max ${fmt(g.max, '%')}` });
    if (g.tolerance !== undefined && g.tolerance !== null) errors.limits.push({ label: 'limit', points: seriesOf(model, b, p => p.errorRate * (1 + g.tolerance) + (g.margin || 0)) });
  }
  errors.now = `${fmt(last(b, p => p.errorRate), '%')} / ${fmt(last(c, p => p.errorRate), '%')}`;
  specs.errors = errors;
  // Throughput.
  specs.throughput = { unit: '/s', series: [[b, COLOR.baseline], [c, COLOR.canary]].map(([v, color]) => ({ label: v, color, points: seriesOf(model, v, p => p.requests) })), floor: 1 };
  specs.throughput.now = `${fmt(last(b, p => p.requests), '/s')} / ${fmt(last(c, p => p.requests), '/s')}`;
  // Accuracy (labeled outcomes only).
  const accuracy = { unit: '%', series: [[b, COLOR.baseline], [c, COLOR.canary]].map(([v, color]) => ({ label: v, color, points: seriesOf(model, v, p => p.accuracy) })), limits: [], empty: 'no labeled outcomes yet', max: 1.0 };
  for (const g of guards.filter(g => g.metric === 'accuracy')) {
    if (g.min !== undefined && g.min !== null) accuracy.limits.push({ value: g.min, label: `min ${fmt(g.min, '%')}` });
    if (g.tolerance !== undefined && g.tolerance !== null) accuracy.limits.push({ label: 'limit', points: seriesOf(model, b, p => p.accuracy - g.tolerance) });
  }
  const accValues = accuracy.series.flatMap(s => s.points.map(p => p[1])).concat(accuracy.limits.flatMap(l => l.value !== undefined ? [l.value] : (l.points || []).map(p => p[1])));
  accuracy.min = accValues.length ? Math.max(0, Math.min(...accValues) - 0.05) : 0;
  // Outcomes no prediction matched (since the rollout began): labels the
  // accuracy above could not count — a key the agent never saw or forgot.
  const unmatched = v => (view.summaries && view.summaries[v] && view.summaries[v].unmatched) || 0;
  accuracy.now = `${fmt(last(b, p => p.accuracy), '%')} / ${fmt(last(c, p => p.accuracy), '%')} · unmatched ${unmatched(b)} / ${unmatched(c)}`;
  specs.accuracy = accuracy;
  // Drift: the canary-vs-baseline distance from the drift guard's verdicts.
  const driftGuards = guards.filter(g => g.metric === 'prediction_drift');
  const drift = { unit: '', series: [{ label: 'drift', color: COLOR.canary, points: (state.drift.get(view.id) || []).map(p => [p[0] / 1000, p[1]]) }], limits: [], floor: 0.05,
                  empty: driftGuards.length ? 'waiting for a drift verdict…' : 'no drift guard in this plan' };
  for (const g of driftGuards) {
    if (g.psiMax !== undefined && g.psiMax !== null) drift.limits.push({ value: g.psiMax, label: `PSI max ${g.psiMax}` });
    if (g.jsMax !== undefined && g.jsMax !== null) drift.limits.push({ value: g.jsMax, label: `JS max ${g.jsMax}` });
  }
  const dl = state.drift.get(view.id);
  drift.now = dl && dl.length ? fmt(dl[dl.length - 1][1]) : '';
  specs.drift = drift;
  // Split over time, with the plan's steps as faint marks.
  specs.split = { unit: '', step: true, min: 0, max: 100, series: [{ label: 'canary %', color: COLOR.canary, width: 2,
                  points: (state.split.get(view.id) || []).map(p => [p[0] / 1000, p[1]]) }], now: `canary ${pct(view.canaryWeightPPM)}` };
  return specs;
}

export const CHARTS = [
  ['latency', 'Latency (ms)'], ['errors', 'Error rate'], ['throughput', 'Throughput (requests/s)'],
  ['accuracy', 'Accuracy (labeled)'], ['drift', 'Prediction drift'], ['split', 'Split: canary share (%)'],
];
