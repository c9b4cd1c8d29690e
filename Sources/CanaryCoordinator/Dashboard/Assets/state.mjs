// What the page knows: filled by intake.mjs, read by the charts and panels.

export const WINDOW_S = 120;            // seconds of history on every chart
export const MAX_PANELS = 4;            // active rollouts first, then the newest finished

export const state = {
  rollouts: new Map(),   // id -> RolloutView
  seconds: new Map(),    // "model|version" -> Map(second -> SecondMetrics)
  split: new Map(),      // rollout id -> [[ms, canary %]]
  drift: new Map(),      // rollout id -> [[ms, value]]
  decisions: new Map(),  // rollout id -> Map(key -> decision)
  agents: new Map(),     // agent id -> AgentStatus
  panels: new Map(),     // rollout id -> panel elements
};
window.__canary = state; // for tests and curious operators

export const terminal = p => p === 'promoted' || p === 'rolled_back' || p === 'aborted';
