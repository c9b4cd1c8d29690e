// Data intake: the first load over the JSON API, then the server-sent
// event stream (`metrics`, `rollout`, `decision`, `agent`) that keeps it live.
import { state, WINDOW_S } from './state.mjs';
import { getJSON } from './dom.mjs';
import { render, scheduleRender, renderAgents } from './render.mjs';

export function addSecond(m) {
  const key = m.model + '|' + m.version;
  if (!state.seconds.has(key)) state.seconds.set(key, new Map());
  const series = state.seconds.get(key);
  series.set(m.second, m);   // a bucket re-sent with late windows replaces the old one
  const oldest = Date.now() / 1000 - WINDOW_S - 30;
  for (const s of series.keys()) if (s < oldest) series.delete(s);
}

export function addDecision(rolloutID, d) {
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

export function pushPoint(map, id, point) {
  if (!map.has(id)) map.set(id, []);
  const list = map.get(id);
  list.push(point);
  list.sort((a, b) => a[0] - b[0]);
  while (list.length > 2 && list[1][0] < Date.now() - (WINDOW_S + 60) * 1000) list.shift();
}

export function setRollout(view, fromStream) {
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

export async function loadRollout(view) {
  setRollout(view, false);
  const since = Math.floor(Date.now() / 1000) - WINDOW_S - 5;
  const [events, history] = await Promise.all([
    getJSON(`/api/v1/rollouts/${encodeURIComponent(view.id)}/events`).catch(() => []),
    getJSON(`/api/v1/models/${encodeURIComponent(view.model)}/history?since=${since}`).catch(() => []),
  ]);
  for (const e of events) if (e.kind === 'decision' && e.payload && e.payload.decision) addDecision(view.id, e.payload.decision);
  for (const m of history) addSecond(m);
}

export async function loadAll() {
  const views = await getJSON('/api/v1/rollouts');
  await Promise.all(views.slice(0, 12).map(loadRollout));
  await loadAgents();
  render();
}

export async function loadAgents() {
  try {
    const agents = await getJSON('/api/v1/agents');
    state.agents = new Map(agents.map(a => [a.agentID, a]));
    renderAgents();
  } catch (e) { /* the stream's error state already says so */ }
}

export function connect() {
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
