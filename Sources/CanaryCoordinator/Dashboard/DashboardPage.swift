/// The dashboard's HTML: a skeleton the script fills. Served at `/`.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Canary — rollouts</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header class="top">
  <h1><span class="bird" aria-hidden="true">◆</span> Canary</h1>
  <span id="conn" class="conn conn-wait" title="server-sent event stream">connecting…</span>
  <form id="token-form" class="token" autocomplete="off">
    <label for="token">API token</label>
    <input id="token" type="password" placeholder="needed for controls" spellcheck="false">
    <button id="token-save" type="submit">Save</button>
    <span id="token-state" class="muted"></span>
  </form>
</header>
<div id="message" class="message" role="alert" hidden></div>
<main>
  <section id="rollouts" aria-label="Rollouts">
    <p class="empty card">No rollouts yet. Start one with <code>canary rollout start plan.yaml</code> or <code>POST /api/v1/rollouts</code>.</p>
  </section>
  <section class="card agents-card" aria-label="Agents">
    <h2>Agents</h2>
    <table id="agents">
      <thead><tr><th>Agent</th><th>Model / version</th><th>Role</th><th>State</th><th>Last window</th><th>Ring loss</th><th>Windows</th><th>Unacked</th><th>Host</th></tr></thead>
      <tbody><tr><td colspan="9" class="muted">No agent has said hello yet.</td></tr></tbody>
    </table>
  </section>
</main>
<footer class="muted">Live from <code>/api/v1/events</code> · JSON API under <code>/api/v1</code> · Prometheus at <a href="/metrics">/metrics</a></footer>
<script src="/dashboard.js"></script>
</body>
</html>
"""#
}
