// yomitori template editor: the field boxes drawn over the blank page, the field list and
// summary, selection, and the keyboard on a box (move, resize, confirm guesses, delete).
// Template data reaches the page only through textContent, .value and setAttribute.
import { $, BIG, MIN, S, STEP, canvas, clamp, el, fieldsOn, layer, pageSelect, r1, root, wrap }
  from "./template_editor_state.js";
import { applyPanel, fillPanel } from "./template_editor_panel.js";
import { startDrag } from "./template_editor_mouse.js";

// --- drawing ---------------------------------------------------------------------------
export function layout() {
  const avail = wrap.clientWidth > 50 ? wrap.clientWidth - 4 : 800;
  S.scale = (Math.min(avail, 1000) / S.pageW) * S.zoom;
  canvas.style.width = S.pageW * S.scale + "px";
  canvas.style.height = S.pageH * S.scale + "px";
}
export function place(e, b) {
  e.style.left = b.x * S.scale + "px";
  e.style.top = b.y * S.scale + "px";
  e.style.width = b.w * S.scale + "px";
  e.style.height = b.h * S.scale + "px";
}
function build(f) {
  const box = el("div", "te-box");
  box.tabIndex = 0;
  box.setAttribute("role", "button");
  const tag = el("span", "te-tag");
  const handle = el("div", "te-handle");
  box.append(tag, handle);
  layer.append(box);
  const opts = f.options.map((o, i) => {
    const oe = el("div", "te-opt");
    const oh = el("div", "te-handle");
    oe.append(oh);
    oe.addEventListener("pointerdown", (ev) => startDrag(ev, f, ev.target === oh ? "opt-resize" : "opt-move", i));
    layer.append(oe);
    return oe;
  });
  S.els.set(f, { box, tag, opts });
  box.addEventListener("focus", () => select(f, true));  // true: refocus if a flush rebuilt the layer
  box.addEventListener("keydown", (ev) => onBoxKey(ev, f));
  box.addEventListener("pointerdown", (ev) => startDrag(ev, f, ev.target === handle ? "resize" : "move"));
  update(f);
}
export function update(f) {
  const e = S.els.get(f);
  if (!e) { return; }
  const b = f.box;
  place(e.box, b);
  Object.assign(e.box.dataset, { id: f.id, x: b.x, y: b.y, w: b.w, h: b.h, kind: f.kind });
  const guessed = f.guessed.length > 0;
  e.box.setAttribute("aria-label", f.label + "（" + f.id + "）" + (guessed ? " 未確認" : ""));
  e.box.classList.toggle("te-guessed", guessed);
  e.box.classList.toggle("te-selected", f === S.selected);
  e.box.classList.toggle("te-invalid", S.errors.has(f));
  e.tag.replaceChildren(document.createTextNode(f.label));
  if (guessed) { e.tag.append(el("span", "te-badge", "未確認")); }
  e.opts.forEach((oe, i) => {
    const o = f.options[i];
    if (!o) { return; }
    place(oe, o.box);
    Object.assign(oe.dataset, { field: f.id, value: o.value, x: o.box.x, y: o.box.y, w: o.box.w, h: o.box.h });
    oe.title = o.label;
    oe.classList.toggle("te-selected", f === S.selected);
  });
}
export function rebuild() {  // callers decide where the focus goes
  layer.replaceChildren();
  S.els.clear();
  fieldsOn(S.pageNo).forEach(build);
}
export function showPage(n) {
  S.pageNo = n;
  if (pageSelect) { pageSelect.value = String(n); }
  $("te-image").src = root.dataset.imageUrl + n + "/image?v=" + S.version;
  rebuild();
}
export function refreshList() {
  const list = $("te-list");
  list.replaceChildren();
  S.data.fields.forEach((f) => {
    const li = el("li");
    const b = el("button", "te-item", f.label + "（" + f.id + "）" + (S.data.pages.length > 1 ? " " + f.page + "ページ" : ""));
    b.type = "button";
    b.tabIndex = -1;
    b.dataset.id = f.id;
    if (f.guessed.length) { b.append(el("span", "te-badge", "未確認")); }
    b.addEventListener("click", () => select(f, true));
    li.append(b);
    if (S.errors.has(f)) { li.append(el("div", "error te-item-error", S.errors.get(f))); }
    li.classList.toggle("te-current", f === S.selected);
    list.append(li);
  });
}
export function refreshSummary() {
  const grids = (S.data.grids || []).filter((g) => (g.guessed || []).length).length;  // confirmed apart
  const n = S.data.fields.filter((f) => f.guessed.length).length + grids;
  $("te-unconfirmed").textContent = String(n);
  const act = $("te-activate");
  act.hidden = S.data.status === "active";
  act.disabled = n > 0;
  act.title = n > 0 ? "未確認の推測が残っているため運用開始できません" : "";
}
export function changed(f, attr) {
  if (attr) { f.guessed = f.guessed.filter((a) => a !== attr); }
  S.errors.delete(f);
  $("te-dirty").hidden = false;
  update(f);
  if (f === S.selected) { fillPanel(); }
  refreshList();
  refreshSummary();
}

