// Data intake: the first load over the JSON API, then the server-sent
// event stream (`metrics`, `rollout`, `decision`, `agent`, `agent_forgotten`, `journal`) that keeps it live.
// The stream is read with fetch rather than EventSource, which cannot send
// the Authorization header a coordinator with an API token asks for.
import { state, WINDOW_S } from './state.mjs';
import { getJSON, authHeaders, token, showMessage, showJournal, TOKEN_NEEDED, TOKEN_WRONG } from './dom.mjs';
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

// /healthz answers 503 with the same document while the journal fails.
export async function loadJournal() {
  try {
    const response = await fetch('/healthz', { cache: 'no-store' });
    showJournal((await response.json()).journal);
  } catch (e) { /* the stream's error state already says so */ }
}

export async function loadAll() {
  loadJournal();
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

const HANDLERS = {
  metrics: data => { addSecond(JSON.parse(data)); scheduleRender(); },
  rollout: data => {
    const view = JSON.parse(data);
    if (!state.rollouts.has(view.id)) loadRollout(view).then(render); else { setRollout(view, true); scheduleRender(); }
  },
  decision: data => {
    const d = JSON.parse(data);
    if (!state.rollouts.has(d.rolloutID)) {
      getJSON(`/api/v1/rollouts/${encodeURIComponent(d.rolloutID)}`).then(loadRollout).then(render).catch(() => {});
    } else { addDecision(d.rolloutID, d.decision); scheduleRender(); }
  },
  journal: data => showJournal(JSON.parse(data)),
  agent: data => {
    const a = JSON.parse(data);
    if (a && a.agentID) { state.agents.set(a.agentID, a); renderAgents(); }
  },
  // An agent that left the fleet (goodbye, forget_after, an operator's DELETE).
  agent_forgotten: data => {
    const gone = JSON.parse(data);
    if (gone && state.agents.delete(gone.agentID)) renderAgents();
  },
};

// One server-sent event block: `event:` and `data:` lines, comments ignored.
export function dispatch(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value; else if (field === 'data') data.push(value);
  }
  const handler = HANDLERS[type];
  if (data.length && handler) handler(data.join('\n'));
}

let current = null;   // the AbortController of the stream being read

function setConn(text, live) {
  const conn = document.getElementById('conn');
  conn.textContent = text;
  conn.className = 'conn ' + (live ? 'conn-live' : 'conn-wait');
}

// Follows /api/v1/events until aborted, reconnecting with backoff; a 401
// stops it with the reason shown until a token is saved (which calls connect again).
export function connect() {
  if (current) current.abort();
  const controller = new AbortController();
  current = controller;
  (async () => {
    let delay = 1000;
    while (!controller.signal.aborted) {
      try {
        const response = await fetch('/api/v1/events', {
          headers: { Accept: 'text/event-stream', ...authHeaders() }, cache: 'no-store', signal: controller.signal });
        if (response.status === 401) {
          setConn('token needed', false);
          showMessage(token() ? TOKEN_WRONG : TOKEN_NEEDED, 'error');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        setConn('live', true);
        loadJournal();   // it may have changed while the stream was down
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            try { dispatch(block); } catch (e) { /* one bad event must not end the stream */ }
          }
        }
      } catch (e) {
        if (controller.signal.aborted) return;
      }
      setConn('reconnecting…', false);
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
}
