/// The dashboard's script: plain ES2017, no library, no build step. It
/// loads the rollouts, agents, decision logs and the last minutes of
/// per-second history once, then follows `/api/v1/events` (server-sent
/// events `metrics`, `rollout`, `decision`, `agent`). Charts are small
/// hand-drawn SVGs; guard limits come from the rollout's plan.
enum DashboardScript {
    static let source = #"""
'use strict';
(function () {
const WINDOW_S = 120;            // seconds of history on every chart
const MAX_PANELS = 4;            // active rollouts first, then the newest finished
const SVG_NS = 'http://www.w3.org/2000/svg';
const COLOR = { baseline: '#2563eb', canary: '#ea580c', limit: '#dc2626' };
const Q_STYLE = { p50: { dash: '2 3', width: 1.2 }, p95: { dash: '6 3', width: 1.4 }, p99: { dash: '', width: 2 } };

const state = {
  rollouts: new Map(),   // id -> RolloutView
  seconds: new Map(),    // "model|version" -> Map(second -> SecondMetrics)
  split: new Map(),      // rollout id -> [[ms, canary %]]
  drift: new Map(),      // rollout id -> [[ms, value]]
  decisions: new Map(),  // rollout id -> Map(key -> decision)
  agents: new Map(),     // agent id -> AgentStatus
  panels: new Map(),     // rollout id -> panel elements
};
window.__canary = state; // for tests and curious operators

// ---------- small helpers ----------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v; else if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c.nodeType ? c : String(c));
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}
const pct = ppm => { const p = ppm / 10000; return (Number.isInteger(p) ? p : p.toFixed(p < 1 ? 2 : 1)) + ' %'; };
const clock = ms => new Date(ms).toLocaleTimeString([], { hour12: false });
function duration(ms) {
  if (ms < 0 || !isFinite(ms)) return '–';
  const s = Math.floor(ms / 1000), m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}
function fmt(v, unit) {
  if (v === null || v === undefined || !isFinite(v)) return '–';
  if (unit === '%') return (v * 100).toFixed(v >= 0.1 ? 1 : 2) + ' %';
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';
  if (unit === '/s') return v.toFixed(0) + '/s';
  return v >= 10 ? v.toFixed(1) : v.toFixed(3);
}
const token = () => localStorage.getItem('canaryToken') || '';

function showMessage(text, kind) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.className = 'message ' + kind;
  box.hidden = false;
  clearTimeout(showMessage.timer);
  if (kind === 'ok') showMessage.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function getJSON(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// ---------- data intake ----------
function addSecond(m) {
  const key = m.model + '|' + m.version;
  if (!state.seconds.has(key)) state.seconds.set(key, new Map());
  const series = state.seconds.get(key);
  series.set(m.second, m);   // a bucket re-sent with late windows replaces the old one
  const oldest = Date.now() / 1000 - WINDOW_S - 30;
  for (const s of series.keys()) if (s < oldest) series.delete(s);
}

function addDecision(rolloutID, d) {
  if (!state.decisions.has(rolloutID)) state.decisions.set(rolloutID, new Map());
  state.decisions.get(rolloutID).set(`${d.atMs}|${d.action}|${d.stepIndex}`, d);
  const view = state.rollouts.get(rolloutID);
  if (view) {
    const ppm = d.weightsPPM[view.canary] || 0;
    pushPoint(state.split, rolloutID, [d.atMs, ppm / 10000]);
    if (d.atMs >= (view.lastDecision ? view.lastDecision.atMs : 0)) {
      view.phase = d.phase; view.canaryWeightPPM = ppm; view.weightsPPM = d.weightsPPM;
      view.step = d.stepIndex + 1; view.lastDecision = d;
      if (d.action === 'advance' || d.action === 'resume') view.stepStartedMs = d.atMs;
      if (d.action === 'pause') view.pauseReason = d.reason;
    }
  }
}

function pushPoint(map, id, point) {
  if (!map.has(id)) map.set(id, []);
  const list = map.get(id);
  list.push(point);
  list.sort((a, b) => a[0] - b[0]);
  while (list.length > 2 && list[1][0] < Date.now() - (WINDOW_S + 60) * 1000) list.shift();
}

function setRollout(view, fromStream) {
  const known = state.rollouts.get(view.id);
  // A decision streamed after this snapshot was taken wins over it.
  if (known && known.lastDecision && view.lastDecision && known.lastDecision.atMs > view.lastDecision.atMs) {
    view.phase = known.phase; view.canaryWeightPPM = known.canaryWeightPPM; view.lastDecision = known.lastDecision;
  }
  state.rollouts.set(view.id, view);
  pushPoint(state.split, view.id, [fromStream ? Date.now() : view.updatedMs, view.canaryWeightPPM / 10000]);
  for (const v of view.verdicts || []) {
    const e = v[Object.keys(v)[0]].evidence;
    if (e && e.metric === 'prediction_drift' && e.canary !== undefined && e.canary !== null) pushPoint(state.drift, view.id, [Date.now(), e.canary]);
  }
}

async function loadRollout(view) {
  setRollout(view, false);
  const since = Math.floor(Date.now() / 1000) - WINDOW_S - 5;
  const [events, history] = await Promise.all([
    getJSON(`/api/v1/rollouts/${encodeURIComponent(view.id)}/events`).catch(() => []),
    getJSON(`/api/v1/models/${encodeURIComponent(view.model)}/history?since=${since}`).catch(() => []),
  ]);
  for (const e of events) if (e.kind === 'decision' && e.payload && e.payload.decision) addDecision(view.id, e.payload.decision);
  for (const m of history) addSecond(m);
}

async function loadAll() {
  const views = await getJSON('/api/v1/rollouts');
  await Promise.all(views.slice(0, 12).map(loadRollout));
  await loadAgents();
  render();
}

async function loadAgents() {
  try {
    const agents = await getJSON('/api/v1/agents');
    state.agents = new Map(agents.map(a => [a.agentID, a]));
    renderAgents();
  } catch (e) { /* the stream's error state already says so */ }
}

function connect() {
  const conn = document.getElementById('conn');
  const source = new EventSource('/api/v1/events');
  source.onopen = () => { conn.textContent = 'live'; conn.className = 'conn conn-live'; };
  source.onerror = () => { conn.textContent = 'reconnecting…'; conn.className = 'conn conn-wait'; };
  source.addEventListener('metrics', ev => { addSecond(JSON.parse(ev.data)); scheduleRender(); });
  source.addEventListener('rollout', ev => {
    const view = JSON.parse(ev.data);
    if (!state.rollouts.has(view.id)) loadRollout(view).then(render); else { setRollout(view, true); scheduleRender(); }
  });
  source.addEventListener('decision', ev => {
    const d = JSON.parse(ev.data);
    if (!state.rollouts.has(d.rolloutID)) {
      getJSON(`/api/v1/rollouts/${encodeURIComponent(d.rolloutID)}`).then(loadRollout).then(render);
    } else { addDecision(d.rolloutID, d.decision); scheduleRender(); }
  });
  source.addEventListener('agent', ev => {
    const a = JSON.parse(ev.data);
    if (a && a.agentID) { state.agents.set(a.agentID, a); renderAgents(); }
  });
}

// ---------- controls ----------
const COMMANDS = {
  pause: { label: 'Pause', method: 'POST', when: p => p === 'progressing' || p === 'pending' },
  resume: { label: 'Resume', method: 'POST', when: p => p === 'paused' || p === 'pending', cls: 'primary' },
  promote: { label: 'Promote', method: 'POST', when: p => !terminal(p), cls: 'primary' },
  abort: { label: 'Abort', method: 'POST', when: p => !terminal(p), cls: 'danger' },
};
const terminal = p => p === 'promoted' || p === 'rolled_back' || p === 'aborted';

async function command(id, name, body) {
  const view = state.rollouts.get(id);
  const what = name === 'weight' ? `set the canary of ${view.model} to ${body.percent} %` : `${name} the rollout of ${view.model} (${view.baseline} → ${view.canary})`;
  if (!window.confirm(`Really ${what}?`)) return;
  const headers = { 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  let response, payload = null;
  try {
    response = await fetch(`/api/v1/rollouts/${encodeURIComponent(id)}/${name}`, {
      method: name === 'weight' ? 'PUT' : 'POST', headers, body: body ? JSON.stringify(body) : undefined });
    payload = await response.json().catch(() => null);
  } catch (e) {
    showMessage(`Could not reach the coordinator: ${e.message}`, 'error');
    return;
  }
  if (!response.ok) {
    const err = payload && payload.error ? payload.error : { code: 'error', message: response.statusText };
    let hint = '';
    if (response.status === 401) hint = token() ? ' Check the API token above.' : ' Enter the API token above and try again.';
    showMessage(`Refused (${response.status} ${err.code}): ${err.message}.${hint}`, 'error');
    return;
  }
  setRollout(payload, true);
  if (payload.lastDecision) addDecision(payload.id, payload.lastDecision);
  showMessage(`Done: ${what} — now ${payload.phase.replace('_', ' ')}, canary at ${pct(payload.canaryWeightPPM)}.`, 'ok');
  render();
}

// ---------- charts ----------
// spec: { series: [{label, color, dash, width, points: [[tSec, v]]}], limits: [{value|points, label}], unit, min, max, step }
function drawChart(node, spec) {
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

function seriesOf(model, version, pick) {
  const m = state.seconds.get(model + '|' + version);
  if (!m) return [];
  return [...m.values()].sort((a, b) => a.second - b.second).map(p => [p.second + 1, pick(p)]).filter(p => typeof p[1] === 'number' && isFinite(p[1]));
}

function chartSpecs(view) {
  const guards = (view.plan && view.plan.guards) || [];
  const b = view.baseline, c = view.canary, model = view.model;
  const last = (version, pick) => { const s = seriesOf(model, version, pick); return s.length ? s[s.length - 1][1] : null; };
  const specs = {};
  // Latency: three quantiles per version; absolute limits and baseline × (1 + tolerance).
  const latency = { unit: 'ms', series: [], limits: [], floor: 1 };
  for (const q of ['p50', 'p95', 'p99']) for (const [v, color] of [[b, COLOR.baseline], [c, COLOR.canary]]) {
    latency.series.push({ label: `${v} ${q}`, color, dash: Q_STYLE[q].dash, width: Q_STYLE[q].width, points: seriesOf(model, v, p => p[q + 'Ms']) });
  }
  for (const g of guards.filter(g => g.metric.startsWith('latency_p'))) {
    const q = g.metric.slice(8);
    if (g.max !== undefined && g.max !== null) latency.limits.push({ value: g.max, label: `${q} max ${g.max} ms` });
    if (g.tolerance !== undefined && g.tolerance !== null) {
      latency.limits.push({ label: `${q} limit`, points: seriesOf(model, b, p => p[q + 'Ms'] * (1 + g.tolerance)) });
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
  accuracy.now = `${fmt(last(b, p => p.accuracy), '%')} / ${fmt(last(c, p => p.accuracy), '%')}`;
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

const CHARTS = [
  ['latency', 'Latency (ms)'], ['errors', 'Error rate'], ['throughput', 'Throughput (requests/s)'],
  ['accuracy', 'Accuracy (labeled)'], ['drift', 'Prediction drift'], ['split', 'Split: canary share (%)'],
];

// ---------- rendering ----------
function panelFor(view) {
  if (state.panels.has(view.id)) return state.panels.get(view.id);
  const p = {};
  p.model = el('span', { class: 'model' });
  p.versions = el('span', { class: 'versions' });
  p.phase = el('span', { class: 'phase', 'data-field': 'phase' });
  p.facts = el('div', { class: 'facts' });
  p.steps = el('div', { class: 'steps', role: 'progressbar' });
  p.buttons = {};
  const controls = el('div', { class: 'controls' });
  for (const [name, c] of Object.entries(COMMANDS)) {
    p.buttons[name] = el('button', { type: 'button', class: c.cls, 'data-cmd': name, onclick: () => command(view.id, name) }, c.label);
    controls.append(p.buttons[name]);
  }
  p.weight = el('input', { type: 'number', min: 0, max: 100, step: 'any', 'aria-label': 'canary weight in percent', 'data-field': 'weight' });
  p.buttons.weight = el('button', { type: 'button', 'data-cmd': 'weight', onclick: () => {
    const v = parseFloat(p.weight.value);
    if (!(v >= 0 && v <= 100)) { showMessage('Enter a canary weight between 0 and 100 %.', 'error'); return; }
    command(view.id, 'weight', { percent: v });
  } }, 'Set weight');
  controls.append(el('span', { class: 'muted' }, ' Canary weight'), p.weight, el('span', {}, '%'), p.buttons.weight);
  p.charts = {};
  const charts = el('div', { class: 'charts' });
  for (const [name, title] of CHARTS) {
    const now = el('span', { class: 'now' });
    const node = svg('svg', { 'data-chart': name, role: 'img', 'aria-label': title });
    const legend = el('div', { class: 'legend' });
    p.charts[name] = { node, now, legend };
    charts.append(el('figure', { class: 'chart' }, el('figcaption', {}, el('span', {}, title), now), node, legend));
  }
  p.log = el('ol', { class: 'decision-log' });
  p.root = el('article', { class: 'rollout card', 'data-rollout': view.id },
    el('div', { class: 'head' }, el('h2', {}, p.model, ' ', p.versions), p.phase, el('span', { class: 'rid' }, view.id)),
    p.facts, p.steps, controls,
    el('div', { class: 'body' }, charts, el('div', { class: 'log' }, el('h3', {}, 'Decision log'), p.log)));
  state.panels.set(view.id, p);
  return p;
}

function legendFor(name, view) {
  const sw = (color, dash) => el('i', { style: `border-top-color:${color};${dash ? 'border-top-style:dashed;' : ''}` });
  const items = [el('span', {}, sw(COLOR.baseline), `${view.baseline} baseline`), el('span', {}, sw(COLOR.canary), `${view.canary} canary`)];
  if (name === 'latency') items.push(el('span', {}, 'p50 ┄ p95 ╌ p99 ━'));
  if (name === 'split') return [el('span', {}, sw(COLOR.canary), 'canary share of traffic')];
  if (name === 'drift') return [el('span', {}, sw(COLOR.limit, true), 'threshold')];
  items.push(el('span', {}, sw(COLOR.limit, true), 'guard limit'));
  return items;
}

function renderPanel(view) {
  const p = panelFor(view);
  p.model.textContent = view.model;
  p.versions.replaceChildren(el('span', { class: 'v-baseline' }, view.baseline), ' → ', el('span', { class: 'v-canary' }, view.canary));
  p.phase.textContent = view.phase.replace('_', ' ');
  p.phase.className = `phase phase-${view.phase}`;
  p.phase.dataset.phase = view.phase;
  const facts = [
    el('span', {}, 'Step ', el('b', {}, `${view.step}/${view.steps}`)),
    el('span', {}, 'Split ', el('b', { class: 'v-baseline' }, pct(1000000 - view.canaryWeightPPM)), ' / ', el('b', { class: 'v-canary', 'data-field': 'split' }, pct(view.canaryWeightPPM))),
  ];
  if (!terminal(view.phase) && view.stepStartedMs) facts.push(el('span', {}, 'In step ', el('b', {}, duration(Date.now() - view.stepStartedMs))));
  if (terminal(view.phase)) facts.push(el('span', {}, 'Finished ', el('b', {}, clock(view.updatedMs))));
  const summaries = view.summaries || {};
  const sc = summaries[view.canary], sb = summaries[view.baseline];
  if (sb || sc) facts.push(el('span', { class: 'muted' }, `Requests since start: ${view.baseline} ${sb ? sb.requests : 0} · ${view.canary} ${sc ? sc.requests : 0}`));
  if (view.phase === 'paused' && view.pauseReason) facts.push(el('span', { class: 'pause-reason' }, 'Paused: ' + view.pauseReason));
  if (!terminal(view.phase) && view.waitingFor && view.waitingFor.length) facts.push(el('span', { class: 'muted' }, 'Waiting for ' + view.waitingFor.join('; ')));
  if (view.staleAgents && view.staleAgents.length) facts.push(el('span', { class: 'pause-reason' }, 'Stale agents: ' + view.staleAgents.join(', ')));
  p.facts.replaceChildren(...facts);
  p.steps.replaceChildren(...view.stepsPPM.map((ppm, i) => {
    let cls = 'step';
    if (view.phase === 'promoted' || i < view.step - 1) cls += ' done';
    else if (i === view.step - 1) cls += view.phase === 'rolled_back' || view.phase === 'aborted' ? ' failed' : ' current';
    return el('div', { class: cls, title: `step ${i + 1}: ${pct(ppm)}` }, pct(ppm));
  }));
  p.steps.setAttribute('aria-valuenow', view.step);
  p.steps.setAttribute('aria-valuemax', view.steps);
  for (const [name, c] of Object.entries(COMMANDS)) p.buttons[name].disabled = !c.when(view.phase);
  p.buttons.weight.disabled = terminal(view.phase);
  p.weight.disabled = terminal(view.phase);
  const specs = chartSpecs(view);
  for (const [name] of CHARTS) {
    drawChart(p.charts[name].node, specs[name]);
    p.charts[name].now.textContent = specs[name].now || '';
    if (!p.charts[name].legend.childElementCount) p.charts[name].legend.replaceChildren(...legendFor(name, view));
  }
  renderLog(view, p);
  return p.root;
}

function renderLog(view, p) {
  const decisions = [...(state.decisions.get(view.id) || new Map()).values()].sort((a, b) => b.atMs - a.atMs);
  if (p.logCount === decisions.length && p.logTop === (decisions[0] && decisions[0].atMs)) return;
  p.logCount = decisions.length; p.logTop = decisions[0] && decisions[0].atMs;
  p.log.replaceChildren(...decisions.map(d => el('li', { class: `a-${d.action}`, 'data-action': d.action },
    el('span', { class: 'when' }, clock(d.atMs)), el('span', { class: 'action' }, d.action.replace('_', ' ')),
    el('span', {}, `→ canary ${pct(d.weightsPPM[view.canary] || 0)} · ${d.reason.startsWith('guard failed:') && d.evidence && d.evidence.length ? 'guard failed:' : d.reason}`),
    d.evidence && d.evidence.length && (d.action === 'rollback' || d.action === 'pause' || d.action === 'abort')
      ? el('ul', {}, d.evidence.map(e => el('li', { class: 'evidence' }, e.sentence))) : null)));
  if (!decisions.length) p.log.append(el('li', { class: 'muted' }, 'No decision yet.'));
}

function render() {
  const views = [...state.rollouts.values()].sort((a, b) => (terminal(a.phase) - terminal(b.phase)) || (b.createdMs - a.createdMs)).slice(0, MAX_PANELS);
  const container = document.getElementById('rollouts');
  const roots = views.map(renderPanel);
  if (!roots.length) return;
  const current = [...container.children];
  if (current.length !== roots.length || current.some((n, i) => n !== roots[i])) container.replaceChildren(...roots);
}
let pending = false;
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

function renderAgents() {
  const body = document.querySelector('#agents tbody');
  const agents = [...state.agents.values()].sort((a, b) => a.agentID.localeCompare(b.agentID));
  if (!agents.length) return;
  const now = Date.now();
  body.replaceChildren(...agents.map(a => {
    const age = a.lastWindowReceivedMs ? (now - a.lastWindowReceivedMs) / 1000 : null;
    const lost = (a.ringLostTotal || 0) + (a.ringOverrunTotal || 0);
    return el('tr', { 'data-agent': a.agentID },
      el('td', {}, el('code', {}, a.agentID)), el('td', {}, `${a.model} / `, el('b', {}, a.version)), el('td', {}, a.role || '–'),
      el('td', {}, el('span', { class: `state state-${a.stale ? 'stale' : 'live'}` }, a.stale ? 'stale' : 'live')),
      el('td', {}, age === null ? 'none yet' : age < 60 ? `${age.toFixed(1)} s ago` : duration(age * 1000) + ' ago'),
      el('td', { class: lost ? 'pause-reason' : '' }, String(lost)), el('td', {}, String(a.windowsCounted || 0)),
      el('td', {}, String(a.unackedWindows || 0)), el('td', { class: 'muted' }, a.host || ''));
  }));
}

// ---------- start ----------
function setupToken() {
  const input = document.getElementById('token'), note = document.getElementById('token-state');
  input.value = token();
  note.textContent = token() ? 'saved' : '';
  document.getElementById('token-form').addEventListener('submit', ev => {
    ev.preventDefault();
    if (input.value) localStorage.setItem('canaryToken', input.value.trim()); else localStorage.removeItem('canaryToken');
    note.textContent = token() ? 'saved' : 'cleared';
  });
}

setupToken();
connect();
loadAll().catch(e => showMessage(`Could not load the rollouts: ${e.message}`, 'error'));
setInterval(() => { render(); }, 1000);      // time moves: charts slide, "in step" counts
setInterval(loadAgents, 2000);               // window ages and ring loss change without events
})();
"""#
}
