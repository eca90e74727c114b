"""The page's one stylesheet and one script (inline, so the page is a single file that works offline).

The script reads the data from ``<script type="application/json" id="data">`` and builds every
element with ``createElement`` and ``textContent``: no text from a report is ever parsed as HTML.
It sorts (click a column heading) and filters (the three controls), and when the first render is
done and laid out it records ``performance.now()`` (milliseconds since navigation started) in
``<html data-render-ms>``: the page's load time as the browser measured it
(``benchmarks/report_page.py`` reads it).
"""

from __future__ import annotations

STYLE = """
:root { color-scheme: light; --bad: #c62828; --bad-bg: #fdecea; --good: #1b5e20; --good-bg: #e8f5e9;
  --warn: #8a5300; --warn-bg: #fff4e0; --missing: #555; --missing-bg: #eeeeee; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
main { padding: 0 24px 24px; }
.meta { color: #57606a; margin: 0; }
.controls { position: sticky; top: 0; z-index: 3; display: flex; gap: 16px; flex-wrap: wrap;
  padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
.controls label { display: flex; gap: 6px; align-items: center; }
.controls input[type=search] { width: 220px; padding: 4px 6px; }
.summary td, .summary th { padding: 2px 10px 2px 0; text-align: left; }
.notes li { color: var(--warn); }
.scroll { overflow: auto; max-height: 75vh; border: 1px solid var(--line); }
table.data { border-collapse: collapse; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left;
  vertical-align: top; }
table.data thead th { position: sticky; top: 0; background: #f6f8fa; z-index: 1; cursor: pointer;
  white-space: nowrap; user-select: none; vertical-align: bottom; }
table.data thead th.sorted-asc::after { content: " \\25B2"; }
table.data thead th.sorted-desc::after { content: " \\25BC"; }
.summary { margin-top: 12px; }
#drift { table-layout: fixed; }
#drift th, #drift td { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; width: 88px;
  height: 24px; padding: 0 6px; line-height: 24px; }
#drift th.package, #drift td.name { width: 200px; position: sticky; left: 0; background: #fff; z-index: 2; }
#drift thead th.package { background: #f6f8fa; z-index: 3; }
#drift th.lock { writing-mode: vertical-rl; height: 130px; padding: 6px 0; font-weight: normal;
  cursor: default; }
#drift th.spacer, #drift td.spacer, #drift tr.spacer td { padding: 0; border: 0; }
#drift td.v { white-space: nowrap; font-family: ui-monospace, monospace; font-size: 12px; }
#drift td.v0 { background: #eef6ff; } #drift td.v1 { background: #fff8d6; }
#drift td.v2 { background: #f3e8ff; } #drift td.v3 { background: #e6fffa; }
#drift td.vuln { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td.name, th.name { white-space: nowrap; font-weight: 600; }
.good { color: var(--good); background: var(--good-bg); }
.bad { color: var(--bad); background: var(--bad-bg); font-weight: 600; }
.warn { color: var(--warn); background: var(--warn-bg); }
.missing { color: var(--missing); background: var(--missing-bg); font-style: italic; }
.small { font-size: 12px; color: #57606a; }
.count { color: #57606a; }
"""

