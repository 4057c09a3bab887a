// yomitori template editor: field boxes over the blank page, edited with keyboard or mouse.
// Entry module (loaded as <script type="module">): saving, wiring of the toolbar and side
// panel, and start-up. The rest lives in template_editor_state.js (shared state and helpers),
// template_editor_boxes.js (drawing, selection, keyboard), template_editor_panel.js (side panel)
// and template_editor_mouse.js (drag and draw). All start-up work happens here, at the bottom.
// No inline script (CSP). Template data arrives in a data-* attribute and reaches the page
// only through textContent, .value and setAttribute, never innerHTML.
import { $, S, clamp, fieldsOn, initState, pageSelect, r1, root, status } from "./template_editor_state.js";
import { changed, confirmGuesses, focusBox, layout, rebuild, refreshList, refreshSummary, removeField,
  select, showPage, update } from "./template_editor_boxes.js";
import { applyPanel, fillPanel } from "./template_editor_panel.js";
import { wireMouse } from "./template_editor_mouse.js";

// --- saving --------------------------------------------------------------------------------
// A plain form post (the CSP allows no fetch): the server answers with this page again,
// showing either the new version or the errors next to the fields, edits kept.
function save(activate) {
  applyPanel();
  if (activate && !window.confirm("運用を開始すると、この版が読み取りに使われます。よろしいですか？")) { return; }
  const form = $("te-save-form");
  form.elements.activate.value = activate ? "1" : "0";
  form.elements.focus_field.value = S.selected ? S.selected.id : "";
  form.elements.template.value = JSON.stringify(S.data);
  $("te-save").disabled = true;
  $("te-activate").disabled = true;
  status.textContent = "保存しています…";
  form.submit();
}
function showErrors() {
  let list = [];
  try { list = JSON.parse(root.dataset.errors || "[]"); } catch (err) { list = []; }
  list.forEach((e) => {
    const f = S.data.fields[e.index];
    if (f) { S.errors.set(f, S.errors.has(f) ? S.errors.get(f) + "／" + e.message : e.message); }
  });
  return S.data.fields.find((f) => S.errors.has(f)) || null;
}

// --- wiring --------------------------------------------------------------------------------
function wire() {
  wireMouse();
  const form = $("te-form");
  form.addEventListener("submit", (ev) => { ev.preventDefault(); applyPanel(); if (S.selected) { focusBox(S.selected); } });
  form.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.key === "Enter" && (t.tagName === "INPUT" || t.tagName === "SELECT")) {
      ev.preventDefault();
      applyPanel();
      if (S.selected) { focusBox(S.selected); }
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      fillPanel();
      if (S.selected) { focusBox(S.selected); }
    }
  });
  form.addEventListener("change", () => applyPanel());
  $("te-confirm").addEventListener("click", () => { if (S.selected) { confirmGuesses(S.selected); focusBox(S.selected); } });
  $("te-delete").addEventListener("click", () => { if (S.selected) { removeField(S.selected); } });
  $("te-opt-add").addEventListener("click", () => {
    applyPanel();
    const f = S.selected;
    const last = f.options[f.options.length - 1];
    const b = last ? last.box : { x: f.box.x, y: f.box.y, w: 4, h: 4 };
    const values = new Set(f.options.map((o) => o.value));
    let n = f.options.length + 1;
    while (values.has(String(n))) { n += 1; }
    f.options.push({ value: String(n), label: "選択肢" + n,
      box: { x: r1(clamp(b.x + b.w + 2, 0, S.pageW - b.w)), y: b.y, w: b.w, h: b.h } });
    rebuild();
    changed(f, "options");
  });
  // editor actions (review/templates/_editor_actions.html) save at once: edits not saved yet would be lost
  document.querySelectorAll("#te-actions form").forEach((f) => f.addEventListener("submit", (ev) => {
    if (!$("te-dirty").hidden && !window.confirm("保存していない枠の変更は失われます。この操作を続けますか？")) { ev.preventDefault(); }
  }));
  $("te-save").addEventListener("click", () => save(false));
  $("te-activate").addEventListener("click", () => save(true));
  if (pageSelect) {
    pageSelect.addEventListener("change", () => {
      applyPanel();
      showPage(Number(pageSelect.value));
      const first = fieldsOn(S.pageNo)[0];
      if (first) { select(first); }
    });
  }
  $("te-zoom").addEventListener("change", () => {
    S.zoom = Number($("te-zoom").value) || 1;
    layout();
    S.data.fields.forEach(update);
  });
  window.addEventListener("resize", () => { layout(); S.data.fields.forEach(update); });
}

// --- start-up ------------------------------------------------------------------------------
function start() {
  initState();
  wire();
  layout();
  showPage(1);
  const failed = showErrors();
  refreshList();
  refreshSummary();
  const wanted = S.data.fields.find((f) => f.id === root.dataset.focus);
  const first = failed || wanted || fieldsOn(1)[0];
  if (first) { select(first, true); }
  root.dataset.ready = "1";
}

if (root) { start(); }
