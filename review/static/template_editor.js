// yomitori template editor: field boxes over the blank page, edited with keyboard or mouse.
// No inline script (CSP). Template data arrives in a data-* attribute and reaches the page
// only through textContent, .value and setAttribute, never innerHTML.
"use strict";
(function () {
  const root = document.getElementById("te-editor");
  if (!root) { return; }
  const $ = (id) => document.getElementById(id);
  const GUESS_JA = { id: "項目ID", label: "項目名", kind: "種類", box: "枠", options: "選択肢" };
  const CHOICE = ["choice", "multi_choice"];
  const STEP = 0.5;  // mm per arrow key
  const BIG = 5;     // mm per Shift+arrow
  const MIN = 1;     // smallest box side, mm
  const layer = $("te-layer");
  const canvas = $("te-canvas");
  const wrap = $("te-wrap");
  const pageSelect = $("te-page");
  const status = $("te-save-status");
  let data = JSON.parse(root.dataset.template);
  let version = Number(root.dataset.version);
  const [pageW, pageH] = data.page_size_mm;
  let pageNo = 1;
  let zoom = 1;
  let scale = 1;         // px per mm
  let selected = null;   // an element of data.fields
  let errors = new Map(); // field → Japanese message from the last save
  let drag = null;
  const els = new Map(); // field → {box, tag, opts}

  const r1 = (v) => Math.round(v * 10) / 10;
  const snap = (v) => Math.round(v / STEP) * STEP;
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(lo, hi));
  const fieldsOn = (n) => data.fields.filter((f) => f.page === n);
  const isChoice = (f) => CHOICE.includes(f.kind);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // --- drawing ---------------------------------------------------------------------------
  function layout() {
    const avail = wrap.clientWidth > 50 ? wrap.clientWidth - 4 : 800;
    scale = (Math.min(avail, 1000) / pageW) * zoom;
    canvas.style.width = pageW * scale + "px";
    canvas.style.height = pageH * scale + "px";
  }
  function place(e, b) {
    e.style.left = b.x * scale + "px";
    e.style.top = b.y * scale + "px";
    e.style.width = b.w * scale + "px";
    e.style.height = b.h * scale + "px";
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
    els.set(f, { box, tag, opts });
    box.addEventListener("focus", () => select(f, true));  // true: refocus if a flush rebuilt the layer
    box.addEventListener("keydown", (ev) => onBoxKey(ev, f));
    box.addEventListener("pointerdown", (ev) => startDrag(ev, f, ev.target === handle ? "resize" : "move"));
    update(f);
  }
  function update(f) {
    const e = els.get(f);
    if (!e) { return; }
    const b = f.box;
    place(e.box, b);
    Object.assign(e.box.dataset, { id: f.id, x: b.x, y: b.y, w: b.w, h: b.h, kind: f.kind });
    const guessed = f.guessed.length > 0;
    e.box.setAttribute("aria-label", f.label + "（" + f.id + "）" + (guessed ? " 未確認" : ""));
    e.box.classList.toggle("te-guessed", guessed);
    e.box.classList.toggle("te-selected", f === selected);
    e.box.classList.toggle("te-invalid", errors.has(f));
    e.tag.replaceChildren(document.createTextNode(f.label));
    if (guessed) { e.tag.append(el("span", "te-badge", "未確認")); }
    e.opts.forEach((oe, i) => {
      const o = f.options[i];
      if (!o) { return; }
      place(oe, o.box);
      Object.assign(oe.dataset, { field: f.id, value: o.value, x: o.box.x, y: o.box.y, w: o.box.w, h: o.box.h });
      oe.title = o.label;
      oe.classList.toggle("te-selected", f === selected);
    });
  }
  function rebuild() {  // callers decide where the focus goes
    layer.replaceChildren();
    els.clear();
    fieldsOn(pageNo).forEach(build);
  }
  function showPage(n) {
    pageNo = n;
    if (pageSelect) { pageSelect.value = String(n); }
    $("te-image").src = root.dataset.imageUrl + n + "/image?v=" + version;
    rebuild();
  }
  function refreshList() {
    const list = $("te-list");
    list.replaceChildren();
    data.fields.forEach((f) => {
      const li = el("li");
      const b = el("button", "te-item", f.label + "（" + f.id + "）" + (data.pages.length > 1 ? " " + f.page + "ページ" : ""));
      b.type = "button";
      b.tabIndex = -1;
      b.dataset.id = f.id;
      if (f.guessed.length) { b.append(el("span", "te-badge", "未確認")); }
      b.addEventListener("click", () => select(f, true));
      li.append(b);
      if (errors.has(f)) { li.append(el("div", "error te-item-error", errors.get(f))); }
      li.classList.toggle("te-current", f === selected);
      list.append(li);
    });
  }
  function refreshSummary() {
    const n = data.fields.filter((f) => f.guessed.length).length;
    $("te-unconfirmed").textContent = String(n);
    const act = $("te-activate");
    act.hidden = data.status === "active";
    act.disabled = n > 0;
    act.title = n > 0 ? "未確認の推測が残っているため運用開始できません" : "";
  }
  function changed(f, attr) {
    if (attr) { f.guessed = f.guessed.filter((a) => a !== attr); }
    errors.delete(f);
    $("te-dirty").hidden = false;
    update(f);
    if (f === selected) { fillPanel(); }
    refreshList();
    refreshSummary();
  }

  // --- selection and keyboard ----------------------------------------------------------------
  function focusBox(f) {
    const e = els.get(f);
    if (e && document.activeElement !== e.box) { e.box.focus(); }
  }
  function select(f, focus) {
    if (f !== selected) {
      applyPanel();  // flush edits of the previous field first
      const prev = selected;
      selected = f;
      if (f && f.page !== pageNo) { showPage(f.page); } else {
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
    const x = r1(clamp(b.x + dx, 0, pageW - b.w));
    const y = r1(clamp(b.y + dy, 0, pageH - b.h));
    if (x === b.x && y === b.y) { return; }
    const mx = x - b.x;
    const my = y - b.y;
    f.box = { x, y, w: b.w, h: b.h };
    f.options = f.options.map((o) => ({ ...o, box: { ...o.box, x: r1(o.box.x + mx), y: r1(o.box.y + my) } }));
    changed(f, "box");
  }
  function resizeBy(f, dw, dh) {
    const b = f.box;
    const w = r1(clamp(b.w + dw, MIN, pageW - b.x));
    const h = r1(clamp(b.h + dh, MIN, pageH - b.y));
    if (w === b.w && h === b.h) { return; }
    f.box = { x: b.x, y: b.y, w, h };
    changed(f, "box");
  }
  function confirmGuesses(f) {
    if (!f.guessed.length) { return; }
    f.guessed = [];
    changed(f, null);
  }
  function removeField(f) {
    if (!window.confirm("項目「" + f.label + "」を削除しますか？")) { return; }
    const onPage = fieldsOn(pageNo);
    const i = onPage.indexOf(f);
    data.fields.splice(data.fields.indexOf(f), 1);
    errors.delete(f);
    selected = null;
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

  // --- side panel ----------------------------------------------------------------------------
  const num = (id) => $(id).value.trim() === "" ? NaN : Number($(id).value);
  function optionRow(o, i) {
    const tr = el("tr");
    const cell = (cls, value, type) => {
      const input = el("input", cls);
      input.value = value;
      if (type) { input.type = type; input.step = "0.1"; }
      input.dataset.index = String(i);
      const td = el("td");
      td.append(input);
      tr.append(td);
    };
    cell("te-o-value", o.value);
    cell("te-o-label", o.label);
    ["x", "y", "w", "h"].forEach((k) => cell("te-o-" + k, o.box[k], "number"));
    const del = el("button", "te-o-del", "削除");
    del.type = "button";
    del.addEventListener("click", () => {
      applyPanel();
      selected.options.splice(i, 1);
      rebuild();
      changed(selected, "options");
    });
    const td = el("td");
    td.append(del);
    tr.append(td);
    return tr;
  }
  function fillPanel() {
    const f = selected;
    $("te-fieldset").disabled = !f;
    $("te-none").hidden = !!f;
    if (!f) { return; }
    $("te-f-id").value = f.id;
    $("te-f-label").value = f.label;
    $("te-f-kind").value = f.kind;
    if ($("te-f-page")) { $("te-f-page").value = String(f.page); }
    $("te-f-required").checked = !!f.required;
    $("te-f-personal").checked = !!f.personal;
    $("te-f-cells").value = f.cells === null || f.cells === undefined ? "" : String(f.cells);
    $("te-f-era").value = f.fixed_era || "";
    $("te-f-review").value = f.review || "auto";
    ["x", "y", "w", "h"].forEach((k) => { $("te-f-" + k).value = String(f.box[k]); });
    const rows = $("te-opts").rows;
    if (rows.length === f.options.length) {
      f.options.forEach((o, i) => {  // in place: the focus stays in the table
        const set = (k, v) => { rows[i].querySelector(".te-o-" + k).value = String(v); };
        set("value", o.value);
        set("label", o.label);
        ["x", "y", "w", "h"].forEach((k) => set(k, o.box[k]));
      });
    } else {
      $("te-opts").replaceChildren(...f.options.map(optionRow));
    }
    $("te-opts-wrap").hidden = !isChoice(f) && !f.options.length;
    $("te-f-guessed").textContent = f.guessed.length
      ? "未確認の推測：" + f.guessed.map((a) => GUESS_JA[a] || a).join("・") : "推測はすべて確認済みです";
    $("te-f-guessed").classList.toggle("te-guess-open", f.guessed.length > 0);
    $("te-confirm").disabled = !f.guessed.length;
    $("te-f-error").textContent = errors.get(f) || "";
  }
  function readOptions() {
    return Array.from($("te-opts").rows).map((tr) => {
      const v = (cls) => tr.querySelector("." + cls).value;
      const box = {};
      ["x", "y", "w", "h"].forEach((k) => { box[k] = Number(v("te-o-" + k)); });
      return { value: v("te-o-value").trim(), label: v("te-o-label").trim(), box };
    });
  }
  function setKind(f, kind) {
    f.kind = kind;
    if (isChoice(f) && f.options.length < 2) {
      const b = f.box;
      const s = Math.max(MIN, Math.min(4, b.h));
      f.options = [0, 1].map((i) => ({ value: String(i + 1), label: "選択肢" + (i + 1),
        box: { x: r1(b.x + 1 + i * b.w / 2), y: r1(b.y + (b.h - s) / 2), w: s, h: s } }));
    } else if (!isChoice(f) && f.options.length) {
      f.options = [];
      f.mark_style = "box";
    }
    if (kind !== "wareki_date") { f.era_field = null; f.fixed_era = null; }
    if (kind === "my_number" && f.cells !== null && f.cells !== 12) { f.cells = 12; }
  }
  function applyPanel() {
    const f = selected;
    if (!f || $("te-fieldset").disabled) { return; }
    const touched = new Set();
    let problem = "";
    const id = $("te-f-id").value.trim();
    if (id !== f.id) {
      data.fields.forEach((g) => { if (g.era_field === f.id) { g.era_field = id; } });
      f.id = id;
      touched.add("id");
    }
    const label = $("te-f-label").value.trim();
    if (label !== f.label) { f.label = label; touched.add("label"); }
    const box = { x: num("te-f-x"), y: num("te-f-y"), w: num("te-f-w"), h: num("te-f-h") };
    if (Object.values(box).some((v) => !Number.isFinite(v))) {
      problem = "枠の位置と大きさには数値を入力してください";
    } else if (["x", "y", "w", "h"].some((k) => box[k] !== f.box[k])) {
      f.box = box;
      touched.add("box");
    }
    const opts = readOptions();
    if (opts.some((o) => Object.values(o.box).some((v) => !Number.isFinite(v)))) {
      problem = "選択肢の枠には数値を入力してください";
    } else if (JSON.stringify(opts) !== JSON.stringify(f.options.map((o) => ({ value: o.value, label: o.label,
      box: { x: o.box.x, y: o.box.y, w: o.box.w, h: o.box.h } })))) {
      f.options = opts;
      touched.add("options");
    }
    const before = f.options.length;
    const kind = $("te-f-kind").value;
    if (kind !== f.kind) { setKind(f, kind); touched.add("kind"); }
    const cellsText = $("te-f-cells").value.trim();
    const cells = cellsText === "" ? null : Number(cellsText);
    if (cells !== null && !Number.isInteger(cells)) {
      problem = "マス数には整数を入力してください";
    } else if (cells !== (f.cells ?? null)) { f.cells = cells; touched.add("cells"); }
    const era = $("te-f-era").value || null;  // an era printed on the form (令和　年　月　日)
    if (era !== (f.fixed_era ?? null)) { f.fixed_era = era; touched.add("fixed_era"); }
    const other = { required: $("te-f-required").checked, personal: $("te-f-personal").checked,
      review: $("te-f-review").value };
    if ($("te-f-page")) { other.page = Number($("te-f-page").value); }
    Object.entries(other).forEach(([k, v]) => {
      if (v !== (f[k] ?? (k === "review" ? "auto" : false))) { f[k] = v; touched.add(k); }
    });
    if (touched.size) {
      f.guessed = f.guessed.filter((a) => !touched.has(a));
      if (f.page !== pageNo) { showPage(f.page); } else if (before !== f.options.length ||
        touched.has("options")) { rebuild(); }
      changed(f, null);
    }
    $("te-f-error").textContent = problem || errors.get(f) || "";
  }

  // --- mouse ---------------------------------------------------------------------------------
  function startDrag(ev, f, mode, optIndex) {
    if (ev.button !== 0) { return; }
    ev.preventDefault();
    ev.stopPropagation();
    select(f, true);
    const target = mode.startsWith("opt") ? f.options[optIndex].box : f.box;
    drag = { f, mode, optIndex, x0: ev.clientX, y0: ev.clientY, orig: { ...target },
      origOpts: f.options.map((o) => ({ ...o.box })), moved: false };
    layer.setPointerCapture(ev.pointerId);
  }
  function mmAt(ev) {
    const r = layer.getBoundingClientRect();
    return { x: snap((ev.clientX - r.left) / scale), y: snap((ev.clientY - r.top) / scale) };
  }
  layer.addEventListener("pointerdown", (ev) => {
    if (ev.target !== layer || ev.button !== 0) { return; }
    ev.preventDefault();
    const band = el("div", "te-band");
    layer.append(band);
    drag = { mode: "new", start: mmAt(ev), x0: ev.clientX, y0: ev.clientY, band, moved: false };
    layer.setPointerCapture(ev.pointerId);
  });
  function bandBox(d, ev) {
    const a = d.start;
    const b = mmAt(ev);
    const x = clamp(Math.min(a.x, b.x), 0, pageW);
    const y = clamp(Math.min(a.y, b.y), 0, pageH);
    return { x: r1(x), y: r1(y), w: r1(Math.min(Math.max(a.x, b.x), pageW) - x),
      h: r1(Math.min(Math.max(a.y, b.y), pageH) - y) };
  }
  layer.addEventListener("pointermove", (ev) => {
    if (!drag) { return; }
    if (!drag.moved && Math.abs(ev.clientX - drag.x0) < 3 && Math.abs(ev.clientY - drag.y0) < 3) { return; }
    drag.moved = true;
    if (drag.mode === "new") { place(drag.band, bandBox(drag, ev)); return; }
    const dx = snap((ev.clientX - drag.x0) / scale);
    const dy = snap((ev.clientY - drag.y0) / scale);
    const { f, orig } = drag;
    if (drag.mode === "move") {
      const x = r1(clamp(orig.x + dx, 0, pageW - orig.w));
      const y = r1(clamp(orig.y + dy, 0, pageH - orig.h));
      f.box = { ...orig, x, y };
      f.options = f.options.map((o, i) => ({ ...o, box: { ...drag.origOpts[i],
        x: r1(drag.origOpts[i].x + x - orig.x), y: r1(drag.origOpts[i].y + y - orig.y) } }));
    } else if (drag.mode === "resize") {
      f.box = { ...orig, w: r1(clamp(orig.w + dx, MIN, pageW - orig.x)), h: r1(clamp(orig.h + dy, MIN, pageH - orig.y)) };
    } else {
      const o = f.options[drag.optIndex];
      o.box = drag.mode === "opt-move"
        ? { ...orig, x: r1(clamp(orig.x + dx, 0, pageW - orig.w)), y: r1(clamp(orig.y + dy, 0, pageH - orig.h)) }
        : { ...orig, w: r1(clamp(orig.w + dx, MIN, pageW - orig.x)), h: r1(clamp(orig.h + dy, MIN, pageH - orig.y)) };
    }
    update(f);
  });
  function endDrag(ev, cancelled) {
    if (!drag) { return; }
    const d = drag;
    drag = null;
    if (layer.hasPointerCapture(ev.pointerId)) { layer.releasePointerCapture(ev.pointerId); }
    if (d.mode === "new") {
      d.band.remove();
      const b = bandBox(d, ev);
      if (!cancelled && d.moved && b.w >= 2 && b.h >= 2) { addField(b); }
      return;
    }
    if (d.moved) { changed(d.f, d.mode.startsWith("opt") ? "options" : "box"); }
    focusBox(d.f);
  }
  layer.addEventListener("pointerup", (ev) => endDrag(ev, false));
  layer.addEventListener("pointercancel", (ev) => endDrag(ev, true));
  function addField(box) {
    let n = data.fields.length + 1;
    const ids = new Set(data.fields.map((f) => f.id));
    while (ids.has("field_" + n)) { n += 1; }
    const f = { id: "field_" + n, label: "新しい項目", kind: "text", page: pageNo, box, required: false,
      review: "auto", cells: null, options: [], mark_style: "box", personal: false, guessed: [] };
    data.fields.push(f);
    $("te-dirty").hidden = false;
    rebuild();
    select(f, true);
    refreshSummary();
    $("te-f-label").focus();
    $("te-f-label").select();
  }

  // --- saving --------------------------------------------------------------------------------
  // A plain form post (the CSP allows no fetch): the server answers with this page again,
  // showing either the new version or the errors next to the fields, edits kept.
  function save(activate) {
    applyPanel();
    if (activate && !window.confirm("運用を開始すると、この版が読み取りに使われます。よろしいですか？")) { return; }
    const form = $("te-save-form");
    form.elements.activate.value = activate ? "1" : "0";
    form.elements.focus_field.value = selected ? selected.id : "";
    form.elements.template.value = JSON.stringify(data);
    $("te-save").disabled = true;
    $("te-activate").disabled = true;
    status.textContent = "保存しています…";
    form.submit();
  }
  function showErrors() {
    let list = [];
    try { list = JSON.parse(root.dataset.errors || "[]"); } catch (err) { list = []; }
    list.forEach((e) => {
      const f = data.fields[e.index];
      if (f) { errors.set(f, errors.has(f) ? errors.get(f) + "／" + e.message : e.message); }
    });
    return data.fields.find((f) => errors.has(f)) || null;
  }

  // --- wiring --------------------------------------------------------------------------------
  const form = $("te-form");
  form.addEventListener("submit", (ev) => { ev.preventDefault(); applyPanel(); if (selected) { focusBox(selected); } });
  form.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.key === "Enter" && (t.tagName === "INPUT" || t.tagName === "SELECT")) {
      ev.preventDefault();
      applyPanel();
      if (selected) { focusBox(selected); }
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      fillPanel();
      if (selected) { focusBox(selected); }
    }
  });
  form.addEventListener("change", () => applyPanel());
  $("te-confirm").addEventListener("click", () => { if (selected) { confirmGuesses(selected); focusBox(selected); } });
  $("te-delete").addEventListener("click", () => { if (selected) { removeField(selected); } });
  $("te-opt-add").addEventListener("click", () => {
    applyPanel();
    const f = selected;
    const last = f.options[f.options.length - 1];
    const b = last ? last.box : { x: f.box.x, y: f.box.y, w: 4, h: 4 };
    const values = new Set(f.options.map((o) => o.value));
    let n = f.options.length + 1;
    while (values.has(String(n))) { n += 1; }
    f.options.push({ value: String(n), label: "選択肢" + n,
      box: { x: r1(clamp(b.x + b.w + 2, 0, pageW - b.w)), y: b.y, w: b.w, h: b.h } });
    rebuild();
    changed(f, "options");
  });
  $("te-save").addEventListener("click", () => save(false));
  $("te-activate").addEventListener("click", () => save(true));
  if (pageSelect) {
    pageSelect.addEventListener("change", () => {
      applyPanel();
      showPage(Number(pageSelect.value));
      const first = fieldsOn(pageNo)[0];
      if (first) { select(first); }
    });
  }
  $("te-zoom").addEventListener("change", () => {
    zoom = Number($("te-zoom").value) || 1;
    layout();
    data.fields.forEach(update);
  });
  window.addEventListener("resize", () => { layout(); data.fields.forEach(update); });

  layout();
  showPage(1);
  const failed = showErrors();
  refreshList();
  refreshSummary();
  const wanted = data.fields.find((f) => f.id === root.dataset.focus);
  const first = failed || wanted || fieldsOn(1)[0];
  if (first) { select(first, true); }
  root.dataset.ready = "1";
}());
