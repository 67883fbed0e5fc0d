// Evolve's run page. Every string from the run (code, answers, ids, reasons, artifacts) is put
// on screen with textContent or setAttribute, never parsed as markup.
"use strict";
const SVG = "http://www.w3.org/2000/svg";
const state = { run: null, programs: [], byId: new Map(), cursor: 0, source: null, overview: null, zoom: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
const $ = (id) => document.getElementById(id);
function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}
function duration(s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return s.toFixed(1) + " s";
  if (s < 5400) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(1) + " h";
}
async function api(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status === 401) { location.href = "/"; throw new Error("token needed"); }
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}
const runPath = () => "/api/runs/" + encodeURIComponent(state.run);
function hashParams() { return new URLSearchParams(location.hash.slice(1)); }
function programLink(id, label) {
  const a = el("a", { href: "#program=" + encodeURIComponent(id) }, label || id);
  return a;
}

// --- overview -------------------------------------------------------------------------------
function card(label, value, extra, id) {
  const attrs = { class: "card" + (extra ? " " + extra : "") };
  const v = el("div", { class: "value" }, value);
  if (id) v.id = id;
  return el("div", attrs, el("div", { class: "label" }, label), v);
}
function keyValues(target, counts) {
  clear(target);
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) { target.append(el("small", {}, "none")); return; }
  const box = el("div", { class: "kv" });
  for (const [k, v] of entries) box.append(el("div", {}, el("span", {}, k), el("b", {}, v)));
  target.append(box);
}
function renderOverview(o) {
  state.overview = o;
  $("live-badge").hidden = !o.live;
  const cards = clear($("cards"));
  const best = card(o.target !== null && o.target !== undefined ? "best score (target " + fmt(o.target) + ")" : "best score", fmt(o.bestScore), "best", "best-score");
  cards.append(best);
  cards.append(card("iterations", o.iterationsDone + (o.iterationsPlanned ? " / " + o.iterationsPlanned : ""), "", "iterations"));
  cards.append(card("programs", o.programs, "", "program-count"));
  cards.append(card("evaluations/s", o.evaluationsPerSecond.toFixed(2)));
  cards.append(card("model calls", o.modelCalls));
  cards.append(card("tokens", o.promptTokens + o.completionTokens));
  cards.append(card("cost", o.cost ? o.cost.toFixed(4) : "0"));
  cards.append(card("elapsed", duration(o.elapsedSeconds)));
  cards.append(card("time left", o.live ? duration(o.remainingSeconds) : "finished"));
  keyValues($("failures"), o.failures);
  keyValues($("faults"), o.faults);
  document.title = "Evolve · " + o.name + " · best " + fmt(o.bestScore);
}
let overviewTimer = null;
function refreshOverview() {
  clearTimeout(overviewTimer);
  overviewTimer = setTimeout(() => api(runPath() + "/overview").then(renderOverview).catch(console.error), 150);
}

