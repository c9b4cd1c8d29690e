// The dashboard's entry point: plain ES modules, no library, no build step.
// It loads the rollouts, agents, decision logs and the last minutes of
// per-second history once, then follows `/api/v1/events`. With an API token
// on the coordinator every read needs it: saving the token loads again.
import { token, showMessage } from './dom.mjs';
import { connect, loadAll, loadAgents } from './intake.mjs';
import { render } from './render.mjs';

function setupToken() {
  const input = document.getElementById('token'), note = document.getElementById('token-state');
  input.value = token();
  note.textContent = token() ? 'saved' : '';
  document.getElementById('token-form').addEventListener('submit', ev => {
    ev.preventDefault();
    if (input.value) localStorage.setItem('canaryToken', input.value.trim()); else localStorage.removeItem('canaryToken');
    note.textContent = token() ? 'saved' : 'cleared';
    document.getElementById('message').hidden = true;
    start();
  });
}

function start() {
  connect();
  loadAll().catch(e => showMessage(e.status === 401 ? e.message : `Could not load the rollouts: ${e.message}`, 'error'));
}

setupToken();
start();
setInterval(() => { render(); }, 1000);      // time moves: charts slide, "in step" counts
setInterval(loadAgents, 2000);               // window ages and ring loss change without events