SCRIPT = """
"use strict";
(function () {
  const started = performance.now();
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const STATES = { good: 4, warn: 3, missing: 2, bad: 0 };
  const COLUMNS = ["lock", "audit", "licences", "tests"];
  const $ = (id) => document.getElementById(id);
  const sorting = { services: ["name", 1], drift: ["package", 1], findings: ["services", -1] };

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function stateClass(state) { return Object.prototype.hasOwnProperty.call(STATES, state) ? state : "bad"; }
  function has(text, needle) { return !needle || String(text).toLowerCase().includes(needle); }
  function filters() {
    return { service: $("f-service").value.trim().toLowerCase(),
             pkg: $("f-package").value.trim().toLowerCase(), problems: $("f-problems").checked };
  }
  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function sortRows(rows, key, dir, value) {
    const label = (row) => row.name || row.package || row.id;
    const order = (a, b) => dir * compare(value(a, key), value(b, key)) || compare(label(a), label(b));
    return rows.slice().sort(order);
  }
  function fillBody(table, rows) {
    const body = document.createElement("tbody");
    const fragment = document.createDocumentFragment();
    rows.forEach((row) => fragment.appendChild(row));
    body.appendChild(fragment);
    table.replaceChild(body, table.tBodies[0]);
  }
  function markSorted(table, which) {
    const [key, dir] = sorting[which];
    table.querySelectorAll("thead th[data-key]").forEach((th) => {
      th.classList.toggle("sorted-asc", th.dataset.key === key && dir > 0);
      th.classList.toggle("sorted-desc", th.dataset.key === key && dir < 0);
    });
  }

  function renderServices(f) {
    const [key, dir] = sorting.services;
    let rows = DATA.services.filter((s) => has(s.name, f.service));
    if (f.problems) rows = rows.filter((s) => COLUMNS.some((c) => s.cells[c].s !== "good"));
    rows = sortRows(rows, key, dir, (s, k) => (k === "name" ? s.name : s.cells[k].r));
    fillBody($("services"), rows.map((s) => {
      const tr = el("tr");
      tr.appendChild(el("td", s.name, "name"));
      COLUMNS.forEach((c) => {
        const cell = s.cells[c];
        const td = el("td", cell.t, stateClass(cell.s));
        if (cell.d) td.title = cell.d;
        tr.appendChild(td);
      });
      return tr;
    }));
    $("services-count").textContent = rows.length + " of " + DATA.services.length;
    markSorted($("services"), "services");
  }

  // The drift matrix (packages x locks) can hold 30,000 cells at 300 services: only the rows and
  // columns in view (and a few around them) are in the DOM, spacers stand for the rest.
  const COL = 88, ROW = 24, FIXED = 288, STICKY = 200, AROUND = 4;
  let drift = null;
  function renderDrift(f) {
    const table = $("drift");
    if (DATA.drift.state !== "ok") { table.parentNode.hidden = true; return; }
    const shown = [];
    DATA.drift.locks.forEach((lock, index) => { if (has(lock, f.service)) shown.push(index); });
    const [key, dir] = sorting.drift;
    let rows = DATA.drift.rows.filter((r) => has(r.package, f.pkg));
    if (f.problems) rows = rows.filter((r) => r.vulnerable);
    if (f.service) rows = rows.filter((r) => r.cells.some((c) => shown.includes(c[0])));
    rows = sortRows(rows, key, dir, (r, k) => (k === "package" ? r.package : r.versions));
    drift = { rows: rows, shown: shown, drawn: "" };
    table.style.width = (FIXED + COL * shown.length) + "px";
    $("drift-count").textContent = rows.length + " of " + DATA.drift.rows.length + " packages, " +
      shown.length + " of " + DATA.drift.locks.length + " locks";
    drawDrift();
  }
  function spacer(tag, width) {
    const node = el(tag, null, "spacer");
    node.style.width = width + "px";
    return node;
  }
  function drawDrift() {
    if (!drift) return;
    const table = $("drift");
    const box = table.parentNode;
    const { rows, shown } = drift;
    const c0 = Math.max(0, Math.floor((box.scrollLeft + STICKY - FIXED) / COL) - AROUND);
    const c1 = Math.min(shown.length, Math.ceil((box.scrollLeft + box.clientWidth - FIXED) / COL) + AROUND);
    const r0 = Math.max(0, Math.floor(box.scrollTop / ROW) - AROUND);
    const height = Math.max(box.clientHeight, window.innerHeight);
    const r1 = Math.min(rows.length, Math.ceil((box.scrollTop + height) / ROW) + AROUND);
    const drawn = [c0, c1, r0, r1].join();
    if (drawn === drift.drawn) return;
    drift.drawn = drawn;
    const head = el("tr");
    [["package", "package"], ["versions", "versions"]].forEach(([key, label]) => {
      const th = el("th", label, key);
      th.dataset.key = key;
      head.appendChild(th);
    });
    if (c0 > 0) head.appendChild(spacer("th", c0 * COL));
    shown.slice(c0, c1).forEach((index) => {
      const th = el("th", DATA.drift.locks[index], "lock");
      th.title = DATA.drift.locks[index];
      head.appendChild(th);
    });
    if (c1 < shown.length) head.appendChild(spacer("th", (shown.length - c1) * COL));
    table.tHead.replaceChild(head, table.tHead.rows[0]);
    const filler = (count) => {
      const tr = el("tr", null, "spacer");
      const td = el("td");
      td.colSpan = head.cells.length;
      td.style.height = count * ROW + "px";
      tr.appendChild(td);
      return tr;
    };
    const lines = [];
    if (r0 > 0) lines.push(filler(r0));
    rows.slice(r0, r1).forEach((r) => {
      const byLock = new Map();
      r.cells.forEach((c) => byLock.set(c[0], c));
      const tr = el("tr");
      tr.appendChild(el("td", r.package, "name"));
      const versions = el("td", r.versions, "count");
      versions.title = r.verdict;
      tr.appendChild(versions);
      if (c0 > 0) tr.appendChild(el("td", null, "spacer"));
      shown.slice(c0, c1).forEach((index) => {
        const c = byLock.get(index);
        if (!c) { tr.appendChild(el("td")); return; }
        const td = el("td", c[2].length ? c[1] + " \\u26A0" : c[1], "v v" + Math.min(c[3], 3));
        td.title = DATA.drift.locks[index] + ": " + c[1] + (c[2].length ? " (" + c[2].join(", ") + ")" : "");
        if (c[2].length) td.classList.add("vuln");
        tr.appendChild(td);
      });
      if (c1 < shown.length) tr.appendChild(el("td", null, "spacer"));
      lines.push(tr);
    });
    if (r1 < rows.length) lines.push(filler(rows.length - r1));
    fillBody(table, lines);
    markSorted(table, "drift");
  }
  // Browsers send scroll events at most once a frame, and drawing what is in view takes about a
  // millisecond: draw right away.
  $("drift").parentNode.addEventListener("scroll", drawDrift, { passive: true });

  function renderFindings(f) {
    const [key, dir] = sorting.findings;
    let rows = DATA.findings.filter((r) => [r.package, r.id].concat(r.aliases).some((t) => has(t, f.pkg)));
    if (f.service) rows = rows.filter((r) => r.services.concat(r.ignored).some((s) => has(s, f.service)));
    if (f.problems) rows = rows.filter((r) => r.services.length);
    rows = sortRows(rows, key, dir, (r, k) => (k === "services" ? r.services.length : r[k]));
    fillBody($("findings"), rows.map((r) => {
      const tr = el("tr");
      const id = el("td", r.id, "name");
      if (r.aliases.length) {
        id.appendChild(el("br"));
        id.appendChild(el("span", r.aliases.join(", "), "small"));
      }
      tr.appendChild(id);
      tr.appendChild(el("td", r.package));
      tr.appendChild(el("td", r.versions.join(", ")));
      tr.appendChild(el("td", r.fix.length ? r.fix.join(", ") : "no fix known", r.fix.length ? "" : "warn"));
      const services = el("td", r.services.length + (r.services.length ? ": " + r.services.join(", ") : ""),
        r.services.length ? "bad" : "");
      tr.appendChild(services);
      tr.appendChild(el("td", r.ignored.join(", ")));
      tr.appendChild(el("td", r.summary, "small"));
      return tr;
    }));
    $("findings-count").textContent = rows.length + " of " + DATA.findings.length;
    markSorted($("findings"), "findings");
  }

  function render() { const f = filters(); renderServices(f); renderDrift(f); renderFindings(f); }

  ["services", "drift", "findings"].forEach((which) => {
    $(which).tHead.addEventListener("click", (event) => {
      const th = event.target.closest("th[data-key]");
      if (!th) return;
      const [key, dir] = sorting[which];
      sorting[which] = [th.dataset.key, key === th.dataset.key ? -dir : 1];
      render();
    });
  });
  // Filters live in the address too (index.html#service=pay&package=pydantic&problems=1), so a
  // filtered view can be linked to and survives a reload.
  const fromHash = new URLSearchParams(location.hash.slice(1));
  $("f-service").value = fromHash.get("service") || "";
  $("f-package").value = fromHash.get("package") || "";
  $("f-problems").checked = fromHash.get("problems") === "1";
  function remember() {
    const f = filters();
    const state = new URLSearchParams();
    if (f.service) state.set("service", f.service);
    if (f.pkg) state.set("package", f.pkg);
    if (f.problems) state.set("problems", "1");
    try { history.replaceState(null, "", "#" + state.toString()); } catch (error) { /* file:// may refuse */ }
  }
  let timer = 0;
  ["f-service", "f-package", "f-problems"].forEach((id) => $(id).addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { remember(); render(); }, 120);
  }));
  render();
  const built = performance.now();
  document.body.getBoundingClientRect();  // lay the page out now, so that the figure includes layout
  const done = performance.now();
  document.documentElement.dataset.renderMs = done.toFixed(1);
  document.documentElement.dataset.timing = "parse " + started.toFixed(1) + " ms, build " +
    (built - started).toFixed(1) + " ms, layout " + (done - built).toFixed(1) + " ms";
})();
"""