// --- charts ---------------------------------------------------------------------------------
function scale(d0, d1, r0, r1) {
  const span = d1 - d0 || 1;
  return (v) => r0 + (v - d0) / span * (r1 - r0);
}
function axes(root, W, H, M, xs, ys, xLabel) {
  root.append(svg("line", { class: "axis", x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }));
  root.append(svg("line", { class: "axis", x1: M.l, y1: M.t, x2: M.l, y2: H - M.b }));
  for (const [v, label] of ys) root.append(svg("text", { class: "tick", x: M.l - 6, y: v + 3, "text-anchor": "end" }, label));
  for (const [v, label] of xs) root.append(svg("text", { class: "tick", x: v, y: H - M.b + 14, "text-anchor": "middle" }, label));
  root.append(svg("text", { class: "tick", x: W - M.r, y: H - 4, "text-anchor": "end" }, xLabel));
}
function ticks(d0, d1, to, n, f) {
  const out = [];
  for (let i = 0; i <= n; i++) { const v = d0 + (d1 - d0) * i / n; out.push([to(v), f(v)]); }
  return out;
}
function better(a, b, direction) { return direction === "minimize" ? a < b : a > b; }
function renderScoreChart() {
  const box = clear($("score-chart"));
  const axis = $("score-axis").value;
  const direction = state.overview ? state.overview.direction : "maximize";
  const points = state.programs.filter((p) => p.origin !== "migration");
  const W = 800, H = 300, M = { l: 50, r: 12, t: 10, b: 28 };
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
  const xOf = (p, i) => axis === "seconds" ? p.seconds : axis === "index" ? i + 1 : p.iteration;
  const scored = points.filter((p) => p.score !== null && p.score !== undefined);
  if (!scored.length) { root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "tick" }, "no scores yet")); box.append(root); return; }
  const xsAll = points.map(xOf);
  const x0 = Math.min(...xsAll), x1 = Math.max(...xsAll, x0 + 1);
  const s = scored.map((p) => p.score);
  let y0 = Math.min(...s), y1 = Math.max(...s);
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const X = scale(x0, x1, M.l, W - M.r), Y = scale(y0, y1, H - M.b, M.t);
  axes(root, W, H, M, ticks(x0, x1, X, axis === "seconds" ? 5 : Math.max(1, Math.min(5, Math.round(x1 - x0))), (v) => axis === "seconds" ? duration(v) : Math.round(v)), ticks(y0, y1, Y, 4, fmt),
    axis === "seconds" ? "wall clock" : axis === "index" ? "evaluation" : "iteration");
  let best = null; const line = [];
  points.forEach((p, i) => {
    if (p.score === null || p.score === undefined) return;
    if (best === null || better(p.score, best, direction)) best = p.score;
    line.push(`${X(xOf(p, i)).toFixed(1)},${Y(best).toFixed(1)}`);
  });
  root.append(svg("polyline", { points: line.join(" "), fill: "none", stroke: "#16a34a", "stroke-width": 2, class: "best-line" }));
  points.forEach((p, i) => {
    const y = p.score === null || p.score === undefined ? H - M.b - 4 : Y(p.score);
    const dot = svg("circle", { cx: X(xOf(p, i)), cy: y, r: 4, class: "point status-" + p.status, "data-id": p.id });
    dot.append(svg("title", {}, `${p.id} · ${p.status} · ${fmt(p.score)} · iteration ${p.iteration}`));
    dot.addEventListener("click", () => { location.hash = "program=" + encodeURIComponent(p.id); });
    root.append(dot);
  });
  box.append(root);
}

// --- lineage tree -----------------------------------------------------------------------------
function layoutTree(programs) {
  const children = new Map(), roots = [];
  const ids = new Set(programs.map((p) => p.id));
  for (const p of programs) {
    if (p.parent && ids.has(p.parent)) { if (!children.has(p.parent)) children.set(p.parent, []); children.get(p.parent).push(p); }
    else roots.push(p);
  }
  const pos = new Map(); let leaf = 0; let maxDepth = 0;
  const stack = roots.slice().reverse().map((p) => ({ p, depth: 0, done: false }));
  // Iterative post-order: a node sits above the middle of its children.
  while (stack.length) {
    const top = stack[stack.length - 1];
    const kids = children.get(top.p.id) || [];
    if (!top.done) {
      top.done = true;
      for (const k of kids.slice().reverse()) stack.push({ p: k, depth: top.depth + 1, done: false });
      continue;
    }
    stack.pop();
    maxDepth = Math.max(maxDepth, top.depth);
    const placed = kids.map((k) => pos.get(k.id)).filter(Boolean);
    const x = placed.length ? (placed[0].x + placed[placed.length - 1].x) / 2 : leaf++;
    pos.set(top.p.id, { x, depth: top.depth });
  }
  return { pos, leaves: Math.max(leaf, 1), depth: maxDepth };
}
function renderTree() {
  const box = clear($("lineage-tree"));
  const { pos, leaves, depth } = layoutTree(state.programs);
  const dx = 26, dy = 60, W = Math.max(leaves * dx + 40, 400), H = Math.max((depth + 1) * dy + 40, 200);
  const root = svg("svg", { viewBox: state.zoom || `0 0 ${W} ${H}`, "data-width": W, "data-height": H });
  const edges = svg("g", {}), nodes = svg("g", {});
  const at = (id) => { const q = pos.get(id); return { x: 20 + q.x * dx, y: 24 + q.depth * dy }; };
  for (const p of state.programs) {
    if (p.parent && pos.has(p.parent)) {
      const a = at(p.parent), b = at(p.id);
      edges.append(svg("path", { class: "edge", d: `M${a.x},${a.y} C${a.x},${(a.y + b.y) / 2} ${b.x},${(a.y + b.y) / 2} ${b.x},${b.y}` }));
    }
  }
  for (const p of state.programs) {
    const c = at(p.id);
    const g = svg("g", { class: "node", transform: `translate(${c.x},${c.y})`, "data-id": p.id });
    const cls = p.origin === "initial" ? "origin-initial" : "status-" + p.status;
    g.append(svg("circle", { r: p.origin === "migration" ? 5 : 8, class: cls }));
    if (p.score !== null && p.score !== undefined) g.append(svg("text", { y: -11, "text-anchor": "middle", class: "tick" }, fmt(p.score)));
    g.append(svg("title", {}, `${p.id} · ${p.status} · score ${fmt(p.score)} · island ${p.island} · iteration ${p.iteration}`));
    g.addEventListener("click", () => { location.hash = "program=" + encodeURIComponent(p.id); });
    nodes.append(g);
  }
  root.append(edges, nodes);
  enableZoom(root);
  box.append(root);
  $("lineage-count").textContent = state.programs.length + " programs";
}
function enableZoom(root) {
  const view = () => root.getAttribute("viewBox").split(" ").map(Number);
  root.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [x, y, w, h] = view(), k = e.deltaY > 0 ? 1.2 : 1 / 1.2;
    const r = root.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    const nw = w * k, nh = h * k;
    state.zoom = `${x + (w - nw) * fx} ${y + (h - nh) * fy} ${nw} ${nh}`;
    root.setAttribute("viewBox", state.zoom);
  }, { passive: false });
  let drag = null;
  root.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, v: view() }; });
  window.addEventListener("mouseup", () => { drag = null; });
  root.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const r = root.getBoundingClientRect(), [x, y, w, h] = drag.v;
    state.zoom = `${x - (e.clientX - drag.x) * w / r.width} ${y - (e.clientY - drag.y) * h / r.height} ${w} ${h}`;
    root.setAttribute("viewBox", state.zoom);
  });
  root.addEventListener("dblclick", () => { state.zoom = null; renderTree(); });
}

