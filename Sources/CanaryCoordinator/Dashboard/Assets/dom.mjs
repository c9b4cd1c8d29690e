// DOM and HTTP helpers shared by every part of the dashboard.

export const SVG_NS = 'http://www.w3.org/2000/svg';
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v; else if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c.nodeType ? c : String(c));
  return node;
}
export function svg(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

export const token = () => localStorage.getItem('canaryToken') || '';

/// The Authorization header when a token is saved: with an API token the
/// coordinator wants it on every read that shows rollouts or agents too.
export function authHeaders() {
  return token() ? { Authorization: 'Bearer ' + token() } : {};
}

export const TOKEN_NEEDED = 'This coordinator needs its API token to show rollouts and agents (401): enter the API token above and press Save.';
export const TOKEN_WRONG = 'The coordinator refused the saved API token (401): check the API token above and press Save.';

export function showMessage(text, kind) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.className = 'message ' + kind;
  box.hidden = false;
  clearTimeout(showMessage.timer);
  if (kind === 'ok') showMessage.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

// The journal banner: shown while the coordinator's journal cannot commit
// (from /healthz at load, then the stream's `journal` events), gone when it can.
export function showJournal(status) {
  const box = document.getElementById('journal');
  if (!status || status.healthy) { box.hidden = true; return; }
  const since = status.sinceMs ? new Date(status.sinceMs).toLocaleTimeString() : '?';
  box.textContent = `The coordinator's journal cannot commit (${status.cause || 'unknown'}) since ${since}: `
    + 'rollouts are frozen, route tables stay as they are, agents keep their windows, controls are refused. '
    + (status.message || '');
  box.hidden = false;
}

export async function getJSON(path) {
  const response = await fetch(path, { cache: 'no-store', headers: authHeaders() });
  if (response.status === 401) {
    const error = new Error(token() ? TOKEN_WRONG : TOKEN_NEEDED);
    error.status = 401;
    throw error;
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}
