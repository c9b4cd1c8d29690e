// Rendering: one panel per rollout (header, steps, controls, charts,
// decision log) and the agent table.
import { state, MAX_PANELS, terminal } from './state.mjs';
import { el, svg, showMessage } from './dom.mjs';
import { pct, clock, duration } from './format.mjs';
import { COLOR, CHARTS, chartSpecs, drawChart } from './charts.mjs';
import { COMMANDS, command } from './controls.mjs';

export function panelFor(view) {
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
    const now = el('span', { class: 'now', 'data-now': name });
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

export function legendFor(name, view) {
  const sw = (color, dash) => el('i', { style: `border-top-color:${color};${dash ? 'border-top-style:dashed;' : ''}` });
  const items = [el('span', {}, sw(COLOR.baseline), `${view.baseline} baseline`), el('span', {}, sw(COLOR.canary), `${view.canary} canary`)];
  if (name === 'latency') items.push(el('span', {}, 'p50 ┄ p95 ╌ p99 ━'));
  if (name === 'split') return [el('span', {}, sw(COLOR.canary), 'canary share of traffic')];
  if (name === 'drift') return [el('span', {}, sw(COLOR.limit, true), 'threshold')];
  items.push(el('span', {}, sw(COLOR.limit, true), 'guard limit'));
  return items;
}

export function renderPanel(view) {
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

export function renderLog(view, p) {
  const decisions = [...(state.decisions.get(view.id) || new Map()).values()].sort((a, b) => b.atMs - a.atMs);
  if (p.logCount === decisions.length && p.logTop === (decisions[0] && decisions[0].atMs)) return;
  p.logCount = decisions.length; p.logTop = decisions[0] && decisions[0].atMs;
  p.log.replaceChildren(...decisions.map(d => el('li', { class: `a-${d.action}`, 'data-action': d.action },
    el('span', { class: 'when' }, clock(d.atMs)), el('span', { class: 'action' }, d.action.replace('_', ' ')),
    el('span', {}, `→ canary ${pct(d.weightsPPM[view.canary] || 0)} · ${d.reason.startsWith('guard failed:') && d.evidence && d.evidence.length ? 'guard failed:' : d.reason}`),
    // Every decision with evidence shows it: a breach's numbers, and what an
    // advance or an inconclusive pause stood on (each relative guard's bounds).
    d.evidence && d.evidence.length
      ? el('ul', {}, d.evidence.map(e => el('li', { class: 'evidence' }, e.interval ? `${e.sentence}; ${e.interval}` : e.sentence))) : null)));
  if (!decisions.length) p.log.append(el('li', { class: 'muted' }, 'No decision yet.'));
}

export function render() {
  const views = [...state.rollouts.values()].sort((a, b) => (terminal(a.phase) - terminal(b.phase)) || (b.createdMs - a.createdMs)).slice(0, MAX_PANELS);
  const container = document.getElementById('rollouts');
  const roots = views.map(renderPanel);
  if (!roots.length) return;
  const current = [...container.children];
  if (current.length !== roots.length || current.some((n, i) => n !== roots[i])) container.replaceChildren(...roots);
}
let pending = false;
export function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

export function renderAgents() {
  const body = document.querySelector('#agents tbody');
  const agents = [...state.agents.values()].sort((a, b) => a.agentID.localeCompare(b.agentID));
  if (!agents.length) return;
  const now = Date.now();
  body.replaceChildren(...agents.map(a => {
    const age = a.lastWindowReceivedMs ? (now - a.lastWindowReceivedMs) / 1000 : null;
    const lost = (a.ringLostTotal || 0) + (a.ringOverrunTotal || 0);
    return el('tr', { 'data-agent': a.agentID },
      el('td', {}, el('code', {}, a.agentID)), el('td', {}, `${a.model} / `, el('b', {}, a.version)), el('td', {}, a.role || '–'),
      el('td', {}, el('span', { class: `state state-${a.stale || a.healthy === false ? 'stale' : 'live'}`, title: a.unhealthyReason || '' },
        a.stale ? 'stale' : a.healthy === false ? 'unhealthy' : 'live')),
      el('td', {}, age === null ? 'none yet' : age < 60 ? `${age.toFixed(1)} s ago` : duration(age * 1000) + ' ago'),
      el('td', { class: lost ? 'pause-reason' : '' }, String(lost)), el('td', {}, String(a.windowsCounted || 0)),
      el('td', {}, String(a.unackedWindows || 0)), el('td', { class: 'muted' }, a.host || ''));
  }));
}
