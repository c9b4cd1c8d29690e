/// The dashboard's stylesheet. Light, dense enough for a laptop screen;
/// baseline is blue and canary orange everywhere, limits are red.
enum DashboardStyle {
    static let source = #"""
:root {
  --bg: #f4f5f7; --card: #fff; --ink: #1f2328; --muted: #6b7280; --line: #e5e7eb;
  --baseline: #2563eb; --canary: #ea580c; --limit: #dc2626; --ok: #15803d; --warn: #b45309;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
header.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #111827; color: #f9fafb; }
header.top h1 { font-size: 18px; margin: 0; letter-spacing: .02em; }
.bird { color: #facc15; }
.conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; }
.conn-live { background: #166534; } .conn-wait { background: #92400e; }
.token { margin-left: auto; display: flex; gap: 6px; align-items: center; font-size: 13px; }
.token input { width: 200px; padding: 4px 6px; border-radius: 4px; border: 1px solid #4b5563; background: #1f2937; color: #f9fafb; }
.token .muted { color: #9ca3af; }
button { font: inherit; padding: 4px 10px; border-radius: 4px; border: 1px solid #d1d5db; background: #fff; cursor: pointer; }
button:hover:not(:disabled) { background: #f3f4f6; }
button:disabled { opacity: .45; cursor: default; }
button.danger { border-color: #fca5a5; color: #b91c1c; }
button.primary { border-color: #86efac; color: #166534; }
.message { margin: 10px 20px 0; padding: 8px 12px; border-radius: 6px; border: 1px solid; }
.message.error { background: #fef2f2; border-color: #fca5a5; color: #991b1b; }
.message.ok { background: #f0fdf4; border-color: #86efac; color: #166534; }
main { padding: 12px 20px; display: grid; gap: 14px; }
footer { padding: 0 20px 16px; font-size: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
#rollouts { display: grid; gap: 14px; }
.rollout .head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.rollout h2 { font-size: 17px; margin: 0; }
.versions { font-weight: 500; }
.v-baseline { color: var(--baseline); } .v-canary { color: var(--canary); }
.phase { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; padding: 2px 8px; border-radius: 10px; background: #e5e7eb; }
.phase-progressing { background: #dbeafe; color: #1e40af; }
.phase-paused { background: #fef3c7; color: #92400e; }
.phase-promoted { background: #dcfce7; color: #166534; }
.phase-rolled_back { background: #fee2e2; color: #991b1b; }
.phase-aborted { background: #e5e7eb; color: #374151; }
.facts { display: flex; gap: 18px; flex-wrap: wrap; margin: 6px 0; color: #374151; }
.facts b { font-weight: 600; }
.rid { font-size: 12px; color: var(--muted); margin-left: auto; }
.steps { display: flex; gap: 3px; margin: 8px 0; }
.steps .step { flex: 1; text-align: center; font-size: 12px; padding: 3px 0; background: #f3f4f6; border-radius: 3px; color: var(--muted); }
.steps .done { background: #fed7aa; color: #7c2d12; }
.steps .current { background: var(--canary); color: #fff; font-weight: 600; }
.steps .failed { background: #fca5a5; color: #7f1d1d; font-weight: 600; }
.pause-reason { color: var(--warn); }
.controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 6px 0 10px; }
.controls input { width: 70px; padding: 4px 6px; border: 1px solid #d1d5db; border-radius: 4px; }
.body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 1.25fr); gap: 14px; }
.charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px 4px; }
.chart figcaption { font-size: 12px; font-weight: 600; display: flex; justify-content: space-between; gap: 6px; }
.chart figcaption .now { font-weight: 400; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.chart svg { width: 100%; height: 130px; display: block; }
.chart .axis { fill: var(--muted); font-size: 9px; }
.chart .grid { stroke: #eef0f3; }
.chart .limit { stroke: var(--limit); stroke-dasharray: 5 3; stroke-width: 1.2; fill: none; }
.chart .limit-text { fill: var(--limit); font-size: 9px; }
.chart .nodata { fill: var(--muted); font-size: 11px; }
.legend { font-size: 11px; color: var(--muted); display: flex; gap: 10px; flex-wrap: wrap; margin: 4px 0 0; }
.legend i { display: inline-block; width: 14px; height: 0; border-top: 2px solid; vertical-align: middle; margin-right: 3px; }
.log h3 { font-size: 13px; margin: 0 0 6px; }
.decision-log { list-style: none; margin: 0; padding: 0; max-height: 330px; overflow-y: auto; font-size: 12.5px; }
.decision-log > li { border-left: 3px solid #d1d5db; padding: 3px 8px; margin-bottom: 6px; }
.decision-log > li.a-rollback { border-color: var(--limit); background: #fef2f2; }
.decision-log > li.a-advance, .decision-log > li.a-promote { border-color: var(--ok); }
.decision-log > li.a-pause, .decision-log > li.a-abort { border-color: var(--warn); }
.decision-log .when { color: var(--muted); font-variant-numeric: tabular-nums; }
.decision-log .action { font-weight: 700; text-transform: uppercase; font-size: 11px; margin: 0 4px; }
.decision-log ul { margin: 2px 0 0; padding-left: 16px; }
.decision-log ul li { margin: 1px 0; }
.decision-log .evidence { color: #7f1d1d; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.agents-card h2 { font-size: 15px; margin: 0 0 6px; }
.state { font-size: 11px; font-weight: 700; padding: 1px 7px; border-radius: 9px; text-transform: uppercase; }
.state-live { background: #dcfce7; color: #166534; } .state-stale { background: #fee2e2; color: #991b1b; }
@media (max-width: 1100px) { .body { grid-template-columns: 1fr; } .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
"""#
}
