// The operator controls: pause, resume, promote, abort and set weight, each
// confirmed first; refusals (401, 409) are shown with the API's sentence.
import { state, terminal } from './state.mjs';
import { token, authHeaders, showMessage } from './dom.mjs';
import { pct } from './format.mjs';
import { setRollout, addDecision } from './intake.mjs';
import { render } from './render.mjs';

export const COMMANDS = {
  pause: { label: 'Pause', method: 'POST', when: p => p === 'progressing' || p === 'pending' },
  resume: { label: 'Resume', method: 'POST', when: p => p === 'paused' || p === 'pending', cls: 'primary' },
  promote: { label: 'Promote', method: 'POST', when: p => !terminal(p), cls: 'primary' },
  abort: { label: 'Abort', method: 'POST', when: p => !terminal(p), cls: 'danger' },
};

export async function command(id, name, body) {
  const view = state.rollouts.get(id);
  const what = name === 'weight' ? `set the canary of ${view.model} to ${body.percent} %` : `${name} the rollout of ${view.model} (${view.baseline} → ${view.canary})`;
  if (!window.confirm(`Really ${what}?`)) return;
  const headers = { 'Content-Type': 'application/json', ...authHeaders() };
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
