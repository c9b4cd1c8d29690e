// How numbers, times and splits are written on the page.

export const pct = ppm => { const p = ppm / 10000; return (Number.isInteger(p) ? p : p.toFixed(p < 1 ? 2 : 1)) + ' %'; };
export const clock = ms => new Date(ms).toLocaleTimeString([], { hour12: false });
export function duration(ms) {
  if (ms < 0 || !isFinite(ms)) return '–';
  const s = Math.floor(ms / 1000), m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}
export function fmt(v, unit) {
  if (v === null || v === undefined || !isFinite(v)) return '–';
  if (unit === '%') return (v * 100).toFixed(v >= 0.1 ? 1 : 2) + ' %';
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';
  if (unit === '/s') return v.toFixed(0) + '/s';
  return v >= 10 ? v.toFixed(1) : v.toFixed(3);
}
