/**
 * The dashboard's page (dashboard.ts serves it): the status as text, and two charts drawn as
 * SVG by its own script from `/api/events` (server-sent events; `/api/status` once first):
 * each agent's error rate per check and each agent's p95 per check, with the gate's bound for
 * the canary drawn dashed, and a legend. A figure that is `n/a` (no traces) is left out, not
 * drawn as 0. No script or style from elsewhere.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agent-alias rollout</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; max-width: 70rem; }
  h1 { font-size: 1.2rem; }
  pre#status { background: #f6f8fa; padding: .75rem; border-radius: 6px; white-space: pre-wrap; }
  .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
  figure { margin: 0; }
  figcaption { font-weight: 600; margin-bottom: .25rem; }
  svg { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
  .legend { display: flex; gap: 1rem; margin-top: .25rem; }
  .legend span::before { content: ""; display: inline-block; width: 1.5em; height: 3px; margin-right: .35em; vertical-align: middle; background: var(--c); }
  .legend span.dashed::before { background: repeating-linear-gradient(90deg, var(--c) 0 5px, transparent 5px 9px); }
  #error { color: #cf222e; }
</style>
</head>
<body>
<h1>Rollout on stack <span id="stack"></span></h1>
<p id="error"></p>
<pre id="status">loading…</pre>
<section id="emulator" hidden><h2>Emulator</h2><pre id="emulator-lines"></pre></section>
<div class="charts">
  <figure><figcaption>Error rate per check (%)</figcaption><svg id="chart-error" width="520" height="260" role="img" aria-label="error rate per check"></svg>
    <div class="legend" id="legend-error"></div></figure>
  <figure><figcaption>p95 duration per check (ms)</figcaption><svg id="chart-p95" width="520" height="260" role="img" aria-label="p95 per check"></svg>
    <div class="legend" id="legend-p95"></div></figure>
</div>
<script>
const COLORS = ["#0969da", "#bf3989"];
const BOUND = "#cf222e";
const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}
function legend(id, items) {
  const box = document.getElementById(id);
  box.textContent = "";
  for (const it of items) {
    const s = document.createElement("span");
    s.textContent = it.label;
    s.style.setProperty("--c", it.color);
    if (it.dashed) s.className = "dashed";
    box.appendChild(s);
  }
}
function chart(id, points, agentValue, gateName) {
  const svg = document.getElementById(id);
  svg.textContent = "";
  const W = 520, H = 260, L = 48, R = 12, T = 12, B = 28;
  const agents = points.length ? points[points.length - 1].agents.map((a) => a.agent) : [];
  const series = agents.map((_, i) => points.map((p, x) => ({ x, y: p.agents[i] ? agentValue(p.agents[i]) : null })).filter((q) => q.y !== null));
  const bounds = points.map((p, x) => {
    const g = p.gates.find((g) => g.gate === gateName);
    return { x, y: g && g.bound !== null ? g.bound : null };
  }).filter((q) => q.y !== null);
  const ys = series.flat().concat(bounds).map((q) => q.y);
  const max = Math.max(1, ...ys) * 1.15;
  const n = Math.max(points.length - 1, 1);
  const px = (x) => L + (points.length === 1 ? (W - L - R) / 2 : (x / n) * (W - L - R));
  const py = (y) => T + (1 - y / max) * (H - T - B);
  el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#8c959f" }, svg);
  el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#8c959f" }, svg);
  for (const f of [0, 0.5, 1]) {
    const t = el("text", { x: L - 6, y: py(max * f) + 4, "text-anchor": "end", "font-size": 11, fill: "#57606a" }, svg);
    t.textContent = (max * f).toFixed(max * f < 10 ? 1 : 0);
  }
  const label = el("text", { x: (W + L) / 2, y: H - 8, "text-anchor": "middle", "font-size": 11, fill: "#57606a" }, svg);
  label.textContent = points.length ? "checks " + points[0].checks + "–" + points[points.length - 1].checks + " (" + points[points.length - 1].stage + ")" : "no checks yet";
  const draw = (qs, color, dashed, cls) => {
    if (qs.length === 0) return;
    el("polyline", { class: cls, points: qs.map((q) => px(q.x) + "," + py(q.y)).join(" "), fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dashed ? "6 4" : "none" }, svg);
    for (const q of qs) el("circle", { class: cls, cx: px(q.x), cy: py(q.y), r: 3, fill: color }, svg);
  };
  series.forEach((qs, i) => draw(qs, COLORS[i], false, "series"));
  draw(bounds, BOUND, true, "bound");
  legend("legend-" + id.slice(6), agents.map((a, i) => ({ label: a, color: COLORS[i] })).concat(bounds.length ? [{ label: "gate bound (" + agents[1] + ")", color: BOUND, dashed: true }] : []));
}
function render(d) {
  document.getElementById("stack").textContent = d.stack;
  document.getElementById("error").textContent = d.error ? "cannot read the stack: " + d.error : "";
  document.getElementById("status").textContent = d.lines.join("\\n");
  document.body.dataset.checks = String(d.points.length);
  document.getElementById("emulator").hidden = !d.emulator;
  document.getElementById("emulator-lines").textContent = d.emulator ? d.emulator.join("\\n") : "";
  chart("chart-error", d.points, (a) => a.errorRate, "error_rate");
  chart("chart-p95", d.points, (a) => a.p95Ms, "p95_duration");
}
fetch("/api/status").then((r) => r.json()).then(render);
new EventSource("/api/events").onmessage = (m) => render(JSON.parse(m.data));
</script>
</body>
</html>
`;
