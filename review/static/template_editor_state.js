// yomitori template editor: shared state, constants, page elements and small helpers.
// Imported by every other template_editor_*.js module; imports nothing itself. The mutable
// state lives in the exported object S (an importer cannot reassign another module's `let`);
// initState() fills it from the page and is called once by the entry module template_editor.js.
export const $ = (id) => document.getElementById(id);
export const GUESS_JA = { id: "項目ID", label: "項目名", kind: "種類", box: "枠", options: "選択肢" };
export const CHOICE = ["choice", "multi_choice"];
export const STEP = 0.5;  // mm per arrow key
export const BIG = 5;     // mm per Shift+arrow
export const MIN = 1;     // smallest box side, mm

// Page elements (modules run after the document is parsed). Null off the editor page.
export const root = $("te-editor");
export const layer = $("te-layer");
export const canvas = $("te-canvas");
export const wrap = $("te-wrap");
export const pageSelect = $("te-page");
export const status = $("te-save-status");

export const S = {
  data: null,          // the template being edited (parsed from root.dataset.template)
  version: 0,
  pageW: 0,            // page size, mm
  pageH: 0,
  pageNo: 1,
  zoom: 1,
  scale: 1,            // px per mm
  selected: null,      // an element of S.data.fields
  errors: new Map(),   // field → Japanese message from the last save
  drag: null,          // the mouse drag in progress, if any
  els: new Map(),      // field → {box, tag, opts}
};

export function initState() {
  S.data = JSON.parse(root.dataset.template);
  S.version = Number(root.dataset.version);
  [S.pageW, S.pageH] = S.data.page_size_mm;
}

export const r1 = (v) => Math.round(v * 10) / 10;
export const snap = (v) => Math.round(v / STEP) * STEP;
export const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(lo, hi));
export const fieldsOn = (n) => S.data.fields.filter((f) => f.page === n);
export const isChoice = (f) => CHOICE.includes(f.kind);
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined) { e.textContent = text; }
  return e;
}
