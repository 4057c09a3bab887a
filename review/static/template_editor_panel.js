// yomitori template editor: the side panel for the selected field — filling it from the field
// (fillPanel, optionRow), reading edits back (applyPanel, readOptions) and changing its kind.
// Template data reaches the panel only through .value and textContent.
import { $, GUESS_JA, MIN, S, el, isChoice, r1 } from "./template_editor_state.js";
import { changed, rebuild, showPage } from "./template_editor_boxes.js";

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
    S.selected.options.splice(i, 1);
    rebuild();
    changed(S.selected, "options");
  });
  const td = el("td");
  td.append(del);
  tr.append(td);
  return tr;
}
export function fillPanel() {
  const f = S.selected;
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
  $("te-f-error").textContent = S.errors.get(f) || "";
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
export function applyPanel() {
  const f = S.selected;
  if (!f || $("te-fieldset").disabled) { return; }
  const touched = new Set();
  let problem = "";
  const id = $("te-f-id").value.trim();
  if (id !== f.id) {
    S.data.fields.forEach((g) => { if (g.era_field === f.id) { g.era_field = id; } });
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
    if (f.page !== S.pageNo) { showPage(f.page); } else if (before !== f.options.length ||
      touched.has("options")) { rebuild(); }
    changed(f, null);
  }
  $("te-f-error").textContent = problem || S.errors.get(f) || "";
}