// --- archive, models, compare ---------------------------------------------------------------
function color(t) { const h = 220 - 200 * t; return `hsl(${h},70%,${55 - 15 * t}%)`; }
async function renderArchive() {
  const a = await api(runPath() + "/archive");
  $("archive-axes").textContent = a.features.length ? a.features.join(" × ") + ", " + a.bins + " bins" : "no features";
  const box = clear($("archive-grids"));
  const scores = a.islands.flatMap((i) => i.cells.map((c) => c.score));
  const lo = Math.min(...scores), hi = Math.max(...scores);
  const rows = a.features.length > 1 ? a.bins : 1, size = 24;
  for (const island of a.islands) {
    const root = svg("svg", { width: a.bins * size + 2, height: rows * size + 2, class: "heat" });
    for (let y = 0; y < rows; y++) for (let x = 0; x < a.bins; x++)
      root.append(svg("rect", { x: 1 + x * size, y: 1 + (rows - 1 - y) * size, width: size - 1, height: size - 1, fill: "#eef0f3" }));
    for (const c of island.cells) {
      let t = hi > lo ? (c.score - lo) / (hi - lo) : 1;
      if (a.direction === "minimize") t = 1 - t;
      const r = svg("rect", { class: "cell", x: 1 + c.x * size, y: 1 + (rows - 1 - c.y) * size, width: size - 1, height: size - 1, fill: color(t) });
      r.append(svg("title", {}, `${fmt(c.score)} · ${c.program}`));
      r.addEventListener("click", () => { location.hash = "program=" + encodeURIComponent(c.program); });
      root.append(r);
    }
    box.append(el("div", { class: "grid" }, el("h3", {}, `island ${island.island} · ${island.cells.length} cells`), root));
  }
}
async function renderModels() {
  const rows = await api(runPath() + "/models");
  const table = el("table", {}, el("tr", {}, ...["model", "answers", "became children", "improved", "prompt tokens", "completion tokens", "s/answer", "cost", "failed requests"].map((h) => el("th", {}, h))));
  for (const r of rows) {
    const faults = Object.entries(r.faults).map(([k, v]) => k + " " + v).join(", ") || "–";
    table.append(el("tr", {}, ...[r.model, r.answers, r.accepted, r.improvements, r.promptTokens, r.completionTokens, r.secondsPerAnswer.toFixed(2), r.cost.toFixed(4), faults].map((v) => el("td", {}, v))));
  }
  clear($("models-table")).append(table);
}
// --- throughput -------------------------------------------------------------------------------
async function renderThroughput() {
  const t = await api(runPath() + "/throughput");
  const pct = (x) => Math.round(x * 100) + "%";
  const cards = clear($("throughput-cards"));
  cards.append(card("evaluations/s", t.evaluationsPerSecond.toFixed(2), "", "throughput-rate"));
  cards.append(card("model slots busy", pct(t.modelBusy) + " of " + t.modelSlots, "", "model-busy"));
  cards.append(card("evaluation slots busy", pct(t.evaluationBusy) + " of " + t.evaluationSlots, "", "evaluation-busy"));
  cards.append(card("wait for an evaluation slot", t.meanEvaluationWait.toFixed(2) + " s", "max " + t.maxEvaluationWait.toFixed(2) + " s", "evaluation-wait"));
  cards.append(card("bottleneck", t.bottleneck || "neither", "", "bottleneck"));
  $("throughput-note").textContent = t.children ? t.children + " children over " + duration(t.seconds) + " (stage times are stored from this version on; older runs show none)" : "no child has stage times yet";
  drawInFlight(t);
}
function drawInFlight(t) {
  const box = clear($("throughput-chart"));
  const W = 800, H = 220, M = { l: 40, r: 12, t: 10, b: 28 };
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
  const top = Math.max(1, t.modelSlots, t.evaluationSlots, ...t.steps.map((s) => Math.max(s.model, s.evaluation)));
  const X = scale(0, Math.max(t.seconds, 1), M.l, W - M.r), Y = scale(0, top, H - M.b, M.t);
  axes(root, W, H, M, ticks(0, Math.max(t.seconds, 1), X, 5, duration), ticks(0, top, Y, Math.min(top, 4), (v) => Math.round(v)), "wall clock");
  for (const [key, colour, name] of [["model", "#2563eb", "model-line"], ["evaluation", "#ea580c", "evaluation-line"]]) {
    let points = [`${X(0)},${Y(0)}`], last = 0;
    for (const s of t.steps) { points.push(`${X(s.t)},${Y(last)}`, `${X(s.t)},${Y(s[key])}`); last = s[key]; }
    root.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2, class: name }));
  }
  box.append(root);
}

const palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
async function renderCompare(runs) {
  const picks = clear($("compare-runs"));
  for (const r of runs) {
    const box = el("input", { type: "checkbox", value: r.name });
    box.checked = true;
    box.addEventListener("change", drawCompare);
    picks.append(el("label", {}, box, " " + r.name + "  "));
  }
  await drawCompare();
}
async function drawCompare() {
  const names = [...document.querySelectorAll("#compare-runs input:checked")].map((b) => b.value);
  const box = clear($("compare-chart"));
  if (!names.length) return;
  const curves = await api("/api/compare?runs=" + encodeURIComponent(names.join(",")));
  const all = curves.flatMap((c) => c.points);
  if (!all.length) return;
  const W = 800, H = 300, M = { l: 50, r: 12, t: 10, b: 28 };
  const x1 = Math.max(...all.map((p) => p[0])), ys = all.map((p) => p[1]);
  let y0 = Math.min(...ys), y1 = Math.max(...ys); if (y0 === y1) { y0 -= 1; y1 += 1; }
  const X = scale(0, x1, M.l, W - M.r), Y = scale(y0, y1, H - M.b, M.t);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}` });
  axes(root, W, H, M, ticks(0, x1, X, Math.max(1, Math.min(5, Math.round(x1))), Math.round), ticks(y0, y1, Y, 4, fmt), "evaluation");
  const legend = el("div", { class: "legend" });
  curves.forEach((c, i) => {
    const colour = palette[i % palette.length];
    root.append(svg("polyline", { points: c.points.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2, class: "curve" }));
    const swatch = el("span", {}, "■ " + c.name); swatch.style.color = colour; legend.append(swatch);
  });
  box.append(root, legend);
}

// --- one program ----------------------------------------------------------------------------
async function showProgram(id) {
  const d = await api(runPath() + "/programs/" + encodeURIComponent(id));
  const p = d.program;
  $("program-title").textContent = `Program ${p.id}`;
  const facts = clear($("program-facts"));
  const shown = [["score", fmt(p.score)], ["status", p.status], ["island", p.island], ["iteration", p.iteration], ["generation", p.generation], ["origin", p.origin], ["model", p.model || "–"]];
  // Set only by search.mutations and search.meta_prompt.
  if (p.mutationKind) shown.push(["mutation", p.mutationKind]);
  if (p.instructionID !== null && p.instructionID !== undefined) shown.push(["instructions", "variant " + p.instructionID]);
  // Set by evaluator.final and evaluator.recheck on would-be bests.
  if (d.heldOutScore !== null && d.heldOutScore !== undefined) shown.push(["held-out score", fmt(d.heldOutScore)]);
  if (d.verification) shown.push(["verified", d.verification]);
  for (const [k, v] of shown) facts.append(el("span", {}, k + ": ", el("b", {}, v)));
  const path = clear($("program-path"));
  d.path.forEach((q, i) => { if (i) path.append("→ "); path.append(programLink(q.id, q.id + " (" + fmt(q.score) + ")")); });
  const kids = clear($("program-children"));
  if (!d.children.length) kids.append(el("small", {}, "none"));
  for (const c of d.children) kids.append(programLink(c.id, c.id + " (" + (c.score === null || c.score === undefined ? c.status : fmt(c.score)) + ")"));
  const failure = $("program-failure");
  failure.hidden = !d.failureReason;
  failure.textContent = d.failureReason || "";
  const diff = clear($("program-diff"));
  if (!d.diff.length) diff.textContent = "(the starting program has no parent)";
  const classes = { "+": "add", "-": "del", "#": "file" };
  for (const line of d.diff) {
    diff.append(el("span", { class: classes[line.kind] || "same" }, line.kind === "#" ? line.text : line.kind + " " + line.text));
  }
  $("program-code").textContent = d.code;
  $("program-answer").textContent = d.answer || "(no model answer: " + p.origin + ")";
  const attempts = clear($("program-attempts"));
  if (!d.attempts.length) attempts.append(el("small", {}, "none"));
  for (const a of d.attempts) {
    attempts.append(el("div", {}, el("b", {}, `#${a.attempt} ${a.model}: ${a.outcome}${a.kind ? " (" + a.kind + ")" : ""}`), " ", a.message || ""));
    attempts.append(el("pre", { class: "small" }, a.answer));
  }
  $("program-prompt").textContent = d.prompt || "";
  $("program-stdout").textContent = "stdout:\n" + d.stdoutTail;
  $("program-stderr").textContent = "stderr:\n" + d.stderrTail;
  $("program-artifacts").textContent = JSON.stringify({ metrics: d.metrics, artifacts: d.artifacts, features: d.features }, null, 2);
}