// --- selection and keyboard ----------------------------------------------------------------
export function focusBox(f) {
  const e = S.els.get(f);
  if (e && document.activeElement !== e.box) { e.box.focus(); }
}
export function select(f, focus) {
  if (f !== S.selected) {
    applyPanel();  // flush edits of the previous field first
    const prev = S.selected;
    S.selected = f;
    if (f && f.page !== S.pageNo) { showPage(f.page); } else {
      if (prev) { update(prev); }
      if (f) { update(f); }
    }
    fillPanel();
    refreshList();
  }
  if (focus && f) { focusBox(f); }
}
function moveBy(f, dx, dy) {
  const b = f.box;
  const x = r1(clamp(b.x + dx, 0, S.pageW - b.w));
  const y = r1(clamp(b.y + dy, 0, S.pageH - b.h));
  if (x === b.x && y === b.y) { return; }
  const mx = x - b.x;
  const my = y - b.y;
  f.box = { x, y, w: b.w, h: b.h };
  f.options = f.options.map((o) => ({ ...o, box: { ...o.box, x: r1(o.box.x + mx), y: r1(o.box.y + my) } }));
  changed(f, "box");
}
function resizeBy(f, dw, dh) {
  const b = f.box;
  const w = r1(clamp(b.w + dw, MIN, S.pageW - b.x));
  const h = r1(clamp(b.h + dh, MIN, S.pageH - b.y));
  if (w === b.w && h === b.h) { return; }
  f.box = { x: b.x, y: b.y, w, h };
  changed(f, "box");
}
export function confirmGuesses(f) {
  if (!f.guessed.length) { return; }
  f.guessed = [];
  changed(f, null);
}
export function removeField(f) {
  if (!window.confirm("項目「" + f.label + "」を削除しますか？")) { return; }
  const onPage = fieldsOn(S.pageNo);
  const i = onPage.indexOf(f);
  S.data.fields.splice(S.data.fields.indexOf(f), 1);
  S.errors.delete(f);
  S.selected = null;
  $("te-dirty").hidden = false;
  rebuild();
  const next = onPage[i + 1] || onPage[i - 1] || null;
  if (next) { select(next, true); } else { fillPanel(); refreshList(); }
  refreshSummary();
}
function onBoxKey(ev, f) {
  const k = ev.key;
  if (k.startsWith("Arrow")) {
    ev.preventDefault();
    const d = ev.shiftKey ? BIG : STEP;
    const dx = k === "ArrowLeft" ? -d : k === "ArrowRight" ? d : 0;
    const dy = k === "ArrowUp" ? -d : k === "ArrowDown" ? d : 0;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { resizeBy(f, dx, dy); } else { moveBy(f, dx, dy); }
  } else if (k === "Delete" || k === "Backspace") {
    ev.preventDefault();
    removeField(f);
  } else if (k === "Enter") {
    ev.preventDefault();
    $("te-f-label").focus();
    $("te-f-label").select();
  } else if ((k === "k" || k === "K") && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
    ev.preventDefault();
    confirmGuesses(f);
  }
}