// --- routing and live updates ---------------------------------------------------------------
const views = ["overview", "lineage", "archive", "models", "throughput", "compare", "program"];
function route() {
  const h = hashParams();
  const program = h.get("program");
  const view = program ? "program" : (h.get("view") || "overview");
  for (const v of views) $(v).hidden = v !== view;
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.getAttribute("href") === "#view=" + view);
  if (program) showProgram(program).catch((e) => { $("program-title").textContent = String(e.message); });
  if (view === "archive") renderArchive().catch(console.error);
  if (view === "models") renderModels().catch(console.error);
  if (view === "throughput") renderThroughput().catch(console.error);
}
function addPrograms(list) {
  for (const p of list) {
    if (state.byId.has(p.id)) continue;
    state.byId.set(p.id, p);
    state.programs.push(p);
  }
}
function follow() {
  if (state.source) state.source.close();
  const source = new EventSource(runPath() + "/stream?after=" + state.cursor);
  source.addEventListener("programs", (e) => {
    const batch = JSON.parse(e.data);
    state.cursor = batch.cursor;
    addPrograms(batch.programs);
    renderScoreChart(); renderTree(); refreshOverview();
    if (!$("throughput").hidden) renderThroughput().catch(console.error);
  });
  state.source = source;
}
async function openRun(name) {
  state.run = name; state.programs = []; state.byId = new Map(); state.zoom = null;
  const [overview, list] = await Promise.all([api(runPath() + "/overview"), api(runPath() + "/programs")]);
  renderOverview(overview);
  addPrograms(list.programs);
  state.cursor = list.cursor;
  renderScoreChart(); renderTree();
  follow();
  route();
}
async function start() {
  const runs = await api("/api/runs");
  const select = $("run-select");
  for (const r of runs) select.append(el("option", { value: r.name }, r.name + (r.live ? " (live)" : "")));
  select.value = runs.length ? runs[runs.length - 1].name : "";
  select.addEventListener("change", () => openRun(select.value));
  $("score-axis").addEventListener("change", renderScoreChart);
  window.addEventListener("hashchange", route);
  if (!runs.length) { $("cards").textContent = "no runs here yet"; return; }
  await openRun(select.value);
  await renderCompare(runs);
  document.body.setAttribute("data-ready", "true");
}
start().catch((e) => { document.body.setAttribute("data-error", String(e.message)); console.error(e); });
